/**
 * The policy pack's rules over plain Kubernetes YAML (`npm run policy -- check`): the files, their
 * objects, the namespaces a plan's rendered/ files belong to, and the written chart exceptions.
 *
 * An exception applies as the plan applies it, so a check over a plan's rendered/ (and manifests/)
 * reproduces the plan's verdict: a file under <out>/rendered/<release>/ belongs to the chart plan.json
 * names for that release; elsewhere an entry matches its object and policy whatever the chart.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { PolicyResource, Violation, runPolicies } from "../../policies/runner";
import { UsageError } from "../cli/args";
import { typeToken } from "../model";
import { ChartException, findException, readExceptions } from "./exceptions";
import { chartOf } from "../render/charts";
import { clusterScopedKindsOf, withNamespace } from "./scope";

/** Files named on the command line; directories are walked for *.yaml / *.yml (sorted, stable output). */
export function collectFiles(paths: string[]): string[] {
    const out: string[] = [];
    const walk = (p: string, explicit: boolean) => {
        let st: fs.Stats;
        try {
            st = fs.statSync(p);
        } catch {
            throw new UsageError(`cannot read ${p}: no such file or directory`);
        }
        if (st.isDirectory()) {
            for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e), false);
        } else if (explicit || /\.ya?ml$/i.test(p)) {
            out.push(p);
        }
    };
    for (const p of paths) walk(p, true);
    return out;
}

/** Every Kubernetes object of a (multi-document) YAML file; `kind: List` items are expanded; a duplicated key's last value wins. */
export function loadManifests(file: string): PolicyResource[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
    const out: PolicyResource[] = [];
    // A key written twice (Helm charts do this) is read with the last value winning, as Kubernetes' YAML-to-JSON decoding does.
    parseAllDocuments(text, { uniqueKeys: false }).forEach((doc, i) => {
        if (doc.errors.length > 0) throw new UsageError(`${file}: document ${i + 1} is not valid YAML: ${doc.errors[0].message.trimEnd()}`);
        const obj = doc.toJS();
        if (obj === null || obj === undefined) return;
        const objects = obj?.kind === "List" && Array.isArray(obj.items) ? obj.items : [obj];
        objects.forEach((o: any, j: number) => {
            if (!o || typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
                throw new UsageError(`${file}: document ${i + 1} is not a Kubernetes object (apiVersion and kind are required)`);
            }
            const name = typeof o.metadata?.name === "string" ? o.metadata.name : `${o.kind.toLowerCase()}-${i + 1}`;
            const suffix = objects.length > 1 ? `.${j + 1}` : "";
            out.push({ urn: `${file}#${i + 1}${suffix}`, type: typeToken(o.apiVersion, o.kind), name, props: o, file });
        });
    });
    return out;
}

interface PlanCharts { stack?: string; charts: Map<string, { chart: string; namespace?: string }> }

/**
 * The chart and namespace of the release a file under an offline plan's `rendered/<release>/` came
 * from, and the plan's stack (plan.json beside rendered/); undefined elsewhere.
 */
export function renderedChartOf(file: string, plans = new Map<string, PlanCharts>()): { chart?: string; namespace?: string; stack?: string } {
    const releaseDir = path.dirname(path.resolve(file));
    const renderedDir = path.dirname(releaseDir);
    if (path.basename(renderedDir) !== "rendered") return {};
    const planFile = path.join(path.dirname(renderedDir), "plan.json");
    let found = plans.get(planFile);
    if (!found) {
        found = { charts: new Map() };
        if (fs.existsSync(planFile)) {
            const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as { stack?: string; resources?: { type: string; inputs: any }[] };
            found.stack = plan.stack;
            for (const r of plan.resources ?? []) {
                if (r.type === "kubernetes:helm.sh/v3:Release") found.charts.set(String(r.inputs.name), { chart: chartOf(r.inputs).chart, namespace: r.inputs.namespace });
            }
        }
        plans.set(planFile, found);
    }
    const release = found.charts.get(path.basename(releaseDir));
    return { chart: release?.chart, namespace: release?.namespace, stack: found.stack };
}

/**
 * Objects of a plan's rendered/<release>/ get the release's namespace where Helm left it out, as the
 * plan checks them (rules that relate objects, such as a ServiceAccount's bindings, need it).
 */
export function inRenderedNamespaces(resources: PolicyResource[]): void {
    const plans = new Map<string, PlanCharts>();
    const clusterKinds = clusterScopedKindsOf(resources.map((r) => r.props));
    for (const r of resources) {
        const namespace = r.file ? renderedChartOf(r.file, plans).namespace : undefined;
        if (namespace) r.props = withNamespace(r.props, namespace, clusterKinds);
    }
}

/** The violations no exception accepts, and how many were accepted. */
export function applyExceptions(violations: Violation[], exceptions: ChartException[]): { left: Violation[]; accepted: number } {
    const plans = new Map<string, PlanCharts>();
    const left = violations.filter((v) => {
        const { chart, stack } = v.file ? renderedChartOf(v.file, plans) : {};
        return !findException(exceptions, chart, `${v.kind}/${v.name}`, v.policy, stack);
    });
    return { left, accepted: violations.length - left.length };
}

export function formatText(violations: Violation[], files: number, objects: number): string {
    const lines = violations.map((v) => `${v.file ?? "-"}: [${v.level}] ${v.policy} (${v.profile}): ${v.message}`);
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    lines.push(`${mandatory === 0 ? "PASS" : "FAIL"}: ${mandatory} mandatory, ${violations.length - mandatory} advisory violation(s) in ${objects} object(s) from ${files} file(s)`);
    return lines.join("\n");
}

export interface ManifestCheck {
    /** Violations no exception accepts. */
    violations: Violation[];
    files: number;
    objects: number;
    /** How many violations the exceptions file accepted (when one was given). */
    accepted?: number;
}

/** Check every YAML file under `paths` with the pack (one profile, or all), less the violations `exceptionsFile` accepts. */
export function checkManifests(paths: string[], opts: { profile?: string; exceptionsFile?: string } = {}): ManifestCheck {
    let exceptions: ChartException[] | undefined;
    if (opts.exceptionsFile) {
        try {
            exceptions = readExceptions(opts.exceptionsFile);
        } catch (e) {
            throw new UsageError(`--exceptions ${(e as Error).message.replace(/^ENOENT: no such file or directory, open '([^']*)'$/, "$1: no such file")}`);
        }
    }
    const files = collectFiles(paths);
    const resources = files.flatMap(loadManifests);
    inRenderedNamespaces(resources);
    const violations = runPolicies(resources, { profile: opts.profile });
    if (!exceptions) return { violations, files: files.length, objects: resources.length };
    const { left, accepted } = applyExceptions(violations, exceptions);
    return { violations: left, files: files.length, objects: resources.length, accepted };
}
