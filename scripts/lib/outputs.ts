/** Writes what a plan produces (plan.json, manifests/, airgap.json, graph.mmd) and its summary. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Plan, PlanResource, UNKNOWN } from "./plan";
import { PolicyVerdict, checkPlan } from "./verdict";
import { prepareOutDir } from "./outdir";

export interface PlanWriteResult {
    manifests: number;
    unknownValues: number;
    verdict: PolicyVerdict;
    mandatoryViolations: number;
}

function countUnknown(v: unknown): number {
    if (v === UNKNOWN) return 1;
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + countUnknown(x), 0);
    if (v !== null && typeof v === "object") return Object.values(v).reduce((n: number, x) => n + countUnknown(x), 0);
    return 0;
}

export function isK8sObject(r: PlanResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release" && typeof r.inputs?.kind === "string";
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");

/** The component a resource belongs to: its ancestor directly below the root component. */
export function componentOf(plan: Plan, r: PlanResource): string {
    const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
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
    const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
    const group = new Map<string, string>();
    for (const r of plan.resources) group.set(r.urn, componentOf(plan, r));
    const nodes = new Map<string, string>();
    for (const r of plan.resources) {
        const g = group.get(r.urn)!;
        const top = plan.resources.find((x) => x.name === g && !x.custom);
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

export function writePlanOutputs(plan: Plan, outDir: string): PlanWriteResult {
    prepareOutDir(outDir);
    const manifestsDir = path.join(outDir, "manifests");
    fs.mkdirSync(manifestsDir, { recursive: true });

    const { airgap, ...outputs } = plan.outputs as Record<string, unknown>;
    fs.writeFileSync(path.join(outDir, "plan.json"), JSON.stringify({ project: plan.project, stack: plan.stack, resources: plan.resources, outputs }, null, 2) + "\n");
    fs.writeFileSync(path.join(outDir, "airgap.json"), JSON.stringify(airgap ?? { images: [], charts: [] }, null, 2) + "\n");
    fs.writeFileSync(path.join(outDir, "graph.mmd"), mermaidGraph(plan));

    // YAML 1.1 output quotes strings such as Off/yes/on, which kubectl's YAML 1.1 parser would
    // otherwise read as booleans.
    let manifests = 0;
    for (const r of plan.resources.filter(isK8sObject)) {
        const o = r.inputs;
        const ns = o.metadata?.namespace ?? "_cluster";
        const dir = path.join(manifestsDir, safe(String(ns)));
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, `${safe(o.kind)}-${safe(String(o.metadata?.name ?? r.name))}.yaml`), YAML.stringify(o, { version: "1.1" }));
        manifests++;
    }
    const verdict = checkPlan(plan);
    return {
        manifests,
        unknownValues: plan.resources.reduce((n, r) => n + countUnknown(r.inputs), 0),
        verdict,
        mandatoryViolations: verdict.violations.filter((v) => v.level === "mandatory").length,
    };
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
    for (const v of res.verdict.violations.slice(0, 50)) lines.push(`    [${v.level}] ${v.policy}: ${v.message}`);
    if (res.verdict.violations.length > 50) lines.push(`    ... ${res.verdict.violations.length - 50} more in the policy report`);
    lines.push(`Wrote ${path.relative(process.cwd(), outDir) || "."}/{plan.json,manifests/,airgap.json,graph.mmd}`);
    return lines.join("\n");
}
