#!/usr/bin/env bash
# System packages: Debian's Chromium for the browser tests, and DejaVu fonts so that maps and
# pages show Vietnamese diacritics (matplotlib carries its own DejaVu Sans; Chromium needs the
# system's). Idempotent: each package is checked on its own and only missing ones are installed.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q "install ok installed" \
  || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
