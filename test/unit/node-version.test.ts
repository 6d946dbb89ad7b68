import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../scripts/lib/plan";

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
