#!/usr/bin/env bash
# Plants, one at a time, the bugs a test suite once let through (TFTP root
# confinement, lost fsyncs, DHCP option overload and long-option order, the
# SET access check), runs the tests that must catch each, and puts the file
# back. Exit 1 if any plant goes unnoticed, 2 if a plant no longer applies.
#   scripts/plant-check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
saved=$(mktemp -d)
current=''
restore() { [ -n "$current" ] && cp "$saved/file" "$current"; current=''; }
trap 'restore; rm -rf "$saved"' EXIT
missed=0

# plant NAME FILE PERL-EXPRESSION TEST-FILE...
plant() {
  local name=$1 file=$2 expr=$3; shift 3
  if ! git diff --quiet -- "$file"; then echo "$file has uncommitted changes: commit or stash them first" >&2; exit 2; fi
  cp "$file" "$saved/file"; current=$file
  perl -0pi -e "$expr" "$file"
  if cmp -s "$file" "$saved/file"; then echo "plant '$name' no longer applies to $file" >&2; restore; exit 2; fi
  local out
  if out=$(node --import tsx --test "$@" 2>&1); then
    echo "MISSED  $name"; missed=1
  else
    echo "caught  $name by:"; grep -E '^ *not ok' <<<"$out" | grep -v ' - /' | sed 's/^ */          /'
  fi
  restore
}

plant 'TFTP root check without the separator' src/tftp/files.ts \
  's/real\.startsWith\(root \+ sep\)/real.startsWith(root)/' test/unit/tftp-files.test.ts
plant 'no fsync of the temp file' src/store/atomic-file.ts \
  's/\n *await fh\.sync\(\);//' test/unit/store.test.ts
plant 'no fsync of the folder' src/store/atomic-file.ts \
  's/\n *await dh\.sync\(\);//' test/unit/store.test.ts
plant 'overload bits 1 and 2 swapped' src/dhcp/packet.ts \
  's/overload\[0\]! & 1\)/OVL_A/; s/overload\[0\]! & 2\)/overload[0]! & 1)/; s/OVL_A/overload[0]! & 2)/' test/unit/dhcp-packet.test.ts
plant 'long-option pieces joined in reverse' src/dhcp/packet.ts \
  's/Buffer\.concat\(\[prev, value\]\)/Buffer.concat([value, prev])/' test/unit/dhcp-packet.test.ts
plant 'SET access check dropped' src/snmp/access.ts \
  "s/\n *if \(who\.access !== 'rw'\) return 'noAccess';//" test/integration/agent-bad-community.test.ts test/unit/agent-process.test.ts
exit $missed
