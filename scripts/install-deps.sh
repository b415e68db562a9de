#!/usr/bin/env bash
# Installs the Debian tools the tests and the lab use (net-snmp tools and
# agent, smilint, busybox, tftp-hpa, iproute2, curl; python3 for the raw-socket
# test, tar and gzip for rootfs fixtures; systemd-analyze and systemd-notify
# for the deploy/piman.service test; zsh for the completion test;
# isc-dhcp-relay's dhcrelay for the relay test, its system service
# disabled; promtool from prometheus to check the /metrics exposition;
# gcc and libc6-dev to build the native datagram path, native/udp-batch.c).
# Idempotent: does nothing,
# not even `apt-get update`, when everything is already there. The Debian
# snmpd package starts a system agent on :161, prometheus a server on :9090;
# both are stopped and disabled when just installed (the tests need neither).
set -euo pipefail
exec bash "$(dirname "$0")/apt-need.sh" --disable snmpd --disable isc-dhcp-relay --disable prometheus "piman's tests" \
  snmpget:snmp snmpd:snmpd snmptrapd:snmptrapd smilint:smitools \
  busybox:busybox tftp:tftp-hpa ip:iproute2 curl:curl \
  python3:python3-minimal tar:tar gzip:gzip systemd-analyze:systemd systemd-notify:systemd zsh:zsh \
  dhcrelay:isc-dhcp-relay promtool:prometheus cc:gcc /usr/include/stdio.h:libc6-dev
