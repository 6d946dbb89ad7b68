/**
 * The one shape every rule of the pack is written in, and the adapters that turn a rule into the
 * @pulumi/policy object the CrossGuard pack registers. The offline runner (runner.ts) calls the same
 * `check` / `checkStack` functions, so each rule exists exactly once.
 *
 * Only types are imported from @pulumi/policy: loading this module starts nothing.
 */
import type {
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

export const PROFILES = ["pss-baseline", "pss-restricted", "kubechat", "hygiene", "rbac", "network", "aws"] as const;
export type Profile = (typeof PROFILES)[number];
export type Level = "advisory" | "mandatory";

/** Settings a rule may read. In CrossGuard they come from the policy's config (--policy-pack-config). */
export interface RuleContext {
    /** Logical (Pulumi) name of the resource, used when the object has no metadata.name. */
    name: string;
    /** Image registries (`host[:port][/path]`) images must come from; empty = any. */
    approvedRegistries: string[];
    /** Persistent stack: stateful resources must be protected. */
    persistent: boolean;
    /** Failure zones the nodes span. */
    zones: number;
}

/** A resource as stack rules see it (CrossGuard's PolicyResource reduced to plain data). */
export interface StackResource {
    urn: string;
    type: string;
    name: string;
    props: any;
    protect: boolean;
    ignoreChanges: string[];
}

export interface StackFinding {
    message: string;
    /** The resource the finding is about (its URN is reported). */
    resource?: StackResource;
}

/** A resource rule: the messages of every violation of one object, [] when it complies. */
export type ResourceCheck = (type: string, props: any, ctx: RuleContext) => string[];
export type StackCheck = (resources: StackResource[], ctx: Omit<RuleContext, "name">) => StackFinding[];

interface Meta {
    name: string;
    profile: Profile;
    description: string;
    enforcementLevel: Level;
    /** Config properties this policy reads (declared so `--policy-pack-config` may set them). */
    config?: (keyof typeof CONFIG_SCHEMA)[];
}

export type KubechatResourcePolicy = ResourceValidationPolicy & { name: string; profile: Profile; enforcementLevel: Level; check: ResourceCheck };
export type KubechatStackPolicy = StackValidationPolicy & { name: string; profile: Profile; enforcementLevel: Level; checkStack: StackCheck };
export type KubechatPolicy = KubechatResourcePolicy | KubechatStackPolicy;

export const DEFAULT_ZONES = 3;

const CONFIG_SCHEMA = {
    approvedRegistries: { type: "array", items: { type: "string" }, default: [] },
    persistent: { type: "boolean", default: false },
    zones: { type: "integer", minimum: 1, default: DEFAULT_ZONES },
} as const;

function configSchema(keys: Meta["config"]) {
    if (!keys || keys.length === 0) return undefined;
    return { properties: Object.fromEntries(keys.map((k) => [k, CONFIG_SCHEMA[k] as any])) };
}

/** Rule context from a policy's CrossGuard config object (missing keys take the defaults). */
export function contextFromConfig(cfg: any, name: string): RuleContext {
    return {
        name,
        approvedRegistries: Array.isArray(cfg?.approvedRegistries) ? cfg.approvedRegistries : [],
        persistent: cfg?.persistent === true,
        zones: typeof cfg?.zones === "number" ? cfg.zones : DEFAULT_ZONES,
    };
}

export function resourcePolicy(meta: Meta & { check: ResourceCheck }): KubechatResourcePolicy {
    const { config, check, ...rest } = meta;
    return {
        ...rest,
        configSchema: configSchema(config),
        check,
        validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
            for (const m of check(args.type, args.props, contextFromConfig(args.getConfig(), args.name))) report(m);
        },
    };
}

export function stackPolicy(meta: Meta & { checkStack: StackCheck }): KubechatStackPolicy {
    const { config, checkStack, ...rest } = meta;
    return {
        ...rest,
        configSchema: configSchema(config),
        checkStack,
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const resources: StackResource[] = args.resources.map((r) => ({
                urn: r.urn,
                type: r.type,
                name: r.name,
                props: r.props,
                protect: r.opts?.protect === true,
                ignoreChanges: r.opts?.ignoreChanges ?? [],
            }));
            const { name: _unused, ...ctx } = contextFromConfig(args.getConfig(), "");
            for (const f of checkStack(resources, ctx)) report(f.message, f.resource?.urn);
        },
    };
}

// ---- helpers shared by the rule modules -------------------------------------------------------

/** Placeholders the offline plan writes for values it cannot know. Rules never judge them. */
export const UNKNOWN = "(known after apply)";
export const SECRET = "[secret]";
export function isUnknown(v: unknown): boolean {
    return v === UNKNOWN || v === SECRET;
}

/** `kubernetes:apps/v1:Deployment` -> { group: "apps", version: "v1", kind: "Deployment" }. */
export function parseType(type: string): { provider: string; group: string; version: string; kind: string } {
    const m = /^([^:]+):(.*)\/([^/:]+):([^:]+)$/.exec(type);
    if (m) return { provider: m[1], group: m[2], version: m[3], kind: m[4] };
    const k = /^([^:]+):(?:([^:]*):)?([^:]+)$/.exec(type);
    return { provider: k?.[1] ?? "", group: "", version: k?.[2] ?? "", kind: k?.[3] ?? type };
}

export function isK8s(type: string): boolean {
    return type.startsWith("kubernetes:");
}

/** Kubernetes kind of a resource (from its type token). */
export function kindOf(type: string): string {
    return parseType(type).kind;
}

export function namespaceOf(props: any): string {
    const ns = props?.metadata?.namespace;
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

/** Name of the object: metadata.name when known, otherwise the logical name. */
export function objectName(props: any, fallback: string): string {
    const n = props?.metadata?.name;
    return typeof n === "string" && n !== "" && !isUnknown(n) ? n : fallback;
}

/** How messages name an object: `Deployment kubechat-system/api-gateway`, `ClusterRole reader`. */
export function objectRef(type: string, props: any, fallback: string): string {
    const kind = kindOf(type);
    const name = objectName(props, fallback);
    const ns = props?.metadata?.namespace;
    return typeof ns === "string" && ns !== "" && !isUnknown(ns) ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

export function asArray<T = any>(v: unknown): T[] {
    return Array.isArray(v) ? (v as T[]) : [];
}

export function labelsOf(props: any): Record<string, any> {
    const l = props?.metadata?.labels;
    return l && typeof l === "object" ? l : {};
}

/** Does a LabelSelector (matchLabels + matchExpressions) select these labels? Empty selects all. */
export function selects(selector: any, labels: Record<string, any>): boolean {
    if (!selector || typeof selector !== "object") return false;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of asArray(selector.matchExpressions)) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = asArray<string>(e.values);
        switch (e.operator) {
            case "In": if (!has || !values.includes(labels[e.key])) return false; break;
            case "NotIn": if (has && values.includes(labels[e.key])) return false; break;
            case "Exists": if (!has) return false; break;
            case "DoesNotExist": if (has) return false; break;
            default: return false;
        }
    }
    return true;
}

export function isEmptySelector(selector: any): boolean {
    return !!selector && typeof selector === "object"
        && Object.keys(selector.matchLabels ?? {}).length === 0 && asArray(selector.matchExpressions).length === 0;
}

/**
 * `compute(resources)` once per resource list (stack policies get the same list; CrossGuard and the
 * offline runner never change it), so indexes over the stack are built once per run instead of once per
 * policy or per workload: stack checks stay linear in the number of resources.
 */
export function perStack<T>(compute: (resources: StackResource[]) => T): (resources: StackResource[]) => T {
    const cache = new WeakMap<StackResource[], T>();
    return (resources) => {
        let v = cache.get(resources);
        if (v === undefined) {
            v = compute(resources);
            cache.set(resources, v);
        }
        return v;
    };
}

/** Items grouped by a key (pure). */
export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
    const m = new Map<string, T[]>();
    for (const t of items) {
        const k = key(t);
        const list = m.get(k);
        if (list) list.push(t);
        else m.set(k, [t]);
    }
    return m;
}
