/**
 * Derives the Pulumi.yaml `config:` declarations and the config reference (docs/configuration.md) from the one
 * config schema (components/config.ts), so declarations, defaults and validation cannot drift.
 */
import { z } from "zod";
import { configSchema } from "../../components/config";

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

type Any = z.ZodType & { def: any; description?: string };

function unwrap(s: Any): { inner: Any; def: unknown; description?: string } {
    let cur = s;
    let def: unknown;
    let description = s.description;
    for (;;) {
        const t = cur.def.type;
        if (t === "default" || t === "prefault") {
            def = typeof cur.def.defaultValue === "function" ? cur.def.defaultValue() : cur.def.defaultValue;
            cur = cur.def.innerType;
        } else if (t === "optional" || t === "nullable") cur = cur.def.innerType;
        else if (t === "pipe") {
            if ((cur as any).entryDefaults !== undefined) def = (cur as any).entryDefaults;
            cur = cur.def.out;
        }
        else break;
        description = description ?? cur.description;
    }
    return { inner: cur, def, description };
}

function scalar(s: Any): ConfigLeaf["items"] & string {
    const t = s.def.type;
    if (t === "number") return "integer";
    if (t === "boolean") return "boolean";
    return "string";
}

function walk(s: Any, key: string, def: unknown, description: string | undefined, out: ConfigLeaf[]): void {
    const u = unwrap(s);
    const d = def !== undefined ? def : u.def;
    const desc = description ?? u.description ?? "";
    const t = u.inner.def.type;
    if (t === "object") {
        for (const [k, child] of Object.entries(u.inner.def.shape as Record<string, Any>)) {
            walk(child, key ? `${key}.${k}` : k, (d as any)?.[k], undefined, out);
        }
    } else if (t === "record") {
        // Named maps: declare the leaves of their default entries.
        for (const [entry, entryDefault] of Object.entries((d ?? {}) as Record<string, unknown>)) {
            walk(u.inner.def.valueType, `${key}.${entry}`, undefined, undefined, out);
            const leaves = out.filter((l) => l.key.startsWith(`${key}.${entry}.`));
            for (const l of leaves) {
                const prop = l.key.slice(`${key}.${entry}.`.length);
                if ((entryDefault as any)?.[prop] !== undefined) l.default = (entryDefault as any)[prop];
            }
        }
    } else if (t === "array") {
        out.push({ key, type: "array", items: scalar(unwrap(u.inner.def.element).inner), default: d ?? [], description: desc });
    } else {
        const leaf: ConfigLeaf = { key, type: scalar(u.inner), default: d, description: desc };
        if (t === "enum") leaf.values = Object.values(u.inner.def.entries as Record<string, string>);
        out.push(leaf);
    }
}

export function configLeaves(): ConfigLeaf[] {
    const out: ConfigLeaf[] = [];
    walk(configSchema as unknown as Any, "", undefined, undefined, out);
    return out;
}
