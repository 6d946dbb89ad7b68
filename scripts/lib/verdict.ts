/** Runs the policy pack's rules over a plan's resources, with the stack's enforcement settings. */
import { Plan } from "./plan";
import { Violation, fromPlanResource, runPolicies } from "../../policies/engine";
import { Catalog } from "../../components/catalog";

export interface PolicyVerdict {
    violations: Violation[];
    summary: string;
}

/** Policy options from the stack config: enforcement, overrides, approved registries, persistence, zones. */
export function policyOptions(plan: Plan) {
    const c = plan.config;
    const overrides: Record<string, "advisory" | "mandatory" | "disabled"> = {};
    for (const o of c.policy.overrides) {
        const [name, level] = o.split("=");
        overrides[name] = level as "advisory" | "mandatory" | "disabled";
    }
    const approved = c.policy.approvedRegistries.length > 0
        ? c.policy.approvedRegistries
        : new Catalog({ registry: c.registry }).approvedRegistries();
    return { enforcement: c.policy.enforcement, overrides, approvedRegistries: approved, persistent: c.persistent, zones: c.cluster.zones };
}

export function checkPlan(plan: Plan): PolicyVerdict {
    const resources = plan.resources.filter((r) => r.custom).map(fromPlanResource);
    const violations = runPolicies(resources, policyOptions(plan));
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    const advisory = violations.length - mandatory;
    const summary = `Policies (${plan.config.policy.enforcement}): ${mandatory === 0 ? "PASS" : "FAIL"} — ${mandatory} mandatory, ${advisory} advisory violation(s)`;
    return { violations, summary };
}
