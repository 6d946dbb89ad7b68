/**
 * Traces (pure): the Jaeger v2 configuration, chart values and the collector Service.
 */
import { Catalog } from "../catalog";
import { recommendedLabels } from "../labels";
import { RELEASES, chartImageDefaultTag, nonRootPod, resources, restrictedContainer } from "./common";

/** Secret in `tracing` with Jaeger's Elasticsearch credentials (keys `username`, `password`). */
export const JAEGER_ES_SECRET = "jaeger-elasticsearch";
/** Secret in `tracing` with ECK's public HTTP CA (`ca.crt`), copied there by es-setup (in-cluster only). */
export const JAEGER_ES_CA_SECRET = "jaeger-elasticsearch-ca";
/** Where Jaeger reads its Elasticsearch credentials from (files of `JAEGER_ES_SECRET`). */
export const JAEGER_ES_CREDENTIALS_DIR = "/es-credentials";
/** Jaeger ports: OTLP gRPC/HTTP, UI. */
export const JAEGER_PORTS = { otlpGrpc: 4317, otlpHttp: 4318, ui: 16686 } as const;

/** Where spans go: a Service host and its OTLP/gRPC port. */
export interface OtlpEndpoint {
    /** Fully qualified Service host. */
    service: string;
    port: number;
}

/**
 * The collector's OTLP/gRPC endpoint in a tracing namespace: the `jaeger-collector` Service
 * (`jaegerCollectorService`). The Tracing component publishes it and the mesh sends spans to it.
 */
export function otlpGrpcEndpoint(namespace: string): OtlpEndpoint {
    return { service: `jaeger-collector.${namespace}.svc.cluster.local`, port: JAEGER_PORTS.otlpGrpc };
}
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
                // Files, not env: the collector's file config provider and the Elasticsearch
                // extension's password_file (Jaeger 2.19 internal/storage/elasticsearch/config).
                auth: { basic: { username: `\${file:${JAEGER_ES_CREDENTIALS_DIR}/username}`, password_file: `${JAEGER_ES_CREDENTIALS_DIR}/password` } },
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
    const volumes = [
        ...(es ? [{ name: "es-credentials", secret: { secretName: JAEGER_ES_SECRET, defaultMode: 0o440, items: [{ key: "username", path: "username" }, { key: "password", path: "password" }] } }] : []),
        ...(es && s.esCa ? [{ name: "es-ca", secret: { secretName: JAEGER_ES_CA_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
    ];
    const mounts = [
        ...(es ? [{ name: "es-credentials", mountPath: JAEGER_ES_CREDENTIALS_DIR, readOnly: true }] : []),
        ...(es && s.esCa ? [{ name: "es-ca", mountPath: "/es-ca", readOnly: true }] : []),
    ];
    return {
        userconfig: jaegerConfig(s),
        jaeger: {
            image: chartImageDefaultTag(catalog, "jaeger"),
            // In-memory storage lives in one process; Elasticsearch-backed Jaeger is stateless.
            replicas: es ? 2 : 1,
            resources: es ? resources("200m", "512Mi", "1", "1Gi") : resources("100m", "256Mi", "500m", "512Mi"),
            podSecurityContext: nonRootPod(10001),
            securityContext: restrictedContainer(),
            extraVolumes: volumes,
            extraVolumeMounts: mounts,
            // Jaeger never calls the Kubernetes API.
            serviceAccount: { automountServiceAccountToken: false },
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
