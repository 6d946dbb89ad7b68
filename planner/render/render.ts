/**
 * Renders every Helm release of a plan with real Helm (`helm template`), offline, from the pinned chart
 * archives: the same release name, namespace and values the program passes, the stack's Kubernetes
 * version, the API versions the platform installs (the CRDs its charts ship, its own CRDs,
 * apiregistration.k8s.io/v1), CRDs included and test hooks left out (Pulumi never creates them).
 * Releases render in parallel, one helm process per core.
 */
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
// js-yaml parses Helm's multi-megabyte output (CRDs) about four times faster than `yaml`.
import { jsyaml } from "../js-yaml";
import { StackConfig } from "../../components/config";
import { Plan, PlanResource, SECRET } from "../program/runtime";
import { archivePath, chartOf, readTgz } from "./charts";

export { chartOf, readTgz };
import { TemplateRun, archiveCost, helmTemplate, stopUnasked } from "./helm-runs";
import { ROOT } from "../root";
import { OutputFiles, safeName as safe } from "../output/files";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** What a Release asks Helm for. */
export interface ReleaseSpec {
    /** Pulumi logical name of the Release resource. */
    resource: string;
    /** Helm release name. */
    name: string;
    namespace: string;
    /** Chart name as published (catalog `name`, e.g. `cni`). */
    chart: string;
    version: string;
    values: Record<string, unknown>;
    skipCrds: boolean;
}

export interface RenderedObject {
    /** The object as Helm rendered it. */
    object: any;
    /** Its YAML exactly as Helm wrote it. */
    text: string;
    /** The template it came from (`# Source:` line). */
    source: string;
}

export interface RenderedRelease {
    release: ReleaseSpec;
    archive: string;
    objects: RenderedObject[];
    /** The Helm run that rendered it (absent when there was no archive to render). */
    run?: TemplateRun;
    /** Helm's error output when the render failed. */
    error?: string;
    /** Defects in the rendered YAML that Kubernetes tolerates (duplicated keys). */
    problems: string[];
}

export interface RenderResult {
    releases: RenderedRelease[];
    kubeVersion: string;
    apiVersions: string[];
}

/** A Helm Release resource as a render request. */
export function releaseSpec(r: PlanResource): ReleaseSpec {
    const { chart, version } = chartOf(r.inputs);
    return {
        resource: r.name, name: String(r.inputs.name ?? r.name), namespace: String(r.inputs.namespace ?? "default"),
        chart, version, values: r.inputs.values ?? {}, skipCrds: r.inputs.skipCrds === true,
    };
}

/** Every Helm Release of a plan as a render request. */
export function releaseSpecs(plan: Plan): ReleaseSpec[] {
    return plan.resources.filter((r: PlanResource) => r.type === RELEASE_TYPE).map(releaseSpec);
}

/** The Kubernetes minor version a stack runs: the EKS version, or the on-prem cluster's declared version. */
export function kubeVersionOf(config: StackConfig): string {
    return config.cluster.kind === "eks" ? config.eks.version : config.cluster.kubernetesVersion;
}

/** The lines of one YAML block: those after `start` that are more indented than `indent`. */
function block(lines: string[], start: number, indent: number): number {
    let end = start + 1;
    while (end < lines.length && (lines[end].trim() === "" || lines[end].trimStart().startsWith("#") || lines[end].search(/\S/) > indent)) end++;
    return end;
}

const scalar = (v: string) => v.replace(/\s+#.*$/, "").trim().replace(/^["']|["']$/g, "");

/**
 * `group/version` and `group/version/Kind` of every served version of every CRD in a YAML text.
 * Read by indentation rather than parsed: chart templates are not YAML until rendered, and CRD schemas
 * are megabytes. Only `spec.group`, `spec.names.kind` and `spec.versions[].{name,served}` are read.
 * `renderPlan` checks the result against the CRDs Helm actually renders.
 */
export function crdApiVersions(text: string): string[] {
    const out = new Set<string>();
    for (const doc of text.split(/^---\s*$/m)) {
        if (!/^kind:\s*["']?CustomResourceDefinition["']?\s*$/m.test(doc)) continue;
        const lines = doc.split("\n");
        const specAt = lines.findIndex((l) => /^spec:\s*$/.test(l));
        if (specAt < 0) continue;
        const specEnd = block(lines, specAt, 0);
        const child = lines.slice(specAt + 1, specEnd).find((l) => /\S/.test(l) && !l.trimStart().startsWith("#"));
        const ind = child ? child.search(/\S/) : 2;
        const at = (key: string) => lines.findIndex((l, i) => i > specAt && i < specEnd && l.search(/\S/) === ind && l.slice(ind).startsWith(`${key}:`));
        const groupAt = at("group");
        const namesAt = at("names");
        const versionsAt = at("versions");
        if (groupAt < 0 || namesAt < 0 || versionsAt < 0) continue;
        const group = scalar(lines[groupAt].slice(ind + "group:".length));
        const kindLine = lines.slice(namesAt + 1, block(lines, namesAt, ind)).find((l) => /^\s+kind:/.test(l));
        const kind = kindLine ? scalar(kindLine.replace(/^\s+kind:/, "")) : "";
        const vEnd = block(lines, versionsAt, ind - 1);
        let item: { name?: string; served?: boolean } | undefined;
        let itemIndent = -1;
        const flush = () => {
            if (item?.name && item.served !== false) out.add(`${group}/${item.name}`).add(`${group}/${item.name}/${kind}`);
        };
        for (let i = versionsAt + 1; i < vEnd; i++) {
            const l = lines[i];
            const m = /^(\s*)- (.*)$/.exec(l);
            if (m && (itemIndent < 0 || m[1].length === itemIndent)) {
                flush();
                itemIndent = m[1].length;
                item = {};
                const kv = /^(\w+):\s*(.*)$/.exec(m[2]);
                if (kv?.[1] === "name") item.name = scalar(kv[2]);
                continue;
            }
            if (!item || l.search(/\S/) !== itemIndent + 2) continue;
            const kv = /^\s*(\w+):\s*(.*)$/.exec(l);
            if (kv?.[1] === "name") item.name = scalar(kv[2]);
            if (kv?.[1] === "served") item.served = scalar(kv[2]) !== "false";
        }
        flush();
    }
    return [...out];
}

/** The served CRD API versions an archive ships, cached on disk by archive path, size and time (a pure function of its bytes). */
function archiveApiVersions(archive: string, cacheFile: string | undefined, cache: Record<string, string[]>): string[] {
    const st = fs.statSync(archive);
    const key = `${archive}:${st.size}:${st.mtimeMs}`;
    if (cache[key]) return cache[key];
    const out: string[] = [];
    for (const [, content] of readTgz(archive, (n) => /\.ya?ml$/.test(n))) {
        const text = content.toString("utf8");
        if (text.includes("CustomResourceDefinition")) out.push(...crdApiVersions(text));
    }
    cache[key] = [...new Set(out)];
    if (cacheFile) {
        try {
            fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
            fs.writeFileSync(cacheFile, JSON.stringify(cache));
        } catch {
            // A cache that cannot be written only costs the scan next time.
        }
    }
    return cache[key];
}

/** API versions the platform installs: the CRDs in the charts it releases, its own CRDs, and the aggregation API. */
export function platformApiVersions(plan: Plan, archives: string[], root?: string): string[] {
    const set = new Set<string>(["apiregistration.k8s.io/v1"]);
    const cacheFile = root ? path.join(root, "node_modules", ".cache", "kubechat-helm", "crd-api-versions.json") : undefined;
    let cache: Record<string, string[]> = {};
    try {
        if (cacheFile) cache = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
    } catch {
        cache = {};
    }
    for (const a of archives) {
        if (fs.existsSync(a)) for (const v of archiveApiVersions(a, cacheFile, cache)) set.add(v);
    }
    for (const r of plan.resources) {
        const o = r.inputs;
        if (r.custom && o?.kind === "CustomResourceDefinition") {
            for (const v of o.spec?.versions ?? []) set.add(`${o.spec.group}/${v.name}`).add(`${o.spec.group}/${v.name}/${o.spec.names?.kind}`);
        }
    }
    return [...set].sort();
}

/** Large parsed documents by their text: the same CRDs come out of every render of a chart. Never mutated. */
const parsedDocs = new Map<string, unknown>();
/** Documents this long (CRDs, mostly) are also kept in memory. */
const KEEP_PARSED = 20000;
/** Documents shorter than this are parsed directly (a file read would cost more). */
const CACHE_FROM = 400;
const PARSED_DIR = path.join(ROOT, "node_modules", ".cache", "kubechat-helm", "parsed");
/** The disk cache is trimmed to the newest half when it holds more files than this. */
const PARSED_FILES_MAX = 6000;

/** True when JSON gives the value back unchanged (YAML timestamps are Dates, `.inf` is no JSON number). */
export function jsonSafe(v: unknown): boolean {
    if (v === null || typeof v === "string" || typeof v === "boolean") return true;
    if (typeof v === "number") return Number.isFinite(v);
    if (Array.isArray(v)) return v.every(jsonSafe);
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(jsonSafe);
    return false;
}

/**
 * A document parsed: from memory (large ones), from the disk cache (JSON of an earlier parse of the
 * same text, named by the text's SHA-256: reading JSON is many times faster than parsing YAML), or
 * parsed now and kept. Throws as js-yaml does on a document it rejects (the caller handles that).
 */
function parseCached(doc: string): unknown {
    const hit = parsedDocs.get(doc);
    if (hit !== undefined) return hit;
    const file = path.join(PARSED_DIR, `${crypto.createHash("sha256").update(doc).digest("hex")}.json`);
    let object: unknown;
    try {
        object = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        object = jsyaml.load(doc);
        // Only what JSON gives back unchanged (YAML timestamps become Dates, .inf is not JSON).
        if (jsonSafe(object)) try {
            fs.mkdirSync(PARSED_DIR, { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, JSON.stringify(object));
            fs.renameSync(tmp, file);
            parsedWritten++;
        } catch {
            // Only costs parsing the YAML again next time.
        }
    }
    if (doc.length > KEEP_PARSED) parsedDocs.set(doc, object);
    return object;
}

let parsedWritten = 0;

/**
 * Keep the parse cache bounded: documents with generated content (a chart's random password) add a
 * file per render. Past PARSED_FILES_MAX files the older half goes (a removed entry costs one parse).
 * Checked only after a render that added files.
 */
export function trimParseCache(dir = PARSED_DIR, max = PARSED_FILES_MAX): void {
    if (parsedWritten === 0 && dir === PARSED_DIR) return;
    parsedWritten = 0;
    try {
        const names = fs.readdirSync(dir);
        if (names.length <= max) return;
        const files = names.map((n) => ({ file: path.join(dir, n), t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
        for (const f of files.slice(0, files.length - Math.floor(max / 2))) fs.rmSync(f.file, { force: true });
    } catch {
        // A cache that cannot be trimmed only takes space.
    }
}

/**
 * Parse `helm template` output into objects with their template source. A document with a duplicated
 * key (a chart template that writes a value twice) is read with the last value winning, as Kubernetes'
 * YAML-to-JSON decoding does, and reported in `problems`.
 */
export function parseRendered(stdout: string, problems: string[] = []): RenderedObject[] {
    const out: RenderedObject[] = [];
    for (const doc of stdout.split(/^---\s*$/m)) {
        let object: any;
        try {
            object = doc.length >= CACHE_FROM ? parseCached(doc) : jsyaml.load(doc);
        } catch (e) {
            object = jsyaml.load(doc, { json: true });
            const src = /^#\s*Source:\s*(\S+)/m.exec(doc)?.[1] ?? "";
            problems.push(`${src}: ${String((e as Error).message).split("\n")[0]}`);
        }
        if (object === null || typeof object !== "object" || typeof object.kind !== "string") continue;
        const src = /^#\s*Source:\s*(\S+)/m.exec(doc)?.[1] ?? "";
        if (object.kind.endsWith("List") && Array.isArray(object.items)) {
            for (const item of object.items) out.push({ object: item, text: jsyaml.dump(item), source: src });
        } else out.push({ object, text: doc.replace(/^\n+/, ""), source: src });
    }
    return out;
}

/**
 * Run tasks with at most `limit` at a time, results in input order. With `cost`, the costliest start
 * first (the longest job started last would set the end time).
 */
export async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>, cost?: (t: T) => number): Promise<R[]> {
    const results: R[] = new Array(items.length);
    const order = items.map((_, i) => i);
    if (cost) {
        const c = items.map(cost);
        order.sort((a, b) => c[b] - c[a]);
    }
    let next = 0;
    const worker = async () => {
        while (next < order.length) {
            const i = order[next++];
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

export interface RenderOptions {
    root: string;
    /** Directory of `<chart>-<version>.tgz` archives. */
    chartDir: string;
    kubeVersion: string;
    apiVersions: string[];
}

/** The `helm template` arguments for one release (the values file is added by whoever runs it). */
export function templateArgs(spec: ReleaseSpec, archive: string, opts: Pick<RenderOptions, "kubeVersion" | "apiVersions">): string[] {
    return [
        "template", spec.name, archive, "--namespace", spec.namespace,
        "--kube-version", opts.kubeVersion, "--api-versions", opts.apiVersions.join(","),
        ...(spec.skipCrds ? ["--skip-crds"] : ["--include-crds"]), "--skip-tests",
    ];
}

/** The Helm run that renders one release. */
export function templateRun(spec: ReleaseSpec, opts: Pick<RenderOptions, "chartDir" | "kubeVersion" | "apiVersions">): TemplateRun {
    const archive = archivePath(opts.chartDir, spec.chart, spec.version);
    return { args: templateArgs(spec, archive, opts), values: spec.values, archive };
}

export async function renderRelease(spec: ReleaseSpec, opts: RenderOptions): Promise<RenderedRelease> {
    const run = templateRun(spec, opts);
    if (!fs.existsSync(run.archive)) return { release: spec, archive: run.archive, objects: [], error: `no archive ${run.archive}`, problems: [] };
    const r = await helmTemplate(opts.root, run);
    if (r.code !== 0) return { release: spec, archive: run.archive, run, objects: [], error: r.stderr.trim() || `helm exited ${r.code}`, problems: [] };
    const problems: string[] = [];
    return { release: spec, archive: run.archive, run, objects: parseRendered(r.stdout, problems), problems };
}

/** How long a release takes to render, roughly: its archive's size (CRD-heavy charts are the big ones). */
export function renderCost(spec: ReleaseSpec, chartDir: string): number {
    return archiveCost(archivePath(chartDir, spec.chart, spec.version));
}

/**
 * Render the given releases, one Helm process per core, the costliest first. Runs started ahead
 * (planner/render/helm-runs.ts) with the same input are used; the others started ahead are stopped.
 */
export async function renderReleases(specs: ReleaseSpec[], opts: RenderOptions, onRendered?: (r: RenderedRelease) => void): Promise<RenderedRelease[]> {
    // Ask for the costliest first: with free slots, the order of asking is the order of starting.
    const order = specs.map((s, i) => ({ i, c: renderCost(s, opts.chartDir) })).sort((a, b) => b.c - a.c);
    const started = new Map(order.map(({ i }) => [i, renderRelease(specs[i], opts)]));
    stopUnasked();
    return Promise.all(specs.map(async (_, i) => {
        const r = await started.get(i)!;
        onRendered?.(r);
        return r;
    }));
}

/** Render every release of a plan from a chart directory; `onRendered` sees each release as it is done. */
export async function renderPlan(plan: Plan, root: string, chartDir: string, onRendered?: (r: RenderedRelease) => void): Promise<RenderResult> {
    const specs = releaseSpecs(plan);
    const kubeVersion = kubeVersionOf(plan.config);
    const apiVersions = platformApiVersions(plan, specs.map((s) => archivePath(chartDir, s.chart, s.version)), root);
    const releases = await renderReleases(specs, { root, chartDir, kubeVersion, apiVersions }, onRendered);
    // The API versions were read from the archives before rendering; what Helm rendered must agree.
    const passed = new Set(apiVersions);
    for (const r of releases) {
        for (const { object: o } of r.objects) {
            if (o.kind !== "CustomResourceDefinition") continue;
            for (const v of o.spec?.versions ?? []) {
                if (v.served !== false && !passed.has(`${o.spec.group}/${v.name}`)) {
                    r.error = `${r.error ? `${r.error}; ` : ""}CRD ${o.metadata?.name} serves ${o.spec.group}/${v.name}, which was not among the --api-versions`;
                }
            }
        }
    }
    trimParseCache();
    return { releases, kubeVersion, apiVersions };
}


/**
 * A rendered object's YAML as written to disk: Helm's own text, except a Secret's values, which are
 * written as "[secret]" like our own objects' (base64-encoded under `data`, so the object stays one the
 * API server accepts). A chart may generate a secret at render time, such as Grafana's admin password:
 * not the one the cluster gets, but no password belongs in the plan.
 */
export function renderedText({ object, text }: RenderedObject): string {
    if (object.kind !== "Secret" || !(object.data || object.stringData)) return text;
    const masked = (m: unknown, value: string) => (m && typeof m === "object" ? Object.fromEntries(Object.keys(m).map((k) => [k, value])) : m);
    const source = /^#\s*Source:.*$/m.exec(text)?.[0];
    return `${source ? `${source}\n` : ""}${jsyaml.dump({
        ...object,
        ...(object.data ? { data: masked(object.data, Buffer.from(SECRET).toString("base64")) } : {}),
        ...(object.stringData ? { stringData: masked(object.stringData, SECRET) } : {}),
    })}`;
}

/** Write `<dir>/<release>/<Kind>-<name>.yaml` for every object of a rendered release (namespace added on a clash); returns how many. */
export function writeRendered(r: RenderedRelease, dir: string, files: OutputFiles): number {
    const rdir = path.join(dir, safe(r.release.name));
    const used = new Set<string>();
    for (const rendered of r.objects) {
        const { object } = rendered;
        let file = `${safe(object.kind)}-${safe(String(object.metadata?.name ?? "unnamed"))}`;
        if (used.has(file)) file += `.${safe(String(object.metadata?.namespace ?? r.release.namespace))}`;
        const base = file;
        for (let i = 2; used.has(file); i++) file = `${base}-${i}`;
        used.add(file);
        files.add(path.join(rdir, `${file}.yaml`), renderedText(rendered));
    }
    return r.objects.length;
}
