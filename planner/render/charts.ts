/**
 * Where the pinned chart archives (`<chart>-<version>.tgz`, as `helm pull` names them) are found for
 * rendering. Sources in order: the plan's `--charts <dir>`, a local-directory `kubechat:chartRepository`,
 * then the archives vendored in `charts/` (see charts/SOURCES.md).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as YAML from "yaml";
import { tarFiles } from "./archive";
import { UsageError } from "../cli/args";
import { CHARTS } from "../../components/catalog";

export interface ChartSource {
    /** The directory archives are read from, or undefined when none of the sources exists. */
    dir?: string;
    /** Which source it is: "--charts", "kubechat:chartRepository" or "charts/". */
    from?: string;
    /** Every place looked at, for the message when nothing is there. */
    tried: string[];
}

/** True for a chartRepository value that names a local directory rather than an http(s)/oci repository. */
export function isLocalRepository(chartRepository: string): boolean {
    return chartRepository !== "" && !/^(https?|oci):\/\//.test(chartRepository);
}

export function findChartSource(root: string, opts: { charts?: string; chartRepository?: string }): ChartSource {
    const candidates: [string, string][] = [];
    if (opts.charts) candidates.push(["--charts", path.resolve(opts.charts)]);
    if (opts.chartRepository && isLocalRepository(opts.chartRepository)) candidates.push(["kubechat:chartRepository", path.resolve(root, opts.chartRepository)]);
    candidates.push(["charts/", vendoredCharts(root)]);
    const tried: string[] = [];
    for (const [from, dir] of candidates) {
        tried.push(`${dir} (${from})`);
        if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) return { dir, from, tried };
        // An explicit --charts that does not exist is not silently replaced by another source.
        if (from === "--charts") return { tried };
    }
    return { tried };
}

/** The archive of one chart version inside a chart directory. */
export function archivePath(dir: string, name: string, version: string): string {
    return path.join(dir, `${name}-${version}.tgz`);
}

/** The chart archives vendored in the repository (see charts/SOURCES.md): the plan's default source. */
export function vendoredCharts(root: string): string {
    return path.join(root, "charts");
}

/** The sha256 (hex) of a file. */
export function sha256File(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * A `sha256sum`-format file (`<hex>  <name>`, `*` before the name in binary mode) as name -> digest.
 * A malformed or repeated line is an error naming the file and line.
 */
export function readSums(file: string): Map<string, string> {
    const sums = new Map<string, string>();
    fs.readFileSync(file, "utf8").split("\n").forEach((line, i) => {
        if (line.trim() === "") return;
        const m = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line.trimEnd());
        if (!m) throw new Error(`${file}:${i + 1}: not a "<sha256>  <file>" line`);
        if (sums.has(m[2])) throw new Error(`${file}:${i + 1}: ${m[2]} is listed twice`);
        sums.set(m[2], m[1]);
    });
    return sums;
}

const CHART_YAML = /^[^/]+\/Chart\.yaml$/;

/**
 * The name and version a chart archive's own Chart.yaml declares. `helm package` writes Chart.yaml
 * first, so the start of the archive is enough; the whole archive is read only when it is not there.
 * An archive that is not gzip + tar throws (zlib's message, e.g. "unexpected end of file").
 */
export function chartMeta(bytes: Buffer): { name: string; version: string } {
    const head = zlib.gunzipSync(bytes.subarray(0, 65536), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    let files = tarFiles(head, (n) => CHART_YAML.test(n));
    if (files.size === 0) files = tarFiles(zlib.gunzipSync(bytes), (n) => CHART_YAML.test(n));
    const text = [...files.values()][0];
    if (!text) throw new Error("no <chart>/Chart.yaml inside");
    const doc = YAML.parse(text.toString("utf8"));
    return { name: String(doc?.name), version: String(doc?.version) };
}

/**
 * The SHA256SUMS an archive directory is checked against: its own, or else the repository's
 * (charts/SHA256SUMS, the digests of the verified archives).
 */
export function sumsFileFor(root: string, dir: string): string {
    const own = path.join(dir, "SHA256SUMS");
    return fs.existsSync(own) ? own : path.join(vendoredCharts(root), "SHA256SUMS");
}

/**
 * What is wrong with one chart archive, or undefined when it is the verified archive of `name`
 * `version`: its digest must be the one `sums` lists for its file name, and its own Chart.yaml must
 * name that chart and version (an archive renamed to another chart's name is caught even by a
 * SHA256SUMS written over the wrong files).
 */
export function archiveProblem(file: string, name: string, version: string, sums: Map<string, string>, sumsFile: string): string | undefined {
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : `unreadable (${(e as Error).message})`;
    }
    const problems: string[] = [];
    const want = sums.get(path.basename(file));
    const got = crypto.createHash("sha256").update(bytes).digest("hex");
    if (!want) problems.push(`not listed in ${sumsFile}`);
    else if (got !== want) problems.push(`sha256 ${got.slice(0, 12)}… differs from ${sumsFile} (${want.slice(0, 12)}…): damaged, or not the verified archive`);
    try {
        const meta = chartMeta(bytes);
        if (meta.name !== name || meta.version !== version) problems.push(`its Chart.yaml is ${meta.name} ${meta.version}, not ${name} ${version}`);
    } catch (e) {
        problems.push(`not a readable chart archive (${(e as Error).message})`);
    }
    return problems.length > 0 ? problems.join("; ") : undefined;
}

/** Why `--charts <dir>` cannot be a chart folder (missing, a file, no archive in it), or undefined; cheap, so commands check it first. */
export function chartsOptionProblem(dir: string): string | undefined {
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (!st) return `--charts ${dir}: no such directory`;
    if (!st.isDirectory()) return `--charts ${dir}: not a directory (give the folder of <chart>-<version>.tgz archives)`;
    if (!fs.readdirSync(dir).some((f) => f.endsWith(".tgz"))) return `--charts ${dir}: no chart archive (<chart>-<version>.tgz) in it; the repository's own are in charts/`;
    return undefined;
}

/**
 * The chart directory a plan renders from (findChartSource), with the archive of every chart in
 * `charts` present and verified (archiveProblem) before anything is rendered or written. Anything
 * wrong is a UsageError (exit 2) naming the directory, each file and why.
 */
export function verifiedChartSource(root: string, opts: { charts?: string; chartRepository?: string }, charts: { chart: string; version: string }[]): ChartSource & { dir: string } {
    const given = opts.charts === undefined ? undefined : chartsOptionProblem(opts.charts);
    if (given) throw new UsageError(given);
    const source = findChartSource(root, opts);
    if (!source.dir) throw new UsageError(`no chart archives: none of ${source.tried.join(", ")} is a directory`);
    const where = `${source.dir} (${source.from})`;
    const sumsFile = sumsFileFor(root, source.dir);
    let sums: Map<string, string>;
    try {
        sums = readSums(sumsFile);
    } catch (e) {
        throw new UsageError(`chart archives in ${where}: ${(e as Error).message.replace(/^ENOENT: [^,]*/, "no SHA256SUMS")}`);
    }
    const wanted = new Map(charts.map((c) => [archivePath(source.dir!, c.chart, c.version), c] as const).sort(([a], [b]) => a.localeCompare(b)));
    const problems: string[] = [];
    for (const [file, c] of wanted) {
        const p = archiveProblem(file, c.chart, c.version, sums, shownPath(sumsFile));
        if (p) problems.push(`  ${path.basename(file)}: ${p}`);
    }
    if (problems.length > 0) {
        const held = fs.readdirSync(source.dir).filter((f) => f.endsWith(".tgz")).length;
        throw new UsageError(`chart archives in ${where} (${held} .tgz file(s) there, ${wanted.size} needed):\n${problems.join("\n")}`);
    }
    return { ...source, dir: source.dir };
}

/** A path as messages show it: relative to the working directory when inside it, else absolute. */
export function shownPath(p: string): string {
    const rel = path.relative(process.cwd(), p);
    return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}

/** The chart name and version a Release's `chart` input points at (repo + name, oci:// path, or local archive). */
export function chartOf(inputs: any): { chart: string; version: string } {
    const ref = String(inputs.chart ?? "");
    const base = ref.replace(/^.*\//, "");
    if (base.endsWith(".tgz")) {
        const entry = Object.values(CHARTS).find((c) => base === `${c.name}-${c.version}.tgz`);
        if (entry) return { chart: entry.name, version: entry.version };
        const m = /^(.*)-(\d[\w.+-]*)\.tgz$/.exec(base);
        return m ? { chart: m[1], version: m[2] } : { chart: base, version: String(inputs.version ?? "") };
    }
    return { chart: base, version: String(inputs.version ?? "") };
}
