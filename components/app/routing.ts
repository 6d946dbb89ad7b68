/**
 * Per-service routing (pure specs): Istio VirtualService, DestinationRule and AuthorizationPolicy
 * with the mesh; a plain Ingress without it; the Argo AnalysisTemplate gating canaries.
 */
import type * as k8s from "@pulumi/kubernetes";
import { POD_TEMPLATE_HASH_LABEL } from "../labels";
import { CANARY_HASH_ARG, CANARY_HEADER, CANARY_HEADER_ROUTE, PRIMARY_ROUTE, Strategy } from "./workload";

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
    exposed: boolean;
    selectorLabels: Record<string, string>;
    /** SPIFFE principal of the ingress gateway's ServiceAccount. */
    ingressPrincipal: string;
    /** Principals of the other KubeChat services (they may call this one). */
    peerPrincipals: string[];
}

export function principal(namespace: string, serviceAccount: string): string {
    return `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * ALLOW only: the ingress gateway's identity on the service port (when exposed) and the other KubeChat
 * services on the service port. Prometheus needs no rule: it scrapes the sidecar agent's merged endpoint
 * (15020), which Envoy does not intercept, so an authorization rule for it could never match. With no
 * rule left (an unexposed service nobody calls) the ALLOW policy denies every request, as intended.
 */
export function authorizationPolicySpec(a: AuthorizationInput): Record<string, unknown> {
    const port = String(a.port);
    const rules: Record<string, unknown>[] = [];
    if (a.exposed) rules.push({ from: [{ source: { principals: [a.ingressPrincipal] } }], to: [{ operation: { ports: [port] } }] });
    if (a.peerPrincipals.length > 0) rules.push({ from: [{ source: { principals: a.peerPrincipals } }], to: [{ operation: { ports: [port] } }] });
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
 * When the gate measures, at each canary weight below 100 (one AnalysisRun per weight, run by an
 * `analysis` step): first 1 minute after the run starts (the canary's pods need a scrape or two before a
 * 2-minute rate exists), then every minute, `count` times. A run fails on the measurement after
 * `failureLimit` failed ones and turns inconclusive on the one after `inconclusiveLimit` inconclusive
 * ones (Argo Rollouts counts both over the run, not in a row).
 */
export const ANALYSIS_TIMING = { initialDelayMinutes: 1, intervalMinutes: 1, failureLimit: 1, inconclusiveLimit: 2 } as const;
export type AnalysisTiming = typeof ANALYSIS_TIMING;

/**
 * The fewest measurements a run at one weight must take. Argo Rollouts v1.9.0 (analysis/analysis.go,
 * assessMetricStatus) ends a run that reaches its `count` without passing either limit Successful,
 * however many of its measurements were inconclusive: with `count` <= `inconclusiveLimit` a canary
 * nobody calls would pass every weight unmeasured, and with `count` <= `failureLimit` a failing one too.
 */
export function minimumMeasurements(t: AnalysisTiming = ANALYSIS_TIMING): number {
    return Math.max(t.failureLimit, t.inconclusiveLimit) + 1;
}

/** Measurements a run takes in `minutes`: the first after the initial delay, then one per interval. */
export function measurementsIn(minutes: number, t: AnalysisTiming = ANALYSIS_TIMING): number {
    return minutes < t.initialDelayMinutes ? 0 : Math.floor((minutes - t.initialDelayMinutes) / t.intervalMinutes) + 1;
}

/** The shortest time at a weight in which a run takes `minimumMeasurements`. */
export function minimumWeightMinutes(t: AnalysisTiming = ANALYSIS_TIMING): number {
    return t.initialDelayMinutes + (minimumMeasurements(t) - 1) * t.intervalMinutes;
}

/**
 * AnalysisTemplate: 5xx share of the requests the canary pods served (Istio's destination-side
 * `istio_requests_total`, scraped from each pod once with its `rollouts-pod-template-hash` label), over
 * 2 minutes, every minute, `measurementsIn(weightMinutes)` times (the canary's time at each weight).
 * Argo Rollouts hands the conditions the query's instant vector as `result`:
 * - errors and traffic: `[ratio]` -> success below the threshold, failure at or above it;
 * - traffic without any 5xx: the error series do not exist, `or vector(0)` makes the ratio `[0]` -> success;
 * - no traffic at all: `[]` (no series) or `[NaN]` (0/0) -> neither condition holds -> inconclusive.
 * Both conditions guard `len(result) > 0` first: indexing an empty result is an evaluation error, and
 * errors abort a rollout like failures do. The second failed measurement fails the run (the Rollout
 * aborts); the third inconclusive one, in a row or not, ends it Inconclusive: the `analysis` step then
 * never completes and the Rollout is paused at that weight for a person (docs/observability.md,
 * "A canary nobody calls").
 */
export function analysisTemplateSpec(service: string, namespace: string, maxErrorBasisPoints: number, weightMinutes: number): Record<string, unknown> {
    const count = measurementsIn(weightMinutes);
    // The loader refuses such a canary (components/app/validate.ts); a run this short would pass unmeasured.
    if (count < minimumMeasurements()) throw new Error(`analysisTemplateSpec: ${weightMinutes} min at a weight is ${count} measurement(s), fewer than ${minimumMeasurements()}`);
    const threshold = errorThreshold(maxErrorBasisPoints);
    const sel = `namespace="${namespace}", service="${service}", reporter="destination", ${promLabel(POD_TEMPLATE_HASH_LABEL)}="{{args.${CANARY_HASH_ARG}}}"`;
    const errors = `sum(rate(istio_requests_total{${sel}, response_code=~"5.."}[2m]))`;
    const all = `sum(rate(istio_requests_total{${sel}}[2m]))`;
    const measured = "len(result) > 0 && !isNaN(result[0])";
    return {
        args: [{ name: CANARY_HASH_ARG }],
        metrics: [{
            name: "error-rate",
            initialDelay: `${ANALYSIS_TIMING.initialDelayMinutes}m`,
            interval: `${ANALYSIS_TIMING.intervalMinutes}m`,
            count,
            failureLimit: ANALYSIS_TIMING.failureLimit,
            inconclusiveLimit: ANALYSIS_TIMING.inconclusiveLimit,
            successCondition: `${measured} && result[0] < ${threshold}`,
            failureCondition: `${measured} && result[0] >= ${threshold}`,
            provider: { prometheus: { address: PROMETHEUS_URL, query: `(${errors} or vector(0)) / ${all}` } },
        }],
    };
}

/** A Kubernetes label name as Prometheus target label (what `podTargetLabels` turns it into). */
export function promLabel(k8sLabel: string): string {
    return k8sLabel.replace(/[^a-zA-Z0-9_]/g, "_");
}
