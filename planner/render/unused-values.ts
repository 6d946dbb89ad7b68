/**
 * Lists values the program passes to a chart that the chart ignores: for every leaf value of every
 * release (a scalar, or a whole list), remove it, render again, and report it when the output does
 * not change although the value differs from the chart's own default (its values.yaml, its subcharts'
 * values.yaml, Istio's `_internal_defaults_do_not_set`). Free-form maps (annotations,
 * labels, nodeSelector, resources, tolerations) are not leaves to test. Lines that differ between two
 * identical renders (generated certificates, random passwords, checksums of them) are left out of the
 * comparison; a document whose length differs between them is left out whole.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../cli/args";
import { Plan } from "../model";
import { ROOT } from "../root";
import { runProgram } from "../program/runtime";
import { archivePath } from "./charts";
import { readTgz } from "./archive";
import { ReleaseSpec, kubeVersionOf, releaseSpecs, templateArgs } from "./releases";
import { platformApiVersions } from "./crds";
import { pool } from "../pool";
import { runHelm } from "./helm";
import { jsyaml } from "../js-yaml";

/** Keys whose values are free-form maps: what they hold is passed through, not interpreted. */
export const FREE_FORM = new Set(["annotations", "labels", "nodeSelector", "resources", "tolerations", "podAnnotations", "podLabels", "commonLabels", "extraLabels"]);

type Path = (string | number)[];

/** Every leaf path of a values tree (scalars and whole lists), skipping free-form maps. */
export function leafPaths(v: unknown, at: Path = []): Path[] {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const entries = Object.entries(v as Record<string, unknown>);
        if (entries.length === 0) return [at];
        return entries.flatMap(([k, x]) => (FREE_FORM.has(k) ? [] : leafPaths(x, [...at, k])));
    }
    return [at];
}

export function getPath(v: any, p: Path): unknown {
    return p.reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), v);
}

/** A copy of `v` without the value at `p`. */
export function withoutPath(v: any, p: Path): any {
    if (p.length === 0) return undefined;
    const copy = Array.isArray(v) ? [...v] : { ...v };
    const [head, ...rest] = p;
    if (rest.length === 0) delete copy[head as any];
    else copy[head as any] = withoutPath(copy[head as any], rest);
    return copy;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `over` laid on `base`, maps merged key by key (how Helm merges values). */
function merge(base: unknown, over: unknown): unknown {
    if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
    return out;
}

/**
 * A chart's effective defaults: its values.yaml, with each bundled subchart's values.yaml under the
 * subchart's name (Helm's own layout), and Istio's `_internal_defaults_do_not_set` lifted to the top
 * (Istio 1.2x charts keep their defaults there and merge them in their templates).
 */
export function chartDefaults(archive: string): unknown {
    const files = readTgz(archive, (n) => /^[^/]+\/(charts\/[^/]+\/)*values\.yaml$/.test(n));
    const byDepth = [...files.keys()].sort((a, b) => b.split("/").length - a.split("/").length);
    let out: unknown = {};
    for (const name of byDepth) {
        const parts = name.split("/").slice(1, -1).filter((x) => x !== "charts");
        let v = (jsyaml.load(files.get(name)!.toString("utf8")) ?? {}) as Record<string, unknown>;
        if (isMap(v._internal_defaults_do_not_set)) v = merge(v._internal_defaults_do_not_set, v) as Record<string, unknown>;
        const placed = parts.reduceRight<unknown>((acc, k) => ({ [k]: acc }), v);
        out = merge(out, placed);
    }
    return out;
}

/** The rendered documents by template and position (`# Source:` line, numbered when a template writes several). */
export function documents(stdout: string): Map<string, string> {
    const out = new Map<string, string>();
    stdout.split(/^---\s*$/m).forEach((doc, i) => {
        const src = /^#\s*Source:\s*(\S+)/m.exec(doc)?.[1] ?? `#${i}`;
        let key = src;
        for (let n = 2; out.has(key); n++) key = `${src}#${n}`;
        out.set(key, doc);
    });
    return out;
}

/**
 * What differs between two renders of the same values (generated certificates, random passwords and
 * the checksums of Secrets holding them): per document, the line numbers that differ, or "all" when
 * the documents differ in their number of lines. Only those lines are left out of later comparisons:
 * leaving out whole documents would hide a value's effect on the rest of a Deployment whose checksum
 * annotation changes on every render.
 */
export type Unstable = Map<string, Set<number> | "all">;

export function unstableParts(a: Map<string, string>, b: Map<string, string>): Unstable {
    const out: Unstable = new Map();
    for (const [k, x] of a) {
        const y = b.get(k);
        if (y === x) continue;
        const xl = x.split("\n");
        const yl = y?.split("\n");
        if (!yl || yl.length !== xl.length) {
            out.set(k, "all");
            continue;
        }
        out.set(k, new Set(xl.flatMap((l, i) => (l === yl[i] ? [] : [i]))));
    }
    return out;
}

/** True when `b` differs from `a` anywhere but in the unstable parts. */
export function differs(a: Map<string, string>, b: Map<string, string>, unstable: Unstable): boolean {
    if (a.size !== b.size) return true;
    for (const [k, x] of a) {
        const y = b.get(k);
        if (y === x) continue;
        const skip = unstable.get(k);
        if (skip === "all") continue;
        if (y === undefined || !skip) return true;
        const xl = x.split("\n");
        const yl = y.split("\n");
        if (xl.length !== yl.length || xl.some((l, i) => l !== yl[i] && !skip.has(i))) return true;
    }
    return false;
}

async function render(spec: ReleaseSpec, values: unknown, archive: string, tmp: string, opts: { kubeVersion: string; apiVersions: string[] }, n: number): Promise<string> {
    const file = path.join(tmp, `${spec.resource}-${n}.json`);
    fs.writeFileSync(file, JSON.stringify(values ?? {}));
    const r = await runHelm(ROOT, [...templateArgs(spec, archive, opts), "--values", file]);
    if (r.code !== 0) return `ERROR ${r.stderr}`;
    return r.stdout;
}

export interface IgnoredValue {
    release: string;
    path: string;
    value: unknown;
}

export interface UnusedOptions {
    /** Only this release (Helm release name). */
    release?: string;
    /** Only releases of these charts (published chart names, e.g. `velero`). */
    charts?: string[];
    /** The stack's plan when already at hand (tests share one per stack); planned here otherwise. */
    plan?: Plan;
}

export interface UnusedResult {
    found: IgnoredValue[];
    /** Releases rendered and values tried (so "nothing ignored" says what it covered). */
    releases: number;
    values: number;
}

/** Every ignored value of the stack's releases (or of `o.release`, which must be one of them: UsageError otherwise). */
export async function unusedValues(stack: string, chartDir: string, o: UnusedOptions = {}): Promise<UnusedResult> {
    const plan = o.plan ?? await runProgram({ stack });
    const all = releaseSpecs(plan);
    if (o.release && !all.some((s) => s.name === o.release)) {
        throw new UsageError(`--release ${o.release}: stack ${stack} has no such release (it has: ${all.map((s) => s.name).sort().join(", ")})`);
    }
    const specs = all.filter((s) => (!o.release || s.name === o.release) && (!o.charts || o.charts.includes(s.chart)));
    const opts = { kubeVersion: kubeVersionOf(plan.config), apiVersions: platformApiVersions(plan, releaseSpecs(plan).map((s) => archivePath(chartDir, s.chart, s.version)), ROOT) };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-unused-"));
    const found: IgnoredValue[] = [];
    let values = 0;
    try {
        for (const spec of specs) {
            const archive = archivePath(chartDir, spec.chart, spec.version);
            const defaults = chartDefaults(archive);
            const [a, b] = await Promise.all([render(spec, spec.values, archive, tmp, opts, 0), render(spec, spec.values, archive, tmp, opts, 1)]);
            const base = documents(a);
            const again = documents(b);
            const unstable = unstableParts(base, again);
            const candidates = leafPaths(spec.values).filter((p) => p.length > 0 && !same(getPath(spec.values, p), getPath(defaults, p)));
            values += candidates.length;
            let n = 2;
            const results = await pool(candidates, Math.max(1, os.cpus().length), async (p) => {
                const out = await render(spec, withoutPath(spec.values, p), archive, tmp, opts, n++);
                return differs(base, documents(out), unstable) ? undefined : { release: spec.name, path: p.join("."), value: getPath(spec.values, p) };
            });
            for (const r of results) if (r) found.push(r);
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    return { found, releases: specs.length, values };
}


/** What the command prints: each ignored value, then how many releases and values were checked. */
export function report(stack: string, { found, releases, values }: UnusedResult): string {
    const lines = found.map((f) => `${f.release}: ${f.path} = ${JSON.stringify(f.value)} changes nothing in the rendered output`);
    const checked = `${releases} release(s), ${values} value(s) that differ from the chart's defaults checked`;
    lines.push(found.length === 0 ? `${stack}: ${checked}; every one changes the output` : `${stack}: ${checked}; ${found.length} ignored`);
    return lines.join("\n");
}
