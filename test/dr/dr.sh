#!/usr/bin/env bash
# npm run test:dr — disaster recovery measured: the data half (object store, WAL-G, total loss, point in
# time, logical backup), then Velero (a backup from the stack's Schedule, a deleted namespace restored) (docs/restore.md).
# USAGE: npm run test:dr -- [--stack <on-prem stack>]
#
# Builds (once, into ~/.cache/kubechat-real, by test/real/tools/toolchain.sh) Versity's S3 gateway and
# WAL-G v3.0.8 (the pinned Spilo image's), installs what `npm run test:ha` installs (test/ha/setup.sh:
# Postgres, etcd, Patroni of the Spilo image) plus pigz and the AWS CLI of the operator's logical-backup
# image, prints every stack's backup settings (test/dr/config.ts) and runs test/dr/dr.py on 127.0.0.1:
# total loss and restore, point-in-time restore, logical backup and restore, restore speed. Then
# test/dr/report.ts writes out/real/dr-report.json and exits 1 naming every check that failed.
# Then the Velero part (test/dr/velero.dr.ts, in a loopback-only network namespace: test/real/tools/netns-mocha.sh):
# the stack applied by a real `pulumi up` to a simulated cluster (test:apply's parts), Velero's server and
# AWS plugin (built from their Go modules at the catalog's tags) run out of cluster against it and the
# same kind of store; it merges `veleroRestored` and `velero` into the report. On the same cluster it then
# runs docs/restore.md's cases 1, 3 and 2 from the document (test/dr/runbook.ts; the real postgres-operator
# out of cluster; case 3 on a new simulated cluster that replaces the lost one) and merges `runbookStepsRun`
# and `runbook`.
#
#   DR_PART=data|velero   run one part only (default: both, the data half first)
#   DR_STACK=staging      the stack whose settings the drill runs (on-prem: it names an S3-compatible store)
#   DR_BULK_MIB=256       data loaded before the base backup (the restore-speed sample)
#   DR_BUDGET=600         seconds of drill time before it gives up
#   DR_KEEP=1             keep the work directory (member, store and recovery logs)
set -euo pipefail
cd "$(dirname "$0")/../.."
node scripts/run.js --check-node || exit 2
start=$(date +%s)
stack="${DR_STACK:-staging}"
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) stack="${2:-}"; shift 2 ;;
        --stack=*) stack="${1#--stack=}"; shift ;;
        *) echo "dr: unknown argument $1 (usage: npm run test:dr [-- --stack <stack>])" >&2; exit 2 ;;
    esac
done
work="$(mktemp -d /tmp/kubechat-dr.XXXXXX)"
cleanup() { if [ -n "${DR_KEEP:-}" ]; then echo "dr: kept $work (DR_KEEP)"; else rm -rf -- "$work"; fi; }
trap cleanup EXIT

part="${DR_PART:-all}"
case "$part" in all|data|velero) ;; *) echo "dr: DR_PART must be data or velero (got $part)" >&2; exit 2 ;; esac
run_data() { [ "$part" != velero ]; }
run_velero() { [ "$part" != data ]; }

eval "$(bash test/real/tools/toolchain.sh --env)"
if run_data; then [ -x "$VERSITYGW" ] && [ -x "$WALG" ] || bash test/real/tools/toolchain.sh versitygw wal-g; fi
# The Velero part: the simulated cluster and a real `pulumi up` (test:apply's parts), Velero and its AWS plugin.
if run_velero; then
    bash test/real/tools/toolchain.sh etcd kube-apiserver pulumi kubernetes-provider kube-controller-manager kube-scheduler kwok \
        local-path-provisioner versitygw velero velero-plugin-for-aws postgres-operator
fi

# The logical-backup image installs the AWS CLI from PyPI (`pip3 install awscli`, unpinned); pinned here.
# Both parts make their buckets with it.
awscli_version=1.46.2
aws_venv="${HA_CACHE:-/var/cache/kubechat-ha}/awscli-$awscli_version"
if ! [ -x "$aws_venv/bin/aws" ]; then
    echo "dr: installing the AWS CLI $awscli_version into $aws_venv"
    rm -rf -- "$aws_venv"
    /usr/bin/python3 -m venv "$aws_venv"
    "$aws_venv/bin/pip" install -q --disable-pip-version-check "awscli==$awscli_version"
fi

rc=0
if run_data; then
    stacks=(dev staging prod)
    node -r ts-node/register/transpile-only test/dr/config.ts "${stacks[@]}" > "$work/config.json"
    read -r patroni_version major < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))[sys.argv[2]]["patroni"]; print(s["patroniVersion"], s["postgresMajor"])' "$work/config.json" "$stack")

    # shellcheck source=../../test/ha/setup.sh
    source test/ha/setup.sh
    ha_setup "$patroni_version" "$major" pigz
    echo "dr: setup $(( $(date +%s) - start ))s (WAL-G $("$WALG" --version 2>&1 | awk '{print $3}'), versitygw $("$VERSITYGW" --version | sed -n 1p | awk '{print $3}'), Patroni $got, $pg_pkg, $("$aws_venv/bin/aws" --version 2>&1 | awk '{print $1}'))"

    "$venv/bin/python" test/dr/dr.py --config "$work/config.json" --stack "$stack" --pg-bin "$pg_bin" --patroni "$venv/bin/patroni" \
        --walg "$WALG" --versitygw "$VERSITYGW" --aws "$aws_venv/bin/aws" --work "$work" --out "$work/raw.json" || rc=$?
    node -r ts-node/register/transpile-only test/dr/report.ts "$work/raw.json" "$work/config.json" out/real/dr-report.json || rc=1
    echo "dr: data half $(( $(date +%s) - start ))s"
fi

if run_velero; then
    velero_start=$(date +%s)
    DR_STACK="$stack" DR_AWS_CLI="$aws_venv/bin/aws" bash test/real/tools/netns-mocha.sh test:dr test/dr/mocharc.json || rc=1
    echo "dr: Velero part $(( $(date +%s) - velero_start ))s"
fi
echo "dr: total $(( $(date +%s) - start ))s"
exit $rc
