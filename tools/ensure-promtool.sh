#!/usr/bin/env bash
# Makes sure `promtool` (Debian package prometheus) is on the PATH: the Node tests check the /metrics exposition
# format with it. Run by the Node.Tests build before it compiles, so `dotnet test` works on a fresh machine; installs
# the package when it is missing and this is root on Debian, otherwise says what to install and leaves the build alone.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus) for the metrics format test" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  command -v promtool >/dev/null 2>&1 && exit 0
fi
echo "warning: promtool is missing and cannot be installed here (needs root and apt-get): install Debian's prometheus package, or the metrics format test fails" >&2
exit 0
