#!/usr/bin/env bash
# The one test command (README, .ci/run): Debian tools, type check, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
# The native datagram path (npm's install built it already when a compiler was there); CI tests both paths.
node scripts/build-native.mjs $([ "${CI:-}" = true ] && echo --require)
npx tsc --noEmit -p .
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-timeout=300000 "${files[@]}"
