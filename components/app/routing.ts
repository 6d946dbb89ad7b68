/**
 * Per-service routing (pure specs): Istio VirtualService, DestinationRule and AuthorizationPolicy
 * with the mesh; a plain Ingress without it; the Argo AnalysisTemplate gating canaries.
 */
import type * as k8s from "@pulumi/kubernetes";
import { CANARY_HEADER, CANARY_HEADER_ROUTE, PRIMARY_ROUTE, Strategy } from "./workload";

export const PROMETHEUS_URL = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";

export interface RoutingInput {
    service: string;
    namespace: string;
    port: number;
    strategy: Strategy;
    exposed: boolean;
    /** External host (`kubechat:app.host`). */
    host: string;
    /** `<namespace>/<name>` of the ingress Gateway object (from the mesh component). */
    gateway: string;
}

export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/**
 * VirtualService: bound to the ingress Gateway (when exposed) and to `mesh` (in-cluster callers).
 * Canary: first the header route `canary: "true"` -> canary subset, named like the Rollout's managed
 * route so Argo Rollouts owns it (re-creates it at the setHeaderRoute step, removes it when a rollout
 * ends — between rollouts the canary subset equals stable anyway); then `primary`, whose weights Argo
 * shifts. Other strategies route to the service itself (blue/green: the active Service).
 */
export function virtualServiceSpec(r: RoutingInput): Record<string, unknown> {
    const host = serviceHost(r.service, r.namespace);
    const dest = (subset?: string) => ({ host, port: { number: r.port }, ...(subset ? { subset } : {}) });
    const http = r.strategy === "canary"
        ? [
            {
                name: CANARY_HEADER_ROUTE,
                match: [{ headers: { [CANARY_HEADER.name]: { exact: CANARY_HEADER.value } } }],
                route: [{ destination: dest("canary"), weight: 100 }],
            },
            { name: PRIMARY_ROUTE, route: [{ destination: dest("stable"), weight: 100 }, { destination: dest("canary"), weight: 0 }] },
        ]
        : [{ name: PRIMARY_ROUTE, route: [{ destination: dest() }] }];
    return {
        hosts: r.exposed ? [r.host, host] : [host],
        gateways: r.exposed ? [r.gateway, "mesh"] : ["mesh"],
        http,
    };
}

/** DestinationRule: mTLS to the service; canary adds stable/canary subsets (Argo adds the pod-template-hash label). */
export function destinationRuleSpec(r: RoutingInput, selector: Record<string, string>): Record<string, unknown> {
    return {
        host: serviceHost(r.service, r.namespace),
        trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } },
        ...(r.strategy === "canary" ? { subsets: [{ name: "stable", labels: selector }, { name: "canary", labels: selector }] } : {}),
    };
}

export interface AuthorizationInput {
    port: number;
    metricsPath: string;
    exposed: boolean;
    selectorLabels: Record<string, string>;
    /** SPIFFE principal of the ingress gateway's ServiceAccount. */
    ingressPrincipal: string;
    monitoringNamespace: string;
    /** Principals of the other KubeChat services (they may call this one). */
    peerPrincipals: string[];
}

export function principal(namespace: string, serviceAccount: string): string {
    return `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * ALLOW only: the ingress gateway's identity on the service port (when exposed), the other KubeChat
 * services on the service port, and Prometheus (by namespace) GETting the metrics path.
 */
export function authorizationPolicySpec(a: AuthorizationInput): Record<string, unknown> {
    const port = String(a.port);
    const rules: Record<string, unknown>[] = [];
    if (a.exposed) rules.push({ from: [{ source: { principals: [a.ingressPrincipal] } }], to: [{ operation: { ports: [port] } }] });
    if (a.peerPrincipals.length > 0) rules.push({ from: [{ source: { principals: a.peerPrincipals } }], to: [{ operation: { ports: [port] } }] });
    rules.push({
        from: [{ source: { namespaces: [a.monitoringNamespace] } }],
        to: [{ operation: { ports: [port], methods: ["GET"], paths: [a.metricsPath] } }],
    });
    return { selector: { matchLabels: a.selectorLabels }, action: "ALLOW", rules };
}

/** Ingress (mesh off): the external host with TLS from the configured Secret, to the service's http port. */
export function ingressSpec(service: string, host: string, tlsSecretName: string): k8s.types.input.networking.v1.IngressSpec {
    return {
        tls: [{ hosts: [host], secretName: tlsSecretName }],
        rules: [{
            host,
            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { name: "http" } } } }] },
        }],
    };
}

/** Error ratio threshold as a fraction: basis points / 10 000 (10 bp = 0.001 = 0.1 %). */
export function errorThreshold(maxErrorBasisPoints: number): number {
    return maxErrorBasisPoints / 10000;
}

/**
 * AnalysisTemplate: 5xx share of the service's requests (as its sidecars report them) over 5 minutes,
 * every minute; NaN (no traffic) passes; one failed measurement beyond the limit aborts the rollout.
 */
export function analysisTemplateSpec(service: string, namespace: string, maxErrorBasisPoints: number): Record<string, unknown> {
    const sel = `reporter="destination", destination_workload_namespace="${namespace}", destination_service_name="${service}"`;
    const query = `sum(rate(istio_requests_total{${sel}, response_code=~"5.."}[5m])) / sum(rate(istio_requests_total{${sel}}[5m]))`;
    return {
        metrics: [{
            name: "error-rate",
            interval: "1m",
            failureLimit: 1,
            successCondition: `isNaN(result[0]) || result[0] < ${errorThreshold(maxErrorBasisPoints)}`,
            provider: { prometheus: { address: PROMETHEUS_URL, query } },
        }],
    };
}
