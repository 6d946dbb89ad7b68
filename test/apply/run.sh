#!/usr/bin/env bash
# USAGE: npm run test:apply -- [--grep <pattern>] (mocha options; KUBECHAT_APPLY_STACKS=dev,staging limits the stacks)
# npm run test:apply — builds (or reuses) the real toolchain, then runs test/apply/*.apply.ts: each
# stack applied with the real Pulumi CLI, provider and policy pack to a simulated cluster of real
# Kubernetes parts (see docs/real-tiers.md). The tests run in a network namespace of their own whose
# only interface is loopback: every server binds 127.0.0.1, and nothing they dial can leave the machine.
#
# Two groups run side by side, each with its own simulated clusters (their phases mostly wait on awaits,
# so the machine has room): the stacks' own checks (apply.apply.ts), and the offline install and the
# upgrades (airgap.apply.ts, upgrade.apply.ts). Their output is prefixed [stacks] / [install+upgrade].
# The speed check's two timed operations (a stack's first `pulumi up`, the plain way) hold a lock the
# other group's heavy steps also take, so its ratio compares like with like (test/apply/apart.ts).
#   KUBECHAT_APPLY_SERIAL=1   one group after the other, in one mocha run (unprefixed output)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$(date +%s)
bash test/real/tools/toolchain.sh etcd kube-apiserver kube-controller-manager kube-scheduler kwok local-path-provisioner pulumi kubernetes-provider
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
stacks=(test/apply/apply.apply.ts)
rest=(test/apply/airgap.apply.ts test/apply/upgrade.apply.ts)
rc=0
if [ "${KUBECHAT_APPLY_SERIAL:-}" = 1 ]; then
    bash test/real/tools/netns-mocha.sh test:apply test/apply/mocharc.json "${rest[@]}" "${stacks[@]}" "$@" || rc=$?
else
    group() {
        local label="$1"; shift
        set -o pipefail
        bash test/real/tools/netns-mocha.sh test:apply test/apply/mocharc.json "$@" 2>&1 | sed -u "s/^/[$label] /"
    }
    # The speed check's timed operations and the other group's heavy steps never overlap (test/apply/apart.ts).
    apart_dir=$(mktemp -d /tmp/kubechat-apply-apart.XXXXXX)
    trap 'rm -rf "$apart_dir"' EXIT
    export KUBECHAT_APPLY_APART_LOCK="$apart_dir/lock"
    group stacks "${stacks[@]}" "$@" & a=$!
    group install+upgrade "${rest[@]}" "$@" & b=$!
    wait $a || rc=$?
    wait $b || rc=$?
fi
echo "[test:apply] tests: $(( $(date +%s) - built ))s, total $(( $(date +%s) - start ))s"
exit $rc
