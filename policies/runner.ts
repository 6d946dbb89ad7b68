/**
 * The offline runner: runs the very policy objects the CrossGuard pack registers over plain resources
 * (the plan's recorded registrations, or Kubernetes YAML), with the same enforcement rules.
 */
import { awsPolicies } from "./aws";
import { hygieneResourcePolicies } from "./hygiene";
import { kubechatPolicies } from "./kubechat";
import { networkPolicies } from "./network";
import { pssBaselinePolicies, pssRestrictedPolicies } from "./pss";
import { rbacPolicies } from "./rbac";
import { privilegePolicies } from "./privilege";
import { alertmanagerReceiver } from "./alerting";
import { DEFAULT_ZONES, KubechatPolicy, Level, PROFILES, StackResource, kindOf, objectName } from "./rule";
import { crossResourcePolicies } from "./cross-resource";

export type { KubechatPolicy, Level, Profile } from "./rule";

export interface PolicyResource { urn: string; type: string; name: string; props: any; protect?: boolean; ignoreChanges?: string[]; file?: string }
export interface Violation {
    policy: string; profile: string; level: Level; message: string;
    urn?: string; type: string; kind?: string; name: string; file?: string;
}
export interface RunnerOptions {
    /** Level for every policy (a stack's "all"); default: each policy's own level. */
    enforcement?: Level;
    overrides?: Record<string, Level | "disabled">;
    approvedRegistries?: string[];
    persistent?: boolean;
    zones?: number;
    /** Run one profile only (pss-restricted includes pss-baseline). */
    profile?: string;
    /** Run only the policies that check one resource at a time, or only those that check the whole stack. */
    only?: "resource" | "stack";
}

export const allPolicies: KubechatPolicy[] = [
    ...pssBaselinePolicies, ...pssRestrictedPolicies, ...kubechatPolicies, ...hygieneResourcePolicies,
    ...crossResourcePolicies, ...rbacPolicies, ...privilegePolicies, alertmanagerReceiver, ...networkPolicies, ...awsPolicies,
];
export const profiles: string[] = [...PROFILES];

/**
 * Judgement calls that stay advisory when a stack makes the whole pack mandatory (`all`), unless a
 * stack overrides them by name: a secret in the environment where a file would do, a stack whose
 * Alertmanager notifies no one. They are reported, never a reason to stop a deployment.
 */
export const ADVISORY_BY_DESIGN = ["secrets-as-files", "alertmanager-receiver"];

/** Policies a profile filter selects; throws on an unknown profile. */
export function selectPolicies(profile?: string): KubechatPolicy[] {
    if (profile === undefined) return allPolicies;
    if (!profiles.includes(profile)) throw new Error(`unknown profile "${profile}" (one of ${profiles.join(", ")})`);
    const wanted = profile === "pss-restricted" ? ["pss-baseline", "pss-restricted"] : [profile];
    return allPolicies.filter((p) => wanted.includes(p.profile));
}

/** Effective level: override, else the run's enforcement, else the policy's default. */
export function effectiveLevel(p: KubechatPolicy, opts: RunnerOptions): Level | "disabled" {
    return opts.overrides?.[p.name] ?? opts.enforcement ?? p.enforcementLevel;
}

export function runPolicies(resources: PolicyResource[], opts: RunnerOptions = {}): Violation[] {
    const ctx = { approvedRegistries: opts.approvedRegistries ?? [], persistent: opts.persistent ?? false, zones: opts.zones ?? DEFAULT_ZONES };
    const stackResources: StackResource[] = resources.map((r) => ({
        urn: r.urn, type: r.type, name: r.name, props: r.props ?? {}, protect: r.protect === true, ignoreChanges: r.ignoreChanges ?? [],
    }));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out: Violation[] = [];
    for (const p of selectPolicies(opts.profile)) {
        const level = effectiveLevel(p, opts);
        if (level === "disabled" || (opts.only && opts.only !== ("check" in p ? "resource" : "stack"))) continue;
        const emit = (message: string, r?: PolicyResource) => out.push({
            policy: p.name, profile: p.profile, level, message, urn: r?.urn, type: r?.type ?? "",
            kind: r ? (r.props?.kind ?? kindOf(r.type)) : undefined, name: r ? objectName(r.props, r.name) : "", file: r?.file,
        });
        if ("check" in p) {
            for (const r of resources) for (const m of p.check(r.type, r.props ?? {}, { ...ctx, name: r.name })) emit(m, r);
        } else {
            for (const f of p.checkStack(stackResources, ctx)) emit(f.message, f.resource && byUrn.get(f.resource.urn));
        }
    }
    return out;
}

/** A plan.json resource (see docs/architecture.md) as the runner sees it. */
export function fromPlanResource(r: { urn: string; type: string; name: string; inputs?: any; protect?: boolean; ignoreChanges?: string[] }): PolicyResource {
    return { urn: r.urn, type: r.type, name: r.name, props: r.inputs ?? {}, protect: r.protect, ignoreChanges: r.ignoreChanges };
}

/**
 * Runner options from a CrossGuard policy-pack config file (policies/config/<stack>.json), so the plan
 * and `pulumi preview --policy-pack-config` read one file: "all" -> enforcement, per-policy
 * enforcementLevel -> overrides, and the policies' config properties.
 */
export function optionsFromPackConfig(config: Record<string, any>): RunnerOptions {
    const opts: RunnerOptions = { overrides: {} };
    for (const [key, value] of Object.entries(config)) {
        const level = typeof value === "string" ? value : value?.enforcementLevel;
        if (key === "all") {
            if (level === "advisory" || level === "mandatory") opts.enforcement = level;
            continue;
        }
        if (level === "advisory" || level === "mandatory" || level === "disabled") opts.overrides![key] = level;
        if (value && typeof value === "object") {
            if (Array.isArray(value.approvedRegistries)) opts.approvedRegistries = value.approvedRegistries;
            if (typeof value.persistent === "boolean") opts.persistent = value.persistent;
            if (typeof value.zones === "number") opts.zones = value.zones;
        }
    }
    return opts;
}
