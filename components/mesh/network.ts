/**
 * NetworkPolicies of the ingress gateway's namespace, planned as plain specs (pure; `IstioMesh`
 * creates them).
 */
import { DEFAULT_DENY, NetworkPolicyPlan, dnsEgress, inNamespace, tcp } from "../network";
import { GATEWAY_PORTS, INGRESS_GATEWAY_LABELS, INGRESS_GATEWAY_NAME, TracingEndpoint } from "./values";

export interface GatewayNetworkInput {
    namespaces: { app: string; istioSystem: string; monitoring: string; tracing: string; kubeSystem: string };
    /** Container ports of the exposed services in the app namespace (the gateway's upstreams). */
    backendPorts: number[];
    tracing: TracingEndpoint;
}

/**
 * The gateway namespace starts from default-deny; the gateway pods may then receive client traffic
 * (any source: it is the edge), load-balancer health checks and Prometheus scrapes, and may reach the
 * backends, istiod (xDS and certificates on 15012), the trace collector and DNS.
 */
export function gatewayNetworkPolicies({ namespaces: ns, backendPorts, tracing }: GatewayNetworkInput): NetworkPolicyPlan[] {
    const ports = [...new Set(backendPorts)].sort((a, b) => a - b);
    return [
        DEFAULT_DENY,
        {
            name: INGRESS_GATEWAY_NAME,
            spec: {
                podSelector: { matchLabels: { istio: INGRESS_GATEWAY_LABELS.istio } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    { ports: tcp(GATEWAY_PORTS.http, GATEWAY_PORTS.https, GATEWAY_PORTS.status) },
                    { from: [inNamespace(ns.monitoring)], ports: tcp(GATEWAY_PORTS.envoyMetrics, GATEWAY_PORTS.mergedMetrics) },
                ],
                egress: [
                    // An empty port list would mean "all ports": with nothing exposed there is no rule.
                    ...(ports.length > 0 ? [{ to: [inNamespace(ns.app)], ports: tcp(...ports) }] : []),
                    { to: [{ ...inNamespace(ns.istioSystem), podSelector: { matchLabels: { app: "istiod" } } }], ports: tcp(15012) },
                    { to: [inNamespace(ns.tracing)], ports: tcp(tracing.port) },
                    dnsEgress(ns.kubeSystem),
                ],
            },
        },
    ];
}
