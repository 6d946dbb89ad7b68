/**
 * Egress of the platform's system namespaces (`vpa`, `monitoring`, `logging`, `tracing`, `velero`,
 * `istio-system`): each starts from a default-deny *egress* policy, then every pod gets DNS, the
 * controllers the API server, and each component exactly the in-cluster flows (namespace/pod selectors
 * and ports) or configured addresses it needs.
 *
 * Ingress: `monitoring`, `logging` and `tracing` also start from default-deny *ingress* and accept
 * exactly the flows that exist (the other end's egress rule, here or in the app, mesh and delivery
 * policies): Prometheus's scrapes of its own namespace, its queries from Grafana, prometheus-adapter and
 * the Argo Rollouts analysis, alerts to Alertmanager and its gossip, the log and trace pipelines into
 * Fluentd, Elasticsearch and Jaeger, and the API server's calls to the webhooks and the aggregated API
 * those namespaces serve (prometheus-operator 10250, prometheus-adapter 6443, ECK 9443) from the API
 * server's and the nodes' addresses (a host-network API server reaches pods from its node). The UIs
 * (Grafana, Kibana, Jaeger) are reached through `kubectl port-forward`, which no NetworkPolicy sees.
 * The other system namespaces keep ingress to their charts (istiod's and VPA's webhooks, sidecars
 * to istiod from every namespace).
 *
 * Ports were read from the pinned charts and operators: kube-prometheus-stack 88.0.0 (Prometheus 9090,
 * Alertmanager 9093 and cluster peering 9094, config-reloader 8080, Grafana 3000, kube-state-metrics
 * 8080, operator 10250, CoreDNS metrics 9153, node-exporter 9100, kubelet 10250, etcd 2381,
 * controller-manager 10257, scheduler 10259, kube-proxy 10249), eck-operator 3.2.0's own
 * soft-multi-tenancy policies (operator -> Elasticsearch 9200; Elasticsearch <-> Elasticsearch 9300;
 * Kibana -> Elasticsearch 9200), velero 12.0.0 (metrics 8085), istiod 1.28.0 (monitoring 15014).
 *
 * Pure: `systemEgressPolicies` plans, `SystemEgress` (index.ts) creates. kube-system gets no default-deny: it
 * belongs to the cluster (CoreDNS forwards to upstream resolvers, cloud add-ons call cloud APIs); only
 * the add-ons this program installs there on EKS (metrics-server, cluster-autoscaler) are confined, by
 * policies that select their pods alone.
 */
import type * as k8s from "@pulumi/kubernetes";
import { NamespaceNames } from "../namespaces";
import { NetworkPolicyPlan, NetworkPolicySpec, apiServerEgress, dnsEgress, inNamespace, tcp } from "../network";
import { ARGOCD_PORTS, ARGOCD_POD_LABELS } from "../gitops/install";
import { TRIVY_OPERATOR_LABELS } from "../security/trivy";
import { SYSTEM_POD_LABELS, SYSTEM_PORTS } from "./ports";

type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type LabelSelector = k8s.types.input.meta.v1.LabelSelector;

/** Prometheus's in-cluster scrape targets: a namespace and its metrics ports. */
export interface ScrapeTarget {
    namespace: string;
    ports: number[];
    /** Only these pods (default: every pod of the namespace). */
    podLabels?: Record<string, string>;
}

export interface MetricsEgressInput {
    /** In-cluster scrape targets besides the monitoring namespace itself. */
    scrapeTargets: ScrapeTarget[];
    /** Scrape the control plane on the nodes (etcd, controller-manager, scheduler, kube-proxy). */
    controlPlaneMetrics: boolean;
    /** Egress rules of the enabled alert receivers (`alertReceiverEgress`); empty = none enabled. */
    receivers: EgressRule[];
}

/** Where Elasticsearch is: the in-cluster ECK cluster, or an external URL's egress rule. */
export type ElasticsearchEgress = { inCluster: true } | { inCluster: false; rule: EgressRule };

export interface LoggingEgressInput {
    elasticsearch: ElasticsearchEgress;
    /** Egress of the Elasticsearch nodes to the snapshot repository (`backupStoreEgress`); absent = no snapshots. */
    snapshotStore?: EgressRule;
}

export interface SystemEgressInput {
    namespaces: NamespaceNames;
    /** API server CIDRs (`kubechat:cluster.apiServerCidrs`, the VPC on EKS). */
    apiServerCidrs: string[];
    /** Node addresses: kubelet and node-exporter scrapes (`kubechat:cluster.nodeCidrs`, the VPC on EKS). */
    nodeCidrs: string[];
    /** Istio runs: confine istio-system. */
    mesh: boolean;
    /** The VPA chart runs (always, with the app layer). */
    vpa: boolean;
    metrics?: MetricsEgressInput;
    logging?: LoggingEgressInput;
    /** Jaeger's storage: Elasticsearch (in-cluster or external) or none (in memory). */
    tracing?: { elasticsearch?: ElasticsearchEgress };
    /** Velero's object store egress (`backupStoreEgress`). */
    velero?: { store: EgressRule };
    /** The EKS add-ons installed in kube-system (metrics-server, cluster-autoscaler). */
    eksAddons?: boolean;
    /** Argo CD installed by the platform (GitOps mode); absent when not installed here. */
    argocd?: ArgoCdEgressInput;
    /** The Trivy Operator's scan jobs' egress to the registries (`registryEgress`); absent when it does not run. */
    trivy?: { registries: EgressRule };
}

export interface ArgoCdEgressInput {
    /** `gitops.argocdNamespace`. */
    namespace: string;
    /** Redis through redis-ha (HAProxy in front of Redis+Sentinel) rather than the single Redis. */
    redisHa: boolean;
    /** The repo-server's egress to the Git repository (`gitEgress`). */
    git: EgressRule;
}

/** The policies of one namespace. */
export interface NamespaceEgressPlan {
    namespace: string;
    policies: NetworkPolicyPlan[];
}

const selector = (labels: Record<string, string>): LabelSelector => ({ matchLabels: { ...labels } });
const egressOnly = (podSelector: LabelSelector, egress: EgressRule[]): NetworkPolicySpec => ({ podSelector, policyTypes: ["Egress"], egress });
const ingressOnly = (podSelector: LabelSelector, ingress: IngressRule[]): NetworkPolicySpec => ({ podSelector, policyTypes: ["Ingress"], ingress });

/** Deny all ingress of every pod of the namespace (egress untouched). */
export const DEFAULT_DENY_INGRESS: NetworkPolicyPlan = { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } };

/** Where the API server calls webhooks and aggregated APIs from: its own addresses, and the nodes' (host network). */
const fromApiServer = (i: SystemEgressInput) => [...new Set([...i.apiServerCidrs, ...i.nodeCidrs])].map((cidr) => ({ ipBlock: { cidr } }));

/** Deny all egress of every pod of the namespace (ingress untouched). */
export const DEFAULT_DENY_EGRESS: NetworkPolicyPlan = { name: "default-deny-egress", spec: { podSelector: {}, policyTypes: ["Egress"] } };

/** Default-deny egress, DNS for every pod, the API server for `apiReaders` (none: no rule). */
function baseline(ns: NamespaceNames, apiServerCidrs: string[], apiReaders: LabelSelector | undefined): NetworkPolicyPlan[] {
    return [
        DEFAULT_DENY_EGRESS,
        { name: "allow-dns", spec: egressOnly({}, [dnsEgress(ns.kubeSystem)]) },
        ...(apiReaders ? [{ name: "allow-api-server", spec: egressOnly(apiReaders, [apiServerEgress(apiServerCidrs)]) }] : []),
    ];
}

const esPeer = (ns: string) => ({ ...inNamespace(ns), podSelector: selector(SYSTEM_POD_LABELS.elasticsearch) });
/** Egress to Elasticsearch's HTTP port (in-cluster) or the external URL's rule. */
const toElasticsearch = (es: ElasticsearchEgress, loggingNs: string): EgressRule =>
    es.inCluster ? { to: [esPeer(loggingNs)], ports: tcp(SYSTEM_PORTS.elasticsearchHttp) } : es.rule;

/** Merge scrape targets by namespace and pod selector; ports sorted and unique. */
function mergeTargets(targets: ScrapeTarget[]): ScrapeTarget[] {
    const byKey = new Map<string, ScrapeTarget>();
    for (const t of targets) {
        const key = JSON.stringify([t.namespace, t.podLabels ?? {}]);
        const cur = byKey.get(key);
        byKey.set(key, { ...t, ports: [...new Set([...(cur?.ports ?? []), ...t.ports])].sort((a, b) => a - b) });
    }
    return [...byKey.values()];
}

function monitoringPolicies(i: SystemEgressInput, m: MetricsEgressInput): NetworkPolicyPlan[] {
    const ns = i.namespaces;
    const P = SYSTEM_PORTS;
    const self = mergeTargets([
        // Prometheus and Alertmanager (and their config reloaders), Grafana, kube-state-metrics, the operator.
        { namespace: ns.monitoring, ports: [P.prometheus, P.alertmanager, P.configReloader, P.grafana, P.kubeStateMetrics, P.prometheusOperator] },
        ...m.scrapeTargets,
    ]);
    const nodePorts = [P.kubelet, P.nodeExporter, ...(m.controlPlaneMetrics ? [P.etcdMetrics, P.controllerManager, P.scheduler, P.kubeProxyMetrics] : [])];
    const prometheusPods = selector({ ...SYSTEM_POD_LABELS.prometheus });
    const inMonitoring = (labels: Record<string, string>) => ({ podSelector: selector(labels) });
    return [
        // Alertmanager is the one pod here that never reads the API.
        ...baseline(ns, i.apiServerCidrs, { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: [SYSTEM_POD_LABELS.alertmanager["app.kubernetes.io/name"]] }] }),
        {
            name: "prometheus",
            spec: egressOnly(prometheusPods, [
                ...self.map((t) => ({ to: [{ ...inNamespace(t.namespace), podSelector: t.podLabels ? selector(t.podLabels) : {} }], ports: tcp(...t.ports) })),
                // kubelet/cAdvisor and node-exporter (host network) listen on the nodes' addresses.
                { to: i.nodeCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...nodePorts) },
            ]),
        },
        {
            name: "alertmanager",
            spec: egressOnly(selector(SYSTEM_POD_LABELS.alertmanager), [
                // Gossip between the replicas (TCP and UDP).
                { to: [inMonitoring(SYSTEM_POD_LABELS.alertmanager)], ports: [{ protocol: "TCP", port: P.alertmanagerCluster }, { protocol: "UDP", port: P.alertmanagerCluster }] },
            ]),
        },
        // Only when a receiver is enabled: its own policy, so the exemption (if any) names exactly it.
        ...(m.receivers.length > 0 ? [{ name: "alertmanager-receivers", spec: egressOnly(selector(SYSTEM_POD_LABELS.alertmanager), m.receivers) }] : []),
        {
            name: "grafana",
            // Its Prometheus and Alertmanager data sources.
            spec: egressOnly(selector(SYSTEM_POD_LABELS.grafana), [{ to: [inMonitoring(SYSTEM_POD_LABELS.prometheus), inMonitoring(SYSTEM_POD_LABELS.alertmanager)], ports: tcp(P.prometheus, P.alertmanager) }]),
        },
        {
            name: "prometheus-adapter",
            spec: egressOnly(selector(SYSTEM_POD_LABELS.prometheusAdapter), [{ to: [inMonitoring(SYSTEM_POD_LABELS.prometheus)], ports: tcp(P.prometheus) }]),
        },
        ...monitoringIngress(i, self.find((t) => t.namespace === ns.monitoring && !t.podLabels)?.ports ?? []),
    ];
}

/** Ingress of `monitoring`: the flows the egress rules above (and Argo Rollouts') open, nothing else. */
function monitoringIngress(i: SystemEgressInput, scrapedPorts: number[]): NetworkPolicyPlan[] {
    const P = SYSTEM_PORTS;
    const L = SYSTEM_POD_LABELS;
    const pods = (labels: Record<string, string>) => ({ podSelector: selector(labels) });
    return [
        DEFAULT_DENY_INGRESS,
        // Prometheus scrapes every pod of its namespace on the metrics ports.
        { name: "ingress-prometheus-scrapes", spec: ingressOnly({}, [{ from: [pods(L.prometheus)], ports: tcp(...scrapedPorts) }]) },
        {
            name: "ingress-prometheus-queries",
            spec: ingressOnly(selector(L.prometheus), [
                { from: [pods(L.grafana), pods(L.prometheusAdapter)], ports: tcp(P.prometheus) },
                // Argo Rollouts' AnalysisRuns query Prometheus from the controller (components/delivery/argo-rollouts.ts).
                { from: [inNamespace(i.namespaces.delivery)], ports: tcp(P.prometheus) },
            ]),
        },
        {
            name: "ingress-alertmanager",
            spec: ingressOnly(selector(L.alertmanager), [
                { from: [pods(L.prometheus), pods(L.grafana)], ports: tcp(P.alertmanager) },
                { from: [pods(L.alertmanager)], ports: [{ protocol: "TCP", port: P.alertmanagerCluster }, { protocol: "UDP", port: P.alertmanagerCluster }] },
            ]),
        },
        // The operator's admission webhook (PrometheusRule validation, Alertmanager config conversion) and the adapter's API.
        { name: "ingress-prometheus-operator-webhook", spec: ingressOnly(selector({ "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator" }), [{ from: fromApiServer(i), ports: tcp(P.prometheusOperator) }]) },
        { name: "ingress-prometheus-adapter-api", spec: ingressOnly(selector(L.prometheusAdapter), [{ from: fromApiServer(i), ports: tcp(P.prometheusAdapterApi) }]) },
    ];
}

/** Ingress of `logging`: Elasticsearch from its clients, Fluentd from Fluent Bit, ECK's webhook from the API server. */
function loggingIngress(i: SystemEgressInput, l: LoggingEgressInput, tracesInEs: boolean): NetworkPolicyPlan[] {
    const L = SYSTEM_POD_LABELS;
    const pods = (labels: Record<string, string>) => ({ podSelector: selector(labels) });
    return [
        DEFAULT_DENY_INGRESS,
        { name: "ingress-fluentd", spec: ingressOnly(selector(L.fluentd), [{ from: [pods(L.fluentBit)], ports: tcp(SYSTEM_PORTS.fluentdForward) }]) },
        ...(l.elasticsearch.inCluster ? [
            {
                name: "ingress-elasticsearch",
                spec: ingressOnly(selector(L.elasticsearch), [
                    {
                        from: [pods(L.eckOperator), pods(L.kibana), pods(L.fluentd), pods(L.esSetup),
                            ...(tracesInEs ? [{ ...inNamespace(i.namespaces.tracing), podSelector: selector(L.jaeger) }] : [])],
                        ports: tcp(SYSTEM_PORTS.elasticsearchHttp),
                    },
                    { from: [pods(L.elasticsearch)], ports: tcp(SYSTEM_PORTS.elasticsearchTransport) },
                ]),
            },
            { name: "ingress-eck-webhook", spec: ingressOnly(selector(L.eckOperator), [{ from: fromApiServer(i), ports: tcp(SYSTEM_PORTS.eckWebhook) }]) },
        ] : []),
    ];
}

/** Ingress of `tracing`: OTLP from the app's and the gateway's sidecars (their egress: app/network.ts, mesh/network.ts). */
function tracingIngress(i: SystemEgressInput): NetworkPolicyPlan[] {
    const ns = i.namespaces;
    return [
        DEFAULT_DENY_INGRESS,
        {
            name: "ingress-jaeger-otlp",
            spec: ingressOnly(selector(SYSTEM_POD_LABELS.jaeger), [{
                from: [ns.app, ...(i.mesh ? [ns.gateway] : [])].map(inNamespace),
                ports: tcp(SYSTEM_PORTS.otlpGrpc, SYSTEM_PORTS.otlpHttp),
            }]),
        },
    ];
}

function loggingPolicies(i: SystemEgressInput, l: LoggingEgressInput): NetworkPolicyPlan[] {
    const ns = i.namespaces;
    const L = SYSTEM_POD_LABELS;
    const es = toElasticsearch(l.elasticsearch, ns.logging);
    const apiReaders = [L.eckOperator, L.fluentBit, L.esSetup].map((s) => s["app.kubernetes.io/name"]);
    return [
        ...baseline(ns, i.apiServerCidrs, { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: apiReaders }] }),
        ...(l.elasticsearch.inCluster ? [
            { name: "eck-operator", spec: egressOnly(selector(L.eckOperator), [es]) },
            { name: "elasticsearch", spec: egressOnly(selector(L.elasticsearch), [{ to: [{ podSelector: selector(L.elasticsearch) }], ports: tcp(SYSTEM_PORTS.elasticsearchTransport) }]) },
            // Its own policy, so an exemption (AWS S3 has no fixed addresses) names exactly it.
            ...(l.snapshotStore ? [{ name: "elasticsearch-snapshots", spec: egressOnly(selector(L.elasticsearch), [l.snapshotStore]) }] : []),
            { name: "kibana", spec: egressOnly(selector(L.kibana), [es]) },
        ] : []),
        { name: "fluent-bit", spec: egressOnly(selector(L.fluentBit), [{ to: [{ podSelector: selector(L.fluentd) }], ports: tcp(SYSTEM_PORTS.fluentdForward) }]) },
        { name: "fluentd", spec: egressOnly(selector(L.fluentd), [es]) },
        { name: "es-setup", spec: egressOnly(selector(L.esSetup), [es]) },
    ];
}

/**
 * Argo CD (argo-cd chart 10.1.1): the controller, API server, ApplicationSet controller and the
 * redis-secret-init hook Job read the Kubernetes API (the controller also applies to this cluster, at
 * the same addresses); the controller, API server and ApplicationSet controller call the repo-server;
 * the controller, API server and repo-server use Redis — the single Redis, or HAProxy, which forwards to
 * the Redis+Sentinel pods, which replicate and gossip among themselves; only the repo-server reaches Git.
 */
function argocdPolicies(i: SystemEgressInput, a: ArgoCdEgressInput): NetworkPolicyPlan[] {
    const L = ARGOCD_POD_LABELS;
    const P = ARGOCD_PORTS;
    const name = (labels: Record<string, string>) => labels["app.kubernetes.io/name"];
    const apiReaders = [L.controller, L.server, L.applicationSet, L.redisSecretInit].map(name);
    const peer = (labels: Record<string, string>) => ({ podSelector: selector(labels) });
    const redis = a.redisHa ? { to: [peer(L.haproxy)], ports: tcp(P.redis) } : { to: [peer(L.redis)], ports: tcp(P.redis) };
    const redisHa = { to: [peer(L.redisHa)], ports: tcp(P.redis, P.sentinel) };
    return [
        ...baseline(i.namespaces, i.apiServerCidrs, { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: apiReaders }] }),
        { name: "argocd-repo-server-clients", spec: egressOnly({ matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: [L.controller, L.server, L.applicationSet].map(name) }] }, [{ to: [peer(L.repoServer)], ports: tcp(P.repoServer) }]) },
        { name: "argocd-redis-clients", spec: egressOnly({ matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: [L.controller, L.server, L.repoServer].map(name) }] }, [redis]) },
        // Its own policy, so the one flow leaving the cluster's known addresses is easy to find.
        { name: "argocd-repo-server-git", spec: egressOnly(selector(L.repoServer), [a.git]) },
        ...(a.redisHa ? [
            { name: "argocd-haproxy", spec: egressOnly(selector(L.haproxy), [redisHa]) },
            { name: "argocd-redis-ha", spec: egressOnly(selector(L.redisHa), [redisHa]) },
        ] : []),
    ];
}

/** Every system namespace's egress policies (pure). */
export function systemEgressPolicies(i: SystemEgressInput): NamespaceEgressPlan[] {
    const ns = i.namespaces;
    const all: LabelSelector = {};
    const out: NamespaceEgressPlan[] = [];
    // VPA recommender, updater, admission controller and certgen Jobs talk to the API server only.
    if (i.vpa) out.push({ namespace: ns.vpa, policies: baseline(ns, i.apiServerCidrs, all) });
    // istiod and the CNI node agent watch the API; sidecars come to istiod (ingress), not the reverse.
    if (i.mesh) out.push({ namespace: ns.istioSystem, policies: baseline(ns, i.apiServerCidrs, all) });
    if (i.metrics) out.push({ namespace: ns.monitoring, policies: monitoringPolicies(i, i.metrics) });
    if (i.logging) out.push({ namespace: ns.logging, policies: [...loggingPolicies(i, i.logging), ...loggingIngress(i, i.logging, i.tracing?.elasticsearch?.inCluster === true)] });
    if (i.tracing) {
        const es = i.tracing.elasticsearch;
        out.push({
            namespace: ns.tracing,
            policies: [
                ...baseline(ns, i.apiServerCidrs, undefined),
                ...(es ? [{ name: "jaeger", spec: egressOnly(selector(SYSTEM_POD_LABELS.jaeger), [toElasticsearch(es, ns.logging)]) }] : []),
                ...tracingIngress(i),
            ],
        });
    }
    if (i.eksAddons) {
        const dnsAndApi = [dnsEgress(ns.kubeSystem), apiServerEgress(i.apiServerCidrs)];
        out.push({
            namespace: ns.kubeSystem,
            policies: [
                // Every kubelet, at the address and port the node reports (--kubelet-use-node-status-port).
                { name: "metrics-server", spec: egressOnly(selector(SYSTEM_POD_LABELS.metricsServer), [...dnsAndApi, { to: i.nodeCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(SYSTEM_PORTS.kubelet) }]) },
                // The Auto Scaling, EC2, EKS and STS APIs: HTTPS to AWS, which has no fixed addresses (STS may be a VPC endpoint).
                { name: "cluster-autoscaler", spec: egressOnly(selector(SYSTEM_POD_LABELS.clusterAutoscaler), [...dnsAndApi, { ports: tcp(443) }]) },
            ],
        });
    }
    if (i.argocd) out.push({ namespace: i.argocd.namespace, policies: argocdPolicies(i, i.argocd) });
    if (i.trivy) {
        out.push({
            namespace: ns.trivy,
            policies: [
                // The operator reads and writes the API; its scan and node-collector Jobs mount no token.
                ...baseline(ns, i.apiServerCidrs, selector(TRIVY_OPERATOR_LABELS)),
                // Scan jobs pull the image they scan and the DBs (the operator's pod, which pulls nothing, shares it).
                { name: "trivy-registries", spec: egressOnly(all, [i.trivy.registries]) },
            ],
        });
    }
    if (i.velero) {
        out.push({
            namespace: ns.velero,
            policies: [
                ...baseline(ns, i.apiServerCidrs, all),
                // Every pod here but the CRD-upgrade hook writes to the store: the server, the node agent, and
                // the repository-maintenance Jobs Velero creates at run time (labelled `velero.io/repo-name` only).
                { name: "velero-object-store", spec: egressOnly(all, [i.velero.store]) },
            ],
        });
    }
    return out;
}
