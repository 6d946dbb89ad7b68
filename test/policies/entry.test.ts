/**
 * The pack's entry (policies/entry.js): under the ts-node hook @pulumi/pulumi's run-policy-pack registers
 * (type-checking on), the pack's own files load transpiled, without a type check at every command.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** What run-policy-pack does before it requires the pack (@pulumi/pulumi cmd/run-policy-pack/run.js). */
const RUNNER = `
const tsn = require(${JSON.stringify(require.resolve("ts-node", { paths: [ROOT] }))});
tsn.register({ typeCheck: true, skipProject: true, compilerOptions: { target: "ES2020", module: "commonjs", moduleResolution: "node" } });
console.log(JSON.stringify(require(process.argv[1])));
`;

function load(target: string): { status: number | null; out: string } {
    const r = spawnSync(process.execPath, ["-e", RUNNER, target], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") } });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("policy pack entry: no type check at start-up", function () {
    this.timeout(60000);
    let dir: string;
    before(() => {
        // A pack with a type error the runner's hook would refuse, and the real entry beside it.
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-entry-"));
        fs.copyFileSync(path.join(ROOT, "policies", "entry.js"), path.join(dir, "entry.js"));
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ main: "entry.js" }));
        fs.writeFileSync(path.join(dir, "index.ts"), 'import { part } from "./part";\nexport const n: number = part;\n');
        fs.writeFileSync(path.join(dir, "part.ts"), 'export const part: string = "transpiled";\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the pack's package.json names the entry", () => {
        assert.strictEqual(JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "package.json"), "utf8")).main, "entry.js");
    });

    it("through the entry, the pack's files load without being type-checked", () => {
        const r = load(dir);
        assert.strictEqual(r.status, 0, r.out);
        assert.deepStrictEqual(JSON.parse(r.out.trim().split("\n").pop()!), { n: "transpiled" });
    });

    it("without it, the runner's hook type-checks them (the cost the entry avoids)", () => {
        const r = load(path.join(dir, "index.ts"));
        assert.notStrictEqual(r.status, 0);
        assert.match(r.out, /TS2322|not assignable/);
    });
});
