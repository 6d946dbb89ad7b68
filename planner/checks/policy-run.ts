/** Runs the policy pack's rules over a plan's resources, with the stack's enforcement settings. */
import { Plan } from "../model";
import { ADVISORY_BY_DESIGN, PolicyResource, Violation, fromPlanResource, runPolicies } from "../../policies/runner";
import { typeToken } from "../model";
import { Catalog } from "../../components/catalog";
import { StackConfig } from "../../components/config";

export interface PolicyVerdict {
    violations: Violation[];
    summary: string;
}

/** Policy options from the stack config: enforcement, overrides, approved registries, persistence, zones. */
export function policyOptions(c: StackConfig) {
    const overrides: Record<string, "advisory" | "mandatory" | "disabled"> = Object.fromEntries(ADVISORY_BY_DESIGN.map((p) => [p, "advisory"]));
    for (const o of c.policy.overrides) {
        const [name, level] = o.split("=");
        overrides[name] = level as "advisory" | "mandatory" | "disabled";
    }
    const approved = c.policy.approvedRegistries.length > 0
        ? c.policy.approvedRegistries
        : new Catalog({ registry: c.registry }).approvedRegistries();
    return { enforcement: c.policy.enforcement, overrides, approvedRegistries: approved, persistent: c.persistent, zones: c.cluster.zones };
}

/**
 * GitOps mode: the app layer's manifests as the policy pack sees them, beside the Pulumi-owned
 * resources — so the rules (network coverage, PDBs, RBAC, Pod Security ...) hold for what Argo CD syncs.
 */
export function gitopsResources(plan: Pick<Plan, "gitops">): PolicyResource[] {
    return plan.gitops.map((m) => ({ urn: `gitops::${m.name}`, type: typeToken(m.object.apiVersion, m.object.kind), name: m.name, props: m.object }));
}

export function checkPlan(plan: Plan): PolicyVerdict {
    const resources = [...plan.resources.filter((r) => r.custom).map(fromPlanResource), ...gitopsResources(plan)];
    const violations = runPolicies(resources, policyOptions(plan.config));
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    const advisory = violations.length - mandatory;
    const summary = `Policies (${plan.config.policy.enforcement}): ${mandatory === 0 ? "PASS" : "FAIL"} — ${mandatory} mandatory, ${advisory} advisory violation(s)`;
    return { violations, summary };
}

/**
 * The CrossGuard policy-pack config (`--policy-pack-config policies/config/<stack>.json`) for a stack:
 * the same enforcement and settings the offline plan uses, so both gates agree.
 */
export function packConfig(c: StackConfig): Record<string, unknown> {
    const o = policyOptions(c);
    const out: Record<string, unknown> = { all: o.enforcement };
    for (const [name, level] of Object.entries(o.overrides)) out[name] = { enforcementLevel: level };
    const merge = (name: string, settings: Record<string, unknown>) => {
        out[name] = { enforcementLevel: o.overrides[name] ?? o.enforcement, ...settings };
    };
    merge("kubechat-approved-registry", { approvedRegistries: o.approvedRegistries });
    merge("protect-stateful-resources", { persistent: o.persistent });
    merge("zone-anti-affinity-replicas", { zones: o.zones });
    return out;
}
