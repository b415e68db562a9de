#!/usr/bin/env bash
# Peers for bench/tftp.ts: tftpd-hpa (in.tftpd), dnsmasq (dnsmasq-base: the
# binary without a system service), curl, util-linux taskset. Idempotent.
set -euo pipefail
need=()
command -v in.tftpd >/dev/null 2>&1 || [ -x /usr/sbin/in.tftpd ] || need+=(tftpd-hpa)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "bench/tftp.ts needs: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The tftpd-hpa package may start a system daemon on :69; the bench runs its own in a namespace.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now tftpd-hpa >/dev/null 2>&1 || true; fi
