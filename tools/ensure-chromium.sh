#!/usr/bin/env bash
# Makes sure headless Chromium and its WebDriver (Debian packages chromium and chromium-driver) are installed: the
# dashboard's end-to-end test drives a real browser. Run by the Node.Tests build before it compiles, so `dotnet test`
# works on a fresh machine; installs the packages when missing and this is root on Debian, otherwise says what to
# install and leaves the build alone (the test then fails saying what is missing).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver (Debian) for the dashboard's browser test" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  command -v chromedriver >/dev/null 2>&1 && exit 0
fi
echo "warning: chromium/chromedriver are missing and cannot be installed here (needs root and apt-get): install Debian's chromium and chromium-driver packages, or the dashboard test fails" >&2
exit 0
