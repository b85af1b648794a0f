#!/usr/bin/env bash
# Debian packages the product and its tests need, each checked on its own and installed only when
# missing (idempotent and quiet: a second run does nothing and needs no network).
#   chromium                             browser tests (Playwright drives Debian's Chromium)
#   fonts-dejavu-core                    Vietnamese diacritics on pages and maps
#   libreoffice-calc, libreoffice-writer headless conversion of forms (.xlsx) and dossier (.docx)
#   poppler-utils                        pdftoppm, to look at those PDFs as pictures
#   nginx                                `nginx -t` checks deploy/nginx-pcgd.conf
#   systemd                              `systemd-analyze verify` checks deploy/pcgd.service
#   postgresql-client                    pg_dump/pg_restore/psql for a DATABASE_URL server (pcgd
#                                        backup/restore; the embedded server ships its own tools)
set -euo pipefail

# package → a command (or file) that proves it is installed
declare -A PROVES=(
  [chromium]="chromium"
  [fonts-dejavu-core]="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
  [libreoffice-calc]="/usr/lib/libreoffice/program/scalc"
  [libreoffice-writer]="/usr/lib/libreoffice/program/swriter"
  [poppler-utils]="pdftoppm"
  [nginx]="/usr/sbin/nginx"
  [systemd]="systemd-analyze"
  [postgresql-client]="pg_dump"
)
ORDER=(chromium fonts-dejavu-core libreoffice-calc libreoffice-writer poppler-utils nginx systemd
       postgresql-client)

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
echo "installing: ${missing[*]}" >&2
# another apt run (a second worktree, unattended upgrades) holds the lock: wait for it
WAIT=(-o DPkg::Lock::Timeout=900)
run $SUDO apt-get "${WAIT[@]}" update -qq
# policy-rc.d (containers) keeps a test machine's nginx unstarted; tests only run `nginx -t`.
run $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "${WAIT[@]}" install -y -qq --no-install-recommends \
  "${missing[@]}"
for pkg in "${missing[@]}"; do
  present "${PROVES[$pkg]}" || { cat "$log" >&2; echo "installing $pkg did not provide ${PROVES[$pkg]}" >&2; exit 1; }
done
