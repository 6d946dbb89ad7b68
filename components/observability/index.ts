/**
 * Observability: metrics and alerts, logs, traces — each switchable per stack
 * (`observability.metrics|logs|traces`). Backup (Velero) is a separate component.
 */
import * as pulumi from "@pulumi/pulumi";
import { Catalog } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { AlertingSettings } from "./alerting";
import { Logging } from "./logging";
import { EsSnapshotStoreArgs } from "./es-snapshots";
import { Metrics } from "./metrics";
import { Tracing } from "./tracing";
import { newPassword } from "./elasticsearch-auth";
import { indexReplicas } from "./elasticsearch";
import { AlertRule, MeshTargets } from "./prometheus";

export { Logging } from "./logging";
export { Metrics } from "./metrics";
export { Tracing } from "./tracing";

/** What runs and how it is sized and kept (`kubechat:observability` satisfies it; defaults and bounds live there). */
export interface ObservabilitySettings {
    /** kube-prometheus-stack, prometheus-adapter, ServiceMonitors and alerts. */
    metrics: boolean;
    /** Prometheus retention in days. */
    metricsRetentionDays: number;
    /** Prometheus volume size (a Kubernetes quantity). */
    metricsStorage: string;
    /** KubeChatHighErrorRate threshold: 5xx share of requests, in percent. */
    errorRateAlertPercent: number;
    /** Fluent Bit -> Fluentd -> Elasticsearch -> Kibana. */
    logs: boolean;
    /** External Elasticsearch `https://host:port`; "" = ECK in-cluster. */
    elasticsearchUrl: string;
    /** ECK Elasticsearch nodes. */
    elasticsearchNodes: number;
    /** ECK volume per node (a Kubernetes quantity). */
    elasticsearchStorage: string;
    /** Retention of application, system and audit logs, in days. */
    appLogRetentionDays: number;
    systemLogRetentionDays: number;
    auditLogRetentionDays: number;
    /** Jaeger receiving OTLP from the mesh. */
    traces: boolean;
    /** Jaeger storage: in memory (one replica) or the Elasticsearch above. */
    traceStorage: "memory" | "elasticsearch";
    /** Trace retention in days. */
    traceRetentionDays: number;
    /** Alert receivers and routes. */
    alerting: AlertingSettings;
}

export interface ObservabilityArgs {
    /** What runs, sizes and retention. */
    config: ObservabilitySettings;
    catalog: Catalog;
    cluster: ClusterLayer;
    /** HA stack (persistent): more replicas, Alertmanager, kept Elasticsearch volumes. */
    ha: boolean;
    /** Application namespace name (ServiceMonitors, PrometheusRule, "application" log class). */
    appNamespace: string;
    /** The app namespace as an output of its Namespace resource (objects placed there wait for it). Default `appNamespace`. */
    appNamespaceRef?: pulumi.Input<string>;
    /** KubeChat services by name with their metrics path (one ServiceMonitor each). */
    services: Record<string, { metricsPath: string }>;
    /** Istio sidecars in the app namespace (scrape through Istio's merged metrics endpoint). */
    mesh: boolean;
    /** Istio's namespaces when the mesh runs: istiod and the ingress gateway are scraped. */
    meshTargets?: MeshTargets;
    /** Scrape controller-manager, scheduler, etcd and kube-proxy (reachable on-prem control planes only). Default false. */
    controlPlaneMetrics?: boolean;
    /** Data namespace when Postgres is deployed: replication-lag alert, "application" log class. */
    dataNamespace?: string;
    /** Patroni synchronous_node_count of the Postgres cluster (0 = asynchronous): sync-standby alert. */
    postgresSyncStandbys?: number;
    /** Velero namespace when backups are on: its ServiceMonitor. */
    veleroNamespace?: string;
    /** Backup alert rules (Postgres WAL-G and logical backups, Velero) for the platform PrometheusRule. */
    backupRules?: AlertRule[];
    /** Further platform rules (the Trivy Operator's) and the ServiceMonitors they need (in the monitoring namespace). */
    platformSignals?: { rules: AlertRule[]; monitors: (namespace: string) => Record<string, unknown>[] };
    /** Elasticsearch snapshots to the backup object store (absent: none). */
    snapshotStore?: EsSnapshotStoreArgs;
    /** Namespace names. Default monitoring / logging / tracing. */
    namespaces?: { monitoring: string; logging: string; tracing: string };
}

/** Which parts run, and whether Elasticsearch is needed (logs, or traces stored in it). */
export function observabilityPlan(c: ObservabilitySettings): { metrics: boolean; logs: boolean; traces: boolean; elasticsearch: boolean; tracesInEs: boolean } {
    const tracesInEs = c.traces && c.traceStorage === "elasticsearch";
    return { metrics: c.metrics, logs: c.logs, traces: c.traces, elasticsearch: c.logs || tracesInEs, tracesInEs };
}

export class Observability extends pulumi.ComponentResource {
    public readonly metrics?: Metrics;
    public readonly logging?: Logging;
    public readonly tracing?: Tracing;
    /** Prometheus URL ("" when metrics are off). */
    public readonly prometheusUrl: string;
    /** Elasticsearch URL ("" when neither logs nor traces use it). */
    public readonly elasticsearchUrl: string;
    /** OTLP gRPC endpoint of the Jaeger collector ("" when traces are off). */
    public readonly otlpGrpcEndpoint: string;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:observability:Observability", name, {}, opts);
        const c = args.config;
        const plan = observabilityPlan(c);
        const ns = args.namespaces ?? { monitoring: "monitoring", logging: "logging", tracing: "tracing" };
        const common = { catalog: args.catalog, cluster: args.cluster };
        const storageClass = args.cluster.storageClass;

        if (plan.metrics) {
            this.metrics = new Metrics(`${name}-metrics`, {
                ...common,
                namespace: ns.monitoring,
                sizing: { retentionDays: c.metricsRetentionDays, storage: c.metricsStorage, storageClass, ha: args.ha },
                targets: Object.entries(args.services).map(([svc, s]) => ({ name: svc, metricsPath: s.metricsPath })),
                appNamespace: args.appNamespace,
                appNamespaceRef: args.appNamespaceRef,
                mesh: args.mesh,
                meshTargets: args.meshTargets,
                routing: { alerting: c.alerting, controlPlaneMetrics: args.controlPlaneMetrics ?? false },
                alerts: { errorRatePercent: c.errorRateAlertPercent, dataNamespace: args.dataNamespace, veleroNamespace: args.veleroNamespace, backupRules: args.backupRules,
                    postgresSyncStandbys: args.postgresSyncStandbys, platformRules: args.platformSignals?.rules },
                monitors: args.platformSignals?.monitors(ns.monitoring),
            }, { parent: this });
        }

        const inClusterEs = c.elasticsearchUrl === "";
        // Jaeger's Elasticsearch password, in ECK's file realm (logging) and Jaeger's Secret (tracing).
        const jaegerPassword = plan.tracesInEs && inClusterEs ? newPassword() : undefined;
        if (plan.elasticsearch) {
            this.logging = new Logging(`${name}-logging`, {
                ...common,
                namespace: ns.logging,
                shipLogs: plan.logs,
                appNamespaces: [args.appNamespace, ...(args.dataNamespace ? [args.dataNamespace] : [])],
                externalUrl: c.elasticsearchUrl,
                sizing: { nodes: c.elasticsearchNodes, storage: c.elasticsearchStorage, storageClass, persistent: args.ha },
                retention: {
                    appDays: c.appLogRetentionDays, systemDays: c.systemLogRetentionDays,
                    auditDays: c.auditLogRetentionDays, traceDays: c.traceRetentionDays,
                },
                ha: args.ha,
                jaeger: jaegerPassword ? { password: jaegerPassword, caNamespace: ns.tracing } : undefined,
                snapshotStore: args.snapshotStore,
            }, { parent: this });
        }

        if (plan.traces) {
            this.tracing = new Tracing(`${name}-tracing`, {
                ...common,
                namespace: ns.tracing,
                storage: plan.tracesInEs
                    ? {
                        kind: "elasticsearch", esUrl: this.logging!.elasticsearchUrl, esCa: inClusterEs, retentionDays: c.traceRetentionDays,
                        replicas: indexReplicas(inClusterEs, c.elasticsearchNodes),
                    }
                    : { kind: "memory", retentionDays: c.traceRetentionDays },
                inClusterEs: jaegerPassword ? { password: jaegerPassword, esSetupNamespace: ns.logging } : undefined,
                storageReady: plan.tracesInEs ? this.logging!.ready : undefined,
            }, { parent: this });
        }

        this.prometheusUrl = this.metrics?.prometheusUrl ?? "";
        this.elasticsearchUrl = this.logging?.elasticsearchUrl ?? "";
        this.otlpGrpcEndpoint = this.tracing?.otlpGrpcEndpoint ?? "";
        this.registerOutputs({ prometheusUrl: this.prometheusUrl, elasticsearchUrl: this.elasticsearchUrl, otlpGrpcEndpoint: this.otlpGrpcEndpoint });
    }
}
