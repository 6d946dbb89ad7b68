#!/usr/bin/env bash
# test/real/tools/netns-mocha.sh <label> <mocharc> [mocha options...]
# Runs mocha with that config in a network namespace of its own whose only interface is loopback: every
# server the tests start binds 127.0.0.1, and nothing they dial can leave the machine. The tests see
# KUBECHAT_NETNS_ONLY_LOOPBACK=1 once the namespace has been checked.
set -euo pipefail
label="$1" config="$2"; shift 2
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
exec unshare --net -- bash -c '
  set -euo pipefail
  label="$1" config="$2"; shift 2
  ip link set lo up
  links=$(ip -o link show | wc -l)
  [ "$links" -eq 1 ] || { echo "[$label] the network namespace has $links interfaces, expected loopback only" >&2; exit 2; }
  export KUBECHAT_NETNS_ONLY_LOOPBACK=1
  exec node_modules/.bin/mocha --config "$config" "$@"
' netns-mocha "$label" "$config" "$@"
