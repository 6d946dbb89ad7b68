/**
 * The loader's messages: what a schema issue means in words, naming the key and the value given, and
 * the "did you mean" hint for an unknown key.
 */
import { z } from "zod";
import { CONFIG_NAMESPACE, configSchema } from "./schema";
import { fieldsOf, schemaAt } from "./zod";

/** One schema issue as `kubechat:<key>: reason` (unknown keys give one line each, with a hint). */
export function issueProblems(issue: z.core.$ZodIssue, input: unknown): string[] {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => `${keyOf([...issue.path, key])}: unknown key${unknownKeyHint(issue.path, key)}`);
    return [`${keyOf(issue.path)}: ${describeIssue(issue, valueAt(input, issue.path))}`];
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
    switch (issue.code) {
        case "invalid_type":
            return `must be ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}${typeNote(value)}`;
        case "too_small":
            return issue.origin === "array" ? `must have at least ${issue.minimum} item(s)` : `must be >= ${issue.minimum}`;
        case "too_big":
            return issue.origin === "array" ? `must have at most ${issue.maximum} item(s)` : `must be <= ${issue.maximum}`;
        case "invalid_value":
            return `must be one of: ${issue.values.map((v) => String(v)).join(", ")}`;
        case "invalid_format":
            return issue.message;
        case "invalid_key":
            return `key ${issue.issues[0]?.message ?? "is invalid"}`;
        default:
            return issue.message;
    }
}

/** What a value of the wrong type is, e.g. `, not the string "3" (write it without quotes)`. */
function typeNote(value: unknown): string {
    if (value === undefined) return "";
    if (typeof value === "string") {
        const quoted = /^(-?\d+(\.\d+)?|true|false)$/.test(value.trim()) ? " (write it without quotes)" : "";
        return `, not the string ${JSON.stringify(value)}${quoted}`;
    }
    return `, not ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : `the ${typeof value} ${JSON.stringify(value)}`}`;
}

/** The value at a path of the raw input, for messages about it. */
function valueAt(v: unknown, at: PropertyKey[]): unknown {
    for (const k of at) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    return v;
}

/**
 * The hint after "unknown key": the nearest known key, or, for a dotted top-level key whose first
 * part is a known section (`kubechat:postgres.instances`, what `pulumi config set` writes without
 * --path), the --path form that sets the nested value.
 */
function unknownKeyHint(at: PropertyKey[], key: string): string {
    const section = key.split(".")[0];
    if (at.length === 0 && key.includes(".") && keysAt([]).includes(section)) {
        return ` (a dotted key is not a path: set it with \`pulumi config set --path ${CONFIG_NAMESPACE}:${key} <value>\`, which writes ${key.split(".").slice(1).join(".")} under ${CONFIG_NAMESPACE}:${section})`;
    }
    const near = nearestKey(key, keysAt(at));
    return near ? ` (did you mean ${keyOf([...at, near])}?)` : "";
}
/** The keys the schema accepts at a path (below objects and named maps), for "did you mean". */
export function keysAt(path: PropertyKey[]): string[] {
    const u = schemaAt(configSchema, path);
    return u ? Object.keys(fieldsOf(u)) : [];
}

/** Edit distance (insert, delete, substitute, swap of neighbours). */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** The valid key closest to a mistyped one (case-insensitive; within a third of its length), if any. */
export function nearestKey(key: string, valid: string[]): string | undefined {
    let best: { k: string; d: number } | undefined;
    for (const k of valid) {
        const d = distance(key.toLowerCase(), k.toLowerCase());
        if (d <= Math.max(2, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { k, d };
    }
    return best?.k;
}

export function keyOf(path: PropertyKey[]): string {
    let out = `${CONFIG_NAMESPACE}:`;
    path.forEach((p, i) => {
        out += typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`;
    });
    return out;
}
