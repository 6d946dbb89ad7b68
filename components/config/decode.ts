/**
 * Stack values as the program receives them, decoded for the schema. Pulumi hands every
 * `namespace:key` to the program as a string: JSON for objects, arrays, numbers and booleans. The
 * running program (`loadStackConfig`), `npm run gen:config`, `npm run ha:config` and the tests all
 * decode stack files through this one function, so none of them can read a stack differently.
 */
import { z } from "zod";
import { CONFIG_NAMESPACE } from "./schema";
import { fieldsOf, itemsOf, unwrap } from "./zod";

/** Keys that stay strings even when they look like JSON (an access key id of digits, a registry `1e3`). */
export const STRING_KEYS = ["registry", "chartRepository", "kubeconfig", "objectStoreAccessKeyId", "objectStoreSecretAccessKey"];

/**
 * Settings of other namespaces the loader checks against its own (`aws:region` against eks.region);
 * everything else outside `kubechat:` is the providers' business.
 */
export const CHECKED_PROVIDER_KEYS = ["aws:region"];

/** The loader's inputs from one stack's values. */
export interface StackValues {
    /** `kubechat:` values without the namespace, JSON-decoded where Pulumi encoded them. */
    raw: Record<string, unknown>;
    /** The provider settings in CHECKED_PROVIDER_KEYS that the stack sets. */
    providers: Record<string, string>;
}

/** Decode one value as Pulumi hands it to the program (JSON for objects, arrays, numbers, booleans). */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/** Split a stack's values (fully-qualified key -> the string the program receives) into the loader's inputs. */
export function decodeStackValues(all: Record<string, string>): StackValues {
    const raw: Record<string, unknown> = {};
    const providers: Record<string, string> = {};
    for (const [key, value] of Object.entries(all)) {
        const at = key.indexOf(":");
        const ns = at < 0 ? key : key.slice(0, at);
        const name = key.slice(at + 1);
        if (ns === CONFIG_NAMESPACE) raw[name] = STRING_KEYS.includes(name) ? value : decode(value);
        else if (CHECKED_PROVIDER_KEYS.includes(key)) providers[key] = value;
    }
    return { raw, providers };
}

/**
 * Strings that arrive as numbers or booleans become strings again where the schema wants a string.
 * Pulumi does this to values set by path: a declared default "17" (postgres.version) or "2"
 * (postgres.cpuLimit) is stored as the integer 17 or 2 when the CLI applies it under
 * `kubechat:postgres`, and so is `pulumi config set --path kubechat:postgres.cpuLimit 2`.
 */
export function coerceScalars(schema: z.ZodType, value: unknown): unknown {
    const u = unwrap(schema);
    const isMap = value !== null && typeof value === "object" && !Array.isArray(value);
    switch (u.kind) {
        case "object": {
            if (!isMap) return value;
            const fields = fieldsOf(u);
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fields[k] ? coerceScalars(fields[k], v) : v]));
        }
        case "record":
            return isMap ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceScalars(itemsOf(u)!, v)])) : value;
        case "array":
            return Array.isArray(value) ? value.map((v) => coerceScalars(itemsOf(u)!, v)) : value;
        case "string":
        case "enum":
            return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
        default:
            return value;
    }
}
