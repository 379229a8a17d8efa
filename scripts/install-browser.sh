#!/usr/bin/env bash
# Debian's Chromium and a Chinese font for the browser tests and screenshots.
# Playwright drives /usr/bin/chromium; `playwright install` is never used (no browser downloads).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
else
  echo "install-browser: not root or no apt-get; browser tests will skip (and fail when CI=true)" >&2
fi
