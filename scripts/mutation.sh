#!/usr/bin/env bash
# Mutation testing of the pure cores (README "Mutation testing").
#   bash scripts/mutation.sh                      every core in stryker.config.mjs
#   bash scripts/mutation.sh src/tftp/packet.ts   only the files a change touches
# Prints Stryker's per-file score table; the full report lands in reports/mutation/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ "$#" -gt 0 ]; then
  for f in "$@"; do
    [ -f "$f" ] || { echo "mutation: no such file: $f" >&2; exit 2; }
  done
  PIMAN_MUTATE="$(IFS=,; echo "$*")"
  export PIMAN_MUTATE
fi
exec npx stryker run stryker.config.mjs
