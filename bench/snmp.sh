#!/usr/bin/env bash
# Runs bench/snmp.ts inside a fresh network namespace holding 500 veth pairs,
# so snmpd's ifTable has 1,001 rows (like piman's 1,000-port table). Needs root.
# Removes the namespace (and with it every veth) on exit.
# BENCH_PIN (split,same | split | same | none), BENCH_ROUNDS (5) and
# BENCH_SECONDS (1 per measure and round) pass through to bench/snmp.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
ns="piman-snmpbench-$$"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
batch=$(mktemp)
for i in $(seq 1 500); do echo "link add va$i type veth peer name vb$i"; done > "$batch"
ip -n "$ns" -b "$batch"
rm -f "$batch"
ip -n "$ns" link set lo up
ip netns exec "$ns" node --import tsx bench/snmp.ts
