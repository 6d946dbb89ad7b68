/** The real tiers' JSON reports, which several checks (and processes) of one run write part by part. */
import * as fs from "fs";
import * as path from "path";

/**
 * Merges `fields` into the object at `at` (a key path) of a JSON report, creating what is missing, and
 * stamps the report's `generatedAt`: several checks of one run each write their part.
 */
export function mergeReport(file: string, at: string[], fields: object): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    withLock(`${file}.lock`, () => {
        const report = (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {}) as Record<string, unknown>;
        let node = report;
        for (const k of at) node = (node[k] ??= {}) as Record<string, unknown>;
        Object.assign(node, fields);
        fs.writeFileSync(file, JSON.stringify({ ...report, generatedAt: new Date().toISOString() }, null, 2) + "\n");
    });
}

/** One attempt at a lock directory (mkdir is atomic): true when taken; false when another holds it. */
function tryLock(lock: string): boolean {
    try {
        fs.mkdirSync(lock);
        return true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        return false;
    }
}

function gaveUp(lock: string, timeoutMs: number): Error {
    return Object.assign(new Error(`EEXIST: ${lock} still held after ${timeoutMs} ms`), { code: "EEXIST" });
}

/**
 * Runs `fn` holding a lock directory: test:apply's two groups run in separate processes and write the
 * same report, and a read-modify-write must not lose the other's entry.
 */
export function withLock<T>(lock: string, fn: () => T, timeoutMs = 30000): T {
    const deadline = Date.now() + timeoutMs;
    while (!tryLock(lock)) {
        if (Date.now() > deadline) throw gaveUp(lock, timeoutMs);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    try {
        return fn();
    } finally {
        fs.rmdirSync(lock);
    }
}

/** withLock for long asynchronous work: the wait polls without blocking the event loop. */
export async function withLockAsync<T>(lock: string, fn: () => Promise<T>, timeoutMs: number, pollMs = 500): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (!tryLock(lock)) {
        if (Date.now() > deadline) throw gaveUp(lock, timeoutMs);
        await new Promise((r) => setTimeout(r, pollMs));
    }
    try {
        return await fn();
    } finally {
        fs.rmdirSync(lock);
    }
}
