/**
 * Pulumi's project-level config rules (Pulumi.yaml `config:`), as the CLI applies them before the
 * program runs (pulumi/pulumi sdk/go/common/workspace: config.go `mergeConfig`, project.go
 * validation, resource/config map.go `adjustObjectValue`), so the offline plan sees exactly the
 * config `pulumi up` would hand the program:
 *  - a declared key without a namespace belongs to the project (`postgres.instances` in project
 *    `kubechat` is `kubechat:postgres.instances`); only keys of the project's namespace may declare
 *    a `type` or `default` — others (`aws:region`) may only give a `value`;
 *  - a declared key is a property path: `postgres.instances` is the leaf `instances` inside the
 *    object value of `kubechat:postgres`;
 *  - a declared default is set wherever the stack does not set that path; set below the top level,
 *    "true"/"false" become booleans and integer-looking strings (without a leading 0) integers.
 */

/** One `config:` entry of Pulumi.yaml (a declaration; plain values are normalised to `{ value }`). */
export interface ConfigDeclaration {
    type?: string;
    description?: string;
    default?: unknown;
    value?: unknown;
    items?: { type: string };
    secret?: boolean;
}

/** `ns:name` of a declared key: an unprefixed key belongs to the project. */
export function qualify(project: string, key: string): { namespace: string; path: string[] } {
    const i = key.indexOf(":");
    const namespace = i >= 0 ? key.slice(0, i) : project;
    return { namespace, path: (i >= 0 ? key.slice(i + 1) : key).split(".") };
}

/** Problems Pulumi reports when it loads the project file (type/default only in the project's namespace). */
export function declarationProblems(project: string, config: Record<string, unknown>): string[] {
    const out: string[] = [];
    for (const [key, raw] of Object.entries(config ?? {})) {
        const d = (raw !== null && typeof raw === "object" && !Array.isArray(raw) ? raw : { value: raw }) as ConfigDeclaration;
        const own = qualify(project, key).namespace === project;
        if (!own && d.type !== undefined) out.push(`${key}: not namespaced by the project, so it may not declare a type`);
        if (!own && d.default !== undefined) out.push(`${key}: not namespaced by the project, so it may not declare a default (use value)`);
        if (d.default !== undefined && d.value !== undefined) out.push(`${key}: cannot have both a default and a value`);
        if (d.type === "array" && !d.items) out.push(`${key}: an array must declare its items`);
    }
    return out;
}

/** The value Pulumi stores when it sets a primitive below the top level of an object (adjustObjectValue). */
function adjust(v: unknown): unknown {
    if (v === null || typeof v === "object") return v;
    const s = String(v);
    if (s === "true") return true;
    if (s === "false") return false;
    if (s.length > 1 && s.startsWith("0")) return s;
    return /^[-+]?\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : s;
}

/** A stack config value as the program reads it: strings raw, everything else JSON. */
function encode(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

function decodeObject(s: string | undefined): Record<string, unknown> | undefined {
    if (s === undefined) return undefined;
    try {
        const v = JSON.parse(s);
        return v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Apply the declared defaults (and values) of Pulumi.yaml to a stack's config the way the CLI does.
 * `config` maps fully-qualified top-level keys to the strings a program receives; returns a new map.
 */
export function applyProjectConfig(project: string, declarations: Record<string, unknown>, config: Record<string, string>): Record<string, string> {
    const out = { ...config };
    for (const key of Object.keys(declarations ?? {}).sort()) {
        const raw = declarations[key];
        const d = (raw !== null && typeof raw === "object" && !Array.isArray(raw) ? raw : { value: raw }) as ConfigDeclaration;
        const given = d.default !== undefined ? d.default : d.value;
        if (given === undefined) continue;
        const { namespace, path } = qualify(project, key);
        const top = `${namespace}:${path[0]}`;
        // Pulumi formats a primitive default with %v, and an array or object as JSON.
        const value = given !== null && typeof given === "object" ? given : String(given);
        if (path.length === 1) {
            if (!(top in out)) out[top] = encode(value);
            continue;
        }
        const root = decodeObject(out[top]) ?? (out[top] === undefined ? {} : undefined);
        if (!root) continue; // a non-object value where an object is declared: the program's loader reports it
        let cur: Record<string, unknown> | undefined = root;
        for (const seg of path.slice(1, -1)) {
            if (cur[seg] === undefined) cur[seg] = {};
            const next: unknown = cur[seg];
            // A non-object where the path needs one: Pulumi cannot set it either; the loader reports it.
            cur = next !== null && typeof next === "object" && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
            if (!cur) break;
        }
        if (!cur) continue;
        const leaf = path[path.length - 1];
        if (!(leaf in cur)) cur[leaf] = adjust(value);
        out[top] = JSON.stringify(root);
    }
    return out;
}
