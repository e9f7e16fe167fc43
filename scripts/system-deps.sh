#!/usr/bin/env bash
# Make sure the Debian packages bcf-docgen needs are present.
#
#   scripts/system-deps.sh build   what building documents needs (fonts, Pango for WeasyPrint, venv)
#   scripts/system-deps.sh test    the above plus what the tests read outputs back with
#                                  (LibreOffice headless, poppler's pdftoppm/pdffonts)
#
# Run as root it installs what is missing with apt-get; otherwise it prints the exact
# apt-get line to run and exits 1, so `make` stops before anything half-works.
set -euo pipefail

want=(fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig)
if [ "${1:-build}" = "test" ]; then
  want+=(libreoffice-writer-nogui poppler-utils)
  want+=(python3-uno)  # the warm LibreOffice's client (render/uno_bridge.py) runs on it
  want+=(chromium)  # the headless browser tests/test_preview.py drives
fi
# Debian's python3 can only make a venv with python3-venv (ensurepip) installed.
if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  want+=(python3-venv)
fi
# LibreOffice is only worth installing when dpkg does not already have a LibreOffice writer.
missing=()
for pkg in "${want[@]}"; do
  if [ "$pkg" = libreoffice-writer-nogui ] && command -v soffice >/dev/null 2>&1; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in *"install ok installed"*) ;; *) missing+=("$pkg") ;; esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  $line
else
  echo "bcf-docgen needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo $line" >&2
  exit 1
fi
