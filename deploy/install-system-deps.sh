#!/usr/bin/env bash
# Debian packages the test suite needs, each checked on its own and installed only when missing
# (idempotent: a second run does nothing and needs no network).
#   chromium           browser tests (Playwright drives Debian's Chromium)
#   nginx              `nginx -t` checks deploy/nginx-pcgd.conf
#   systemd            `systemd-analyze verify` checks deploy/pcgd.service
#   postgresql-client  pg_dump/pg_restore/psql for a DATABASE_URL server (pcgd backup/restore;
#                      the embedded server's own PostgreSQL 16 tools ship with pgserver)
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have chromium || missing+=(chromium)
have nginx || missing+=(nginx)
have systemd-analyze || missing+=(systemd)
have pg_dump || missing+=(postgresql-client)
[ "${#missing[@]}" -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
# policy-rc.d (containers) or a later `systemctl disable` keeps a test machine's nginx unstarted;
# the tests only run `nginx -t` on their own configuration.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
