import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../planner/root";

const json = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, f), "utf8"));
/** The lowest Node major a `>=N` engines range admits. */
const minMajor = (range: string) => Number(/^>=\s*(\d+)/.exec(range)?.[1] ?? NaN);

describe("supported Node versions are stated truthfully", () => {
    const engines: string = json("package.json").engines?.node;

    it("package.json engines is at least what every installed @pulumi package declares", () => {
        assert.ok(engines, "package.json declares engines.node");
        for (const dep of Object.keys(json("package.json").dependencies).filter((d) => d.startsWith("@pulumi/"))) {
            const theirs = json(`node_modules/${dep}/package.json`).engines?.node;
            if (theirs) assert.ok(minMajor(engines) >= minMajor(theirs), `${dep} requires node ${theirs}, package.json says ${engines}`);
        }
        assert.strictEqual(json("policies/package.json").engines?.node, engines, "the policy pack states the same");
    });

    it("every workflow sets up a supported LTS Node (even major, within engines)", () => {
        const dir = path.join(ROOT, ".github/workflows");
        let found = 0;
        for (const f of fs.readdirSync(dir)) {
            const wf = YAML.parse(fs.readFileSync(path.join(dir, f), "utf8"));
            for (const job of Object.values<any>(wf.jobs)) {
                for (const s of job.steps ?? []) {
                    if (!String(s.uses).startsWith("actions/setup-node@")) continue;
                    found++;
                    const v = Number(s.with?.["node-version"]);
                    assert.ok(v >= minMajor(engines) && v % 2 === 0, `${f}: node-version ${s.with?.["node-version"]}`);
                }
            }
        }
        assert.ok(found > 0);
    });

    it("the README names the supported versions", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.match(readme, new RegExp(`Node\\.js ${minMajor(engines)}\\b`));
        assert.doesNotMatch(readme, /Node\.js 20\b/);
    });
});

describe("the project runs on the Node.js @pulumi/pulumi requires (devDependency node, scripts/run.js)", () => {
    const { tooOld, engines } = require("../../scripts/run") as { tooOld(v: string, e: string): string | undefined; engines(): string };
    const min = minMajor(engines());

    it("the devDependency node is the major engines.node asks for", () => {
        assert.strictEqual(Number(json("package.json").devDependencies.node.split(".")[0]), min);
    });

    it("npm test runs on it, and so does the node a script started by npm finds on PATH", () => {
        assert.ok(Number(process.versions.node.split(".")[0]) >= min, `mocha runs on ${process.version}`);
        // What scripts/run.js, scripts/test.sh, test/real/tools/*.sh and test/ha/*.sh get: `node` from PATH.
        const r = spawnSync("bash", ["-c", "node -p process.versions.node"], { cwd: ROOT, encoding: "utf8", env: process.env });
        assert.ok(Number(r.stdout.split(".")[0]) >= min, `node on PATH is ${r.stdout.trim()} ${r.stderr}`);
    });

    it("an older Node stops with the fix (exit 2), in run.js and in every shell script npm starts", () => {
        assert.strictEqual(tooOld(`v${min}.0.0`, engines()), undefined);
        assert.match(tooOld("v20.20.2", engines()) ?? "", new RegExp(`needs Node.js ${min} or newer .*v20\\.20\\.2 runs here.*npm run .*node_modules/\\.bin`));
        for (const script of ["scripts/test.sh", "test/real/run.sh", "test/ha/drill.sh"]) {
            assert.match(fs.readFileSync(path.join(ROOT, script), "utf8"), /^node scripts\/run\.js --check-node \|\| exit 2/m, script);
        }
        assert.match(fs.readFileSync(path.join(ROOT, "scripts/run.js"), "utf8"), /function main\(\) \{\n\s+requireSupportedNode\(\);/);
    });
});

describe("scripts/run.js drops compiled files whose source is gone", () => {
    it("lists a compiled module whose .ts was moved into a folder, and nothing that still has its source", () => {
        const { orphans } = require("../../scripts/run") as { orphans(root: string, out: string): string[] };
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-run-"));
        try {
            const out = path.join(root, ".build", "js");
            const write = (f: string) => {
                fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
                fs.writeFileSync(path.join(root, f), "");
            };
            for (const f of ["components/config/index.ts", "components/catalog.ts", ".build/js/components/config.js", ".build/js/components/config/index.js", ".build/js/components/catalog.js"]) write(f);
            assert.deepStrictEqual(orphans(root, out), [path.join(out, "components", "config.js")]);
            assert.deepStrictEqual(orphans(root, path.join(root, "no-build-yet")), []);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
