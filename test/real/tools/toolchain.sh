#!/usr/bin/env bash
# Builds the real parts used by `npm run test:real` from their published Go modules, into a cache
# folder outside the checkout, skipping any tool already built at the wanted version.
#
#   test/real/tools/toolchain.sh [tool...]     tools: etcd kube-apiserver kube-controller-manager kube-scheduler
#                                           pulumi kubernetes-provider kwok local-path-provisioner
#                                           versitygw wal-g postgres-operator prometheus-operator prometheus
#                                           velero velero-plugin-for-aws rollouts-controller (default: all)
#
# Environment:
#   KUBECHAT_REAL_CACHE  cache root (default ~/.cache/kubechat-real); each tool lands in <root>/<tool>-<version>/bin/
#   KUBECHAT_REAL_NICE   niceness of the builds (default 15)
#
# Each tool is built in a small wrapper module whose go.mod requires the published module and carries its
# `replace` lines, with every local-path replace (Kubernetes staging modules, sibling modules of the same
# repository) pointed at the published module of the matching version: its own (<root>/src/<tool>-<version>/),
# or one its group of tools shares (<root>/src/group-<group>/, see group_members).
# Versions are read from package.json / the stack defaults by test/real/tools/versions.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"

# Go as the machine image installs it, also where a login shell's PATH is not set up.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
nice_level="${KUBECHAT_REAL_NICE:-15}"
mkdir -p "$REAL_CACHE/src"

log() { printf '[toolchain] %s\n' "$*" >&2; }

# wrapper_header: the first lines of every wrapper module's go.mod.
wrapper_header() {
  printf 'module kubechat.local/real/wrapper\n\ngo %s\n\n' "$(go env GOVERSION | sed 's/^go//')"
}

# write_wrapper DIR MODULE VERSION SIBLING_VERSION [LOCAL_COPY]
# A go.mod requiring MODULE@VERSION with its replace lines (module_lines). With LOCAL_COPY, MODULE itself is
# replaced by that directory (a copy of the module with its generated files).
write_wrapper() {
  local dir="$1" module="$2" version="$3" sibling="$4" local_copy="${5:-}" gomod
  gomod="$(module_gomod "$module" "$version")" || return 1
  { wrapper_header; module_lines "$module" "$version" "$sibling" "$gomod" "$local_copy"; } > "$dir/go.mod"
}

# module_gomod MODULE VERSION: the path of MODULE@VERSION's go.mod in the module cache (downloaded).
module_gomod() {
  local gomod
  gomod="$(go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [ -n "$gomod" ] || { log "cannot download $1@$2"; return 1; }
  printf '%s' "$gomod"
}

# copy_module MODULE VERSION DEST: a writable copy of MODULE@VERSION's source (from the module cache) at DEST.
copy_module() {
  local dir
  dir="$(go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -n "$dir" ] || { log "cannot download $1@$2"; return 1; }
  cp -r "$dir" "$3" && chmod -R u+w "$3"
}

# module_lines MODULE VERSION SIBLING_VERSION GOMOD [LOCAL_COPY]
# `require MODULE VERSION` and the replace lines of MODULE's go.mod (GOMOD). A local-path replace of module
# M (a sibling module of the same repository, or a Kubernetes staging module) becomes `M => M SIBLING_VERSION`,
# the published copy of the same commit; when SIBLING_VERSION cannot be a version of M (etcd's client/v2 is
# at v2.305.x), M stays at the version MODULE's go.mod requires. With LOCAL_COPY, `MODULE => LOCAL_COPY`.
module_lines() {
  local module="$1" version="$2" sibling="$3" gomod="$4" local_copy="${5:-}"
  printf 'require %s %s\n' "$module" "$version"
  [ -z "$local_copy" ] || printf 'replace %s => %s\n' "$module" "$local_copy"
  # Two passes over MODULE's go.mod: requirements first, then replace lines (single-line and block).
  awk -v sib="$sibling" '
    function major(path,   m) { return match(path, /\/v[0-9]+$/) ? substr(path, RSTART + 2) : "" }
    function fits(path, v,   mj) { mj = major(path); return mj == "" ? v ~ /^v[01]\./ : index(v, "v" mj ".") == 1 }
    function emit(line,   parts, n, lhs, rhs, l) {
      n = split(line, parts, "=>"); if (n != 2) return
      lhs = parts[1]; rhs = parts[2]; gsub(/^[ \t]+|[ \t]+$/, "", lhs); gsub(/^[ \t]+|[ \t]+$/, "", rhs)
      if (rhs ~ /FORBIDDEN_DEPENDENCY/) return
      if (rhs ~ /^\.\.?\//) {
        split(lhs, l, " ")
        if (fits(l[1], sib)) print "sibling " l[1] " " sib " " ((l[1] in req) ? req[l[1]] : "")
        else if (!(l[1] in req)) { print "module_lines: no version for " l[1] > "/dev/stderr"; exit 1 }
      } else print "replace " lhs " => " rhs
    }
    FNR == NR {
      if ($0 ~ /^require[ \t]*\(/) { inreq = 1; next }
      if (inreq && $0 ~ /^\)/) { inreq = 0; next }
      if (inreq && NF >= 2) { req[$1] = $2; next }
      if ($0 ~ /^require[ \t]+[^(]/) req[$2] = $3
      next
    }
    /^replace[ \t]*\(/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0; next }
    inblock { sub(/\/\/.*/, ""); if ($0 ~ /=>/) emit($0); next }
    /^replace[ \t]/ { sub(/^replace[ \t]+/, ""); sub(/\/\/.*/, ""); emit($0) }
  ' "$gomod" "$gomod" | while read -r kind path v req; do
    # A sibling whose published copy of that commit the proxy does not serve falls back to the version
    # MODULE requires (pulumi-kubernetes' sdk/v4 pseudo-version: .mod served, .zip refused).
    if [ "$kind" != sibling ]; then printf '%s %s %s %s\n' "$kind" "$path" "$v" "$req"
    elif go mod download "$path@$v" 2>/dev/null; then printf 'replace %s => %s %s\n' "$path" "$path" "$v"
    elif [ -n "$req" ] && [ "${req#v0.0.0}" = "$req" ]; then log "$path@$v not served: using $path $req (required by $module)"
    else log "$path@$v not served: no replace (the build fails naming it if it is needed)"
    fi
  done
}

# Tools built from one shared wrapper module (a group): one module graph, so every module the members have
# in common is at one version (the highest any member requires: Go's minimal version selection) and its
# packages compile once for all of them, where separate wrappers compile each version set apart. Each
# member's own module stays at the version the stacks pin; docs/real-tiers.md lists what moved.
#
# group_members GROUP: one line per member module, `MODULE VERSION SIBLING_VERSION [PREPARE]`; PREPARE as for
# build (SIBLING_VERSION `-`: the module is not on the proxy and PREPARE puts its source in place).
group_members() {
  case "$1" in
    # The control plane: one Kubernetes module.
    kubernetes) printf '%s\n' "k8s.io/kubernetes $KUBE_VERSION v0.${KUBE_VERSION#v1.}" ;;
    # Tools at Kubernetes client 0.33. The control plane stays apart: Kubernetes 1.33 needs otelgrpc's
    # interceptors, which the otelgrpc Velero requires no longer has. So does the Pulumi CLI: the provider
    # does not compile against the CLI's newer pulumi/pkg (codegen/schema changed).
    client-0.33) printf '%s\n' \
      "github.com/pulumi/pulumi-kubernetes/provider/v4 $K8S_PROVIDER_MODULE_VERSION $K8S_PROVIDER_MODULE_VERSION generate_provider_schema" \
      "github.com/vmware-tanzu/velero $VELERO_VERSION $VELERO_VERSION" \
      "github.com/vmware-tanzu/velero-plugin-for-aws $VELERO_AWS_PLUGIN_VERSION $VELERO_AWS_PLUGIN_VERSION" ;;
    # Tools at Kubernetes client 0.36 (and the Prometheus module the Prometheus operator requires at the
    # version the stacks pin), with the provisioner, whose client 0.30 moves up to 0.36 here.
    client-0.36) printf '%s\n' \
      "sigs.k8s.io/kwok $KWOK_VERSION $KWOK_VERSION" \
      "github.com/rancher/local-path-provisioner $LOCAL_PATH_VERSION $LOCAL_PATH_VERSION" \
      "github.com/zalando/postgres-operator $PG_OPERATOR_VERSION - unpack_pg_operator" \
      "github.com/prometheus-operator/prometheus-operator $PROMETHEUS_OPERATOR_VERSION $PROMETHEUS_OPERATOR_VERSION" \
      "github.com/prometheus/prometheus $PROMETHEUS_MODULE_VERSION $PROMETHEUS_MODULE_VERSION" ;;
    *) log "unknown group $1"; return 2 ;;
  esac
}

# write_group DIR GROUP: the group's wrapper module in DIR: every member's require and replace lines in one
# go.mod (two members replacing one module differently is an error naming both). A member with PREPARE is
# copied (or, not on the proxy, unpacked) to DIR/m<N> and replaced by it; PREPARE runs there after the go.mod
# is written (the member's own go:generate step, given DIR and the copy).
write_group() {
  local dir="$1" group="$2" module version sibling prepare n=0 lines="" copy gomod i prepares=() copies=()
  while read -r module version sibling prepare; do
    n=$((n + 1)); copy=""
    if [ "$sibling" = - ]; then
      copy="./m$n"; mkdir -p "$dir/m$n" && "$prepare" "$dir/m$n" || return 1
      gomod="$dir/m$n/go.mod"; version="v0.0.0-00010101000000-000000000000"
    else
      gomod="$(module_gomod "$module" "$version")" || return 1
      if [ -n "$prepare" ]; then
        copy="./m$n"
        copy_module "$module" "$version" "$dir/m$n" || return 1
        prepares+=("$prepare"); copies+=("$dir/m$n")
      fi
    fi
    lines+="$(module_lines "$module" "$version" "$sibling" "$gomod" "$copy")"$'\n'
  done < <(group_members "$group")
  printf '%s' "$lines" | awk '$1 == "replace" { l = $2 " " ($4 == "=>" ? $3 : ""); r = $0; sub(/^.*=> */, "", r)
      if ((l in seen) && seen[l] != r) { print "write_group: " l " replaced by both " seen[l] " and " r > "/dev/stderr"; exit 1 }
      seen[l] = r }' || return 1
  { wrapper_header; printf '%s' "$lines" | awk 'NF && !seen[$0]++'; } > "$dir/go.mod"
  for i in "${!prepares[@]}"; do (cd "$dir" && "${prepares[$i]}" "$dir" "${copies[$i]}") || return 1; done
}

# build NAME VERSION MODULE MODULE_VERSION SIBLING_VERSION PACKAGE LDFLAGS [PREPARE]
# NAME built from its own wrapper module (<root>/src/NAME-VERSION). With PREPARE (a function), MODULE is
# copied to <src>/module and PREPARE runs first, given <src> and the copy (the module's own go:generate
# step for files its release build generates).
# SIBLING_VERSION `-`: MODULE is not on the proxy; PREPARE puts its source in the folder it is given
# (<src>/module), built as it is.
# Two toolchain runs may overlap (.ci/run builds every tool in the background while the first tiers run,
# and each tier asks for what it needs): a tool is built under its own lock (a group member under its
# group's), so the second run waits for the first and then finds the tool built.
build() {
  mkdir -p "$REAL_CACHE/locks"
  ( flock 9 && build_unlocked "$@" ) 9>"$REAL_CACHE/locks/$1-$2.lock"
}

build_unlocked() {
  local name="$1" version="$2" module="$3" modversion="$4" sibling="$5" pkg="$6" ldflags="$7" prepare="${8:-}"
  local src="$REAL_CACHE/src/$name-$version" stamp="$3@$4 $6" start
  ! is_built "$name" "$version" "$stamp" || return 0
  start=$(date +%s)
  log "$name $version: building $pkg from $module@$modversion (nice $nice_level) ..."
  rm -rf "$src" && mkdir -p "$src"
  if [ "$sibling" = - ]; then
    mkdir -p "$src/module" && "$prepare" "$src/module" || return 1
    src="$src/module"
  elif [ -n "$prepare" ]; then
    write_wrapper "$src" "$module" "$modversion" "$sibling" ./module
    copy_module "$module" "$modversion" "$src/module" || return 1
    (cd "$src" && "$prepare" "$src" "$src/module")
  else
    write_wrapper "$src" "$module" "$modversion" "$sibling"
  fi
  go_build "$name" "$version" "$src" "$pkg" "$ldflags" "$stamp" "$start"
}

# build_in GROUP NAME VERSION PACKAGE LDFLAGS: NAME built from GROUP's wrapper module (<root>/src/group-GROUP,
# see group_members), written when it is missing or the group's members changed, under the group's lock.
# A member is rebuilt when its group changes (the stamp names the members).
build_in() {
  mkdir -p "$REAL_CACHE/locks"
  ( flock 9 && build_in_unlocked "$@" ) 9>"$REAL_CACHE/locks/group-$1.lock"
}

build_in_unlocked() {
  local group="$1" name="$2" version="$3" pkg="$4" ldflags="$5" src="$REAL_CACHE/src/group-$1" members stamp start
  members="$(group_members "$group")" || return 1
  stamp="group $group ($(printf '%s' "$members" | sha256sum | cut -c1-16)) $pkg"
  ! is_built "$name" "$version" "$stamp" || return 0
  start=$(date +%s)
  log "$name $version: building $pkg in group $group (nice $nice_level) ..."
  if [ "$(cat "$src/.members" 2>/dev/null)" != "$members" ]; then
    rm -rf "$src" && mkdir -p "$src" && write_group "$src" "$group" || return 1
    printf '%s' "$members" > "$src/.members"
  fi
  go_build "$name" "$version" "$src" "$pkg" "$ldflags" "$stamp" "$start"
}

# is_built NAME VERSION STAMP: NAME is in the cache, built from what STAMP says (module and package).
is_built() {
  local out="$REAL_CACHE/$1-$2/bin"
  [ -x "$out/$1" ] && [ "$(cat "$out/.built" 2>/dev/null)" = "$3" ] || return 1
  log "$1 $2: already built ($out/$1)"
}

# go_build NAME VERSION DIR PACKAGE LDFLAGS STAMP START: PACKAGE built in the module at DIR into the cache;
# the time since START goes to <root>/build-times.tsv.
go_build() {
  local name="$1" version="$2" dir="$3" pkg="$4" ldflags="$5" stamp="$6" start="$7" out="$REAL_CACHE/$1-$2/bin" secs
  mkdir -p "$out"
  (cd "$dir" && nice -n "$nice_level" go build -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg")
  mv "$out/$name.tmp" "$out/$name"
  printf '%s' "$stamp" > "$out/.built"
  secs=$(( $(date +%s) - start ))
  log "$name $version: built in ${secs}s"
  printf '%s\t%s\t%ss\n' "$name" "$version" "$secs" >> "$REAL_CACHE/build-times.tsv"
}

build_etcd() {
  build etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" go.etcd.io/etcd/server/v3 "-s -w"
}

# The API server, and the rest of the control plane of the simulated cluster (`npm run test:apply`): one
# group, so the controller-manager and the scheduler compile only their own packages and link.
build_kube_component() {
  local name="$1" v="$KUBE_VERSION" minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  build_in kubernetes "$name" "$v" "k8s.io/kubernetes/cmd/$name" \
    "-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$v"
}

# KWOK: simulated kubelets (nodes, pod status, Job completion) driven by Stage objects.
# Its default Stages (node initialize + lease heartbeat, pod ready/complete/delete: what `kwokctl` hands
# the binary) are copied beside it from the same module version.
build_kwok() {
  build_in client-0.36 kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok "-s -w"
  ( flock 9 && copy_kwok_stages ) 9>"$REAL_CACHE/locks/kwok-stages-$KWOK_VERSION.lock"
}

copy_kwok_stages() {
  local dir stages="$REAL_CACHE/kwok-$KWOK_VERSION/stages"
  dir="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  mkdir -p "$stages"
  cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" "$dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
     "$dir/kustomize/stage/pod/fast/pod-ready.yaml" "$dir/kustomize/stage/pod/fast/pod-complete.yaml" "$dir/kustomize/stage/pod/fast/pod-delete.yaml" "$stages/"
  chmod u+w "$stages"/*.yaml
}

# Rancher's local-path-provisioner (what Rancher Desktop provisions PVCs with), run out of cluster.
build_local_path_provisioner() {
  build_in client-0.36 local-path-provisioner "$LOCAL_PATH_VERSION" github.com/rancher/local-path-provisioner "-s -w"
}

build_versitygw() {
  build versitygw "$VERSITYGW_VERSION" github.com/versity/versitygw "$VERSITYGW_VERSION" "$VERSITYGW_VERSION" \
    github.com/versity/versitygw/cmd/versitygw "-s -w -X main.Version=$VERSITYGW_VERSION"
}

# WAL-G from its source archive (the proxy refuses the module; its dependencies are served). v3.0.8 imports
# encoding/json/v2, an experiment in Go 1.25/1.26.
unpack_walg() {
  unpack_source "$WALG_SOURCE" "$1"
}

# unpack_source ARCHIVE DIR [STRIP]: a vendored source archive (sources/), checked against its SHA256SUMS line;
# STRIP leading path components (default 1: WAL-G's archive has a top folder, postgres-operator's none).
unpack_source() {
  local archive="$1" dir="$2" strip="${3:-1}" want got
  [ -f "$archive" ] || { log "no source archive at $archive (sources/ of the checkout, or KUBECHAT_SOURCES)"; return 1; }
  want="$(awk -v f="$(basename "$archive")" '$2 == f { print $1 }' "$(dirname "$archive")/SHA256SUMS" 2>/dev/null || true)"
  got="$(sha256sum "$archive" | awk '{ print $1 }')"
  [ -n "$want" ] && [ "$want" = "$got" ] || { log "$archive: sha256 $got is not the one SHA256SUMS lists (${want:-none})"; return 1; }
  tar xzf "$archive" -C "$dir" --strip-components="$strip"
}
build_walg() {
  GOEXPERIMENT=jsonv2 build wal-g "$WALG_VERSION" github.com/wal-g/wal-g "$WALG_VERSION" - \
    ./main/pg "-s -w -X github.com/wal-g/wal-g/cmd/pg.walgVersion=$WALG_VERSION" unpack_walg
}

# The Zalando postgres-operator from its source archive (the proxy refuses the module; its dependencies are
# served). The archive holds the module at the top level; main.version is what the release build stamps.
unpack_pg_operator() {
  unpack_source "$PG_OPERATOR_SOURCE" "$1" 0
}
build_pg_operator() {
  build_in client-0.36 postgres-operator "$PG_OPERATOR_VERSION" github.com/zalando/postgres-operator/cmd \
    "-s -w -X main.version=$PG_OPERATOR_VERSION"
}

# The Prometheus operator, run out of cluster by `npm run test:operators`. Its go.mod replaces its own API and
# client modules with local paths: the wrapper takes their published copies of the same tag.
build_prometheus_operator() {
  build_in client-0.36 prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" github.com/prometheus-operator/prometheus-operator/cmd/operator \
    "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_OPERATOR_VERSION#v}"
}

# Prometheus and promtool at the release the stacks pin, with Kubernetes as the only service discovery (the
# build tags Prometheus' own plugins/ files define: the cloud SDs would more than double the build). Build
# tags do not enter Go's compile cache keys, so the packages it shares with its group are compiled once.
build_prometheus() {
  local t ldflags="-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}"
  for t in prometheus promtool; do
    GOFLAGS="$GOFLAGS -tags=remove_all_sd,enable_kubernetes_sd" build_in client-0.36 "$t" "$PROMETHEUS_VERSION" \
      "github.com/prometheus/prometheus/cmd/$t" "$ldflags"
  done
}

# Velero's server and CLI (one binary) and its AWS object-store plugin, run out of cluster by test:dr's
# Velero part.
build_velero() {
  build_in client-0.33 velero "$VELERO_VERSION" github.com/vmware-tanzu/velero/cmd/velero \
    "-s -w -X github.com/vmware-tanzu/velero/pkg/buildinfo.Version=$VELERO_VERSION -X github.com/vmware-tanzu/velero/pkg/buildinfo.GitTreeState=clean"
}
build_velero_plugin_for_aws() {
  build_in client-0.33 velero-plugin-for-aws "$VELERO_AWS_PLUGIN_VERSION" \
    github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws "-s -w"
}

# Argo Rollouts' controller, run out of cluster by `npm run test:operators` (the version ldflags are its
# Makefile's, so the controller reports v1.9.0+unknown rather than its 99.99.99 fallback).
build_rollouts_controller() {
  build rollouts-controller "$ROLLOUTS_VERSION" github.com/argoproj/argo-rollouts "$ROLLOUTS_VERSION" "$ROLLOUTS_VERSION" \
    github.com/argoproj/argo-rollouts/cmd/rollouts-controller \
    "-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=${ROLLOUTS_VERSION#v}"
}

build_pulumi() {
  build pulumi "$PULUMI_VERSION" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" "$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

# The provider embeds schema-embed.json and terraform-mapping-embed.json, which its release build makes
# from the module's schema.json with `go generate` (cmd/pulumi-resource-kubernetes/generate.go); run in
# the copy of the module its group's wrapper holds (write_group).
generate_provider_schema() {
  local src="$1" cmd="$2/cmd/pulumi-resource-kubernetes"
  nice -n "$nice_level" go build -o "$src/generate-schema" "$cmd/generate.go"
  (cd "$cmd" && VERSION="${K8S_PROVIDER_MODULE_VERSION#v}" "$src/generate-schema")
}

build_kubernetes_provider() {
  build_in client-0.33 pulumi-resource-kubernetes "$K8S_PROVIDER_MODULE_VERSION" \
    github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes \
    "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_MODULE_VERSION"
  # On PATH for the CLI (an "ambient" plugin, used whatever version the SDK asks for; see docs/real-tiers.md).
  ln -sf "$REAL_CACHE/pulumi-resource-kubernetes-$K8S_PROVIDER_MODULE_VERSION/bin/pulumi-resource-kubernetes" "$REAL_CACHE/bin/"
}

# --env: print where each tool is (KEY=path lines), without building.
if [ "${1:-}" = "--env" ]; then
  printf 'REAL_CACHE=%s\n' "$REAL_CACHE"
  printf 'ETCD=%s\n' "$REAL_CACHE/etcd-$ETCD_VERSION/bin/etcd"
  printf 'KUBE_APISERVER=%s\n' "$REAL_CACHE/kube-apiserver-$KUBE_VERSION/bin/kube-apiserver"
  printf 'KUBE_VERSION=%s\n' "$KUBE_VERSION"
  printf 'PULUMI=%s\n' "$REAL_CACHE/pulumi-$PULUMI_VERSION/bin/pulumi"
  printf 'PULUMI_VERSION=%s\n' "$PULUMI_VERSION"
  printf 'K8S_PROVIDER=%s\n' "$REAL_CACHE/pulumi-resource-kubernetes-$K8S_PROVIDER_MODULE_VERSION/bin/pulumi-resource-kubernetes"
  printf 'K8S_PROVIDER_VERSION=%s\n' "$K8S_PROVIDER_VERSION"
  printf 'K8S_PROVIDER_MODULE_VERSION=%s\n' "$K8S_PROVIDER_MODULE_VERSION"
  printf 'PLUGIN_BIN=%s\n' "$REAL_CACHE/bin"
  printf 'KUBE_CONTROLLER_MANAGER=%s\n' "$REAL_CACHE/kube-controller-manager-$KUBE_VERSION/bin/kube-controller-manager"
  printf 'KUBE_SCHEDULER=%s\n' "$REAL_CACHE/kube-scheduler-$KUBE_VERSION/bin/kube-scheduler"
  printf 'KWOK=%s\n' "$REAL_CACHE/kwok-$KWOK_VERSION/bin/kwok"
  printf 'KWOK_VERSION=%s\n' "$KWOK_VERSION"
  printf 'KWOK_STAGES=%s\n' "$REAL_CACHE/kwok-$KWOK_VERSION/stages"
  printf 'LOCAL_PATH_PROVISIONER=%s\n' "$REAL_CACHE/local-path-provisioner-$LOCAL_PATH_VERSION/bin/local-path-provisioner"
  printf 'VERSITYGW=%s\n' "$REAL_CACHE/versitygw-$VERSITYGW_VERSION/bin/versitygw"
  printf 'WALG=%s\n' "$REAL_CACHE/wal-g-$WALG_VERSION/bin/wal-g"
  printf 'PG_OPERATOR=%s\n' "$REAL_CACHE/postgres-operator-$PG_OPERATOR_VERSION/bin/postgres-operator"
  printf 'PG_OPERATOR_VERSION=%s\n' "$PG_OPERATOR_VERSION"
  printf 'PG_OPERATOR_SOURCE=%s\n' "$PG_OPERATOR_SOURCE"
  printf 'PROMETHEUS_OPERATOR=%s\n' "$REAL_CACHE/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION/bin/prometheus-operator"
  printf 'PROMETHEUS_OPERATOR_VERSION=%s\n' "$PROMETHEUS_OPERATOR_VERSION"
  printf 'PROMETHEUS=%s\n' "$REAL_CACHE/prometheus-$PROMETHEUS_VERSION/bin/prometheus"
  printf 'PROMTOOL=%s\n' "$REAL_CACHE/promtool-$PROMETHEUS_VERSION/bin/promtool"
  printf 'PROMETHEUS_VERSION=%s\n' "$PROMETHEUS_VERSION"
  printf 'VELERO=%s\n' "$REAL_CACHE/velero-$VELERO_VERSION/bin/velero"
  printf 'VELERO_VERSION=%s\n' "$VELERO_VERSION"
  printf 'VELERO_PLUGIN_DIR=%s\n' "$REAL_CACHE/velero-plugin-for-aws-$VELERO_AWS_PLUGIN_VERSION/bin"
  printf 'ROLLOUTS_CONTROLLER=%s\n' "$REAL_CACHE/rollouts-controller-$ROLLOUTS_VERSION/bin/rollouts-controller"
  printf 'KUBECTL=%s\n' "$(command -v kubectl || true)"
  exit 0
fi

# The default order is the order .ci/run's tiers first need them in (its background build follows it).
tools=("$@"); [ ${#tools[@]} -gt 0 ] || tools=(etcd kube-apiserver kube-controller-manager kube-scheduler pulumi kubernetes-provider kwok local-path-provisioner postgres-operator prometheus-operator prometheus rollouts-controller versitygw wal-g velero velero-plugin-for-aws)
mkdir -p "$REAL_CACHE/bin"
total_start=$(date +%s)
for t in "${tools[@]}"; do
  case "$t" in
    etcd) build_etcd ;;
    pulumi) build_pulumi ;;
    kubernetes-provider) build_kubernetes_provider ;;
    kube-apiserver|kube-controller-manager|kube-scheduler) build_kube_component "$t" ;;
    kwok) build_kwok ;;
    local-path-provisioner) build_local_path_provisioner ;;
    versitygw) build_versitygw ;;
    wal-g) build_walg ;;
    postgres-operator) build_pg_operator ;;
    prometheus-operator) build_prometheus_operator ;;
    prometheus) build_prometheus ;;
    velero) build_velero ;;
    velero-plugin-for-aws) build_velero_plugin_for_aws ;;
    rollouts-controller) build_rollouts_controller ;;
    *) log "unknown tool $t"; exit 2 ;;
  esac
done
log "toolchain ready in $(( $(date +%s) - total_start ))s (cache $REAL_CACHE)"
