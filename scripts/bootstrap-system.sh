#!/usr/bin/env bash
# System parts the tests need, from Debian packages: chromium (browser tests), CJK fonts
# (pages and PDFs in Chinese), poppler-utils (PDF checks). Idempotent and quiet; needs root
# (or sudo) only when something is missing.
set -euo pipefail
want=(chromium fonts-noto-cjk poppler-utils)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "==> apt-get install ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
