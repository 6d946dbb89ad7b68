import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run as planCli } from "../../cmd/plan";
import { ROOT } from "../../planner/root";
import { UsageError } from "../../planner/cli/args";
import { MARKER, outDirProblem, prepareOutDir } from "../../planner/output/outdir";

async function run(argv: string[], cwd?: string) {
    const out: string[] = [];
    const err: string[] = [];
    const before = process.cwd();
    if (cwd) process.chdir(cwd);
    try {
        const code = await planCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
        return { code, out: out.join("\n"), err: err.join("\n") };
    } finally {
        process.chdir(before);
    }
}

/** A usage refusal: exit 2, one clear line, no stack trace. */
function refused(r: { code: number; err: string }, reason: RegExp) {
    assert.strictEqual(r.code, 2, r.err);
    assert.match(r.err, reason);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
}

// Every test works in a temp dir: a broken refusal must never be able to clear the checkout.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-out-"));
const listing = (d: string) => fs.readdirSync(d).sort();

describe("plan --out: never deletes what plan did not create", () => {
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("refuses a non-empty directory it did not create, and leaves it untouched", async () => {
        const dir = path.join(tmp, "mine");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "thesis.tex"), "years of work");
        const r = await run(["dev", "--out", dir]);
        refused(r, /is not empty and was not created by npm run plan/);
        assert.deepStrictEqual(listing(dir), ["thesis.tex"]);
        assert.throws(() => prepareOutDir(dir), UsageError);
        assert.strictEqual(fs.readFileSync(path.join(dir, "thesis.tex"), "utf8"), "years of work");
    });

    it("refuses --out . (the current directory) with exit 2", async () => {
        const cwd = path.join(tmp, "cwd");
        fs.mkdirSync(path.join(cwd, "sub"), { recursive: true });
        fs.writeFileSync(path.join(cwd, "keep.txt"), "x");
        refused(await run(["dev", "--out", "."], cwd), /--out \.: refusing to write into the current directory/);
        assert.deepStrictEqual(listing(cwd), ["keep.txt", "sub"]);
    });

    it("refuses --out .. (a parent of the current directory) with exit 2", async () => {
        const cwd = path.join(tmp, "cwd", "sub");
        refused(await run(["dev", "--out", ".."], cwd), /--out \.\.: refusing to write into the current directory or a parent of it/);
        assert.deepStrictEqual(listing(path.join(tmp, "cwd")), ["keep.txt", "sub"]);
    });

    it("refuses the checkout root and its parents (checked without running a plan)", () => {
        // Started from "/", so the current directory is never inside the checkout's parent (a checkout
        // cloned under the temp dir would make that parent the current directory's too).
        assert.match(outDirProblem(ROOT, "/") ?? "", /refusing to write into the checkout root/);
        assert.match(outDirProblem(path.dirname(ROOT), "/") ?? "", /the checkout root or a parent of it/);
        assert.match(outDirProblem("/", tmp) ?? "", /refusing to write into/);
        // The default out/<stack> inside the checkout is fine.
        assert.strictEqual(outDirProblem(path.join(ROOT, "out", "dev"), tmp), undefined);
    });

    it("refuses a file path with exit 2 and leaves the file alone", async () => {
        const file = path.join(tmp, "plan.txt");
        fs.writeFileSync(file, "not a directory");
        refused(await run(["dev", "--out", file]), /is a file, not a directory/);
        assert.strictEqual(fs.readFileSync(file, "utf8"), "not a directory");
    });

    it("creates a new directory with a marker, and replaces only such a directory's contents on the next plan", async () => {
        const dir = path.join(tmp, "new", "plan");
        assert.strictEqual((await run(["dev", "--out", dir])).code, 0);
        assert.ok(fs.existsSync(path.join(dir, MARKER)));
        assert.ok(fs.existsSync(path.join(dir, "plan.json")));
        const first = listing(dir);
        fs.writeFileSync(path.join(dir, "stale.yaml"), "from an older plan");
        fs.mkdirSync(path.join(dir, "manifests", "old-namespace"));
        fs.writeFileSync(path.join(dir, "manifests", "old-namespace", "Pod-x.yaml"), "from an older plan");
        const inode = fs.statSync(path.join(dir, "plan.json")).ino;
        assert.strictEqual((await run(["dev", "--out", dir])).code, 0);
        assert.deepStrictEqual(listing(dir), first, "what the older plan left is gone");
        assert.ok(!fs.existsSync(path.join(dir, "manifests", "old-namespace")));
        assert.strictEqual(fs.statSync(path.join(dir, "plan.json")).ino, inode, "a file both plans write is rewritten in place");
    });

    it("uses an existing empty directory", () => {
        const dir = path.join(tmp, "empty");
        fs.mkdirSync(dir);
        prepareOutDir(dir);
        assert.deepStrictEqual(listing(dir), [MARKER]);
    });
});
