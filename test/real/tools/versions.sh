# Versions of the real parts, derived from the project (sourced by the real tiers' scripts).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
REAL_CACHE="${KUBECHAT_REAL_CACHE:-$HOME/.cache/kubechat-real}"
# The Pulumi CLI and engine: the version of @pulumi/pulumi the program runs with.
PULUMI_VERSION="v$(node -p "require('$repo_root/package.json').dependencies['@pulumi/pulumi']")"
# The Kubernetes provider wanted by @pulumi/kubernetes ...
K8S_PROVIDER_VERSION="v$(node -p "require('$repo_root/package.json').dependencies['@pulumi/kubernetes']")"
# ... and the provider module version the Go module proxy serves (it serves no tagged provider/v4 version;
# see docs/real-tiers.md).
K8S_PROVIDER_MODULE_VERSION="${KUBECHAT_REAL_K8S_PROVIDER_MODULE:-v4.0.0-20260115033456-f47bc2d6f199}"
# The values the stacks pin in components/catalog.ts, read in one Node start (each start costs about a second).
catalog="$(cd "$repo_root" && node -r ts-node/register/transpile-only -e '
const c = require("./components/catalog");
const v = {
  CATALOG_KUBE_MINOR: c.KUBERNETES_MINOR,
  CATALOG_PG_OPERATOR: c.IMAGES["postgres-operator"].tag,
  CATALOG_PROMETHEUS_OPERATOR: c.IMAGES["prometheus-operator"].tag,
  CATALOG_PROMETHEUS: c.IMAGES.prometheus.tag.replace(/-.*$/, ""),
  CATALOG_VELERO: c.IMAGES.velero.tag,
  CATALOG_VELERO_AWS_PLUGIN: c.IMAGES["velero-plugin-for-aws"].tag,
  CATALOG_ROLLOUTS: c.IMAGES["argo-rollouts"].tag,
};
for (const [k, x] of Object.entries(v)) if (/^[A-Za-z0-9._-]+$/.test(String(x))) console.log(`${k}=${x}`); else { console.error(`versions.sh: ${k} is not a plain version: ${x}`); process.exit(2); }
')" || { echo "versions.sh: cannot read components/catalog.ts" >&2; exit 2; }
eval "$catalog"
# The API server: the newest served patch of the Kubernetes minor the stacks target (KUBERNETES_MINOR in
# components/catalog.ts, which the config defaults follow); bumping that minor without bumping this fails here.
KUBE_VERSION="${KUBECHAT_REAL_KUBE_VERSION:-v1.33.13}"
KUBE_MINOR="$CATALOG_KUBE_MINOR"
case "$KUBE_VERSION" in
  "v$KUBE_MINOR".*) ;;
  *) echo "versions.sh: kube-apiserver $KUBE_VERSION does not match the stacks' Kubernetes minor '$KUBE_MINOR'" >&2; exit 2 ;;
esac
# etcd: the release Kubernetes 1.33 is tested with.
ETCD_VERSION="${KUBECHAT_REAL_ETCD_VERSION:-v3.5.21}"
# KWOK (simulated nodes and pods for `npm run test:apply`): the release the Go module proxy serves.
KWOK_VERSION="${KUBECHAT_REAL_KWOK_VERSION:-v0.8.0}"
# Rancher's local-path-provisioner: the newest version the Go module proxy serves.
LOCAL_PATH_VERSION="${KUBECHAT_REAL_LOCAL_PATH_VERSION:-v0.0.30}"
# S3-compatible object store for `npm run test:dr`: Versity's gateway (Apache-2.0, posix backend), the newest
# release the Go module proxy serves (MinIO is AGPL; SeaweedFS builds far longer on 2 cores).
VERSITYGW_VERSION="${KUBECHAT_REAL_VERSITYGW_VERSION:-v1.8.0}"
# WAL-G: the version the pinned Spilo image ships; the proxy refuses wal-g/wal-g, so from the source archive.
WALG_VERSION="${KUBECHAT_REAL_WALG_VERSION:-v3.0.8}"
# Go sources the module proxy refuses, vendored in sources/ (SOURCES.md, SHA256SUMS); KUBECHAT_SOURCES overrides.
SOURCES_DIR="${KUBECHAT_SOURCES:-$repo_root/sources}"
WALG_SOURCE="$SOURCES_DIR/wal-g-$WALG_VERSION-src.tar.gz"
# postgres-operator (`npm run test:operators`): the tag of the operator image the stacks pin (components/catalog.ts);
# the proxy refuses zalando/postgres-operator too, so from its source archive.
PG_OPERATOR_VERSION="${KUBECHAT_REAL_PG_OPERATOR_VERSION:-$CATALOG_PG_OPERATOR}"
PG_OPERATOR_SOURCE="$SOURCES_DIR/postgres-operator-$PG_OPERATOR_VERSION-src.tar.gz"
# The Prometheus operator (`npm run test:operators`): the tag of the image the stacks pin (IMAGES in
# components/catalog.ts), so the controller run out of cluster is the one the chart deploys.
PROMETHEUS_OPERATOR_VERSION="$CATALOG_PROMETHEUS_OPERATOR"
# Prometheus and promtool (`npm run test:operators` loads the operator's configuration and rules with them): the
# release of the image the stacks pin (IMAGES.prometheus, "v3.13.1-distroless"), whose Go module is v0.3<minor>.<patch>.
PROMETHEUS_VERSION="$CATALOG_PROMETHEUS"
case "$PROMETHEUS_VERSION" in
  v3.*.*) minor="${PROMETHEUS_VERSION#v3.}"; PROMETHEUS_MODULE_VERSION="v0.$((300 + ${minor%%.*})).${minor#*.}"; unset minor ;;
  *) echo "versions.sh: no Go module version known for Prometheus $PROMETHEUS_VERSION" >&2; exit 2 ;;
esac
# Velero and its AWS plugin (`npm run test:dr`'s Velero part): the tags of the images the stacks pin (IMAGES in
# components/catalog.ts), so the server and plugin run out of cluster are the ones the chart deploys.
VELERO_VERSION="${KUBECHAT_REAL_VELERO_VERSION:-$CATALOG_VELERO}"
VELERO_AWS_PLUGIN_VERSION="${KUBECHAT_REAL_VELERO_AWS_PLUGIN_VERSION:-$CATALOG_VELERO_AWS_PLUGIN}"
# Argo Rollouts' controller (`npm run test:operators`): the tag of the image the stacks deploy (IMAGES in
# components/catalog.ts), so the controller run out of cluster is the one the chart's Deployment runs.
ROLLOUTS_VERSION="$CATALOG_ROLLOUTS"
