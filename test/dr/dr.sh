#!/usr/bin/env bash
# npm run test:dr — disaster recovery measured, the data half: object store, WAL-G, total loss, point in time, logical backup (docs/restore.md).
# USAGE: npm run test:dr -- [--stack <on-prem stack>]
#
# Builds (once, into ~/.cache/kubechat-real, by test/real/tools/toolchain.sh) Versity's S3 gateway and
# WAL-G v3.0.8 (the pinned Spilo image's), installs what `npm run test:ha` installs (test/ha/setup.sh:
# Postgres, etcd, Patroni of the Spilo image) plus pigz and the AWS CLI of the operator's logical-backup
# image, prints every stack's backup settings (test/dr/config.ts) and runs test/dr/dr.py on 127.0.0.1:
# total loss and restore, point-in-time restore, logical backup and restore, restore speed. Then
# test/dr/report.ts writes out/real/dr-report.json and exits 1 naming every check that failed.
#
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

eval "$(bash test/real/tools/toolchain.sh --env)"
[ -x "$VERSITYGW" ] && [ -x "$WALG" ] || bash test/real/tools/toolchain.sh versitygw wal-g

stacks=(dev staging prod)
node -r ts-node/register/transpile-only test/dr/config.ts "${stacks[@]}" > "$work/config.json"
read -r patroni_version major < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))[sys.argv[2]]["patroni"]; print(s["patroniVersion"], s["postgresMajor"])' "$work/config.json" "$stack")

# shellcheck source=../../test/ha/setup.sh
source test/ha/setup.sh
ha_setup "$patroni_version" "$major" pigz
# The logical-backup image installs the AWS CLI from PyPI (`pip3 install awscli`, unpinned); pinned here.
awscli_version=1.46.2
aws_venv="${HA_CACHE:-/var/cache/kubechat-ha}/awscli-$awscli_version"
if ! [ -x "$aws_venv/bin/aws" ]; then
    echo "dr: installing the AWS CLI $awscli_version into $aws_venv"
    rm -rf -- "$aws_venv"
    /usr/bin/python3 -m venv "$aws_venv"
    "$aws_venv/bin/pip" install -q --disable-pip-version-check "awscli==$awscli_version"
fi
echo "dr: setup $(( $(date +%s) - start ))s (WAL-G $("$WALG" --version 2>&1 | awk '{print $3}'), versitygw $("$VERSITYGW" --version | sed -n 1p | awk '{print $3}'), Patroni $got, $pg_pkg, $("$aws_venv/bin/aws" --version 2>&1 | awk '{print $1}'))"

rc=0
"$venv/bin/python" test/dr/dr.py --config "$work/config.json" --stack "$stack" --pg-bin "$pg_bin" --patroni "$venv/bin/patroni" \
    --walg "$WALG" --versitygw "$VERSITYGW" --aws "$aws_venv/bin/aws" --work "$work" --out "$work/raw.json" || rc=$?
node -r ts-node/register/transpile-only test/dr/report.ts "$work/raw.json" "$work/config.json" out/real/dr-report.json || rc=1
echo "dr: total $(( $(date +%s) - start ))s"
exit $rc
