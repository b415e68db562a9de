#!/usr/bin/env bash
# Installs the Debian packages whose commands are missing, and nothing else:
# no `apt-get update` when all are there. Shared by the tests and the benches.
#   scripts/apt-need.sh [--disable SERVICE]... WHO COMMAND:PACKAGE...
# A COMMAND that starts with / is a file the package provides (a header).
# WHO names the user of the packages in the error shown without root.
# --disable stops and disables a system service the package starts (the
# tests and benches run their own on other ports), only when just installed.
set -euo pipefail
disable=()
while [ "${1:-}" = --disable ]; do disable+=("$2"); shift 2; done
who=$1; shift
need=()
for pair in "$@"; do
  cmd=${pair%%:*}
  # sbin tools (in.tftpd, dnsmasq) are not on every user's PATH
  if [ "${cmd:0:1}" = / ]; then [ -e "$cmd" ] || need+=("${pair#*:}"); continue; fi
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("${pair#*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "$who needs these Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if command -v systemctl >/dev/null 2>&1; then
  for s in "${disable[@]}"; do systemctl disable --now "$s" >/dev/null 2>&1 || true; done
fi
