/**
 * Where the pinned chart archives (`<chart>-<version>.tgz`, as `helm pull` names them) are found for
 * rendering. Sources in order: the plan's `--charts <dir>`, a local-directory `kubechat:chartRepository`,
 * then `charts/` in the checkout (filled by `npm run charts:pull`, git-ignored).
 */
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
    candidates.push(["charts/", path.join(root, "charts")]);
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
