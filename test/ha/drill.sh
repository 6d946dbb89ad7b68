#!/usr/bin/env bash
# npm run test:ha — the Postgres failover drill (docs/ha.md).
# USAGE: npm run test:ha -- [--dcs <etcd|kubernetes>] [--scenarios <set-or-names>]
#
# Installs what it needs (Debian: postgresql, etcd-server, pgbouncer, python3-venv; PyPI: Patroni at
# exactly the version the pinned Spilo image ships) into a cache outside the checkout, prints the
# stack's effective Patroni configuration and runs test/ha/drill.py on 127.0.0.1 with it.
# `--dcs kubernetes` runs Patroni's Kubernetes DCS (production's) against a real kube-apiserver and
# etcd, built from their Go modules by test/real/tools/toolchain.sh into its cache (skipped when built).
#
#   HA_STACK=prod             stack whose settings the drill runs (default prod)
#   HA_SPILO=repo:tag         pretend the stack pins another Spilo image (e.g. ghcr.io/zalando/spilo-17:4.0-p3)
#   HA_CACHE=/var/cache/...   where Patroni virtualenvs live (default /var/cache/kubechat-ha)
#   HA_KEEP=1                 keep the work directory (member, DCS and PgBouncer logs) after the run
set -euo pipefail
cd "$(dirname "$0")/../.."
node scripts/run.js --check-node || exit 2   # Node 22 from node_modules/.bin (npm run puts it first on PATH)
start=$(date +%s)
stack="${HA_STACK:-prod}"
work="$(mktemp -d /tmp/kubechat-ha.XXXXXX)"
cleanup() { if [ -n "${HA_KEEP:-}" ]; then echo "drill: kept $work (HA_KEEP)"; else rm -rf -- "$work"; fi; }
trap cleanup EXIT

dcs=etcd
drill_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dcs) dcs="${2:-}"; shift 2 ;;
        --dcs=*) dcs="${1#--dcs=}"; shift ;;
        --scenarios) drill_args+=(--scenarios "${2:-}"); shift 2 ;;
        --scenarios=*) drill_args+=(--scenarios "${1#--scenarios=}"); shift ;;
        *) echo "drill: unknown argument $1 (usage: npm run test:ha [-- --dcs etcd|kubernetes] [--scenarios a,b])" >&2; exit 2 ;;
    esac
done
case "$dcs" in
    etcd) ;;
    kubernetes)
        # The same kube-apiserver and etcd test:real uses; builds them only when missing.
        eval "$(bash test/real/tools/toolchain.sh --env)"
        [ -x "$KUBE_APISERVER" ] && [ -x "$ETCD" ] || bash test/real/tools/toolchain.sh etcd kube-apiserver
        drill_args+=(--dcs kubernetes --etcd-bin "$ETCD" --apiserver-bin "$KUBE_APISERVER") ;;
    *) echo "drill: --dcs must be etcd or kubernetes, not '$dcs'" >&2; exit 2 ;;
esac

spilo_args=()
[ -n "${HA_SPILO:-}" ] && spilo_args=(--spilo "$HA_SPILO")
npm run -s ha:config -- "$stack" "${spilo_args[@]}" > "$work/effective.json"
patroni_version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["patroniVersion"])' "$work/effective.json")
major=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["postgresMajor"])' "$work/effective.json")

# shellcheck source=setup.sh
source test/ha/setup.sh
ha_setup "$patroni_version" "$major"
# `sed -n 1p` reads all of its input: `head -1` could exit first and SIGPIPE the writer, which pipefail turns into exit 141.
if [ "$dcs" = kubernetes ]; then dcs_version="kube-apiserver $KUBE_VERSION with $("$ETCD" --version | sed -n 1p)"; else dcs_version=$(etcd --version | sed -n 1p); fi
echo "drill: setup $(( $(date +%s) - start ))s (Patroni $got, ${pg_pkg}, ${dcs_version}, $(/usr/sbin/pgbouncer --version | sed -n 1p))"
rc=0
"$venv/bin/python" test/ha/drill.py --config "$work/effective.json" --pg-bin "$pg_bin" --patroni "$venv/bin/patroni" --work "$work" "${drill_args[@]}" || rc=$?
echo "drill: total $(( $(date +%s) - start ))s"
exit $rc
