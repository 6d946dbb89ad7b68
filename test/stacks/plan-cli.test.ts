import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { planCli } from "../../scripts/lib/cli";
import { ROOT } from "../../scripts/lib/plan";
import { CHARTS_DIR, leaksNoSecret, planWithSecrets } from "../harness";
import { exitCode } from "../../scripts/lib/cli";
import { writePlanOutputs } from "../../scripts/lib/outputs";

async function run(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await planCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-plan-"));
function configFile(name: string, text: string): string {
    const f = path.join(tmp, `${name}.yaml`);
    fs.writeFileSync(f, text);
    return f;
}
const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");

describe("plan command", () => {
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("with --charts, renders every release into rendered/<release>/<Kind>-<name>.yaml and prints objects, images and exceptions per release", async () => {
        const outDir = path.join(tmp, "out-dev-rendered");
        const r = await run(["dev", "--charts", CHARTS_DIR, "--out", outDir]);
        assert.strictEqual(r.code, 0, r.err + r.out);
        const plan = JSON.parse(fs.readFileSync(path.join(outDir, "plan.json"), "utf8"));
        const releases = plan.resources.filter((x: any) => x.type === "kubernetes:helm.sh/v3:Release").map((x: any) => x.inputs.name).sort();
        assert.deepStrictEqual(fs.readdirSync(path.join(outDir, "rendered")).sort(), releases);
        assert.ok(fs.existsSync(path.join(outDir, "rendered", "istiod", "Deployment-istiod.yaml")));
        assert.ok(r.out.includes(`Rendered with helm from ${CHARTS_DIR} (--charts), Kubernetes 1.33`), r.out);
        assert.match(r.out, /release\s+chart\s+objects images exceptions/);
        for (const name of releases) assert.match(r.out, new RegExp(`^  ${name}\\s+\\S+-\\d[\\w.]*\\s+\\d+\\s+\\d+\\s+\\d+$`, "m"));
    });

    it("without any chart archive, says so once and still writes everything else (exit 0)", async () => {
        const empty = fs.mkdtempSync(path.join(tmp, "charts-"));
        const outDir = path.join(tmp, "out-dev-nocharts");
        const r = await run(["dev", "--charts", empty, "--out", outDir]);
        assert.strictEqual(r.code, 0, r.err);
        assert.strictEqual(r.out.split("\n").filter((l) => /no chart archive/.test(l)).length, 1, r.out);
        assert.ok(!fs.existsSync(path.join(outDir, "rendered")) || fs.readdirSync(path.join(outDir, "rendered")).every((d) => fs.readdirSync(path.join(outDir, "rendered", d)).length === 0));
        for (const f of ["plan.json", "airgap.json", "graph.mmd"]) assert.ok(fs.existsSync(path.join(outDir, f)), f);
    });

    it("exits 1 when an image comes from outside kubechat:registry, a chart fails to render from its archive, or chart output breaks a mandatory policy", () => {
        const rendering = (outside: number, error?: string, violations: { level: string }[] = []): any => ({
            source: {}, render: { releases: [{ error, problems: [] }] },
            checks: { violations, outsideRegistry: Array.from({ length: outside }, () => ({ image: "docker.io/x:1", object: "Deployment a/b" })) },
        });
        assert.strictEqual(exitCode(0, rendering(0)), 0);
        assert.strictEqual(exitCode(0, rendering(1)), 1);
        assert.strictEqual(exitCode(0, rendering(0, "Error: template: x")), 1);
        assert.strictEqual(exitCode(0, rendering(0, "no archive /c/x-1.tgz")), 0);
        // A mandatory violation in chart output that no exception covers fails like one in our objects.
        assert.strictEqual(exitCode(0, rendering(0, undefined, [{ level: "mandatory" }])), 1);
        assert.strictEqual(exitCode(0, rendering(0, undefined, [{ level: "advisory" }])), 0);
        assert.strictEqual(exitCode(1, undefined), 1);
    });

    it("plans the dev stack and writes plan.json, manifests/, airgap.json and graph.mmd", async () => {
        const outDir = path.join(tmp, "out-dev");
        const r = await run(["dev", "--out", outDir]);
        assert.strictEqual(r.code, 0, r.err);
        assert.match(r.out, /Plan of kubechat\/dev/);
        assert.match(r.out, /Policies \(advisory\)/);
        const plan = JSON.parse(fs.readFileSync(path.join(outDir, "plan.json"), "utf8"));
        assert.strictEqual(plan.stack, "dev");
        for (const r of plan.resources) {
            for (const k of ["urn", "type", "name", "parent", "custom", "provider", "dependencies", "inputs", "protect", "retainOnDelete", "ignoreChanges"]) assert.ok(k in r, `${r.urn} lacks ${k}`);
        }
        assert.ok(fs.readdirSync(path.join(outDir, "manifests")).length > 0);
        const airgap = JSON.parse(fs.readFileSync(path.join(outDir, "airgap.json"), "utf8"));
        assert.ok(Array.isArray(airgap.images) && Array.isArray(airgap.charts));
        assert.match(fs.readFileSync(path.join(outDir, "graph.mmd"), "utf8"), /^flowchart LR/);
    });

    const bad: [string, string, RegExp][] = [
        ["wrong type", dev.replace("zones: 1", "zones: three"), /kubechat:cluster\.zones: must be a number/],
        ["out-of-range number", dev.replace("instances: 1", "instances: 0"), /kubechat:postgres\.instances: must be >= 1/],
        ["unknown key", dev.replace("kubechat:persistent: false", "kubechat:persistent: false\n  kubechat:colour: blue"), /kubechat:colour: unknown key/],
        ["invalid enum value", dev.replace("strategy: rolling", "strategy: big-bang"), /kubechat:delivery\.strategy: must be one of: rolling, canary, blueGreen/],
        ["unparsable YAML", dev.replace("  kubechat:app:\n", "  kubechat:app: [\n"), /bad\.yaml:\d+:\d+: invalid YAML/],
    ];
    for (const [what, text, message] of bad) {
        it(`exits 2 naming the key for ${what}`, async () => {
            const r = await run(["dev", "--config-file", configFile(what === "unparsable YAML" ? "bad" : what.replace(/ /g, "-"), text), "--out", path.join(tmp, "o")]);
            assert.strictEqual(r.code, 2);
            assert.match(r.err, message);
            assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
        });
    }

    it("never writes a secret in plain text: secret config shows as [secret] in plan.json and manifests", async () => {
        const plan = await planWithSecrets();
        const outDir = path.join(tmp, "out-secrets");
        writePlanOutputs(plan, outDir);
        const files = [path.join(outDir, "plan.json"), ...fs.readdirSync(path.join(outDir, "manifests"), { recursive: true }).map(String).map((f) => path.join(outDir, "manifests", f)).filter((f) => fs.statSync(f).isFile())];
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            assert.ok(leaksNoSecret(text), `a secret in ${f}`);
        }
        assert.match(fs.readFileSync(path.join(outDir, "plan.json"), "utf8"), /"kubeconfig": "\[secret\]"/);
    });

    it("exits 2 on usage errors", async () => {
        assert.strictEqual((await run([])).code, 2);
        assert.strictEqual((await run(["nosuchstack"])).code, 2);
        assert.strictEqual((await run(["dev", "--frobnicate"])).code, 2);
    });

    it("as a process: exit code 2 and a one-line reason, no stack trace", () => {
        const f = configFile("proc", dev.replace("instances: 1", "instances: -4"));
        const p = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts/plan.ts"), "dev", "--config-file", f, "--out", path.join(tmp, "p")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } });
        assert.strictEqual(p.status, 2, p.stderr);
        assert.match(p.stderr, /kubechat:postgres\.instances: must be >= 1/);
        assert.doesNotMatch(p.stderr, /\n\s+at /);
    });
});
