/**
 * Offline policy check: the CrossGuard pack's rules on plain Kubernetes YAML.
 *
 *   npm run policy -- check <file-or-dir>... [--profile <name>] [--exceptions <file>] [--json]
 *
 * --exceptions applies accepted chart violations (policies/chart-exceptions.yaml) as the plan does, so
 * the check over a plan's rendered/ (and manifests/) reproduces the plan's verdict: a file under
 * <out>/rendered/<release>/ belongs to the chart plan.json names for that release; elsewhere an entry
 * matches its object and policy whatever the chart.
 *
 * Exit 0: no mandatory violation; 1: mandatory violations; 2: bad usage or unreadable input.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { PolicyResource, Violation, profiles, runPolicies } from "../policies/engine";
import { Io, consoleIo } from "../planner/cli/io";
import { ChartException, EXCEPTIONS_FILE, findException, readExceptions } from "../planner/checks/exceptions";
import { chartOf } from "../planner/render/charts";
import { clusterScopedKindsOf, withNamespace } from "../planner/checks/scope";

export class UsageError extends Error {}

export const USAGE = "usage: npm run policy -- check <file-or-dir>... [--profile <name>] [--exceptions <file>] [--json]";

/** Pulumi type token of a manifest: `v1` Pod -> kubernetes:core/v1:Pod, `apps/v1` -> kubernetes:apps/v1:Deployment. */
export function typeToken(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

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

export interface CheckArgs { paths: string[]; profile?: string; exceptions?: string; json: boolean }

export function parseArgs(argv: string[]): CheckArgs {
    const [command, ...rest] = argv;
    if (command !== "check") throw new UsageError(command === undefined ? USAGE : `unknown command "${command}"\n${USAGE}`);
    const args: CheckArgs = { paths: [], json: false };
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (a === "--json") args.json = true;
        else if (a === "--profile" || a.startsWith("--profile=")) {
            const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : rest[++i];
            if (!v) throw new UsageError(`--profile needs a value (one of ${profiles.join(", ")})`);
            if (!profiles.includes(v)) throw new UsageError(`unknown profile "${v}" (one of ${profiles.join(", ")})`);
            args.profile = v;
        } else if (a === "--exceptions" || a.startsWith("--exceptions=")) {
            const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : rest[++i];
            if (!v) throw new UsageError(`--exceptions needs a file (such as ${EXCEPTIONS_FILE})`);
            args.exceptions = v;
        } else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}\n${USAGE}`);
        else args.paths.push(a);
    }
    if (args.paths.length === 0) throw new UsageError(`no file or directory given\n${USAGE}`);
    return args;
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


/** Runs the CLI; returns the exit code (never throws, never prints a stack trace). */
export function main(argv: string[], io: Io = consoleIo): number {
    if (argv.includes("--help") || argv.includes("-h")) {
        io.out(`${USAGE}\n\nChecks Kubernetes YAML files (or directories of them) against the policy pack's rules.\nProfiles: ${profiles.join(", ")}. Exit 0 no mandatory violation, 1 violations, 2 bad usage or input.`);
        return 0;
    }
    try {
        const args = parseArgs(argv);
        let exceptions: ChartException[] | undefined;
        if (args.exceptions) {
            try {
                exceptions = readExceptions(args.exceptions);
            } catch (e) {
                throw new UsageError(`--exceptions ${(e as Error).message.replace(/^ENOENT: no such file or directory, open '([^']*)'$/, "$1: no such file")}`);
            }
        }
        const files = collectFiles(args.paths);
        const resources = files.flatMap(loadManifests);
        inRenderedNamespaces(resources);
        let violations = runPolicies(resources, { profile: args.profile });
        let accepted: number | undefined;
        if (exceptions) ({ left: violations, accepted } = applyExceptions(violations, exceptions));
        if (args.json) {
            io.out(JSON.stringify(violations.map((v) => ({
                file: v.file ?? null, kind: v.kind ?? null, name: v.name, policy: v.policy, profile: v.profile, level: v.level, message: v.message,
            })), null, 2));
        } else {
            io.out(formatText(violations, files.length, resources.length) + (accepted === undefined ? "" : ` (${accepted} accepted by ${args.exceptions})`));
        }
        return violations.some((v) => v.level === "mandatory") ? 1 : 0;
    } catch (e) {
        io.err(`policy: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
    }
}

export const run = main;

if (require.main === module) process.exit(main(process.argv.slice(2)));
