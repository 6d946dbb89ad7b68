/**
 * Metrics (pure): kube-prometheus-stack and prometheus-adapter values, the Prometheus Operator objects
 * (ServiceMonitors, PodMonitors, the KubeChat PrometheusRule) and the alert rules.
 */
import { Catalog } from "../catalog";
import { AlertingSettings, alertmanagerConfig, receiverSecrets } from "./alerting";
import { SYNCREP_SLOW_THRESHOLD_SECONDS, SYNCREP_WAIT_METRIC } from "../data/exporter";
import { PATRONI_PORT as PATRONI_METRICS_PORT } from "../data/names";
import { INGRESS_GATEWAY_LABELS, INGRESS_GATEWAY_NAME } from "../mesh/values";
import { PART_OF, POD_TEMPLATE_HASH_LABEL, recommendedLabels, selectorLabels, SCRAPE_LABEL } from "../labels";
import { chartImage, chartImageDefaultTag, fullImageDefaultTag, resources, restrictedContainer, rwoClaim } from "./common";
import { grafanaAccessValues } from "./grafana";

/** Prometheus as the AnalysisTemplate and the adapter reach it (release `kube-prometheus-stack` in `monitoring`). */
export const PROMETHEUS_URL = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";

/** Istio's merged Prometheus endpoint on every sidecar-injected pod (agent port, outside mTLS capture). */
export const ISTIO_MERGED_METRICS = { port: 15020, path: "/stats/prometheus" } as const;

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

/** kube-state-metrics' collectors: the default list of its chart (kube-prometheus-stack 88.0.0) without `secrets`. */
export const KUBE_STATE_METRICS_COLLECTORS = [
    "certificatesigningrequests", "configmaps", "cronjobs", "daemonsets", "deployments", "endpointslices", "horizontalpodautoscalers",
    "ingresses", "jobs", "leases", "limitranges", "mutatingwebhookconfigurations", "namespaces", "networkpolicies", "nodes",
    "persistentvolumeclaims", "persistentvolumes", "poddisruptionbudgets", "pods", "replicasets", "replicationcontrollers",
    "resourcequotas", "services", "statefulsets", "storageclasses", "validatingwebhookconfigurations", "volumeattachments",
];

export function kubePrometheusStackValues(catalog: Catalog, s: MetricsSizing, routing: MetricsRouting = {}, namespace = "monitoring"): Record<string, unknown> {
    const prometheusImage = chartImage(catalog, "prometheus");
    const grafanaAccess = grafanaAccessValues(namespace) as { sidecar: Record<string, unknown> };
    const off = { enabled: false };
    return {
        ...(routing.controlPlaneMetrics ? {} : { kubeControllerManager: off, kubeScheduler: off, kubeEtcd: off, kubeProxy: off }),
        global: { imageRegistry: catalog.airgapped ? prometheusImage.registry : "" },
        crds: { enabled: true },
        prometheusOperator: {
            image: chartImageDefaultTag(catalog, "prometheus-operator"),
            prometheusConfigReloader: { image: chartImageDefaultTag(catalog, "prometheus-config-reloader") },
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
            // Routing only where Alertmanager runs (the chart ignores it otherwise).
            ...(routing.alerting && s.ha ? { config: alertmanagerConfig(routing.alerting) } : {}),
            alertmanagerSpec: {
                image: chartImage(catalog, "alertmanager"),
                ...(routing.alerting && s.ha ? { secrets: receiverSecrets(routing.alerting) } : {}),
                replicas: s.ha ? 3 : 1,
                resources: resources("50m", "64Mi", "200m", "256Mi"),
            },
        },
        grafana: {
            enabled: true,
            image: chartImageDefaultTag(catalog, "grafana"),
            // What Grafana and its sidecars may read (grafana.ts).
            ...grafanaAccess,
            // The dashboard sidecar writes only into its mounted emptyDir.
            sidecar: {
                ...grafanaAccess.sidecar,
                image: chartImage(catalog, "grafana-sidecar"),
                resources: resources("10m", "64Mi", "100m", "128Mi"),
                securityContext: restrictedContainer(),
            },
            extraLabels: { "app.kubernetes.io/part-of": PART_OF },
            // Egress is closed (system-egress/): no usage reports or update checks that could only
            // fail (merged into the chart's own grafana.ini defaults).
            "grafana.ini": { analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false } },
            // No adminPassword (kube-prometheus-stack 88 sets none): the Grafana chart generates a random
            // one into Secret kube-prometheus-stack-grafana (key admin-password) and keeps it across
            // upgrades (`lookup`), so no password ever enters the plan.
            resources: resources("100m", "128Mi", "500m", "512Mi"),
        },
        "kube-state-metrics": {
            image: chartImageDefaultTag(catalog, "kube-state-metrics"),
            // The chart's default collectors less `secrets`: no rule or dashboard here reads kube_secret_*,
            // and that collector is what makes kube-state-metrics list every Secret of the cluster.
            collectors: KUBE_STATE_METRICS_COLLECTORS,
            resources: resources("50m", "64Mi", "200m", "256Mi"),
        },
        "prometheus-node-exporter": {
            image: chartImageDefaultTag(catalog, "node-exporter"),
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
        image: fullImageDefaultTag(catalog, "prometheus-adapter"),
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
    /** Rules other platform layers plan (the Trivy Operator's `trivyAlertRules`). */
    platformRules?: AlertRule[];
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
            // A standby that is slow but connected stays in the synchronous set (operator 2.0.0 exposes
            // neither quorum commit nor maximum_lag_on_syncnode), so the rule above stays silent while
            // every commit waits for it: the exporter's age of the oldest commit waiting for standbys shows it.
            platform.push(rule("KubeChatPostgresSyncStandbySlow",
                `max by (pod) (avg_over_time(${SYNCREP_WAIT_METRIC}{namespace="${a.dataNamespace}"}[10m])) > ${SYNCREP_SLOW_THRESHOLD_SECONDS}`, "5m", "warning",
                "Commits wait for a slow synchronous standby",
                `Commits on {{ $labels.pod }} waited on average {{ $value | humanizeDuration }} for synchronous standbys over 10 minutes (${SYNCREP_WAIT_METRIC}): a standby is slow but still synchronous, and every commit waits for it. Find it in pg_stat_replication (flush_lag, reply_time) or the Patroni /cluster lag.`));
        }
        // While the Kubernetes API (Patroni's DCS) is unreachable the primary stays primary only through
        // failsafe mode; it cannot change synchronous_standby_names then, and the loss of any one member
        // makes it demote itself until the API is back (docs/ha.md, measured by the drill).
        platform.push(rule("KubeChatPostgresFailsafeActive",
            `max(patroni_failsafe_mode_is_active{namespace="${a.dataNamespace}"}) > 0`, "1m", "critical",
            "Postgres runs on Patroni failsafe mode: one member failure away from refusing all writes",
            `Patroni in ${a.dataNamespace} cannot reach the Kubernetes API and keeps its primary only because every member answers (failsafe_mode). If any member fails before the API is back, all writes are refused until it is. Restore the API server; avoid draining or restarting Postgres nodes meanwhile.`));
        platform.push(rule("KubeChatPostgresNoPrimary",
            `(sum(patroni_primary{namespace="${a.dataNamespace}"}) or vector(0)) < 1`, "1m", "critical",
            "No Postgres primary: writes are refused",
            `No Patroni member in ${a.dataNamespace} has run as primary for a minute (a failover takes ~20 s): writes fail. During a Kubernetes API outage this lasts until the API is back (KubeChatPostgresFailsafeActive).`));
    }
    if (a.istioSystemNamespace) {
        platform.push(rule("KubeChatMeshControlPlaneDown", `absent(up{namespace="${a.istioSystemNamespace}", service="istiod"} == 1)`, "5m", "critical",
            "No istiod instance is up", "Prometheus has scraped no healthy istiod for 5 minutes: new pods get no sidecar configuration or certificates."));
    }
    // Backup rules (WAL-G, logical backups, Velero) are planned with the backup layer.
    platform.push(...(a.backupRules ?? []), ...(a.platformRules ?? []));
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
