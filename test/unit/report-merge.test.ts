/** The real tiers' JSON reports: parts written by separate processes at the same time all survive. */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mergeReport, withLock, withLockAsync } from "../real/tools/report-file";

const ROOT = path.resolve(__dirname, "..", "..");

describe("real-tier reports (test/real/tools/report-file.ts)", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-report-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("mergeReport merges into a key path and keeps what was there", () => {
        const file = path.join(dir, "r.json");
        mergeReport(file, ["stacks", "dev"], { a: 1 });
        mergeReport(file, ["stacks", "dev"], { b: 2 });
        mergeReport(file, ["stacks", "prod"], { a: 3 });
        const r = JSON.parse(fs.readFileSync(file, "utf8"));
        assert.deepStrictEqual(r.stacks, { dev: { a: 1, b: 2 }, prod: { a: 3 } });
        assert.ok(typeof r.generatedAt === "string");
        assert.ok(!fs.existsSync(`${file}.lock`), "the lock is released");
    });

    it("concurrent writers in separate processes lose no entry", async function () {
        this.timeout(30000);
        const file = path.join(dir, "r.json");
        const script = `const { mergeReport } = require(${JSON.stringify(path.join(ROOT, "test", "real", "tools", "report-file.ts"))});
            for (let i = 0; i < 100; i++) mergeReport(${JSON.stringify(file)}, ["w" + process.argv[1]], { ["k" + i]: i });`;
        const runs = [0, 1].map((w) => new Promise<number | null>((resolve) => {
            const p = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script, String(w)], { cwd: ROOT, stdio: "inherit" });
            p.once("exit", resolve);
        }));
        assert.deepStrictEqual(await Promise.all(runs), [0, 0]);
        const r = JSON.parse(fs.readFileSync(file, "utf8"));
        for (const w of [0, 1]) assert.strictEqual(Object.keys(r[`w${w}`]).length, 100, `writer ${w}'s entries`);
    });

    it("withLock waits for a held lock and gives up after its timeout naming it", () => {
        const lock = path.join(dir, "x.lock");
        fs.mkdirSync(lock);
        assert.throws(() => withLock(lock, () => 1, 100), /EEXIST/);
        fs.rmdirSync(lock);
        assert.strictEqual(withLock(lock, () => 7), 7);
    });

    it("withLockAsync: holders never overlap, and a held lock is given up on naming it", async () => {
        const lock = path.join(dir, "a.lock");
        const spans: [number, number][] = [];
        const hold = () => withLockAsync(lock, async () => {
            const start = Date.now();
            await new Promise((r) => setTimeout(r, 30));
            spans.push([start, Date.now()]);
        }, 5000, 5);
        await Promise.all([hold(), hold(), hold()]);
        spans.sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `holders overlapped: ${JSON.stringify(spans)}`);
        fs.mkdirSync(lock);
        await assert.rejects(withLockAsync(lock, async () => 1, 50, 5), /a\.lock still held/);
        fs.rmdirSync(lock);
    });
});

