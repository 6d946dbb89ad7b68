#!/usr/bin/env bash
# npm run test:real — builds (or reuses) the real toolchain, then runs test/real/*.real.ts against a
# throw-away etcd + kube-apiserver on 127.0.0.1 (see docs/real-tiers.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
node scripts/run.js --check-node || exit 2   # Node 22 from node_modules/.bin (npm run puts it first on PATH)
start=$(date +%s)
bash test/real/tools/toolchain.sh etcd kube-apiserver pulumi kubernetes-provider
built=$(date +%s)
echo "[test:real] toolchain: $((built - start))s"
npx mocha --config test/real/mocharc.json "$@"
echo "[test:real] tests: $(( $(date +%s) - built ))s, total $(( $(date +%s) - start ))s"
