import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { run as gitopsRender } from "../../cmd/gitops-render";
import { GITOPS_OUT } from "../../planner/gitops/render";
import { MARKER } from "../../planner/output/outdir";
import { manifestPath } from "../../planner/output/plan-files";
import { ROOT } from "../../planner/root";
import { GITOPS, planStack } from "../harness";

async function run(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await gitopsRender(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Every file below a directory, relative. */
function files(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

// Temp dirs only: a broken refusal must never be able to clear anything that matters.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-gitops-"));
const configFile = path.join(tmp, "Pulumi.staging-gitops.yaml");
fs.writeFileSync(configFile, fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8") + `\n  kubechat:gitops: ${JSON.stringify(GITOPS.gitops)}\n`);

describe("npm run gitops:render", () => {
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("refuses a non-empty directory it did not create (also one plan created), before planning, and touches nothing", async () => {
        const mine = path.join(tmp, "repo");
        fs.mkdirSync(mine);
        fs.writeFileSync(path.join(mine, "README.md"), "our deploy repo");
        const fromPlan = path.join(tmp, "plan-out");
        fs.mkdirSync(fromPlan);
        fs.writeFileSync(path.join(fromPlan, MARKER), "");
        for (const dir of [mine, fromPlan]) {
            const r = await run(["staging", "--config-file", configFile, "--out", dir]);
            assert.strictEqual(r.code, 2, r.err);
            assert.match(r.err, /is not empty and was not created by npm run gitops:render/);
        }
        assert.deepStrictEqual(fs.readdirSync(mine), ["README.md"]);
        assert.deepStrictEqual(fs.readdirSync(fromPlan), [MARKER]);
        assert.strictEqual((await run(["staging", "--config-file", configFile])).code, 2, "--out is required");
    });

    it("writes exactly the app-layer manifests the plan hands Argo CD, and rewrites only its own directory", async () => {
        const dir = path.join(tmp, "repo", "kubechat", "staging");
        const r = await run(["staging", "--config-file", configFile, "--out", dir]);
        assert.strictEqual(r.code, 0, r.err);
        assert.match(r.out, /PASS/);
        const plan = await planStack("staging", GITOPS);
        assert.deepStrictEqual(files(dir), [GITOPS_OUT.marker, ...plan.gitops.map((m) => manifestPath(m.object, m.name))].sort());
        for (const m of plan.gitops) assert.deepStrictEqual(YAML.parse(fs.readFileSync(path.join(dir, manifestPath(m.object, m.name)), "utf8")), m.object);
        // A file from an older render is removed by the next one; the repository around it is not.
        fs.writeFileSync(path.join(dir, "_cluster", "ClusterRole-removed-service.yaml"), "kind: ClusterRole\n");
        assert.strictEqual((await run(["staging", "--config-file", configFile, "--out", dir])).code, 0);
        assert.ok(!fs.existsSync(path.join(dir, "_cluster", "ClusterRole-removed-service.yaml")));
        assert.deepStrictEqual(fs.readdirSync(path.join(tmp, "repo")).sort(), ["README.md", "kubechat"]);
    });
});
