/**
 * The leaves of the config schema as Pulumi.yaml declares them (`postgres.instances`: type, default,
 * description, enum values). `npm run gen:config` writes Pulumi.yaml's `config:` section and the
 * reference in docs/configuration.md from them, so declarations, defaults and validation cannot drift.
 */
import { z } from "zod";
import { configSchema } from "./schema";
import { enumValues, fieldsOf, itemsOf, unwrap, Unwrapped } from "./zod";

export interface ConfigLeaf {
    /** Path below the namespace, e.g. `postgres.instances`. */
    key: string;
    type: "string" | "integer" | "boolean" | "array";
    items?: "string" | "integer" | "boolean";
    default: unknown;
    description: string;
    /** Allowed values of an enum. */
    values?: string[];
}

function scalar(u: Unwrapped): ConfigLeaf["items"] & string {
    if (u.kind === "number") return "integer";
    if (u.kind === "boolean") return "boolean";
    return "string";
}

/** `def` and `description` given by the parent (an object's default for this field) win over the node's own. */
function walk(s: z.ZodType, key: string, def: unknown, description: string | undefined, out: ConfigLeaf[]): void {
    const u = unwrap(s);
    const d = def !== undefined ? def : u.entryDefaults ?? u.default;
    const desc = description ?? u.description ?? "";
    if (u.kind === "object") {
        for (const [k, child] of Object.entries(fieldsOf(u))) walk(child, key ? `${key}.${k}` : k, (d as any)?.[k], undefined, out);
    } else if (u.kind === "record") {
        // Named maps: declare the leaves of their default entries.
        for (const [entry, entryDefault] of Object.entries((d ?? {}) as Record<string, unknown>)) {
            walk(itemsOf(u)!, `${key}.${entry}`, undefined, undefined, out);
            for (const l of out.filter((l) => l.key.startsWith(`${key}.${entry}.`))) {
                const prop = l.key.slice(`${key}.${entry}.`.length);
                if ((entryDefault as any)?.[prop] !== undefined) l.default = (entryDefault as any)[prop];
            }
        }
    } else if (u.kind === "array") {
        out.push({ key, type: "array", items: scalar(unwrap(itemsOf(u)!)), default: d ?? [], description: desc });
    } else {
        const leaf: ConfigLeaf = { key, type: scalar(u), default: d, description: desc };
        const values = enumValues(u);
        if (values) leaf.values = values;
        out.push(leaf);
    }
}

export function configLeaves(): ConfigLeaf[] {
    const out: ConfigLeaf[] = [];
    walk(configSchema, "", undefined, undefined, out);
    return out;
}
