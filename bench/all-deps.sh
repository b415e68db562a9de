#!/usr/bin/env bash
# Peers and client tools of bench/all.ts (npm run bench), installed from Debian
# only when missing: snmpd and snmpbulkwalk, dnsmasq (dnsmasq-base: the binary
# without a system service), tftpd-hpa, Kea's DHCPv4 server and perfdhcp
# (kea-admin), curl, busybox (nc), taskset, iproute2, gcc and libc6-dev (the
# native datagram path piman builds at install). The system services the
# packages start are disabled: the bench runs its own, in its namespaces.
set -euo pipefail
exec bash "$(dirname "$0")/../scripts/apt-need.sh" \
  --disable tftpd-hpa --disable snmpd --disable kea-dhcp4-server \
  'npm run bench' \
  snmpd:snmpd snmpbulkwalk:snmp dnsmasq:dnsmasq-base in.tftpd:tftpd-hpa \
  kea-dhcp4:kea-dhcp4-server perfdhcp:kea-admin curl:curl busybox:busybox \
  taskset:util-linux ip:iproute2 gunzip:gzip tar:tar cc:gcc /usr/include/stdio.h:libc6-dev
