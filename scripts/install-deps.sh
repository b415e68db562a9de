#!/usr/bin/env bash
# Installs the Debian tools the tests and the lab use (net-snmp tools and
# agent, smilint, busybox, tftp-hpa, iproute2, curl). Idempotent: does nothing,
# not even `apt-get update`, when everything is already there.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have snmpget   || need+=(snmp)
have snmpd     || need+=(snmpd)
have snmptrapd || need+=(snmptrapd)
have smilint   || need+=(smitools)
have busybox   || need+=(busybox)
have tftp      || need+=(tftp-hpa)
have ip        || need+=(iproute2)
have curl      || need+=(curl)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "piman tests need these Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian snmpd package starts a system agent on :161; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now snmpd >/dev/null 2>&1 || true; fi
