/**
 * Scaling and availability per service (pure): HPA (only when it has a range to scale in), VPA that
 * never fights the HPA, and a PDB that can never block every drain.
 */
import type * as k8s from "@pulumi/kubernetes";

/**
 * What scaling reads from a service's settings (the stack config's `services.<name>` entries satisfy
 * it). Owned here so the rules do not depend on the config schema, which applies them.
 */
export interface ServiceScaling {
    /** Replica floor (>= 1). */
    minReplicas: number;
    /** Replica ceiling; an HPA exists only when it is above minReplicas. */
    maxReplicas: number;
    /** HPA target average CPU utilisation, percent. */
    cpuTargetPercent: number;
    /** HPA target average memory utilisation, percent. */
    memoryTargetPercent: number;
    /** HPA target http_requests_per_second per pod; 0 = no Pods metric. */
    requestsPerSecond: number;
    /** PDB minAvailable before it is capped below the replica floor. */
    pdbMinAvailable: number;
    /** VPA updateMode (never Auto). */
    vpaMode: "Off" | "Initial" | "Recreate" | "InPlaceOrRecreate";
    /** VPA minAllowed / maxAllowed quantities. */
    vpaMinCpu: string;
    vpaMinMemory: string;
    vpaMaxCpu: string;
    vpaMaxMemory: string;
}

export interface TargetRef {
    apiVersion: string;
    kind: string;
    name: string;
}

/** True when an HPA scales this service: it needs a range (maxReplicas > minReplicas). */
export function hasHpa(s: Pick<ServiceScaling, "minReplicas" | "maxReplicas">): boolean {
    return s.maxReplicas > s.minReplicas;
}

/** The replica count the workload declares: none while an HPA owns it (a declared count would reset the HPA's on every update), else minReplicas. */
export function declaredReplicas(s: Pick<ServiceScaling, "minReplicas" | "maxReplicas">): number | undefined {
    return hasHpa(s) ? undefined : s.minReplicas;
}

/** `autoscaling/v2` HPA spec, or undefined when the service does not autoscale. */
export function hpaSpec(s: ServiceScaling, target: TargetRef): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec | undefined {
    if (!hasHpa(s)) return undefined;
    const resource = (name: string, averageUtilization: number) => ({ type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization } } });
    const metrics: k8s.types.input.autoscaling.v2.MetricSpec[] = [resource("cpu", s.cpuTargetPercent), resource("memory", s.memoryTargetPercent)];
    // Served by prometheus-adapter (rate of http_requests_total per pod).
    if (s.requestsPerSecond > 0) {
        metrics.push({
            type: "Pods",
            pods: { metric: { name: "http_requests_per_second" }, target: { type: "AverageValue", averageValue: String(s.requestsPerSecond) } },
        });
    }
    return { scaleTargetRef: target, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, metrics };
}

/** Resources the HPA scales on; a VPA that acts must not control them. */
export function hpaResources(s: ServiceScaling): string[] {
    return hasHpa(s) ? ["cpu", "memory"] : [];
}

/**
 * Problems with the VPA mode: an HPA always scales on CPU and memory, so a VPA that acts on the same
 * workload would control nothing else and only fight it; keep it recommend-only (`Off`).
 */
export function vpaProblems(name: string, s: ServiceScaling): string[] {
    const clash = hpaResources(s);
    return s.vpaMode !== "Off" && clash.length > 0
        ? [`kubechat:services.${name}.vpaMode: must be Off while an HPA scales on ${clash.join(" and ")} (maxReplicas > minReplicas); VPA would fight the HPA`]
        : [];
}

/** `autoscaling.k8s.io/v1` VerticalPodAutoscaler spec (call after `vpaProblems` is empty). */
export function vpaSpec(container: string, s: ServiceScaling, target: TargetRef): Record<string, unknown> {
    const controlled = ["cpu", "memory"].filter((r) => !hpaResources(s).includes(r));
    return {
        targetRef: target,
        updatePolicy: { updateMode: s.vpaMode },
        resourcePolicy: {
            containerPolicies: [{
                containerName: container,
                minAllowed: { cpu: s.vpaMinCpu, memory: s.vpaMinMemory },
                maxAllowed: { cpu: s.vpaMaxCpu, memory: s.vpaMaxMemory },
                // Recommendations cover both (mode Off); acting modes never touch what the HPA scales on.
                controlledResources: s.vpaMode === "Off" ? ["cpu", "memory"] : controlled,
            }],
        },
    };
}

/**
 * PDB spec: minAvailable capped at the replica floor - 1 so a drain can always evict one pod;
 * `maxUnavailable: 1` when that leaves nothing to guarantee (one replica, or pdbMinAvailable 0).
 */
export function pdbSpec(s: Pick<ServiceScaling, "minReplicas" | "pdbMinAvailable">, selector: Record<string, string>): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    const minAvailable = Math.min(s.pdbMinAvailable, s.minReplicas - 1);
    return minAvailable >= 1
        ? { minAvailable, selector: { matchLabels: selector } }
        : { maxUnavailable: 1, selector: { matchLabels: selector } };
}
