/**
 * The one place that reads zod's internals (`schema.def`): what a schema node is below its wrappers
 * (default, prefault, optional, nullable, the preprocess pipe of a named map), with the default and
 * description those wrappers carry. The loader's scalar coercion, "did you mean" and the generated
 * Pulumi.yaml declarations all walk the schema through these functions, so a zod upgrade that changes
 * the layout is fixed here once.
 */
import { z } from "zod";

type Def = { type: string; [k: string]: any };
type Node = z.ZodType & { def: Def; description?: string; entryDefaults?: Record<string, Record<string, unknown>> };

/** A schema node with its wrappers peeled off. */
export interface Unwrapped {
    /** The node under the wrappers. */
    node: z.ZodType;
    /** Its kind: object, record, array, string, enum, number, boolean, ... (zod's `def.type`). */
    kind: string;
    /** The outermost default or prefault, evaluated; undefined when none. */
    default?: unknown;
    /** The outermost description. */
    description?: string;
    /** A named map's default entries (see `namedMap` in schema.ts). */
    entryDefaults?: Record<string, Record<string, unknown>>;
}

export function unwrap(schema: z.ZodType): Unwrapped {
    let cur = schema as Node;
    const out: Omit<Unwrapped, "node" | "kind"> = { description: cur.description };
    for (;;) {
        const t = cur.def.type;
        if (t === "default" || t === "prefault") {
            if (!("default" in out)) out.default = typeof cur.def.defaultValue === "function" ? cur.def.defaultValue() : cur.def.defaultValue;
            cur = cur.def.innerType;
        } else if (t === "optional" || t === "nullable") cur = cur.def.innerType;
        else if (t === "pipe") {
            if (cur.entryDefaults !== undefined && out.entryDefaults === undefined) out.entryDefaults = cur.entryDefaults;
            cur = cur.def.out;
        } else break;
        out.description = out.description ?? cur.description;
    }
    return { node: cur, kind: cur.def.type, ...out };
}

/** The fields of an object node (empty for any other kind). */
export function fieldsOf(u: Unwrapped): Record<string, z.ZodType> {
    return u.kind === "object" ? ((u.node as Node).def.shape as Record<string, z.ZodType>) : {};
}

/** The schema of a record's values or an array's items; undefined for any other kind. */
export function itemsOf(u: Unwrapped): z.ZodType | undefined {
    const def = (u.node as Node).def;
    return u.kind === "record" ? def.valueType : u.kind === "array" ? def.element : undefined;
}

/** The values an enum node accepts (undefined for any other kind). */
export function enumValues(u: Unwrapped): string[] | undefined {
    return u.kind === "enum" ? Object.values((u.node as Node).def.entries as Record<string, string>) : undefined;
}

/** The node at a path below objects and records, unwrapped; undefined where the path leaves the schema. */
export function schemaAt(schema: z.ZodType, path: PropertyKey[]): Unwrapped | undefined {
    let u = unwrap(schema);
    for (const p of path) {
        const next = u.kind === "object" ? fieldsOf(u)[String(p)] : u.kind === "record" ? itemsOf(u) : undefined;
        if (!next) return undefined;
        u = unwrap(next);
    }
    return u;
}
