#!/usr/bin/env bash
# USAGE: npm run test:operators -- [--grep <pattern>] (mocha options)
# npm run test:operators — builds (or reuses) the simulated cluster's parts and the operators from their
# Go modules (test/real/tools/toolchain.sh), then runs test/operators/*.operators.ts in a loopback-only
# network namespace: a stack applied by a real `pulumi up` (platform.ts), the real operators run out of
# cluster against it, and what they make compared with what the docs promise. Writes
# out/real/operators-report.json (docs/real-tiers.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$(date +%s)
# The simulated cluster and a real `pulumi up`, then each operator the checks run.
bash test/real/tools/toolchain.sh etcd kube-apiserver pulumi kubernetes-provider kube-controller-manager kube-scheduler kwok local-path-provisioner postgres-operator \
  prometheus-operator prometheus rollouts-controller
# The postgres-operator check's stand-in Postgres: Debian's, as `npm run test:ha` installs it.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v openssl >/dev/null; then
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends postgresql openssl >/dev/null
fi
built=$(date +%s)
echo "[test:operators] toolchain: $((built - start))s"
node scripts/run.js test/real/tools/tools.ts >/dev/null
# Argo Rollouts' analysis queries a real Prometheus: Debian's package, installed as test:upstream installs it
# (here, outside the loopback-only namespace the checks run in).
command -v prometheus >/dev/null || node -r ts-node/register/transpile-only -e 'require("./test/upstream/promtool").ensurePromtool()'
rc=0
bash test/real/tools/netns-mocha.sh test:operators test/operators/mocharc.json "$@" || rc=$?
echo "[test:operators] tests: $(( $(date +%s) - built ))s, total $(( $(date +%s) - start ))s"
exit $rc
