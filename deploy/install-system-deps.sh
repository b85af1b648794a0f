#!/usr/bin/env bash
# System packages the test suite needs, from Debian's archive, each checked and installed on its
# own (idempotent and quiet: nothing happens when everything is there):
#   chromium                          the browser tests
#   libreoffice-calc, libreoffice-writer  headless conversion of the forms (and dossier .docx) to PDF
#   poppler-utils                     pdftoppm, to look at the PDFs as pictures
set -euo pipefail

# package → a command (or file) that proves it is installed
declare -A PROVES=(
  [chromium]="chromium"
  [libreoffice-calc]="/usr/lib/libreoffice/program/scalc"
  [libreoffice-writer]="/usr/lib/libreoffice/program/swriter"
  [poppler-utils]="pdftoppm"
)
ORDER=(chromium libreoffice-calc libreoffice-writer poppler-utils)

present() {
  local proof="$1"
  if [[ "$proof" == /* ]]; then [ -e "$proof" ]; else command -v "$proof" >/dev/null 2>&1; fi
}

missing=()
for pkg in "${ORDER[@]}"; do
  present "${PROVES[$pkg]}" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# apt's chatter (debconf notes included) goes to a log that is shown only when something fails
run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }; }
run $SUDO apt-get update -qq
for pkg in "${missing[@]}"; do
  run $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg"
  present "${PROVES[$pkg]}" || { cat "$log" >&2; echo "installing $pkg did not provide ${PROVES[$pkg]}" >&2; exit 1; }
done
