/**
 * Accepted policy violations inside rendered chart output (policies/chart-exceptions.yaml): read by
 * the plan's chart checks and by `npm run policy -- check --exceptions`, so both give one verdict.
 */
import * as fs from "fs";
import * as path from "path";
import { jsyaml } from "../js-yaml";

/** One accepted violation in chart output. */
export interface ChartException {
    chart: string;
    /** `<Kind>/<name>` */
    object: string;
    policy: string;
    reason: string;
    /** Only these stacks (the violation depends on a stack's settings, e.g. how Velero gets its store keys); absent = every stack. */
    stacks?: string[];
}

export const EXCEPTIONS_FILE = path.join("policies", "chart-exceptions.yaml");

/** Read and check an exceptions file: every entry needs chart, object (Kind/name), policy and reason. Errors name `shown`. */
export function readExceptions(file: string, shown = file): ChartException[] {
    const doc = (jsyaml.load(fs.readFileSync(file, "utf8"), { schema: jsyaml.CORE_SCHEMA }) ?? {}) as { exceptions?: unknown };
    const list = doc.exceptions ?? [];
    if (!Array.isArray(list)) throw new Error(`${shown}: exceptions must be a list`);
    return list.map((e: any, i: number) => {
        for (const k of ["chart", "object", "policy", "reason"]) {
            if (typeof e?.[k] !== "string" || e[k].trim() === "") throw new Error(`${shown}: exceptions[${i}].${k} is required`);
        }
        if (!/^[A-Za-z]+\/\S+$/.test(e.object)) throw new Error(`${shown}: exceptions[${i}].object must be <Kind>/<name>`);
        if (e.stacks !== undefined && (!Array.isArray(e.stacks) || e.stacks.length === 0 || !e.stacks.every((s: unknown) => typeof s === "string" && s !== ""))) {
            throw new Error(`${shown}: exceptions[${i}].stacks must be a non-empty list of stack names`);
        }
        return { chart: e.chart, object: e.object, policy: e.policy, reason: e.reason, ...(e.stacks ? { stacks: e.stacks } : {}) };
    });
}

/** The project's exceptions file. */
export function loadExceptions(root: string): ChartException[] {
    return readExceptions(path.join(root, EXCEPTIONS_FILE), EXCEPTIONS_FILE);
}

/**
 * The exception accepting `policy` on `object` (`Kind/name`) rendered by `chart` in `stack`; an unknown
 * chart or stack (undefined) matches any.
 */
export function findException(list: ChartException[], chart: string | undefined, object: string, policy: string, stack?: string): ChartException | undefined {
    return list.find((e) => (chart === undefined || e.chart === chart) && (stack === undefined || !e.stacks || e.stacks.includes(stack)) && e.policy === policy && e.object === object);
}
