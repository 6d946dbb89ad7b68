/**
 * The worker thread that runs Helm processes for planner/render/helm-runs.ts. It has its own event loop,
 * so a process that ends is noticed, and the next one started, while the main thread is busy loading
 * the SDKs or running the program (the main thread's loop would only notice it afterwards).
 *
 * At most `slots` processes at once; a free slot goes to the costliest waiting run. Each process writes
 * its output into the files it is given (never a pipe that could fill up) and runs at a lower CPU
 * priority than the plan's own thread, which is the critical path: Helm takes the spare core, not the
 * plan's. Messages: in `{ run }` and `{ stop: id }`; out `{ id, code }` when a run ends or is stopped
 * (code -1 for stopped, 127 when the binary cannot be started).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { parentPort, workerData } from "worker_threads";

export interface WorkerRun {
    id: number;
    binary: string;
    args: string[];
    /** Larger runs start first. */
    cost: number;
    stdout: string;
    stderr: string;
}

export type ToWorker = { run: WorkerRun } | { stop: number };
export interface FromWorker {
    id: number;
    code: number;
    /** The most Helm processes that ran at once so far. */
    maxRunning: number;
}

/** How much lower than the plan's thread Helm runs (nice increment). */
const NICE = 10;

if (parentPort) {
    const port = parentPort;
    let free: number = workerData.slots;
    const waiting: WorkerRun[] = [];
    const running = new Map<number, ChildProcess>();
    let maxRunning = 0;
    const done = (id: number, code: number) => port.postMessage({ id, code, maxRunning } satisfies FromWorker);

    const next = () => {
        while (free > 0 && waiting.length > 0) {
            const run = waiting.shift()!;
            free--;
            const fds = [fs.openSync(run.stdout, "w"), fs.openSync(run.stderr, "w")];
            let child: ChildProcess;
            try {
                child = spawn(run.binary, run.args, { stdio: ["ignore", fds[0], fds[1]], env: { ...process.env, HELM_NO_PLUGINS: "1" } });
            } finally {
                fds.forEach((fd) => fs.closeSync(fd));
            }
            if (child.pid !== undefined) {
                try {
                    os.setPriority(child.pid, Math.min(19, os.getPriority(0) + NICE));
                } catch {
                    // Not allowed here: it only runs at the same priority.
                }
            }
            running.set(run.id, child);
            maxRunning = Math.max(maxRunning, running.size);
            let ended = false;
            const end = (code: number) => {
                if (ended) return;
                ended = true;
                running.delete(run.id);
                free++;
                done(run.id, code);
                next();
            };
            child.on("error", () => end(127));
            child.on("exit", (code) => end(code ?? -1));
        }
    };

    port.on("message", (m: ToWorker) => {
        if ("run" in m) {
            waiting.push(m.run);
            waiting.sort((a, b) => b.cost - a.cost);
            next();
        } else {
            const i = waiting.findIndex((r) => r.id === m.stop);
            if (i >= 0) {
                waiting.splice(i, 1);
                done(m.stop, -1);
            }
            running.get(m.stop)?.kill();
        }
    });
}
