/** Ports and pod labels of the system namespaces' components, which the egress and ingress rules name. Pure. */
import { FLUENTD_FORWARD_PORT } from "../observability/fluent";
import { JAEGER_PORTS } from "../observability/jaeger";

/** Ports other components scrape or call in the system namespaces (verified against the pinned charts). */
export const SYSTEM_PORTS = {
    prometheus: 9090,
    alertmanager: 9093,
    alertmanagerCluster: 9094,
    configReloader: 8080,
    grafana: 3000,
    kubeStateMetrics: 8080,
    prometheusOperator: 10250,
    coreDnsMetrics: 9153,
    nodeExporter: 9100,
    kubelet: 10250,
    etcdMetrics: 2381,
    controllerManager: 10257,
    scheduler: 10259,
    kubeProxyMetrics: 10249,
    elasticsearchHttp: 9200,
    elasticsearchTransport: 9300,
    fluentdForward: FLUENTD_FORWARD_PORT,
    veleroMetrics: 8085,
    istiodMonitoring: 15014,
    /** prometheus-adapter's aggregated API (custom.metrics.k8s.io), chart 5.2.0 `--secure-port`. */
    prometheusAdapterApi: 6443,
    /** eck-operator 3.2.0's validating webhook. */
    eckWebhook: 9443,
    /** Jaeger's OTLP gRPC and HTTP receivers. */
    otlpGrpc: JAEGER_PORTS.otlpGrpc,
    otlpHttp: JAEGER_PORTS.otlpHttp,
} as const;

/** Pod labels the operators and charts set (the selectors below rely on them). */
export const SYSTEM_POD_LABELS = {
    /** prometheus-operator: `app.kubernetes.io/name` + `prometheus: <Prometheus name>`. */
    prometheus: { "app.kubernetes.io/name": "prometheus" },
    /** prometheus-operator: `app.kubernetes.io/name` + `alertmanager: <Alertmanager name>`. */
    alertmanager: { "app.kubernetes.io/name": "alertmanager" },
    grafana: { "app.kubernetes.io/name": "grafana" },
    prometheusAdapter: { "app.kubernetes.io/name": "prometheus-adapter" },
    eckOperator: { "app.kubernetes.io/name": "elastic-operator" },
    /** ECK sets `elasticsearch.k8s.elastic.co/cluster-name` and `common.k8s.elastic.co/type` on every node. */
    elasticsearch: { "common.k8s.elastic.co/type": "elasticsearch" },
    kibana: { "common.k8s.elastic.co/type": "kibana" },
    fluentBit: { "app.kubernetes.io/name": "fluent-bit" },
    fluentd: { "app.kubernetes.io/name": "fluentd" },
    /** The es-setup Job and the es-maintenance CronJob (components/observability/logging.ts). */
    esSetup: { "app.kubernetes.io/name": "es-setup" },
    jaeger: { "app.kubernetes.io/name": "jaeger" },
    /** metrics-server chart 3.13.0. */
    metricsServer: { "app.kubernetes.io/name": "metrics-server" },
    /** cluster-autoscaler chart 9.52.1 (aws cloud provider). */
    clusterAutoscaler: { "app.kubernetes.io/name": "aws-cluster-autoscaler" },
} as const;
