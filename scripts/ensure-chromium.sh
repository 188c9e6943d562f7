#!/usr/bin/env bash
# Finds a Chromium for the dashboard browser tests, installing Debian's `chromium` package when none is there.
# Prints the executable's path on stdout (progress goes to stderr). Honours CHROMIUM_PATH.
set -euo pipefail
say() { echo "ensure-chromium: $*" >&2; }

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  say "no Chromium found and no apt-get to install one; install Chromium and set CHROMIUM_PATH"
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo -n); else
    say "no Chromium found; run as root or install Debian's chromium package (apt-get install chromium)"
    exit 1
  fi
fi
say "no Chromium found: installing Debian's chromium package with apt-get (once; the browser tests need it)"
"${sudo_cmd[@]}" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium >/dev/null
say "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
echo /usr/bin/chromium
