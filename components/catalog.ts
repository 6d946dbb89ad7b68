/**
 * Every chart and image the platform uses, pinned, in one place — and the one place where the air-gap
 * settings (`kubechat:registry`, `kubechat:chartRepository`) rewrite them. Components never spell a
 * registry, repository URL or version themselves: they ask a `Catalog` for it.
 *
 * A Catalog also records what it handed out (charts, and images the program names itself). The images
 * charts deploy are not listed here: the plan renders every chart and derives `airgap.json` from what
 * the cluster would really pull (planner/checks/images.ts).
 */

/**
 * A chart as published upstream. Every version is one of the archives vendored in charts/ (see
 * charts/SOURCES.md), so every release can be rendered offline.
 */
export interface ChartEntry {
    name: string;
    repo: string;
    version: string;
}

/**
 * An image as published upstream: `repository` includes the registry host. An image a chart deploys
 * is the chart version's own default, or says in `differs` why not (a test renders both and compares).
 */
export interface ImageEntry {
    repository: string;
    tag: string;
    differs?: string;
}

const ISTIO = "1.28.0";

/**
 * The Kubernetes minor the stacks target unless they say otherwise: the defaults of
 * `cluster.kubernetesVersion` and `eks.version`, the version kube-score judges for (policies/peers.json)
 * and the API server the real test tiers build (test tooling's versions.sh reads it from here).
 */
export const KUBERNETES_MINOR = "1.33";

/**
 * cluster-autoscaler per Kubernetes minor: its minor must match the cluster's (the autoscaler's
 * compatibility table), so the tag follows `eks.version`. Checked upstream: 1.34 -> v1.34.1 is chart
 * 9.52.1's own appVersion and image.tag (the archive's Chart.yaml and values.yaml); 1.33 -> v1.33.2
 * and 1.32 -> v1.32.7 are registry.k8s.io tags of the release-1.33 and release-1.32 lines (kops pins
 * v1.32.7 for Kubernetes 1.32). Chart 9.52.1 renders the same for all three: only image.tag differs.
 */
export const CLUSTER_AUTOSCALER_TAGS: Record<string, string> = { "1.32": "v1.32.7", "1.33": "v1.33.2", "1.34": "v1.34.1" };

export const IMAGES = {
    // KubeChat's own workloads.
    "kubechat-api-gateway": { repository: "ghcr.io/kubechat/api-gateway", tag: "1.4.2" },
    // Istio (global.hub + global.tag; the gateway uses image: auto, filled by the injector).
    "istio-pilot": { repository: "docker.io/istio/pilot", tag: ISTIO },
    "istio-proxyv2": { repository: "docker.io/istio/proxyv2", tag: ISTIO },
    "istio-install-cni": { repository: "docker.io/istio/install-cni", tag: ISTIO },
    // Zalando postgres-operator, Spilo (Patroni + WAL-G), PgBouncer, logical backup.
    "postgres-operator": { repository: "ghcr.io/zalando/postgres-operator", tag: "v2.0.0" },
    // Operator 2.0.0's own images: its chart's default Spilo (Patroni 4.1.0, which no longer blocks all
    // writes when a replica dies right after rejoining the synchronous set; runs the declared major via
    // PGVERSION) and the PgBouncer image its release publishes, which reads the `<pooler>-u` Secret (userlist.txt).
    "spilo": { repository: "ghcr.io/zalando/spilo-18", tag: "4.1-p2" },
    "pgbouncer": {
        repository: "ghcr.io/zalando/postgres-operator/pgbouncer", tag: "v2.0.0",
        differs: "chart 2.0.0 defaults to the moving :latest; v2.0.0 is the tag operator 2.0.0's release workflow publishes for the same pooler build",
    },
    "logical-backup": { repository: "ghcr.io/zalando/postgres-operator/logical-backup", tag: "v2.0.0" },
    // Argo Rollouts.
    "argo-rollouts": { repository: "quay.io/argoproj/argo-rollouts", tag: "v1.9.0" },
    // Argo CD (GitOps mode): argo-cd chart 10.1.1's defaults — Argo CD v3.4.4 (every component and the
    // redis-secret-init Job), its Redis, and with redis-ha (subchart 4.38.0) the same Redis behind HAProxy.
    "argocd": { repository: "quay.io/argoproj/argocd", tag: "v3.4.4" },
    "argocd-redis": { repository: "ecr-public.aws.com/docker/library/redis", tag: "8.2.3-alpine" },
    "argocd-haproxy": { repository: "ecr-public.aws.com/docker/library/haproxy", tag: "3.3.10-alpine" },
    // Trivy Operator (trivy-operator chart 0.34.0's defaults): the operator 0.32.0, and what its scan
    // jobs run (Trivy 0.72.0) and the node-collector Jobs of infra assessment run.
    "trivy-operator": { repository: "mirror.gcr.io/aquasec/trivy-operator", tag: "0.32.0" },
    "trivy": { repository: "mirror.gcr.io/aquasec/trivy", tag: "0.72.0" },
    "trivy-node-collector": { repository: "ghcr.io/aquasecurity/node-collector", tag: "0.3.1" },
    // OCI artifacts (not images) the scan jobs download, by the tags Trivy 0.72 asks for: the
    // vulnerability DB (schema 2), the Java DB (schema 1) and the checks bundle (chart policiesBundle.tag).
    "trivy-db": { repository: "mirror.gcr.io/aquasec/trivy-db", tag: "2" },
    "trivy-java-db": { repository: "mirror.gcr.io/aquasec/trivy-java-db", tag: "1" },
    "trivy-checks": { repository: "mirror.gcr.io/aquasec/trivy-checks", tag: "1" },
    // Autoscaling.
    "metrics-server": { repository: "registry.k8s.io/metrics-server/metrics-server", tag: "v0.8.0" },
    "cluster-autoscaler": {
        repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: CLUSTER_AUTOSCALER_TAGS[KUBERNETES_MINOR],
        differs: `chart 9.52.1 defaults to v1.34.1; the autoscaler's minor must match the cluster's Kubernetes minor (eks.version ${KUBERNETES_MINOR}; other minors: CLUSTER_AUTOSCALER_TAGS)`,
    },
    // VPA chart 5.0.0 ships the VPA 1.7 CRDs: its appVersion 1.7.1 for every component.
    "vpa-recommender": { repository: "registry.k8s.io/autoscaling/vpa-recommender", tag: "1.7.1" },
    "vpa-updater": { repository: "registry.k8s.io/autoscaling/vpa-updater", tag: "1.7.1" },
    "vpa-admission-controller": { repository: "registry.k8s.io/autoscaling/vpa-admission-controller", tag: "1.7.1" },
    // The VPA chart's certgen job (admissionController.certGen.image default).
    "admission-webhook-certgen": { repository: "registry.k8s.io/ingress-nginx/kube-webhook-certgen", tag: "v20230312-helm-chart-4.5.2-28-g66a760794" },
    // Metrics: kube-prometheus-stack 88.0.0's defaults (and its subcharts': grafana 12.10.0,
    // kube-state-metrics 8.0.0, prometheus-node-exporter 4.56.1).
    "prometheus": { repository: "quay.io/prometheus/prometheus", tag: "v3.13.1-distroless" },
    "prometheus-operator": { repository: "quay.io/prometheus-operator/prometheus-operator", tag: "v0.93.0" },
    "prometheus-config-reloader": { repository: "quay.io/prometheus-operator/prometheus-config-reloader", tag: "v0.93.0" },
    "kps-webhook-certgen": { repository: "ghcr.io/jkroepke/kube-webhook-certgen", tag: "1.8.5" },
    "alertmanager": { repository: "quay.io/prometheus/alertmanager", tag: "v0.33.1" },
    "grafana": { repository: "docker.io/grafana/grafana", tag: "13.1.1" },
    "grafana-sidecar": { repository: "quay.io/kiwigrid/k8s-sidecar", tag: "2.10.0" },
    "kube-state-metrics": { repository: "registry.k8s.io/kube-state-metrics/kube-state-metrics", tag: "v2.19.1" },
    // The chart appends -distroless (node-exporter image.distroless: true): v1.12.1-distroless runs.
    "node-exporter": { repository: "quay.io/prometheus/node-exporter", tag: "v1.12.1" },
    "prometheus-adapter": { repository: "registry.k8s.io/prometheus-adapter/prometheus-adapter", tag: "v0.12.0" },
    "postgres-exporter": { repository: "quay.io/prometheuscommunity/postgres-exporter", tag: "v0.18.1" },
    // Logs.
    "fluent-bit": { repository: "cr.fluentbit.io/fluent/fluent-bit", tag: "4.1.0" },
    "fluentd": {
        repository: "docker.io/fluent/fluentd-kubernetes-daemonset", tag: "v1.19.0-debian-elasticsearch8-1.0",
        differs: "chart 0.5.3 defaults to v1.17.1-debian-elasticsearch7-1.2; logs go to Elasticsearch 8, which needs the elasticsearch8 output plugin variant",
    },
    "eck-operator": { repository: "docker.elastic.co/eck/eck-operator", tag: "3.2.0" },
    "elasticsearch": { repository: "docker.elastic.co/elasticsearch/elasticsearch", tag: "8.19.6" },
    "kibana": { repository: "docker.elastic.co/kibana/kibana", tag: "8.19.6" },
    // Traces.
    "jaeger": { repository: "docker.io/jaegertracing/jaeger", tag: "2.19.0" },
    // Backup.
    // Velero 1.18.0 is chart 12.0.0's appVersion: its CRD-upgrade hook runs `velero install --crds-only
    // --apply`, which 1.17 does not have. AWS plugin 1.14.x is the line Velero pairs with 1.18.x.
    "velero": { repository: "docker.io/velero/velero", tag: "v1.18.0" },
    "velero-plugin-for-aws": { repository: "docker.io/velero/velero-plugin-for-aws", tag: "v1.14.2" },
} as const satisfies Record<string, ImageEntry>;

export type ImageKey = keyof typeof IMAGES;

export const CHARTS = {
    "istio-base": { name: "base", repo: "https://istio-release.storage.googleapis.com/charts", version: ISTIO },
    "istio-cni": { name: "cni", repo: "https://istio-release.storage.googleapis.com/charts", version: ISTIO },
    "istiod": { name: "istiod", repo: "https://istio-release.storage.googleapis.com/charts", version: ISTIO },
    "istio-gateway": { name: "gateway", repo: "https://istio-release.storage.googleapis.com/charts", version: ISTIO },
    "postgres-operator": { name: "postgres-operator", repo: "https://opensource.zalando.com/postgres-operator/charts/postgres-operator", version: "2.0.0" },
    "argo-rollouts": { name: "argo-rollouts", repo: "https://argoproj.github.io/argo-helm", version: "2.41.0" },
    "trivy-operator": { name: "trivy-operator", repo: "https://aquasecurity.github.io/helm-charts/", version: "0.34.0" },
    "argo-cd": { name: "argo-cd", repo: "https://argoproj.github.io/argo-helm", version: "10.1.1" },
    "metrics-server": { name: "metrics-server", repo: "https://kubernetes-sigs.github.io/metrics-server", version: "3.13.0" },
    "cluster-autoscaler": { name: "cluster-autoscaler", repo: "https://kubernetes.github.io/autoscaler", version: "9.52.1" },
    "vpa": { name: "vpa", repo: "https://charts.fairwinds.com/stable", version: "5.0.0" },
    "kube-prometheus-stack": { name: "kube-prometheus-stack", repo: "https://prometheus-community.github.io/helm-charts", version: "88.0.0" },
    "prometheus-adapter": { name: "prometheus-adapter", repo: "https://prometheus-community.github.io/helm-charts", version: "5.2.0" },
    "fluent-bit": { name: "fluent-bit", repo: "https://fluent.github.io/helm-charts", version: "0.54.0" },
    "fluentd": { name: "fluentd", repo: "https://fluent.github.io/helm-charts", version: "0.5.3" },
    "eck-operator": { name: "eck-operator", repo: "https://helm.elastic.co", version: "3.2.0" },
    // 4.11.1: the newest release whose archive can be verified against its source (4.13.0 cannot).
    "jaeger": { name: "jaeger", repo: "https://jaegertracing.github.io/helm-charts", version: "4.11.1" },
    "velero": { name: "velero", repo: "https://vmware-tanzu.github.io/helm-charts", version: "12.0.0" },
} as const satisfies Record<string, ChartEntry>;

export type ChartKey = keyof typeof CHARTS;

export type EksAddon = "vpc-cni" | "coredns" | "kube-proxy" | "aws-ebs-csi-driver";

/**
 * EKS managed add-on versions, pinned per supported Kubernetes minor (`kubechat:eks.version`): the
 * latest of each in the EKS user guide's add-on version tables when pinned. kube-proxy and CoreDNS
 * follow the minor; the VPC CNI and EBS CSI driver builds listed there serve every supported minor.
 */
export const EKS_ADDONS_BY_VERSION: Record<string, Record<EksAddon, string>> = {
    "1.32": { "vpc-cni": "v1.20.4-eksbuild.1", "coredns": "v1.11.4-eksbuild.24", "kube-proxy": "v1.32.9-eksbuild.2", "aws-ebs-csi-driver": "v1.51.1-eksbuild.1" },
    "1.33": { "vpc-cni": "v1.20.4-eksbuild.1", "coredns": "v1.12.4-eksbuild.1", "kube-proxy": "v1.33.5-eksbuild.2", "aws-ebs-csi-driver": "v1.51.1-eksbuild.1" },
    "1.34": { "vpc-cni": "v1.20.4-eksbuild.1", "coredns": "v1.12.4-eksbuild.1", "kube-proxy": "v1.34.1-eksbuild.2", "aws-ebs-csi-driver": "v1.51.1-eksbuild.1" },
};

/** Supported `eks.version` values (the minors add-on versions are pinned for). */
export const SUPPORTED_EKS_VERSIONS = Object.keys(EKS_ADDONS_BY_VERSION);

/** The cluster-autoscaler image of a Kubernetes minor (an unsupported minor is an error naming the supported ones). */
export function clusterAutoscalerTag(minor: string): string {
    const tag = CLUSTER_AUTOSCALER_TAGS[minor];
    if (!tag) throw new Error(`Kubernetes ${minor}: no cluster-autoscaler pinned (supported: ${Object.keys(CLUSTER_AUTOSCALER_TAGS).join(", ")})`);
    return tag;
}

/** The add-on versions of an EKS Kubernetes minor; an unsupported minor is an error naming the supported ones. */
export function eksAddons(version: string): Record<EksAddon, string> {
    const v = EKS_ADDONS_BY_VERSION[version];
    if (!v) throw new Error(`EKS ${version}: no add-on versions pinned (supported: ${SUPPORTED_EKS_VERSIONS.join(", ")})`);
    return v;
}

/** An image resolved against the registry override. */
export interface ResolvedImage {
    /** Registry host[:port][/path] part, e.g. `docker.io` or `mirror.corp:5000/kubechat`. */
    registry: string;
    /** Path below the registry, e.g. `istio/proxyv2`. */
    repository: string;
    tag: string;
    /** `registry/repository` (what most charts call image.repository). */
    name: string;
    /** Full reference `registry/repository:tag`. */
    ref: string;
}

/** A chart resolved against the chart-mirror override, ready to spread into `k8s.helm.v3.Release` args. */
export interface ResolvedChart {
    chart: string;
    version?: string;
    repositoryOpts?: { repo: string };
}

export interface AirgapList {
    images: string[];
    charts: { name: string; version: string; repo: string }[];
}

export interface CatalogOptions {
    /** `kubechat:registry` — host[:port][/path]; empty = upstream registries. */
    registry?: string;
    /** `kubechat:chartRepository` — http(s) repo, `oci://` path or local directory; empty = upstream repos. */
    chartRepository?: string;
    /** `kubechat:charts.<key>.values` — per-stack Helm values, merged over the platform's by the add-on layer. */
    chartValues?: Partial<Record<ChartKey, { values: Record<string, unknown> }>>;
}

/** Split `host[:port]/path` into registry host and path; Docker Hub short names get `docker.io`. */
export function splitImage(repository: string): { registry: string; path: string } {
    const [first, ...rest] = repository.split("/");
    const isHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    if (isHost) return { registry: first, path: rest.join("/") };
    return { registry: "docker.io", path: rest.length === 0 ? `library/${first}` : repository };
}

export class Catalog {
    private readonly registry: string;
    private readonly chartRepository: string;
    private readonly chartValues: CatalogOptions["chartValues"];
    private readonly usedImages = new Set<string>();
    private readonly usedCharts = new Map<string, { name: string; version: string; repo: string }>();

    constructor(opts: CatalogOptions = {}) {
        this.registry = (opts.registry ?? "").replace(/\/+$/, "");
        this.chartRepository = (opts.chartRepository ?? "").replace(/\/+$/, "");
        this.chartValues = opts.chartValues ?? {};
    }

    /** True when every image comes from the customer's registry. */
    get airgapped(): boolean {
        return this.registry !== "";
    }

    /** Resolve any image reference (catalog or config-supplied) against the registry override. */
    resolve(repository: string, tag: string): ResolvedImage {
        const { registry, path } = splitImage(repository);
        const reg = this.registry || registry;
        const name = `${reg}/${path}`;
        const ref = `${name}:${tag}`;
        this.usedImages.add(ref);
        return { registry: reg, repository: path, tag, name, ref };
    }

    /** A pinned catalog image. */
    image(key: ImageKey): ResolvedImage {
        const e: ImageEntry = IMAGES[key];
        return this.resolve(e.repository, e.tag);
    }

    /** A pinned chart, pointed at the mirror when one is configured; records the chart. */
    chart(key: ChartKey): ResolvedChart {
        const e: ChartEntry = CHARTS[key];
        this.usedCharts.set(key, { name: e.name, version: e.version, repo: this.chartRepository || e.repo });
        const mirror = this.chartRepository;
        if (mirror === "") return { chart: e.name, version: e.version, repositoryOpts: { repo: e.repo } };
        if (mirror.startsWith("oci://")) return { chart: `${mirror}/${e.name}`, version: e.version };
        if (/^https?:\/\//.test(mirror)) return { chart: e.name, version: e.version, repositoryOpts: { repo: mirror } };
        // A local directory of chart archives as `helm pull` writes them.
        return { chart: `${mirror}/${e.name}-${e.version}.tgz` };
    }

    /** The stack's own values for a chart (`kubechat:charts.<key>.values`); empty when it sets none. */
    valuesOverride(key: ChartKey): Record<string, unknown> {
        return this.chartValues?.[key]?.values ?? {};
    }

    /** Registries images are allowed from: the override, or every upstream registry the catalog uses. */
    approvedRegistries(): string[] {
        if (this.registry !== "") return [this.registry];
        return [...new Set(Object.values(IMAGES).map((i: ImageEntry) => splitImage(i.repository).registry))].sort();
    }

    /** Everything handed out so far: what an air-gapped install must mirror. */
    airgapList(): AirgapList {
        return {
            images: [...this.usedImages].sort(),
            charts: [...this.usedCharts.values()].sort((a, b) => a.name.localeCompare(b.name)),
        };
    }
}
