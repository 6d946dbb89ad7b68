/**
 * The app layer's rules over its settings, pure and free of resource code, so the config loader
 * can apply them before anything is created and the KubeChat component can apply them to its args.
 */
import { ServiceScaling, vpaProblems } from "./autoscaling";
import { measurementsIn, minimumMeasurements, minimumWeightMinutes } from "./routing";
import { Strategy } from "./workload";

/** What the rules read from a service's settings. */
export interface ServiceRuleInput extends ServiceScaling {
    /** Image tag; empty = the catalog's pinned tag (api-gateway only). */
    tag: string;
    /** Routes external traffic to it (at most one service). */
    exposed: boolean;
}

/** Every problem, as `kubechat:<key>: reason`. */
export function kubechatProblems(
    services: Record<string, ServiceRuleInput>,
    delivery: { strategy: Strategy },
    meshEnabled: boolean,
    rolloutsInstalled: boolean,
): string[] {
    const p: string[] = [];
    for (const [name, s] of Object.entries(services)) p.push(...vpaProblems(name, s));
    for (const [name, s] of Object.entries(services)) {
        if (name !== "api-gateway" && s.tag === "") p.push(`kubechat:services.${name}.tag: is required (only api-gateway has a catalog default)`);
    }
    const exposed = Object.keys(services).filter((n) => services[n].exposed);
    if (exposed.length > 1) {
        p.push(`kubechat:services: only one service can own the external host, but ${exposed.join(", ")} are exposed; set exposed: false on the others`);
    }
    if (delivery.strategy === "canary" && !meshEnabled) p.push("kubechat:delivery.strategy: canary traffic shifting needs the mesh (mesh.enabled)");
    if (delivery.strategy !== "rolling" && !rolloutsInstalled) p.push(`kubechat:delivery.strategy: ${delivery.strategy} needs the Argo Rollouts controller`);
    return p;
}

/**
 * The rules over the services' and the delivery settings' own keys (before the args exist), as
 * `path: reason` below the namespace.
 */
export function serviceSettingProblems(
    services: Record<string, Pick<ServiceScaling, "minReplicas" | "maxReplicas"> & { image: string }>,
    delivery: { strategy: Strategy; canarySteps: number[]; pauseMinutes: number },
): string[] {
    const { canarySteps } = delivery;
    const p: string[] = [];
    for (const [name, s] of Object.entries(services)) {
        if (s.maxReplicas < s.minReplicas) p.push(`services.${name}.maxReplicas: must be >= minReplicas (${s.minReplicas})`);
        if (name !== "api-gateway" && s.image === "") p.push(`services.${name}.image: is required for services other than api-gateway`);
    }
    if (canarySteps.some((w, i) => i > 0 && w <= canarySteps[i - 1])) p.push("delivery.canarySteps: weights must increase");
    if (canarySteps.length > 0 && canarySteps[canarySteps.length - 1] !== 100) p.push("delivery.canarySteps: must end at 100");
    if (delivery.strategy === "canary") p.push(...canaryGateProblems(canarySteps, delivery.pauseMinutes));
    return p;
}

/**
 * Each canary weight below 100 is held by an `analysis` step whose run lasts `pauseMinutes`: with fewer
 * measurements than `minimumMeasurements` Argo Rollouts ends a run Successful that never measured
 * anything (no traffic) or failed once only, so the canary would advance unmeasured. A canary also needs
 * a weight below 100, or nothing is measured before it takes all traffic.
 */
export function canaryGateProblems(canarySteps: number[], pauseMinutes: number): string[] {
    if (!canarySteps.some((w) => w < 100)) return ["delivery.canarySteps: a canary needs a weight below 100 for its error-rate gate to measure anything before the canary takes all traffic"];
    const n = measurementsIn(pauseMinutes);
    if (n >= minimumMeasurements()) return [];
    return [`delivery.pauseMinutes: each canary weight below 100 is held for an error-rate analysis of pauseMinutes (${pauseMinutes} min: ${n} measurement(s)), but it needs at least ${minimumMeasurements()} to tell a failing canary or one nobody calls from a healthy one (with fewer, Argo Rollouts passes it unmeasured); set pauseMinutes to at least ${minimumWeightMinutes()}`];
}
