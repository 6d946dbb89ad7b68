/**
 * The `helm template` runs of this process.
 *
 * - At most one Helm process per core, whoever asks; a free slot goes to the costliest waiting run,
 *   since the longest job started last would set the end time.
 * - Runs are memoized by everything that decides Helm's output (binary, arguments, values, the
 *   archive's size and time): asking again joins the run under way.
 * - Helm writes into files, not pipes, so a main thread busy loading the SDKs or running the program
 *   never stalls a render that is ahead of it.
 * - Runs ahead: a plan remembers the runs it needed (node_modules/.cache/kubechat-helm/ahead.json, by
 *   stack config file and chart directory), and the next plan of the same stack starts them before it
 *   loads the SDKs. The plan still asks for every run with its real arguments and values; a run started
 *   ahead is used only when both are identical, and runs it does not ask for are stopped. A wrong guess
 *   costs time, never accuracy: every chart is rendered by Helm in every plan, from the plan's own input.
 *
 * Loads nothing heavier than Node's own modules and ./helm, so a command can start runs first thing.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { HelmResult, helmBinary } from "./helm";
import type { FromWorker, ToWorker, WorkerRun } from "./helm-worker";

/** One `helm template`: its arguments (all but the values file) and the values. */
export interface TemplateRun {
    /** `template <release> <archive> ...`; the values file is added by the runner. */
    args: string[];
    values: unknown;
    /** The chart archive the arguments name (its size and time are part of the run's identity). */
    archive: string;
}

/**
 * Runs handed to Helm (one per distinct input), runs started ahead that were stopped, and the most Helm
 * processes that ran at once (the tests read these).
 */
export const helmStats = { started: 0, stopped: 0, maxRunning: 0 };

/** The worker thread that starts the Helm processes (planner/render/helm-worker.ts), made at first use. */
let worker: Worker | undefined;
const pending = new Map<number, (code: number) => void>();
let nextId = 0;

function helmWorker(): Worker {
    if (worker) return worker;
    const file = path.join(__dirname, `helm-worker${path.extname(__filename)}`);
    // Under ts-node (tests) the worker compiles its TypeScript the same way; the plan runs the .js build.
    const w = new Worker(file, { workerData: { slots: Math.max(1, os.cpus().length) }, execArgv: file.endsWith(".ts") ? ["-r", "ts-node/register/transpile-only"] : [] });
    w.on("message", (m: FromWorker) => {
        const resolve = pending.get(m.id);
        pending.delete(m.id);
        helmStats.maxRunning = Math.max(helmStats.maxRunning, m.maxRunning);
        if (pending.size === 0) w.unref();
        resolve?.(m.code);
    });
    w.on("error", (e) => {
        for (const resolve of pending.values()) resolve(127);
        pending.clear();
        worker = undefined;
        process.emitWarning(`helm worker failed: ${e.message}`);
    });
    worker = w;
    return w;
}

/** Run Helm in the worker; resolves with its exit code (-1 when stopped). */
function inWorker(run: Omit<WorkerRun, "id">, entry: Entry): Promise<number> {
    const id = ++nextId;
    const w = helmWorker();
    w.ref();
    helmStats.started++;
    entry.stop = () => w.postMessage({ stop: id } satisfies ToWorker);
    return new Promise((resolve) => {
        pending.set(id, resolve);
        w.postMessage({ run: { id, ...run } } satisfies ToWorker);
    });
}

/** The archive's size in bytes (how long a render takes, roughly: CRD-heavy charts are the big ones), 0 when missing. */
export function archiveCost(archive: string): number {
    try {
        return fs.statSync(archive).size;
    } catch {
        return 0;
    }
}

interface Entry {
    result: Promise<HelmResult>;
    /** Started ahead and not (yet) asked for by the plan. */
    ahead: boolean;
    stop?: () => void;
}

const runs = new Map<string, Entry>();

function runKey(root: string, run: TemplateRun): string {
    let stat: fs.Stats | undefined;
    try {
        stat = fs.statSync(run.archive);
    } catch {
        stat = undefined;
    }
    return JSON.stringify([helmBinary(root), run.args, run.values, run.archive, stat?.size, stat?.mtimeMs]);
}

const STOPPED: HelmResult = { code: -1, stdout: "", stderr: "stopped: not asked for by the plan" };

/**
 * Run Helm with the values in a file and its output into files; never throws for a non-zero exit.
 * Everything up to handing the run to the worker is synchronous: a run started ahead reaches the
 * worker before the main thread goes on to load the SDKs.
 */
async function execute(root: string, run: TemplateRun, entry: Entry): Promise<HelmResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-helm-"));
    try {
        const values = path.join(dir, "values.json");
        fs.writeFileSync(values, JSON.stringify(run.values));
        const stdout = path.join(dir, "stdout");
        const stderr = path.join(dir, "stderr");
        const binary = helmBinary(root);
        const code = await inWorker({ binary, args: [...run.args, "--values", values], cost: archiveCost(run.archive), stdout, stderr }, entry);
        if (code === -1) return STOPPED;
        const [out, err] = await Promise.all([fs.promises.readFile(stdout, "utf8"), fs.promises.readFile(stderr, "utf8")]);
        return { code, stdout: out, stderr: err || (code === 127 ? `cannot run ${binary}` : "") };
    } finally {
        await fs.promises.rm(dir, { recursive: true, force: true });
    }
}

function start(root: string, run: TemplateRun, ahead: boolean): Entry {
    const key = runKey(root, run);
    let entry = runs.get(key);
    if (!entry) {
        const e: Entry = { ahead, result: Promise.resolve(STOPPED) };
        e.result = execute(root, run, e);
        runs.set(key, e);
        entry = e;
    }
    if (!ahead) entry.ahead = false;
    return entry;
}

/** `helm template` with these arguments and values: the run under way or done for the same input, or a new one. */
export function helmTemplate(root: string, run: TemplateRun): Promise<HelmResult> {
    return start(root, run, false).result;
}

/** Stop every run started ahead that nothing asked for (a guess that missed): its slot goes to the runs the plan needs. */
export function stopUnasked(): void {
    for (const [key, entry] of runs) {
        if (!entry.ahead) continue;
        entry.stop?.();
        helmStats.stopped++;
        runs.delete(key);
    }
}

const AHEAD_FILE = (root: string) => path.join(root, "node_modules", ".cache", "kubechat-helm", "ahead.json");

/** What identifies a plan's runs: the stack's config file and the chart directory it rendered from. */
export function aheadKey(configFile: string, chartDir: string | undefined): string {
    return JSON.stringify([path.resolve(configFile), chartDir ? path.resolve(chartDir) : ""]);
}

function readAhead(file: string): Record<string, TemplateRun[]> {
    try {
        const all = JSON.parse(fs.readFileSync(file, "utf8"));
        return all !== null && typeof all === "object" && !Array.isArray(all) ? all : {};
    } catch {
        return {};
    }
}

/** Start the runs the last plan with this key needed (none when there was none); returns how many started. */
export function startAhead(root: string, key: string, file = AHEAD_FILE(root)): number {
    const remembered = readAhead(file)[key];
    if (!Array.isArray(remembered)) return 0;
    // Costliest first (each archive's size read once, not in the comparator); missing archives left out.
    const ordered = remembered.map((run) => ({ run, cost: archiveCost(run.archive) })).filter((r) => r.cost > 0).sort((a, b) => b.cost - a.cost);
    for (const { run } of ordered) start(root, run, true).result.catch(() => undefined);
    return ordered.length;
}

/** Remember a plan's runs for the next plan with the same key (best effort: a lost file only costs the head start). */
export function rememberRuns(root: string, key: string, done: TemplateRun[], file = AHEAD_FILE(root)): void {
    try {
        const all = readAhead(file);
        all[key] = done;
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(all));
        fs.renameSync(tmp, file);
    } catch {
        // Only the next plan's head start is lost.
    }
}
