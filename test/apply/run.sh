#!/usr/bin/env bash
# USAGE: npm run test:apply -- [--grep <pattern>] (mocha options; KUBECHAT_APPLY_STACKS=dev,staging limits the stacks)
# npm run test:apply — builds (or reuses) the real toolchain, then runs test/apply/*.apply.ts: each
# stack applied with the real Pulumi CLI, provider and policy pack to a simulated cluster of real
# Kubernetes parts (see docs/real-tiers.md). The tests run in a network namespace of their own whose
# only interface is loopback: every server binds 127.0.0.1, and nothing they dial can leave the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$(date +%s)
bash test/real/tools/toolchain.sh
built=$(date +%s)
echo "[test:apply] toolchain: $((built - start))s"
# The offline-install check (test/apply/airgap.apply.ts) records what install.sh dials with strace (Debian).
if ! command -v strace >/dev/null; then
    sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends strace >/dev/null
fi
# esbuild's output for scripts/run.js is written now, while the network is still there (it needs none,
# but a first build in the namespace would be paid inside the measured operations).
node scripts/run.js test/real/tools/tools.ts >/dev/null
rc=0
bash test/real/tools/netns-mocha.sh test:apply test/apply/mocharc.json "$@" || rc=$?
echo "[test:apply] tests: $(( $(date +%s) - built ))s, total $(( $(date +%s) - start ))s"
exit $rc
