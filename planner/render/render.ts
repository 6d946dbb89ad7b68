/**
 * Renders every Helm release of a plan with real Helm (`helm template`), offline, from the pinned chart
 * archives: the same release name, namespace and values the program passes, the stack's Kubernetes
 * version, the API versions the platform installs (crds.ts), CRDs included and test hooks left out
 * (Pulumi never creates them). Releases render in parallel, one helm process per core.
 */
import * as fs from "fs";
import { Plan } from "../model";
import { archivePath } from "./charts";
import { helmTemplate, stopUnasked } from "./helm-runs";
import { RenderOptions, RenderResult, RenderedRelease, ReleaseSpec, kubeVersionOf, releaseSpecs, renderCost, templateRun } from "./releases";
import { platformApiVersions } from "./crds";
import { parseRendered } from "./parse";
import { trimParseCache } from "./parse-cache";

export async function renderRelease(spec: ReleaseSpec, opts: RenderOptions): Promise<RenderedRelease> {
    const run = templateRun(spec, opts);
    if (!fs.existsSync(run.archive)) return { release: spec, archive: run.archive, objects: [], error: `no archive ${run.archive}`, problems: [] };
    const r = await helmTemplate(opts.root, run);
    if (r.code !== 0) return { release: spec, archive: run.archive, run, objects: [], error: r.stderr.trim() || `helm exited ${r.code}`, problems: [] };
    const problems: string[] = [];
    return { release: spec, archive: run.archive, run, objects: parseRendered(r.stdout, problems), problems };
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
