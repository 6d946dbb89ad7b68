/**
 * Pure planning for observability: chart values, Prometheus Operator objects, Elastic objects, the
 * Elasticsearch setup script and the alert rules. Nothing here creates a resource, so every value the
 * components hand to Kubernetes or Helm is unit-tested directly.
 */
import { ES_SNAPSHOT_REPOSITORY, EsSnapshotTarget, esSlmPolicy, esSnapshotPodSettings, esSnapshotRepository } from "../backup/es-snapshots";
import type * as k8s from "@pulumi/kubernetes";
import { Catalog, ImageKey } from "../catalog";
import { AlertingSettings, alertmanagerConfig, receiverSecrets } from "./alerting";
import { PATRONI_PORT as PATRONI_METRICS_PORT } from "../data/values";
import { EsUser, LOG_WRITER, esAuth } from "./elasticsearch-auth";
import { INGRESS_GATEWAY_LABELS, INGRESS_GATEWAY_NAME } from "../mesh/values";
import { PART_OF, POD_TEMPLATE_HASH_LABEL, recommendedLabels, selectorLabels, PodSecurityLevel, SCRAPE_LABEL } from "../labels";
import { AddonNamespaceArgs } from "../release";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Resources = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };

/** Helm release names: Service names other engineers rely on are derived from them. */
export const RELEASES = {
    kubePrometheusStack: "kube-prometheus-stack",
    prometheusAdapter: "prometheus-adapter",
    fluentBit: "fluent-bit",
    fluentd: "fluentd",
    eckOperator: "eck-operator",
    jaeger: "jaeger",
} as const;

/** Prometheus as the AnalysisTemplate and the adapter reach it (release `kube-prometheus-stack` in `monitoring`). */
export const PROMETHEUS_URL = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";

/** Name of the ECK `Elasticsearch` and `Kibana`; ECK derives Services and Secrets from it. */
export const ES_NAME = "kubechat";
/** Secret the operator creates in `logging` for an external Elasticsearch (keys `username`, `password`). */
export const EXTERNAL_ES_SECRET = "elasticsearch-credentials";
/** Secret in `tracing` with Jaeger's Elasticsearch credentials (keys `username`, `password`). */
export const JAEGER_ES_SECRET = "jaeger-elasticsearch";
/** Secret in `tracing` with ECK's public HTTP CA (`ca.crt`), copied there by es-setup (in-cluster only). */
export const JAEGER_ES_CA_SECRET = "jaeger-elasticsearch-ca";
/** ServiceAccount of the Elasticsearch setup Job/CronJob in `logging`. */
export const ES_SETUP_SA = "es-setup";
/** Fluentd's forward input, the target of every Fluent Bit. */
export const FLUENTD_FORWARD_PORT = 24224;
/** Secret in `logging` with the forward protocol's shared key (key `sharedKey`), read by Fluent Bit and Fluentd. */
export const FORWARD_KEY_SECRET = "fluent-forward-shared-key";
/** Environment variable both ends read the shared key from. */
const FORWARD_KEY_ENV = "FORWARD_SHARED_KEY";
/** The shared key as an env var from its Secret. */
function forwardKeyEnv(): k8s.types.input.core.v1.EnvVar {
    return { name: FORWARD_KEY_ENV, valueFrom: { secretKeyRef: { name: FORWARD_KEY_SECRET, key: "sharedKey" } } };
}
/** Jaeger ports: OTLP gRPC/HTTP, UI. */
export const JAEGER_PORTS = { otlpGrpc: 4317, otlpHttp: 4318, ui: 16686 } as const;
/** Istio's merged Prometheus endpoint on every sidecar-injected pod (agent port, outside mTLS capture). */
export const ISTIO_MERGED_METRICS = { port: 15020, path: "/stats/prometheus" } as const;

/** Log classes: index prefix and retention. Prefixes avoid `logs-*-*`, which ES 8 maps to data streams. */
export type LogClass = "app" | "system" | "audit";
export const LOG_INDEX_PREFIX: Record<LogClass, string> = { app: "kubechat-app", system: "kubechat-system", audit: "kubechat-audit" };
/** Index patterns of Jaeger's daily indices (no index prefix). */
export const JAEGER_INDEX_PATTERNS = ["jaeger-span-*", "jaeger-service-*", "jaeger-dependencies-*", "jaeger-sampling-*"];

/** Pod Security level of a namespace's `enforce|audit|warn` labels. */
export type PssLevel = PodSecurityLevel;

/** An observability namespace: Pod Security `enforce` = `level`; `audit`/`warn` at `restricted` so gaps stay visible. */
export function observabilityNamespace(name: string, level: PssLevel): AddonNamespaceArgs {
    // Platform namespace: its components need cluster-wide reach (scraping every namespace, node
    // agents, operators talking to the API server), so the application default-deny rule does not
    // apply; the app namespaces admit monitoring/tracing traffic through their own policies.
    return { name, owner: name, podSecurity: level, reportPodSecurity: "restricted", system: true };
}

/** `{registry, repository, tag}` as most charts take an image. */
export function chartImage(catalog: Catalog, key: ImageKey): { registry: string; repository: string; tag: string } {
    const i = catalog.image(key);
    return { registry: i.registry, repository: i.repository, tag: i.tag };
}

/** `{repository: registry/path, tag}` for charts whose repository carries the registry. */
export function fullImage(catalog: Catalog, key: ImageKey): { repository: string; tag: string } {
    const i = catalog.image(key);
    return { repository: i.name, tag: i.tag };
}

export function resources(cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): Resources {
    return { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/** A ReadWriteOnce claim spec; `storageClass` "" = the cluster default. */
export function rwoClaim(storage: string, storageClass: string): Record<string, unknown> {
    return { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } }, ...(storageClass ? { storageClassName: storageClass } : {}) };
}

/** Container securityContext for Pod Security `restricted` (the pod sets the user). */
export function restrictedContainer(readOnlyRootFilesystem = true): Record<string, unknown> {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Pod securityContext for a non-root user. */
export function nonRootPod(uid: number): Record<string, unknown> {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

export interface MetricsSizing {
    /** Prometheus retention in days. */
    retentionDays: number;
    /** Prometheus volume size. */
    storage: string;
    /** StorageClass ("" = cluster default). */
    storageClass: string;
    /** HA stack: two Prometheus and three Alertmanager replicas, larger requests. */
    ha: boolean;
}

/**
 * kube-prometheus-stack values. `global.imageRegistry` carries the air-gap override and every image is
 * also set explicitly from the catalog, so the plan lists exactly what must be mirrored.
 */
/** Alert routing and the kind of control plane. */
export interface MetricsRouting {
    /** `kubechat:observability.alerting`; absent = the chart's configuration (every route to "null"). */
    alerting?: AlertingSettings;
    /**
     * Scrape controller-manager, scheduler, etcd and kube-proxy. Off (the default) where they cannot be
     * reached — a managed control plane (EKS), or kubeadm/k3s defaults that bind their metrics to
     * 127.0.0.1 — so their scrapes and `*Down` alerts (firing forever) are switched off; disabling a
     * component also drops its default rules in the chart.
     */
    controlPlaneMetrics?: boolean;
}

export function kubePrometheusStackValues(catalog: Catalog, s: MetricsSizing, routing: MetricsRouting = {}): Record<string, unknown> {
    const prometheusImage = chartImage(catalog, "prometheus");
    const off = { enabled: false };
    return {
        ...(routing.controlPlaneMetrics ? {} : { kubeControllerManager: off, kubeScheduler: off, kubeEtcd: off, kubeProxy: off }),
        global: { imageRegistry: catalog.airgapped ? prometheusImage.registry : "" },
        crds: { enabled: true },
        prometheusOperator: {
            image: chartImage(catalog, "prometheus-operator"),
            prometheusConfigReloader: { image: chartImage(catalog, "prometheus-config-reloader") },
            // The certificate create/patch hook Jobs.
            admissionWebhooks: { patch: { image: chartImage(catalog, "kps-webhook-certgen"), resources: resources("10m", "32Mi", "100m", "64Mi") } },
            resources: resources("100m", "128Mi", "500m", "512Mi"),
        },
        prometheus: {
            service: { labels: { "app.kubernetes.io/name": "prometheus" } },
            prometheusSpec: {
                image: prometheusImage,
                replicas: s.ha ? 2 : 1,
                // Pick up every ServiceMonitor/PodMonitor/PrometheusRule, not only those labelled release=<release>.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                retention: `${s.retentionDays}d`,
                storageSpec: { volumeClaimTemplate: { spec: rwoClaim(s.storage, s.storageClass) } },
                resources: s.ha ? resources("500m", "2Gi", "2", "4Gi") : resources("100m", "512Mi", "1", "1Gi"),
            },
        },
        alertmanager: {
            // Alerting matters where someone is paged: HA stacks only.
            enabled: s.ha,
            service: { labels: { "app.kubernetes.io/name": "alertmanager" } },
            ...(routing.alerting ? { config: alertmanagerConfig(routing.alerting) } : {}),
            alertmanagerSpec: {
                image: chartImage(catalog, "alertmanager"),
                ...(routing.alerting ? { secrets: receiverSecrets(routing.alerting) } : {}),
                replicas: s.ha ? 3 : 1,
                resources: resources("50m", "64Mi", "200m", "256Mi"),
            },
        },
        grafana: {
            enabled: true,
            image: chartImage(catalog, "grafana"),
            // The dashboard sidecar writes only into its mounted emptyDir.
            sidecar: {
                image: chartImage(catalog, "grafana-sidecar"),
                resources: resources("10m", "64Mi", "100m", "128Mi"),
                securityContext: restrictedContainer(),
            },
            extraLabels: { "app.kubernetes.io/part-of": PART_OF },
            // The chart generates a random admin password into Secret kube-prometheus-stack-grafana
            // (key admin-password) and keeps it across upgrades, so no password ever enters the plan;
            // the stack default ("prom-operator") is cleared on purpose.
            adminPassword: "",
            resources: resources("100m", "128Mi", "500m", "512Mi"),
        },
        "kube-state-metrics": {
            image: chartImage(catalog, "kube-state-metrics"),
            resources: resources("50m", "64Mi", "200m", "256Mi"),
        },
        "prometheus-node-exporter": {
            image: chartImage(catalog, "node-exporter"),
            resources: resources("50m", "32Mi", "200m", "128Mi"),
            // Host network, host PID and the host's /proc, /sys and / stay (node metrics; see
            // policies/chart-exceptions.yaml); everything else is hardened.
            containerSecurityContext: restrictedContainer(),
        },
    };
}

/** The one adapter rule the HPA of the app needs: `http_requests_per_second` per pod. */
export function adapterRules(): Record<string, unknown>[] {
    return [{
        seriesQuery: 'http_requests_total{namespace!="",pod!=""}',
        resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
        name: { matches: "^(.*)_total", as: "${1}_per_second" },
        metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
    }];
}

/**
 * prometheus-adapter values: serves `custom.metrics.k8s.io` only. Resource metrics (`metrics.k8s.io`,
 * CPU/memory HPAs) stay with metrics-server, which k3s/Rancher Desktop and most distributions ship:
 * registering `rules.resource` as well would fight it for the same APIService.
 */
export function prometheusAdapterValues(catalog: Catalog, ha: boolean): Record<string, unknown> {
    return {
        image: fullImage(catalog, "prometheus-adapter"),
        replicas: ha ? 2 : 1,
        prometheus: { url: "http://kube-prometheus-stack-prometheus.monitoring.svc", port: 9090 },
        rules: { default: false, custom: adapterRules() },
        resources: resources("50m", "128Mi", "500m", "512Mi"),
        securityContext: { ...restrictedContainer(), runAsUser: 10001 },
    };
}

export interface ScrapeTarget {
    /** KubeChat service name (its Service carries `selectorLabels(name)`). */
    name: string;
    /** Metrics path on the service's `http` port. */
    metricsPath: string;
}

/**
 * One ServiceMonitor per KubeChat service, matching only the Service labelled `SCRAPE_LABEL` (a
 * Rollout's stable/canary/preview Services select the same pods: each pod is scraped once). Targets
 * carry the pod's `rollouts-pod-template-hash`, which the canary analysis filters on.
 * With the mesh (STRICT mTLS), Prometheus has no Istio certificate and the sidecar rejects plain HTTP on
 * the app port, so the target is rewritten to the sidecar's merged endpoint (15020 /stats/prometheus):
 * Istio's metrics merging serves the app's metrics there, with Envoy's `istio_*` metrics, in plain HTTP,
 * outside mTLS capture (so no AuthorizationPolicy rule is involved).
 */
export function serviceMonitor(t: ScrapeTarget, namespace: string, mesh: boolean): Record<string, unknown> {
    const endpoint: Record<string, unknown> = mesh
        ? {
            port: "http", scheme: "http", interval: "30s", path: ISTIO_MERGED_METRICS.path,
            relabelings: [{
                action: "replace", sourceLabels: ["__meta_kubernetes_pod_ip"], targetLabel: "__address__",
                regex: "(.+)", replacement: `$1:${ISTIO_MERGED_METRICS.port}`,
            }],
        }
        : { port: "http", scheme: "http", interval: "30s", path: t.metricsPath };
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: t.name, namespace, labels: recommendedLabels(t.name, "monitoring") },
        spec: {
            selector: { matchLabels: { "app.kubernetes.io/name": selectorLabels(t.name)["app.kubernetes.io/name"], [SCRAPE_LABEL.key]: SCRAPE_LABEL.value } },
            namespaceSelector: { matchNames: [namespace] },
            podTargetLabels: [POD_TEMPLATE_HASH_LABEL],
            endpoints: [endpoint],
        },
    };
}

/**
 * PodMonitor for the Postgres members: the postgres_exporter sidecars (port `exporter`) and Patroni's
 * own `/metrics` on 8008 (`patroni_sync_standby`, `patroni_primary`...; the operator declares that
 * container port without a name, hence `portNumber`). Kept in the monitoring namespace and selecting
 * the data namespace, so it needs nothing from the data layer.
 */
export function postgresPodMonitor(monitoringNamespace: string, dataNamespace: string): Record<string, unknown> {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: "postgres", namespace: monitoringNamespace, labels: recommendedLabels("postgres", "monitoring") },
        spec: {
            selector: { matchLabels: { application: "spilo" } },
            namespaceSelector: { matchNames: [dataNamespace] },
            podMetricsEndpoints: [
                { port: "exporter", interval: "30s" },
                { portNumber: PATRONI_METRICS_PORT, path: "/metrics", interval: "30s" },
            ],
        },
    };
}

/**
 * ServiceMonitor for Velero's server metrics (the chart's `velero` Service, port `http-monitoring`),
 * the source of the backup-failure alerts; kept in the monitoring namespace like the PodMonitor.
 */
export function veleroServiceMonitor(monitoringNamespace: string, veleroNamespace: string): Record<string, unknown> {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "velero", namespace: monitoringNamespace, labels: recommendedLabels("velero", "monitoring") },
        spec: {
            selector: { matchLabels: { "app.kubernetes.io/name": "velero" } },
            namespaceSelector: { matchNames: [veleroNamespace] },
            endpoints: [{ port: "http-monitoring", interval: "30s" }],
        },
    };
}

/** Where the mesh runs: istiod's namespace and the ingress gateway's. */
export interface MeshTargets {
    istioSystem: string;
    gateway: string;
}

/**
 * Mesh telemetry: istiod's control-plane metrics (Service `istiod`, port `http-monitoring` 15014) and
 * the ingress gateway's Envoy (`istio_requests_total` for everything entering the cluster) on its
 * `http-envoy-prom` container port (15090); the gateway chart's Service exposes neither, so a
 * PodMonitor selects the gateway pods. Both objects live in the monitoring namespace.
 */
export function meshMonitors(monitoringNamespace: string, m: MeshTargets): Record<string, unknown>[] {
    const meta = (name: string) => ({ name, namespace: monitoringNamespace, labels: recommendedLabels(name, "monitoring") });
    return [
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: meta("istiod"),
            spec: {
                selector: { matchLabels: { app: "istiod" } },
                namespaceSelector: { matchNames: [m.istioSystem] },
                endpoints: [{ port: "http-monitoring", interval: "30s" }],
            },
        },
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: meta(INGRESS_GATEWAY_NAME),
            spec: {
                selector: { matchLabels: { istio: INGRESS_GATEWAY_LABELS.istio } },
                namespaceSelector: { matchNames: [m.gateway] },
                podMetricsEndpoints: [{ port: "http-envoy-prom", path: "/stats/prometheus", interval: "30s" }],
            },
        },
    ];
}

export interface AlertRuleArgs {
    /** Application namespace. */
    namespace: string;
    /** KubeChatHighErrorRate threshold in percent of requests. */
    errorRatePercent: number;
    /** p99 latency threshold in seconds. Default 1. */
    p99Seconds?: number;
    /** Data namespace when Postgres is deployed (replication lag rule). */
    dataNamespace?: string;
    /** Patroni synchronous_node_count (>0: alert when fewer synchronous standbys are in the set). */
    postgresSyncStandbys?: number;
    /** Velero namespace when backups are on (its ServiceMonitor). */
    veleroNamespace?: string;
    /** Istio namespace when the mesh runs (control-plane rule). */
    istioSystemNamespace?: string;
    /** Backup alert rules (`backupAlertRules`, components/backup/alerts.ts). */
    backupRules?: AlertRule[];
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string; description: string };
}

/** Percent as a ratio without float noise (5 -> "0.05"). */
export function ratio(percent: number): string {
    return String(Number((percent / 100).toFixed(6)));
}

/**
 * Alert rules. The error-rate alert is a ratio of 5xx to all requests (an absolute 5xx rate fires on
 * busy services and never on quiet ones). Postgres lag comes from postgres_exporter
 * (`pg_replication_lag_seconds`, replication collector); backup rules from Velero's own metrics.
 */
export function alertRules(a: AlertRuleArgs): { name: string; rules: AlertRule[] }[] {
    const ns = a.namespace;
    const p99 = a.p99Seconds ?? 1;
    const rule = (alert: string, expr: string, forDuration: string, severity: AlertRule["labels"]["severity"], summary: string, description: string): AlertRule =>
        ({ alert, expr, for: forDuration, labels: { severity }, annotations: { summary, description } });
    const app = [
        rule("KubeChatHighErrorRate",
            `sum(rate(http_requests_total{namespace="${ns}",status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="${ns}"}[5m])) > ${ratio(a.errorRatePercent)}`,
            "2m", "warning", `More than ${a.errorRatePercent}% of KubeChat requests fail`,
            `{{ $value | humanizePercentage }} of requests in ${ns} returned 5xx over the last 5 minutes.`),
        rule("KubeChatTargetDown", `up{namespace="${ns}"} == 0`, "5m", "critical", "A KubeChat scrape target is down",
            `Prometheus cannot scrape {{ $labels.pod }} ({{ $labels.service }}) in ${ns} for 5 minutes.`),
        rule("KubeChatHighLatencyP99",
            `histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{namespace="${ns}"}[5m]))) > ${p99}`,
            "10m", "warning", "KubeChat p99 latency is high", `p99 latency of {{ $labels.service }} is {{ $value | humanizeDuration }} (threshold ${p99}s).`),
        rule("KubeChatPodRestarting", `increase(kube_pod_container_status_restarts_total{namespace="${ns}"}[15m]) > 3`, "0m", "warning",
            "A KubeChat container restarts repeatedly", "{{ $labels.pod }}/{{ $labels.container }} restarted {{ $value }} times in 15 minutes."),
    ];
    const platform: AlertRule[] = [];
    if (a.dataNamespace) {
        platform.push(rule("KubeChatPostgresReplicationLag", `max by (pod) (pg_replication_lag_seconds{namespace="${a.dataNamespace}"}) > 30`, "5m", "warning",
            "Postgres replica lags behind the primary", "Replica {{ $labels.pod }} is {{ $value | humanizeDuration }} behind (postgres_exporter pg_replication_lag_seconds)."));
        const sync = a.postgresSyncStandbys ?? 0;
        if (sync > 0) {
            // Non-strict synchronous mode keeps acknowledging commits with fewer (even zero) synchronous
            // standbys; Patroni's gauge is 1 on each member that is in the synchronous set.
            platform.push(rule("KubeChatPostgresSyncStandbysMissing",
                `(sum(patroni_sync_standby{namespace="${a.dataNamespace}"}) or vector(0)) < ${sync}`, "5m", "critical",
                "Fewer synchronous Postgres standbys than configured",
                `{{ $value }} of ${sync} synchronous standbys in ${a.dataNamespace}: acknowledged commits are on fewer nodes than promised (Patroni patroni_sync_standby).`));
        }
    }
    if (a.istioSystemNamespace) {
        platform.push(rule("KubeChatMeshControlPlaneDown", `absent(up{namespace="${a.istioSystemNamespace}", service="istiod"} == 1)`, "5m", "critical",
            "No istiod instance is up", "Prometheus has scraped no healthy istiod for 5 minutes: new pods get no sidecar configuration or certificates."));
    }
    // Backup rules (WAL-G, logical backups, Velero) are planned with the backup layer.
    platform.push(...(a.backupRules ?? []));
    const groups = [{ name: "kubechat.rules", rules: app }];
    if (platform.length > 0) groups.push({ name: "kubechat-platform.rules", rules: platform });
    return groups;
}

/** The PrometheusRule holding `alertRules(...)`, in the application namespace. */
export function prometheusRule(a: AlertRuleArgs): Record<string, unknown> {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "kubechat-alerts", namespace: a.namespace, labels: recommendedLabels("kubechat-alerts", "monitoring") },
        spec: { groups: alertRules(a) },
    };
}

// ---------------------------------------------------------------------------------------------
// Elasticsearch (ECK in-cluster or external)
// ---------------------------------------------------------------------------------------------

/** Where logs and traces go, and where the credentials live (never the credentials themselves). */
export interface EsTarget {
    /** `https://host:port`. */
    url: string;
    /** ECK in-cluster (CA from the ECK Secret) or external (system trust store). */
    inCluster: boolean;
    /** Secret in `logging` with the log writer's credentials (keys `usernameKey`, `passwordKey`). */
    secret: string;
    usernameKey: string;
    passwordKey: string;
    /**
     * ECK only: the built-in `elastic` user's Secret (key `elastic`), used by the es-setup Job alone for
     * what no writer may do (ILM policies, index templates, snapshot repository and SLM policy).
     */
    adminSecret?: string;
    /** Secret in `logging` with the HTTP CA as `ca.crt` (ECK only). */
    caSecret?: string;
}

export function esTarget(externalUrl: string, loggingNamespace: string): EsTarget {
    if (externalUrl !== "") {
        return { url: externalUrl.replace(/\/+$/, ""), inCluster: false, secret: EXTERNAL_ES_SECRET, usernameKey: "username", passwordKey: "password" };
    }
    return {
        url: `https://${ES_NAME}-es-http.${loggingNamespace}.svc:9200`,
        inCluster: true,
        // The log writer's file-realm user (elasticsearch-auth.ts), never the `elastic` superuser.
        secret: LOG_WRITER.secret,
        usernameKey: "username",
        passwordKey: "password",
        adminSecret: `${ES_NAME}-es-elastic-user`,
        caSecret: `${ES_NAME}-es-http-certs-public`,
    };
}

/** ES_USERNAME / ES_PASSWORD env of the log writer, from Secrets (never literals). */
export function esCredentialEnv(es: EsTarget): k8s.types.input.core.v1.EnvVar[] {
    return [
        { name: "ES_USERNAME", valueFrom: { secretKeyRef: { name: es.secret, key: es.usernameKey } } },
        { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: es.secret, key: es.passwordKey } } },
    ];
}

/** ES_USERNAME / ES_PASSWORD env of the es-setup Job: ECK's `elastic` user in-cluster, the operator's credentials otherwise. */
export function esAdminEnv(es: EsTarget): k8s.types.input.core.v1.EnvVar[] {
    if (!es.adminSecret) return esCredentialEnv(es);
    return [{ name: "ES_USERNAME", value: "elastic" }, { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: es.adminSecret, key: "elastic" } } }];
}

export interface EsSizing {
    nodes: number;
    storage: string;
    storageClass: string;
    /** Persistent stack: keep data volumes when the Elasticsearch is deleted. */
    persistent: boolean;
    /** Nodes in several zones (EKS): spread the pods over them and keep a shard's copies in different zones. Default false. */
    zoneAware?: boolean;
}

/** Node label ECK copies onto the Elasticsearch pods (as an annotation) for shard allocation awareness. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * Zone awareness the ECK 3.2 way: the operator copies the node's zone label onto each pod, the pod
 * reads it into `ZONE`, and Elasticsearch allocates a shard's copies across `zone` values (and nodes).
 */
export function esZoneAwareness(): { annotations: Record<string, string>; config: Record<string, unknown>; env: Record<string, unknown>[]; spread: Record<string, unknown> } {
    return {
        annotations: { "eck.k8s.elastic.co/downward-node-labels": ZONE_LABEL },
        config: { "node.attr.zone": "${ZONE}", "cluster.routing.allocation.awareness.attributes": "k8s_node_name,zone" },
        env: [{ name: "ZONE", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${ZONE_LABEL}']` } } }],
        spread: {
            maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": ES_NAME } },
        },
    };
}

/** ECK pod template override: the main container's resources and a `restricted` security context (Elastic images run as uid 1000). */
function elasticPodTemplate(container: string, res: Resources): Record<string, unknown> {
    return {
        metadata: { labels: recommendedLabels(ES_NAME, "logging") },
        spec: { securityContext: nonRootPod(1000), containers: [{ name: container, resources: res, securityContext: restrictedContainer() }] },
    };
}

/** An ECK resource named `ES_NAME`: version and image from the catalog entry of its Elastic product. */
function eckResource(catalog: Catalog, apiVersion: string, kind: string, image: "elasticsearch" | "kibana", namespace: string, spec: Record<string, unknown>): Record<string, unknown> {
    const img = catalog.image(image);
    return {
        apiVersion, kind,
        metadata: { name: ES_NAME, namespace, labels: recommendedLabels(ES_NAME, "logging") },
        spec: { version: img.tag, image: img.ref, ...spec },
    };
}

/**
 * The ECK `Elasticsearch`. `node.store.allow_mmap: false` avoids the privileged vm.max_map_count init
 * container; the GeoIP downloader is off (air-gap: it would call Elastic's endpoint for its databases).
 */
export function elasticsearch(catalog: Catalog, namespace: string, s: EsSizing, snapshots?: EsSnapshotTarget, users: EsUser[] = [LOG_WRITER]): Record<string, unknown> {
    const zone = s.zoneAware ? esZoneAwareness() : undefined;
    const snap = snapshots ? esSnapshotPodSettings(snapshots) : undefined;
    const pod: any = elasticPodTemplate("elasticsearch", resources("500m", "2Gi", "2", "2Gi"));
    const env = [...(zone?.env ?? []), ...(snap?.env ?? [])];
    if (env.length) pod.spec.containers[0].env = env;
    if (zone) pod.spec.topologySpreadConstraints = [zone.spread];
    if (snap) {
        pod.spec.serviceAccountName = snap.serviceAccountName;
        if (snap.volumes.length) {
            pod.spec.volumes = snap.volumes;
            pod.spec.containers[0].volumeMounts = snap.volumeMounts;
        }
    }
    const es: any = eckResource(catalog, "elasticsearch.k8s.elastic.co/v1", "Elasticsearch", "elasticsearch", namespace, {
        // Roles and users of the writers, declared (elasticsearch-auth.ts).
        auth: esAuth(users),
        volumeClaimDeletePolicy: s.persistent ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion",
        nodeSets: [{
            name: "default",
            count: s.nodes,
            config: { "node.store.allow_mmap": false, "ingest.geoip.downloader.enabled": false, ...zone?.config, ...snap?.config },
            podTemplate: pod,
            volumeClaimTemplates: [{ metadata: { name: "elasticsearch-data" }, spec: rwoClaim(s.storage, s.storageClass) }],
        }],
    });
    if (zone) es.metadata.annotations = zone.annotations;
    if (snap?.secureSettings.length) es.spec.secureSettings = snap.secureSettings;
    return es;
}

/**
 * Pulumi waits for the `Elasticsearch` until ECK reports it `Ready` (provider annotation
 * `pulumi.com/waitFor`): by then ECK has created the Secrets the writers use (`<name>-es-elastic-user`,
 * `<name>-es-http-certs-public`), so whatever depends on the resource starts against a working cluster
 * instead of waiting for it inside its own timeout.
 */
export const ES_READY_AWAIT = { "pulumi.com/waitFor": "jsonpath={.status.phase}=Ready" } as const;

/** `obj` with the ready-await annotation added to whatever annotations it has. */
export function awaitingReady<T extends Record<string, any>>(obj: T): T {
    return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, ...ES_READY_AWAIT } } };
}

/** The ECK `Kibana`, bound to the Elasticsearch by `elasticsearchRef`. */
export function kibana(catalog: Catalog, namespace: string): Record<string, unknown> {
    return eckResource(catalog, "kibana.k8s.elastic.co/v1", "Kibana", "kibana", namespace, {
        count: 1,
        elasticsearchRef: { name: ES_NAME },
        podTemplate: elasticPodTemplate("kibana", resources("200m", "1Gi", "1", "1Gi")),
    });
}

/** eck-operator values: operator image and the registry Elastic images come from; manages `logging` only. */
export function eckOperatorValues(catalog: Catalog, namespace: string): Record<string, unknown> {
    return {
        image: fullImage(catalog, "eck-operator"),
        installCRDs: true,
        managedNamespaces: [namespace],
        config: { containerRegistry: catalog.image("elasticsearch").registry },
        resources: resources("100m", "150Mi", "1", "512Mi"),
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: restrictedContainer(),
    };
}

/** Retention per class in days (and traces). */
export interface Retention {
    appDays: number;
    systemDays: number;
    auditDays: number;
    traceDays: number;
}

/** Index replicas: none on a single in-cluster node (a replica could never be allocated), otherwise one. */
export function indexReplicas(inCluster: boolean, nodes: number): number {
    return inCluster && nodes < 2 ? 0 : 1;
}

/** ILM policies: a hot phase, then delete at the class's retention (age counted from index creation). */
export function ilmPolicies(r: Retention): Record<string, unknown> {
    const policy = (days: number) => ({
        policy: {
            phases: {
                hot: { min_age: "0ms", actions: { set_priority: { priority: 100 } } },
                delete: { min_age: `${days}d`, actions: { delete: {} } },
            },
        },
    });
    return {
        [LOG_INDEX_PREFIX.app]: policy(r.appDays),
        [LOG_INDEX_PREFIX.system]: policy(r.systemDays),
        [LOG_INDEX_PREFIX.audit]: policy(r.auditDays),
        "kubechat-traces": policy(r.traceDays),
    };
}

/** Composable index templates binding each log class's daily indices to its ILM policy. */
export function indexTemplates(replicas: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const prefix of Object.values(LOG_INDEX_PREFIX)) {
        out[prefix] = {
            index_patterns: [`${prefix}-*`],
            priority: 200,
            template: { settings: { "index.lifecycle.name": prefix, "index.number_of_replicas": replicas } },
        };
    }
    return out;
}

export interface EsSetupArgs {
    /** Snapshot repository to register, with the daily SLM policy (components/backup/es-snapshots.ts). */
    snapshots?: EsSnapshotTarget;
    retention: Retention;
    replicas: number;
    /** Copy ECK's HTTP CA into Secret `JAEGER_ES_CA_SECRET` in this namespace (in-cluster ES with Jaeger on it). */
    jaegerCaNamespace?: string;
}

/**
 * The idempotent setup script run by the `es-setup` Job and, daily, by its CronJob. Users and roles are
 * not here (ECK declares them, elasticsearch-auth.ts); what stays is what neither ECK nor the writers
 * can declare without more privilege than they should have:
 * 1. ILM policies and index templates per log class — ECK declares these only through
 *    StackConfigPolicy, an Enterprise-licence feature; Fluentd could install them at start only with
 *    `manage_ilm` and `manage_index_templates`, which the log writer deliberately lacks;
 * 2. the traces policy attached to Jaeger's daily indices (Jaeger owns their templates and has no
 *    ILM setting without its alias/rollover mode, so the daily run attaches it to each new index);
 * 3. the snapshot repository and SLM policy (same licence limit as 1.);
 * 4. in-cluster with Jaeger: ECK's public HTTP CA copied into the tracing namespace (Secrets cannot be
 *    mounted across namespaces), refreshed daily because ECK rotates its CA. Only the public
 *    certificate moves: the Job's API access is to create and update that one Secret.
 */
export function esSetupScript(a: EsSetupArgs): string {
    const put = (path: string, body: unknown) => `es -X PUT "$ES_URL/${path}" -d '${JSON.stringify(body)}' >/dev/null`;
    const lines = [
        "set -euo pipefail",
        'CA_ARGS=(); if [ -f /es-ca/ca.crt ]; then CA_ARGS=(--cacert /es-ca/ca.crt); fi',
        'es() { curl -sSf "${CA_ARGS[@]}" -u "$ES_USERNAME:$ES_PASSWORD" -H "Content-Type: application/json" "$@"; }',
        'until es "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=30s" >/dev/null; do echo "waiting for Elasticsearch"; sleep 10; done',
        ...Object.entries(ilmPolicies(a.retention)).map(([name, body]) => put(`_ilm/policy/${name}`, body)),
        ...Object.entries(indexTemplates(a.replicas)).map(([name, body]) => put(`_index_template/${name}`, body)),
        put(`${JAEGER_INDEX_PATTERNS.join(",")}/_settings?allow_no_indices=true&expand_wildcards=open`, { "index.lifecycle.name": "kubechat-traces" }),
        ...(a.snapshots ? [
            put(`_snapshot/${ES_SNAPSHOT_REPOSITORY}`, esSnapshotRepository(a.snapshots)),
            put("_slm/policy/daily-snapshots", esSlmPolicy()),
        ] : []),
    ];
    if (a.jaegerCaNamespace) {
        const labels = JSON.stringify(recommendedLabels("jaeger", "tracing", { "app.kubernetes.io/managed-by": "es-setup" }));
        lines.push(
            "SA=/var/run/secrets/kubernetes.io/serviceaccount",
            `API="https://kubernetes.default.svc/api/v1/namespaces/${a.jaegerCaNamespace}/secrets"`,
            'kube() { curl -sSf --cacert "$SA/ca.crt" -H "Authorization: Bearer $(cat "$SA/token")" -H "Content-Type: application/json" "$@"; }',
            `BODY="{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Secret\\",\\"metadata\\":{\\"name\\":\\"${JAEGER_ES_CA_SECRET}\\",\\"labels\\":${labels.replace(/"/g, '\\"')}},\\"type\\":\\"Opaque\\",\\"data\\":{\\"ca.crt\\":\\"$(base64 -w0 < /es-ca/ca.crt)\\"}}"`,
            // The tracing namespace and its Role may still be on their way: retry until the Secret is written.
            `until kube -X PUT "$API/${JAEGER_ES_CA_SECRET}" -d "$BODY" >/dev/null 2>&1 || kube -X POST "$API" -d "$BODY" >/dev/null; do echo "waiting to write the Elasticsearch CA for Jaeger"; sleep 10; done`,
        );
    }
    lines.push('echo "Elasticsearch setup done"');
    return lines.join("\n") + "\n";
}

/**
 * Pod spec of the setup Job/CronJob: the Elasticsearch image (it ships bash and curl), hardened, with the
 * writer credentials from Secrets and the ECK CA mounted read-only.
 */
export function esSetupPodSpec(catalog: Catalog, es: EsTarget, a: EsSetupArgs): PodSpec {
    const container: Container = {
        name: "es-setup",
        image: catalog.image("elasticsearch").ref,
        command: ["/bin/bash", "-c", esSetupScript(a)],
        env: [{ name: "ES_URL", value: es.url }, ...esAdminEnv(es)],
        resources: resources("50m", "64Mi", "200m", "128Mi"),
        securityContext: restrictedContainer() as Container["securityContext"],
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(es.caSecret ? [{ name: "es-ca", mountPath: "/es-ca", readOnly: true }] : [])],
    };
    return {
        serviceAccountName: ES_SETUP_SA,
        automountServiceAccountToken: a.jaegerCaNamespace !== undefined,
        restartPolicy: "OnFailure",
        securityContext: nonRootPod(1000) as PodSpec["securityContext"],
        containers: [container],
        volumes: [
            { name: "tmp", emptyDir: {} },
            ...(es.caSecret ? [{ name: "es-ca", secret: { secretName: es.caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
        ],
    };
}

// ---------------------------------------------------------------------------------------------
// Log shipping
// ---------------------------------------------------------------------------------------------

/** Kubernetes audit log on control-plane nodes (kubeadm `--audit-log-path` convention). */
export const AUDIT_LOG_PATH = "/var/log/kubernetes/audit/*.log";

/** Escape a namespace for a Fluent Bit regex. */
const rx = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Fluent Bit (DaemonSet): tails container logs (CRI/Docker) and the API server audit log, enriches
 * with Kubernetes metadata, re-tags application namespaces `app.*`, forwards everything to Fluentd.
 */
export function fluentBitValues(catalog: Catalog, appNamespaces: string[], loggingNamespace: string): Record<string, unknown> {
    const service = [
        "[SERVICE]",
        "    Daemon Off",
        "    Flush 5",
        "    Log_Level info",
        "    Parsers_File /fluent-bit/etc/parsers.conf",
        "    HTTP_Server On",
        "    HTTP_Listen 0.0.0.0",
        "    HTTP_Port 2020",
        "    Health_Check On",
    ].join("\n");
    const inputs = [
        "[INPUT]",
        "    Name tail",
        "    Tag kube.*",
        "    Path /var/log/containers/*.log",
        "    multiline.parser cri, docker",
        "    DB /var/log/flb_kube.db",
        "    Mem_Buf_Limit 50MB",
        "    Skip_Long_Lines On",
        "    Refresh_Interval 10",
        "",
        "[INPUT]",
        "    Name tail",
        "    Tag audit.*",
        `    Path ${AUDIT_LOG_PATH}`,
        "    Parser json",
        "    DB /var/log/flb_audit.db",
        "    Mem_Buf_Limit 50MB",
        "    Skip_Long_Lines On",
    ].join("\n");
    const filters = [
        "[FILTER]",
        "    Name kubernetes",
        "    Match kube.*",
        "    Kube_Tag_Prefix kube.var.log.containers.",
        "    Merge_Log On",
        "    Keep_Log Off",
        "    K8S-Logging.Parser On",
        "    K8S-Logging.Exclude On",
        "",
        "[FILTER]",
        "    Name rewrite_tag",
        "    Match kube.*",
        `    Rule $kubernetes['namespace_name'] ^(${appNamespaces.map(rx).join("|")})$ app.$TAG false`,
    ].join("\n");
    // TLS and the forward protocol's shared-key handshake (see fluentdConfig for what is verified).
    const outputs = [
        "[OUTPUT]",
        "    Name forward",
        "    Match *",
        `    Host ${RELEASES.fluentd}.${loggingNamespace}.svc`,
        `    Port ${FLUENTD_FORWARD_PORT}`,
        "    Retry_Limit no_limits",
        "    tls On",
        "    tls.verify Off",
        `    Self_Hostname ${RELEASES.fluentBit}`,
        `    Shared_Key \${${FORWARD_KEY_ENV}}`,
    ].join("\n");
    return {
        image: { ...fullImage(catalog, "fluent-bit"), pullPolicy: "IfNotPresent" },
        testFramework: { enabled: false },
        // Reads root-owned host log files: runs as root without extra capabilities (the namespace is privileged for the hostPath).
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
        resources: resources("50m", "64Mi", "500m", "256Mi"),
        env: [forwardKeyEnv()],
        // Control-plane nodes hold the audit log.
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
        config: { service, inputs, filters, outputs },
    };
}

/**
 * Fluentd (aggregator Deployment): receives forward traffic and writes one daily index family per
 * class. TLS to Elasticsearch is verified against the ECK CA; credentials come from Secrets via env.
 *
 * Forward input: TLS and the shared key. What each part gives (read in Fluentd's server plugin helper
 * and cert_option.rb, and Fluent Bit's forward output):
 * - `<transport tls>` with `insecure true`: Fluentd generates a self-signed RSA certificate in memory at
 *   each start (`cert_option_generate_server_pair_self_signed`), so no key material is stored or
 *   mirrored; traffic is encrypted. Fluent Bit cannot verify such a certificate (`tls.verify Off`): the
 *   certificate authenticates nothing.
 * - `<security> shared_key`: the forward protocol's handshake, in which each side proves knowledge of
 *   the key (SHA-512 digests over per-connection nonces), so only holders of the Secret can send logs
 *   and a client talks only to a server that holds it. Not covered: an active attacker inside the
 *   cluster network who relays the handshake between both ends could read the stream, because the
 *   unverified TLS session is not bound to it.
 */
export function fluentdConfig(es: EsTarget): { sources: string; outputs: string } {
    const sources = [
        "<source>",
        "  @type forward",
        "  @id in_forward",
        `  port ${FLUENTD_FORWARD_PORT}`,
        "  bind 0.0.0.0",
        "  <transport tls>",
        "    insecure true",
        `    generate_cert_common_name ${RELEASES.fluentd}`,
        "  </transport>",
        "  <security>",
        `    self_hostname ${RELEASES.fluentd}`,
        `    shared_key "#{ENV['${FORWARD_KEY_ENV}']}"`,
        "  </security>",
        "</source>",
        "",
        "<source>",
        "  @type prometheus",
        "  bind 0.0.0.0",
        "  port 24231",
        "  metrics_path /metrics",
        "</source>",
    ].join("\n");
    const match = (pattern: string, cls: LogClass) => [
        `<match ${pattern}>`,
        "  @type elasticsearch",
        `  @id out_es_${cls}`,
        `  hosts ${es.url}`,
        "  user \"#{ENV['ES_USERNAME']}\"",
        "  password \"#{ENV['ES_PASSWORD']}\"",
        "  ssl_verify true",
        ...(es.caSecret ? ["  ca_file /es-ca/ca.crt"] : []),
        "  suppress_type_name true",
        "  default_elasticsearch_version 8",
        "  verify_es_version_at_startup false",
        "  logstash_format true",
        `  logstash_prefix ${LOG_INDEX_PREFIX[cls]}`,
        "  logstash_dateformat %Y.%m.%d",
        "  include_tag_key true",
        "  reconnect_on_error true",
        // Never reload the host list from the cluster: without a sniffer that keeps the configured
        // host, a reload swaps the Service name for pod IPs, which the certificate does not name.
        "  reload_on_failure false",
        "  reload_connections false",
        "  <buffer>",
        "    @type file",
        `    path /var/log/fluentd-buffers/${cls}`,
        "    flush_interval 5s",
        "    flush_thread_count 2",
        "    chunk_limit_size 8MB",
        "    total_limit_size 1GB",
        "    overflow_action block",
        "    retry_type exponential_backoff",
        "    retry_max_interval 60s",
        "    retry_forever true",
        "  </buffer>",
        "</match>",
    ].join("\n");
    // Order matters: the first match wins; everything not app or audit is system.
    const outputs = [match("app.**", "app"), match("audit.**", "audit"), match("**", "system")].join("\n\n");
    return { sources, outputs };
}

export function fluentdValues(catalog: Catalog, es: EsTarget, ha: boolean): Record<string, unknown> {
    const cfg = fluentdConfig(es);
    return {
        kind: "Deployment",
        replicaCount: ha ? 2 : 1,
        image: { ...fullImage(catalog, "fluentd"), pullPolicy: "IfNotPresent" },
        // An aggregator reads nothing from the host.
        mountVarLogDirectory: false,
        mountDockerContainersDirectory: false,
        rbac: { create: false },
        podSecurityPolicy: { enabled: false },
        // A boolean: the chart tests `if .Values.dashboards.enabled`, where the string "false" is true.
        dashboards: { enabled: false },
        // The image's `fluent` user (uid 999) owns /fluentd.
        podSecurityContext: nonRootPod(999),
        securityContext: restrictedContainer(),
        resources: resources("100m", "256Mi", "1", "1Gi"),
        env: [...esCredentialEnv(es), forwardKeyEnv()],
        volumes: [
            { name: "buffers", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
            ...(es.caSecret ? [{ name: "es-ca", secret: { secretName: es.caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
        ],
        volumeMounts: [
            { name: "buffers", mountPath: "/var/log/fluentd-buffers" },
            { name: "tmp", mountPath: "/tmp" },
            ...(es.caSecret ? [{ name: "es-ca", mountPath: "/es-ca", readOnly: true }] : []),
        ],
        service: { type: "ClusterIP", ports: [{ name: "forwarder", protocol: "TCP", containerPort: FLUENTD_FORWARD_PORT }] },
        fileConfigs: {
            "01_sources.conf": cfg.sources,
            "02_filters.conf": "",
            "03_dispatch.conf": "",
            "04_outputs.conf": cfg.outputs,
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Traces
// ---------------------------------------------------------------------------------------------

export interface TraceStorage {
    /** `memory` (single replica, lost on restart) or `elasticsearch`. */
    kind: "memory" | "elasticsearch";
    /** Elasticsearch URL (elasticsearch only). */
    esUrl?: string;
    /** Mount the ECK CA from `JAEGER_ES_CA_SECRET` (in-cluster ECK). */
    esCa?: boolean;
    /** Trace retention in days (Elasticsearch: ILM via es-setup; query lookback). */
    retentionDays: number;
    /** Elasticsearch index replicas. */
    replicas?: number;
}

/** The Jaeger v2 (OpenTelemetry Collector style) configuration: OTLP in, memory or Elasticsearch store, UI 16686. */
export function jaegerConfig(s: TraceStorage): Record<string, unknown> {
    const daily = { date_layout: "2006-01-02", rollover_frequency: "day", shards: 1, replicas: s.replicas ?? 1 };
    const backend = s.kind === "memory"
        ? { memory: { max_traces: 100000 } }
        : {
            elasticsearch: {
                server_urls: [s.esUrl],
                auth: { basic: { username: "${env:ES_USERNAME}", password: "${env:ES_PASSWORD}" } },
                ...(s.esCa ? { tls: { ca_file: "/es-ca/ca.crt" } } : {}),
                max_span_age: `${s.retentionDays * 24}h`,
                indices: { spans: daily, services: daily, dependencies: daily, sampling: daily },
            },
        };
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
            telemetry: { metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888 } } } }] } },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: { endpoint: "0.0.0.0:13133" } },
            jaeger_query: { storage: { traces: "primary_store" }, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.ui}` } },
            jaeger_storage: { backends: { primary_store: backend } },
        },
        receivers: {
            otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpHttp}` } } },
        },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: "primary_store" } },
    };
}

/** Jaeger chart (4.x, Jaeger v2) values: one all-in-one Deployment, image from the catalog, hardened. */
export function jaegerValues(catalog: Catalog, s: TraceStorage): Record<string, unknown> {
    const es = s.kind === "elasticsearch";
    const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: JAEGER_ES_SECRET, key } } });
    return {
        userconfig: jaegerConfig(s),
        jaeger: {
            image: chartImage(catalog, "jaeger"),
            // In-memory storage lives in one process; Elasticsearch-backed Jaeger is stateless.
            replicas: es ? 2 : 1,
            resources: es ? resources("200m", "512Mi", "1", "1Gi") : resources("100m", "256Mi", "500m", "512Mi"),
            podSecurityContext: nonRootPod(10001),
            securityContext: restrictedContainer(),
            extraEnv: es ? [secretEnv("ES_USERNAME", "username"), secretEnv("ES_PASSWORD", "password")] : [],
            extraVolumes: es && s.esCa ? [{ name: "es-ca", secret: { secretName: JAEGER_ES_CA_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : [],
            extraVolumeMounts: es && s.esCa ? [{ name: "es-ca", mountPath: "/es-ca", readOnly: true }] : [],
        },
    };
}

/**
 * The collector address other components use: `jaeger-collector.<ns>.svc.cluster.local:4317`. The v2
 * chart names its only Service after the release (`jaeger`), so this Service selects the same pods
 * and exposes just the OTLP ports.
 */
export function jaegerCollectorService(namespace: string): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "jaeger-collector", namespace, labels: recommendedLabels("jaeger-collector", "tracing") },
        spec: {
            type: "ClusterIP",
            selector: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": RELEASES.jaeger, "app.kubernetes.io/component": "all-in-one" },
            ports: [
                { name: "grpc-otlp", port: JAEGER_PORTS.otlpGrpc, targetPort: JAEGER_PORTS.otlpGrpc, protocol: "TCP", appProtocol: "grpc" },
                { name: "http-otlp", port: JAEGER_PORTS.otlpHttp, targetPort: JAEGER_PORTS.otlpHttp, protocol: "TCP", appProtocol: "http" },
            ],
        },
    };
}
