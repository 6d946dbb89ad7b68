/**
 * Workload specs per delivery strategy (pure): a Deployment for `rolling`, an Argo Rollout for
 * `canary` and `blueGreen` — the same pod template either way, embedded in the Rollout (no
 * `workloadRef`, so there is never a second, idle Deployment).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export type Strategy = "rolling" | "canary" | "blueGreen";

/** Delivery settings (`kubechat:delivery`). */
export interface DeliverySettings {
    strategy: Strategy;
    /** Canary weights in percent, increasing, ending at 100. */
    canarySteps: number[];
    /** Minutes at each canary weight below 100: the length of that weight's error-rate AnalysisRun. */
    pauseMinutes: number;
    autoPromote: boolean;
    /** >= 30: the old ReplicaSet stays up this long so a rollback is instant. */
    scaleDownDelaySeconds: number;
}

/** The `apiVersion`/`kind` a workload of this strategy has; HPA/VPA target references follow it. */
export function workloadKind(strategy: Strategy): { apiVersion: string; kind: string } {
    return strategy === "rolling" ? { apiVersion: "apps/v1", kind: "Deployment" } : { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout" };
}

/** Service names per strategy: `service` always; canary adds `-canary`/`-stable`, blue/green `-preview` (`service` is active). */
export function serviceNames(name: string, strategy: Strategy): string[] {
    if (strategy === "canary") return [name, `${name}-canary`, `${name}-stable`];
    if (strategy === "blueGreen") return [name, `${name}-preview`];
    return [name];
}

/** The managed header route Argo Rollouts (re)creates at the first step; the VirtualService declares it too. */
export const CANARY_HEADER_ROUTE = "canary-header";
/** The weighted route Argo Rollouts shifts between the stable and canary subsets. */
export const PRIMARY_ROUTE = "primary";
export const CANARY_HEADER = { name: "canary", value: "true" };

export function errorRateTemplateName(service: string): string {
    return `${service}-error-rate`;
}

/**
 * Analysis argument carrying the canary's `POD_TEMPLATE_HASH_LABEL` value (`podTemplateHashValue:
 * Latest`), so the gate measures the canary pods only, not the whole service.
 */
export const CANARY_HASH_ARG = "canary-hash";

/**
 * The gate of one weight: an `analysis` step, which Argo Rollouts v1.9.0 completes only when its run
 * is Successful (rollout/canary.go, completedCurrentCanaryStep); a Failed or Error run aborts the
 * Rollout and an Inconclusive one pauses it at that weight (rollout/analysis.go,
 * reconcileStepBasedAnalysisRun). The run measures the canary's pods only: their pod-template hash.
 */
export function gateStep(service: string): Record<string, unknown> {
    return {
        analysis: {
            templates: [{ templateName: errorRateTemplateName(service) }],
            args: [{ name: CANARY_HASH_ARG, valueFrom: { podTemplateHashValue: "Latest" } }],
        },
    };
}

/**
 * Canary steps: header route first, then each weight followed by its gate (not after 100). The gate's
 * run is the time at the weight (its measurements span `pauseMinutes`), so there is no pause step whose
 * timer could move an unmeasured canary on, and no background run.
 */
export function canarySteps(service: string, d: DeliverySettings): Record<string, unknown>[] {
    const steps: Record<string, unknown>[] = [{
        setHeaderRoute: { name: CANARY_HEADER_ROUTE, match: [{ headerName: CANARY_HEADER.name, headerValue: { exact: CANARY_HEADER.value } }] },
    }];
    for (const w of d.canarySteps) {
        steps.push({ setWeight: w });
        if (w < 100) steps.push(gateStep(service));
    }
    return steps;
}

/** `spec.strategy` of the workload. */
export function strategySpec(service: string, d: DeliverySettings): Record<string, unknown> {
    if (d.strategy === "rolling") return { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } };
    if (d.strategy === "blueGreen") {
        return {
            blueGreen: {
                activeService: service,
                previewService: `${service}-preview`,
                autoPromotionEnabled: d.autoPromote,
                scaleDownDelaySeconds: d.scaleDownDelaySeconds,
            },
        };
    }
    return {
        canary: {
            canaryService: `${service}-canary`,
            stableService: `${service}-stable`,
            trafficRouting: {
                istio: {
                    virtualService: { name: service, routes: [PRIMARY_ROUTE] },
                    destinationRule: { name: service, canarySubsetName: "canary", stableSubsetName: "stable" },
                },
                managedRoutes: [{ name: CANARY_HEADER_ROUTE }],
            },
            steps: canarySteps(service, d),
        },
    };
}

export interface WorkloadSpecInput {
    service: string;
    delivery: DeliverySettings;
    /** undefined when an HPA owns the replica count (declaring it would reset the HPA on every update). */
    replicas?: number;
    selectorLabels: Record<string, string>;
    podLabels: Record<string, string>;
    podAnnotations: Record<string, string>;
    podSpec: pulumi.Input<k8s.types.input.core.v1.PodSpec>;
}

/**
 * Where the app serves Prometheus metrics. With the mesh, Istio's metrics merging reads these at
 * injection and serves the app's metrics with Envoy's on the sidecar's 15020 endpoint (plain HTTP,
 * outside STRICT mTLS), which is what the ServiceMonitor scrapes; without them only Envoy's are there.
 */
export function metricsAnnotations(port: number, path: string): Record<string, string> {
    return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": path };
}

/** `spec` shared by Deployment and Rollout; only `strategy` differs in shape. */
export interface WorkloadSpec {
    replicas?: number;
    revisionHistoryLimit: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: pulumi.Input<k8s.types.input.core.v1.PodSpec> };
    strategy: Record<string, unknown>;
}

/** `spec` of the Deployment or Rollout. */
export function workloadSpec(i: WorkloadSpecInput): WorkloadSpec {
    return {
        ...(i.replicas === undefined ? {} : { replicas: i.replicas }),
        // Keep a few old ReplicaSets for rollbacks, not the default ten.
        revisionHistoryLimit: 3,
        selector: { matchLabels: i.selectorLabels },
        template: { metadata: { labels: i.podLabels, annotations: i.podAnnotations }, spec: i.podSpec },
        strategy: strategySpec(i.service, i.delivery),
    };
}
