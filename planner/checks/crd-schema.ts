/**
 * Validates a custom resource against its CRD's `openAPIV3Schema` the way the API server reads it:
 * types (with `nullable` and `x-kubernetes-int-or-string`), required fields, enums, patterns (Go RE2
 * syntax, inline flags such as `(?i)` honoured), bounds, and unknown fields — which the server
 * would silently prune, so they count as errors unless `x-kubernetes-preserve-unknown-fields` keeps them.
 *
 * An interpreter rather than a compiled validator: CRD schemas run to megabytes (Prometheus,
 * Alertmanager) and each is used for a handful of objects, so compiling costs more than checking.
 */

const patterns = new Map<string, RegExp | null>();

/** A Go RE2 pattern as a RegExp; null when JavaScript cannot express it (then it is not checked). */
function goPattern(src: string): RegExp | null {
    let re = patterns.get(src);
    if (re !== undefined) return re;
    // Go's inline flag groups (`(?i)`, wherever they stand) become flags of the whole expression.
    let flags = "";
    const body = src.replace(/\(\?([ims]+)\)/g, (_, f: string) => {
        for (const c of f) if (!flags.includes(c)) flags += c;
        return "";
    });
    try {
        re = new RegExp(body, flags);
    } catch {
        re = null;
    }
    patterns.set(src, re);
    return re;
}

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
    const t = typeOf(v);
    return t === type || (type === "number" && t === "integer");
}

/** Errors (`/path: message`) of a value against a structural schema. `root` skips apiVersion/kind/metadata. */
export function validateStructural(schema: any, value: unknown, at = "", errors: string[] = [], root = true): string[] {
    if (!schema || typeof schema !== "object") return errors;
    const where = at || "/";
    if (value === null) {
        if (!schema.nullable && schema.type !== undefined) errors.push(`${where}: must not be null`);
        return errors;
    }
    if (schema["x-kubernetes-int-or-string"]) {
        if (typeof value !== "string" && typeOf(value) !== "integer") errors.push(`${where}: must be an integer or a string`);
    } else if (typeof schema.type === "string" && !typeMatches(schema.type, value)) {
        errors.push(`${where}: must be ${schema.type}, not ${typeOf(value)}`);
        return errors;
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e: unknown) => e === value)) {
        errors.push(`${where}: must be one of ${schema.enum.map((e: unknown) => JSON.stringify(e)).join(", ")}`);
    }
    for (const sub of schema.allOf ?? []) validateStructural(sub, value, at, errors, false);
    if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s: any) => validateStructural(s, value, at, [], false).length === 0)) {
        errors.push(`${where}: matches none of anyOf`);
    }
    if (schema.not && typeof schema.not === "object" && validateStructural(schema.not, value, at, [], false).length === 0) {
        errors.push(`${where}: must not match the schema under "not"`);
    }
    if (Array.isArray(schema.oneOf) && schema.oneOf.filter((s: any) => validateStructural(s, value, at, [], false).length === 0).length !== 1) {
        errors.push(`${where}: must match exactly one of oneOf`);
    }
    if (typeof value === "string") {
        if (typeof schema.pattern === "string") {
            const re = goPattern(schema.pattern);
            if (re && !re.test(value)) errors.push(`${where}: must match ${schema.pattern}`);
        }
        if (typeof schema.maxLength === "number" && value.length > schema.maxLength) errors.push(`${where}: longer than ${schema.maxLength}`);
        if (typeof schema.minLength === "number" && value.length < schema.minLength) errors.push(`${where}: shorter than ${schema.minLength}`);
    }
    if (typeof value === "number") {
        if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${where}: must be >= ${schema.minimum}`);
        if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${where}: must be <= ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${where}: fewer than ${schema.minItems} items`);
        if (typeof schema.maxItems === "number" && value.length > schema.maxItems) errors.push(`${where}: more than ${schema.maxItems} items`);
        if (schema.items && typeof schema.items === "object") value.forEach((x, i) => validateStructural(schema.items, x, `${at}/${i}`, errors, false));
        return errors;
    }
    if (typeOf(value) === "object") {
        const obj = value as Record<string, unknown>;
        for (const r of schema.required ?? []) if (obj[r] === undefined) errors.push(`${where}: missing required field "${r}"`);
        const props = schema.properties ?? {};
        const typeMeta = (k: string) => k === "apiVersion" || k === "kind" || k === "metadata";
        for (const [k, v] of Object.entries(obj)) {
            // The server checks an object's own type and metadata itself, whatever the CRD says.
            if (root && typeMeta(k)) continue;
            if (schema["x-kubernetes-embedded-resource"] && typeMeta(k) && !props[k]) continue;
            if (props[k]) validateStructural(props[k], v, `${at}/${k}`, errors, false);
            else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
                validateStructural(schema.additionalProperties, v, `${at}/${k}`, errors, false);
            } else if (schema.additionalProperties !== true && !schema["x-kubernetes-preserve-unknown-fields"] && (schema.properties || schema.type === "object")) {
                errors.push(`${at}/${k}: unknown field (the API server would prune it)`);
            }
        }
    }
    return errors;
}
