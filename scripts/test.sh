#!/usr/bin/env bash
# npm test: the one type check (tsc --noEmit) and the mocha suite (transpile-only) side by side, so
# the two cores overlap them; fails when either fails. Arguments go to mocha (e.g. --grep egress).
set -uo pipefail
cd "$(dirname "$0")/.."
node scripts/run.js --check-node || exit 2   # Node 22 from node_modules/.bin (npm run puts it first on PATH)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
npx tsc -p tsconfig.check.json --noEmit >"$log" 2>&1 &
tsc=$!
npx mocha "$@"
mocha=$?
wait "$tsc"
types=$?
if [ "$types" -ne 0 ]; then cat "$log"; echo "npm test: the type check failed (npm run typecheck)"; fi
[ "$mocha" -eq 0 ] && [ "$types" -eq 0 ]
