/**
 * Offline plans for the real test tiers: `npm run plan` run as a child process (the mock runtime is
 * process-global, and the preview runs the program for real) into a temp --out, once per stack, with
 * every chart rendered from the vendored charts/.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

export const ROOT = path.resolve(__dirname, "..", "..");
/** The pinned chart archives vendored in the repository, rendered into <out>/rendered/. */
export const CHARTS = path.join(ROOT, "charts");

export interface StackPlan {
    stack: string;
    out: string;
    /** plan.json as written by `npm run plan`. */
    plan: { project: string; stack: string; resources: { urn: string; type: string; custom: boolean; parent: string | null }[] };
    /** Exit code of the plan (1 = mandatory policy violations, still written). */
    code: number;
}

const cache = new Map<string, StackPlan>();
let tmpRoot: string | undefined;

/** The plan of a stack, written under a temp dir (removed by cleanupPlans). */
export function planOf(stack: string): StackPlan {
    const hit = cache.get(stack);
    if (hit) return hit;
    tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-real-plans-"));
    const out = path.join(tmpRoot, stack);
    let code = 0;
    try {
        execFileSync(process.execPath, [path.join(ROOT, "scripts", "run.js"), path.join(ROOT, "cmd", "plan.ts"), stack, "--out", out, "--charts", CHARTS], {
            cwd: ROOT,
            stdio: ["ignore", "ignore", "pipe"],
            encoding: "utf8",
        });
    } catch (e) {
        const err = e as { status?: number; stderr?: string };
        if (err.status !== 1) throw new Error(`npm run plan -- ${stack} failed (${err.status}): ${err.stderr}`);
        code = 1;
    }
    const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
    const res = { stack, out, plan, code };
    cache.set(stack, res);
    return res;
}

export function cleanupPlans(): void {
    if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
    tmpRoot = undefined;
    cache.clear();
}

export interface ManifestObject {
    /** File it came from, relative to the plan's out dir (e.g. manifests/app/Deployment-x.yaml). */
    file: string;
    object: any;
}

function yamlFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []))
        .sort();
}

/** Every Kubernetes object under <out>/<sub> (manifests/ or rendered/), one per YAML document. */
export function objectsUnder(p: StackPlan, sub: string): ManifestObject[] {
    return yamlFiles(path.join(p.out, sub)).flatMap((f) =>
        YAML.parseAllDocuments(fs.readFileSync(f, "utf8"), { version: "1.1" })
            .map((d) => d.toJS({ maxAliasCount: -1 }))
            .filter((o) => o && typeof o === "object" && o.kind && o.apiVersion)
            .map((object) => ({ file: path.relative(p.out, f), object })),
    );
}
