/** Writes what a plan produces (plan.json, manifests/, airgap.json, graph.mmd) and its summary. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Plan, PlanResource, UNKNOWN, isK8sObject } from "../model";
import { PolicyVerdict, checkPlan } from "../checks/policy-run";
import { MARKER, prepareOutDir } from "./outdir";
import { RenderResult } from "../render/releases";
import { writeRendered } from "./rendered-files";
import { ChartCheckResult } from "../checks/chart-checks";
import { imageSet } from "../checks/images";
import { ChartSource } from "../render/charts";
import { OutputFiles, safeName as safe } from "./files";

/** What rendering the releases produced (absent when no chart archive was found). */
export interface Rendering {
    source: ChartSource;
    render?: RenderResult;
    checks?: ChartCheckResult;
}

export interface PlanWriteResult {
    manifests: number;
    unknownValues: number;
    verdict: PolicyVerdict;
    mandatoryViolations: number;
    rendering?: Rendering;
    /** Objects written under rendered/. */
    renderedObjects: number;
}

function countUnknown(v: unknown): number {
    if (v === UNKNOWN) return 1;
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + countUnknown(x), 0);
    if (v !== null && typeof v === "object") return Object.values(v).reduce((n: number, x) => n + countUnknown(x), 0);
    return 0;
}



/** Where an object's YAML goes below a manifest directory: `<namespace or _cluster>/<Kind>-<name>.yaml`. */
export function manifestPath(o: any, fallbackName = "object"): string {
    return path.join(safe(String(o.metadata?.namespace ?? "_cluster")), `${safe(o.kind)}-${safe(String(o.metadata?.name ?? fallbackName))}.yaml`);
}

/**
 * Write Kubernetes objects one file each (in the given order). YAML 1.1 output quotes strings such as
 * Off/yes/on, which kubectl's YAML 1.1 parser would otherwise read as booleans.
 */
export function writeManifests(dir: string, objects: { name: string; object: any }[], files: OutputFiles): number {
    for (const { name, object } of objects) files.add(path.join(dir, manifestPath(object, name)), YAML.stringify(object, { version: "1.1" }));
    return objects.length;
}

/** Resources by URN, built once per resource list (the summary and the graph ask for every resource). */
const urnIndexes = new WeakMap<PlanResource[], Map<string, PlanResource>>();
function byUrnOf(plan: Plan): Map<string, PlanResource> {
    let m = urnIndexes.get(plan.resources);
    if (!m) {
        m = new Map(plan.resources.map((x) => [x.urn, x]));
        urnIndexes.set(plan.resources, m);
    }
    return m;
}

/** The component a resource belongs to: its ancestor directly below the root component. */
export function componentOf(plan: Plan, r: PlanResource): string {
    const byUrn = byUrnOf(plan);
    let cur: PlanResource | undefined = r;
    let child: PlanResource = r;
    while (cur && cur.parent) {
        child = cur;
        cur = byUrn.get(cur.parent);
    }
    return cur === r ? r.name : child.name;
}

/** A Mermaid flowchart: one node per component (type and name), one edge per component dependency. */
export function mermaidGraph(plan: Plan): string {
    const byUrn = byUrnOf(plan);
    const group = new Map<string, string>();
    for (const r of plan.resources) group.set(r.urn, componentOf(plan, r));
    // The first component resource of each name (what labels its node).
    const components = new Map<string, PlanResource>();
    for (const x of plan.resources) if (!x.custom && !components.has(x.name)) components.set(x.name, x);
    const nodes = new Map<string, string>();
    for (const r of plan.resources) {
        const g = group.get(r.urn)!;
        const top = components.get(g);
        if (r.parent === null) continue;
        nodes.set(g, top ? `${g}<br/><small>${top.type.split(":").pop()}</small>` : g);
    }
    const edges = new Set<string>();
    for (const r of plan.resources) {
        const from = group.get(r.urn)!;
        const deps = [...r.dependencies, ...(r.provider ? [r.provider] : [])];
        for (const d of deps) {
            const dep = byUrn.get(d);
            if (!dep) continue;
            const to = group.get(dep.urn)!;
            if (to !== from && nodes.has(from) && nodes.has(to)) edges.add(`    ${safe(from)} --> ${safe(to)}`);
        }
    }
    const lines = ["flowchart LR", `    %% ${plan.project} / ${plan.stack}: components and what they depend on`];
    for (const [id, label] of [...nodes].sort()) lines.push(`    ${safe(id)}["${label}"]`);
    lines.push(...[...edges].sort());
    return lines.join("\n") + "\n";
}

/**
 * airgap.json: the charts the catalog handed out, every image the rendered charts and our own objects
 * make the cluster pull, and the OCI artifacts it downloads (the Trivy DBs). The commands always
 * render (a missing archive is an error); only a caller that passes no rendering gets the images the
 * program names itself.
 */
export function airgapOf(plan: Plan, rendering?: Rendering): { images: string[]; charts: unknown[]; artifacts?: string[] } {
    const fromProgram = (plan.outputs.airgap ?? { images: [], charts: [] }) as { images: string[]; charts: unknown[] };
    if (!rendering?.checks) return fromProgram;
    return { images: imageSet(rendering.checks.images), charts: fromProgram.charts, artifacts: imageSet(rendering.checks.artifacts) };
}

/** What a plan wrote of its own (everything but the rendered charts and airgap.json), and the policy verdict on its resources. */
export interface OwnFiles {
    manifests: number;
    unknownValues: number;
    verdict: PolicyVerdict;
}

/**
 * Present in an output directory while a plan writes into it, removed once the plan wrote everything:
 * a plan that fails half-way leaves it, so the mix of two runs' files there is never taken for a plan.
 */
export const INCOMPLETE = "INCOMPLETE";

/** Make the plan's output directory (refusing what outDirProblem refuses); files go into it as they are ready. */
export function planFiles(outDir: string): OutputFiles {
    prepareOutDir(outDir);
    fs.writeFileSync(path.join(outDir, INCOMPLETE), "A plan started writing here and did not finish: the files in this directory may mix two runs.\nRun the plan again; it clears this directory.\n");
    return new OutputFiles(outDir, [MARKER, INCOMPLETE]);
}

/** Write the plan's own files and check its policies (the plan command does this while Helm still renders). */
export function writeOwnFiles(plan: Plan, outDir: string, files: OutputFiles): OwnFiles {
    // airgap is written as its own file; plan.json keeps the other outputs.
    const outputs: Record<string, unknown> = { ...plan.outputs };
    delete outputs.airgap;
    files.add(path.join(outDir, "plan.json"), JSON.stringify({ project: plan.project, stack: plan.stack, resources: plan.resources, outputs }, null, 2) + "\n");
    files.add(path.join(outDir, "graph.mmd"), mermaidGraph(plan));
    const manifests = writeManifests(path.join(outDir, "manifests"), plan.resources.filter(isK8sObject).map((r) => ({ name: r.name, object: r.inputs })), files);
    // GitOps mode: the app layer Argo CD syncs, exactly as `gitops:render` writes it.
    if (plan.gitops.length > 0) writeManifests(path.join(outDir, "gitops"), plan.gitops, files);
    return { manifests, unknownValues: plan.resources.reduce((n, r) => n + countUnknown(r.inputs), 0), verdict: checkPlan(plan) };
}

/** The last of a plan's files: airgap.json; then whatever an earlier plan wrote and this one did not goes. */
export function finishPlanFiles(plan: Plan, outDir: string, files: OutputFiles, own: OwnFiles, rendering: Rendering | undefined, renderedObjects: number): PlanWriteResult {
    files.add(path.join(outDir, "airgap.json"), JSON.stringify(airgapOf(plan, rendering), null, 2) + "\n");
    files.finish();
    fs.rmSync(path.join(outDir, INCOMPLETE), { force: true });
    return { ...own, rendering, renderedObjects, mandatoryViolations: own.verdict.violations.filter((v) => v.level === "mandatory").length };
}

/** Every output of a plan at once (the plan command writes them as they are ready). */
export function writePlanFiles(plan: Plan, outDir: string, rendering?: Rendering): PlanWriteResult {
    const files = planFiles(outDir);
    const own = writeOwnFiles(plan, outDir, files);
    const rendered = (rendering?.render?.releases ?? []).reduce((n, r) => n + writeRendered(r, path.join(outDir, "rendered"), files), 0);
    return finishPlanFiles(plan, outDir, files, own, rendering, rendered);
}

export function summarize(plan: Plan, res: PlanWriteResult, ms: number, outDir: string): string {
    const perComponent = new Map<string, number>();
    for (const r of plan.resources) {
        if (r.parent === null) continue;
        const c = componentOf(plan, r);
        perComponent.set(c, (perComponent.get(c) ?? 0) + 1);
    }
    const lines = [`Plan of ${plan.project}/${plan.stack}: ${plan.resources.length} resources in ${ms} ms`];
    for (const [c, n] of [...perComponent].sort()) lines.push(`  ${c.padEnd(32)} ${n}`);
    lines.push(`  values known only after apply: ${res.unknownValues}`);
    lines.push(`  Kubernetes objects written: ${res.manifests}`);
    lines.push(res.verdict.summary);
    // Alerts that reach no one are worse than a missing alert: said first, whatever the enforcement.
    for (const v of res.verdict.violations.filter((x) => x.policy === "alertmanager-receiver")) lines.push(`  WARNING: silent alerting: ${v.message}`);
    for (const v of res.verdict.violations.slice(0, 50)) lines.push(`    [${v.level}] ${v.policy}: ${v.message}`);
    if (res.verdict.violations.length > 50) lines.push(`    ... ${res.verdict.violations.length - 50} more in the policy report`);
    lines.push(...renderSummary(res.rendering));
    if (plan.gitops.length > 0) lines.push(`  GitOps mode: ${plan.gitops.length} app-layer objects for Argo CD in gitops/ (npm run gitops:render writes them into the Git repository)`);
    const written = ["plan.json", "manifests/", ...(plan.gitops.length > 0 ? ["gitops/"] : []), ...(res.rendering?.render ? ["rendered/"] : []), "airgap.json", "graph.mmd"].join(",");
    lines.push(`Wrote ${path.relative(process.cwd(), outDir) || "."}/{${written}}`);
    return lines.join("\n");
}

/** The rendering part of the summary: per release objects, images, exceptions applied; then the checks. */
export function renderSummary(r?: Rendering): string[] {
    if (!r?.render || !r.checks) return [];
    const c = r.checks;
    const lines = [`Rendered with helm from ${r.source.dir} (${r.source.from}), Kubernetes ${r.render.kubeVersion}:`];
    lines.push(`  ${"release".padEnd(24)} ${"chart".padEnd(30)} objects images exceptions`);
    for (const rel of c.releases) {
        const chart = `${rel.chart}-${rel.version}`;
        if (rel.error) lines.push(`  ${rel.release.padEnd(24)} ${chart.padEnd(30)} NOT RENDERED: ${rel.error.split("\n")[0]}`);
        else lines.push(`  ${rel.release.padEnd(24)} ${chart.padEnd(30)} ${String(rel.objects).padStart(7)} ${String(rel.images.length).padStart(6)} ${String(rel.exceptionsApplied).padStart(10)}`);
    }
    for (const rel of r.render.releases) for (const p of rel.problems) lines.push(`  ${rel.release.name}: ${p}`);
    lines.push(`  schemas: ${c.schema.validated} objects valid, ${c.schema.errors.length} invalid${c.schema.unvalidatedKinds.length ? `, no schema for ${c.schema.unvalidatedKinds.join(", ")}` : ""}`);
    for (const e of c.schema.errors.slice(0, 20)) lines.push(`    ${e}`);
    const mandatory = c.violations.filter((v) => v.level === "mandatory").length;
    lines.push(`  chart policies: ${c.applied.length} exception(s) applied, ${mandatory} mandatory and ${c.violations.length - mandatory} advisory violation(s) not excepted`);
    for (const v of c.violations.slice(0, 30)) lines.push(`    [${v.level}] ${v.chart}: ${v.policy}: ${v.message}`);
    if (c.violations.length > 30) lines.push(`    ... ${c.violations.length - 30} more`);
    for (const e of c.unusedExceptions) lines.push(`  unused exception: ${e.chart} ${e.object} ${e.policy}`);
    lines.push(`  images: ${imageSet(c.images).length}, OCI artifacts: ${imageSet(c.artifacts).length} (airgap.json)`);
    for (const f of c.outsideRegistry) lines.push(`  image outside kubechat:registry: ${f.image} (${f.object})`);
    return lines;
}
