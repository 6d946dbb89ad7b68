/**
 * The app layer's rules over its settings, pure and free of resource code, so the config loader
 * can apply them before anything is created and the KubeChat component can apply them to its args.
 */
import { ServiceScaling, vpaProblems } from "./autoscaling";
import { abortVerdictMinutes } from "./routing";
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
 * The error-rate gate runs in the background from the first weighted step and only pauses hold the
 * canary (no pause after 100 %): a walk no longer than the time to the first measurement that can abort
 * reaches 100 % before the gate can stop it (with `pauseMinutes: 0`, before it measures at all).
 */
export function canaryGateProblems(canarySteps: number[], pauseMinutes: number): string[] {
    const paused = canarySteps.filter((w) => w < 100).length;
    const verdict = abortVerdictMinutes();
    if (paused === 0) return ["delivery.canarySteps: a canary needs a weight below 100 for its error-rate gate to measure anything before the canary takes all traffic"];
    if (paused * pauseMinutes > verdict) return [];
    const least = Math.floor(verdict / paused) + 1;
    return [`delivery.pauseMinutes: the canary pauses ${paused} × ${pauseMinutes} min, but its error-rate gate can abort ${verdict} min after the first weighted step at the earliest, so the canary would reach 100 % before the gate could stop it; set pauseMinutes to at least ${least}`];
}
