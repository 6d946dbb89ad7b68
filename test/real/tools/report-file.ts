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

/**
 * Runs `fn` holding a lock directory (mkdir is atomic): test:apply's two groups run in separate
 * processes and write the same report, and a read-modify-write must not lose the other's entry.
 */
export function withLock<T>(lock: string, fn: () => T, timeoutMs = 30000): T {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST" || Date.now() > deadline) throw e;
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        }
    }
    try {
        return fn();
    } finally {
        fs.rmdirSync(lock);
    }
}
