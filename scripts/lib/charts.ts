/**
 * Where the pinned chart archives (`<chart>-<version>.tgz`, as `helm pull` names them) are found for
 * rendering. Sources in order: the plan's `--charts <dir>`, a local-directory `kubechat:chartRepository`,
 * then the archives vendored in `charts/` (see charts/SOURCES.md).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

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
