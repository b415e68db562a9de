#!/usr/bin/env bash
# Peers for bench/tftp.ts: tftpd-hpa (in.tftpd), dnsmasq (dnsmasq-base: the
# binary without a system service), curl, util-linux taskset. Idempotent.
# The tftpd-hpa package may start a system daemon on :69; the bench runs its own.
set -euo pipefail
exec bash "$(dirname "$0")/../scripts/apt-need.sh" --disable tftpd-hpa bench/tftp.ts \
  in.tftpd:tftpd-hpa dnsmasq:dnsmasq-base curl:curl taskset:util-linux ip:iproute2
