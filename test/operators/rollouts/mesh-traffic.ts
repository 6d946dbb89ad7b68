/**
 * The traffic the canary analysis measures, made from what the controller wrote (pure): requests to a
 * service are split as its VirtualService's `primary` route weighs its DestinationRule subsets, each
 * subset reaching the pods its labels select, and every pod counts what it served as Istio's
 * destination-side `istio_requests_total` does. With no VirtualService (blue/green), the service's
 * own selector picks the pods.
 */

/** Requests per second a service receives and the share of 5xx each kind of pod answers. */
export interface TrafficProfile {
    rps: number;
    /** 5xx share of the pods of the Rollout's newest template (`status.currentPodHash`). */
    canaryErrorRatio: number;
    /** 5xx share of every other pod (the stable ReplicaSet's). */
    stableErrorRatio: number;
}

export interface PodView {
    name: string;
    labels: Record<string, string>;
    ready: boolean;
}

/** One service as the cluster shows it at a moment. */
export interface ServiceView {
    service: string;
    namespace: string;
    /** The Service's selector (Argo Rollouts adds the pod-template hash to it). */
    selector: Record<string, string>;
    /** `primary` route of the VirtualService: subset -> weight (absent: no VirtualService). */
    weights?: Record<string, number>;
    /** DestinationRule subsets: name -> labels. */
    subsets?: Record<string, Record<string, string>>;
    /** The Rollout's newest template hash. */
    currentPodHash?: string;
    pods: PodView[];
}

export const HASH_LABEL = "rollouts-pod-template-hash";

const matches = (labels: Record<string, string>, selector: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Requests per second each ready pod receives: the route's weights over its subsets' pods, evenly within a subset. */
export function podShares(v: ServiceView, rps: number): Map<string, number> {
    const shares = new Map<string, number>();
    const ready = v.pods.filter((p) => p.ready && matches(p.labels, v.selector));
    const spread = (pods: PodView[], r: number) => pods.forEach((p) => shares.set(p.name, (shares.get(p.name) ?? 0) + r / pods.length));
    if (!v.weights) {
        if (ready.length > 0) spread(ready, rps);
        return shares;
    }
    const total = Object.values(v.weights).reduce((a, b) => a + b, 0);
    for (const [subset, w] of Object.entries(v.weights)) {
        if (w <= 0 || total <= 0) continue;
        const pods = ready.filter((p) => matches(p.labels, v.subsets?.[subset] ?? {}));
        // Envoy answers 503 (no healthy upstream) for a weighted subset without pods: counted nowhere here,
        // since no destination sidecar sees it.
        if (pods.length > 0) spread(pods, (rps * w) / total);
    }
    return shares;
}

/** Counters of one pod: response code -> requests, as the pod's sidecar would expose them. */
export type PodCounters = Map<string, Record<string, number>>;

/** Advances every pod's counters by `seconds` of the profile's traffic. */
export function advance(counters: PodCounters, v: ServiceView, profile: TrafficProfile, seconds: number): void {
    for (const [pod, rps] of podShares(v, profile.rps)) {
        const p = v.pods.find((x) => x.name === pod);
        const canary = p !== undefined && v.currentPodHash !== undefined && p.labels[HASH_LABEL] === v.currentPodHash;
        const errors = canary ? profile.canaryErrorRatio : profile.stableErrorRatio;
        const c = counters.get(pod) ?? {};
        const n = rps * seconds;
        c["200"] = (c["200"] ?? 0) + n * (1 - errors);
        if (errors > 0) c["503"] = (c["503"] ?? 0) + n * errors;
        counters.set(pod, c);
    }
}

/** The exposition text of one pod: its destination-side request counter per response code. */
export function exposition(service: string, namespace: string, c: Record<string, number> | undefined): string {
    const lines = ["# TYPE istio_requests_total counter"];
    for (const [code, n] of Object.entries(c ?? {})) {
        lines.push(`istio_requests_total{reporter="destination",request_protocol="http",response_code="${code}",destination_service_name="${service}",destination_service_namespace="${namespace}"} ${n}`);
    }
    return lines.join("\n") + "\n";
}
