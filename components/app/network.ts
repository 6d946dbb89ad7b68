/**
 * NetworkPolicies of the app namespace (pure specs): default deny, then per service exactly the
 * flows it needs. Namespaces are selected by `kubernetes.io/metadata.name` (the only label every
 * namespace carries).
 */
import type * as k8s from "@pulumi/kubernetes";
import { NamespaceNames } from "../namespaces";
import { JAEGER_PORTS } from "../observability/jaeger";
import { DEFAULT_DENY, NetworkPolicySpec, apiServerEgress, dnsEgress, inNamespace as ns, tcp } from "../network";

/** Sidecar ports Prometheus scrapes when the mesh is on: 15020 (merged app + Envoy metrics), 15090 (Envoy). */
export const SIDECAR_METRICS_PORTS = [15020, 15090];
/** istiod's xDS/CA port the sidecars connect to. */
export const ISTIOD_PORT = 15012;
export const POSTGRES_PORT = 5432;

export function defaultDenySpec(): NetworkPolicySpec {
    return DEFAULT_DENY.spec;
}

export interface ServiceNetworkInput {
    port: number;
    selectorLabels: Record<string, string>;
    /** Labels every KubeChat pod carries (service-to-service calls inside the namespace). */
    appPodLabels: Record<string, string>;
    namespaces: NamespaceNames;
    mesh: boolean;
    exposed: boolean;
    usesDatabase: boolean;
    readsKubernetesApi: boolean;
    /** API server CIDRs; empty = any address (the ports still restrict the rule). */
    apiServerCidrs: string[];
}

/**
 * Ingress: the service port from the gateway namespace (the Istio ingress gateway with the mesh, the
 * Ingress controller without — both live in `mesh.gatewayNamespace`) when exposed, from other KubeChat
 * pods, and metrics scraping from the monitoring namespace (plus the sidecar metrics ports with the
 * mesh: under STRICT mTLS Prometheus scrapes the sidecar's merged-metrics endpoint).
 */
export function ingressSpec(i: ServiceNetworkInput): NetworkPolicySpec {
    const rules: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [];
    if (i.exposed) rules.push({ from: [ns(i.namespaces.gateway)], ports: tcp(i.port) });
    rules.push({ from: [{ podSelector: { matchLabels: i.appPodLabels } }], ports: tcp(i.port) });
    const metricsPorts = [i.port, ...(i.mesh ? SIDECAR_METRICS_PORTS : [])];
    rules.push({ from: [ns(i.namespaces.monitoring)], ports: tcp(...metricsPorts) });
    return { podSelector: { matchLabels: i.selectorLabels }, policyTypes: ["Ingress"], ingress: rules };
}

/**
 * Egress: DNS (UDP and TCP 53) to kube-dns; other KubeChat pods; Postgres (pooler and cluster, 5432)
 * in the data namespace; istiod (15012) and the trace collector (4317) with the mesh; and the API
 * server for services that read it — it is not a pod, so it is addressed by CIDR and port.
 */
export function egressSpec(i: ServiceNetworkInput, servicePorts: number[]): NetworkPolicySpec {
    const rules: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [dnsEgress(i.namespaces.kubeSystem)];
    rules.push({ to: [{ podSelector: { matchLabels: i.appPodLabels } }], ports: tcp(...new Set(servicePorts)) });
    if (i.usesDatabase) rules.push({ to: [ns(i.namespaces.data)], ports: tcp(POSTGRES_PORT) });
    if (i.mesh) {
        rules.push({ to: [ns(i.namespaces.istioSystem)], ports: tcp(ISTIOD_PORT) });
        rules.push({ to: [ns(i.namespaces.tracing)], ports: tcp(JAEGER_PORTS.otlpGrpc) });
    }
    if (i.readsKubernetesApi) rules.push(apiServerEgress(i.apiServerCidrs));
    return { podSelector: { matchLabels: i.selectorLabels }, policyTypes: ["Egress"], egress: rules };
}
