import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { run as planCli } from "../../cmd/plan";
import { ROOT } from "../../planner/root";
import { CHARTS_DIR, leaksNoSecret, planStack, planWithSecrets } from "../harness";
import { exitCode } from "../../planner/plan-stack";
import { INCOMPLETE, planFiles, writeOwnFiles, writePlanFiles } from "../../planner/output/plan-files";

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

    /** An --out directory an earlier plan wrote (marker and a plan.json), to show a failed plan leaves it as it was. */
    function earlierOut(name: string): { dir: string; unchanged(): void } {
        const dir = path.join(tmp, name);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, ".kubechat-plan"), "earlier\n");
        fs.writeFileSync(path.join(dir, "plan.json"), "{\"stack\": \"earlier\"}\n");
        return { dir, unchanged: () => assert.deepStrictEqual(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]), [[".kubechat-plan", "earlier\n"], ["plan.json", "{\"stack\": \"earlier\"}\n"]]) };
    }

    it("--charts at an empty folder, a file or nothing: exit 2 with the reason, --out left as it was", async () => {
        const empty = fs.mkdtempSync(path.join(tmp, "charts-"));
        const file = path.join(tmp, "charts-file.tgz");
        fs.writeFileSync(file, "x");
        const out = earlierOut("out-bad-charts");
        for (const [charts, reason] of [[empty, /no chart archive \(<chart>-<version>\.tgz\) in it/], [file, /not a directory/], [path.join(tmp, "nope"), /no such directory/]] as const) {
            const r = await run(["dev", "--charts", charts, "--out", out.dir]);
            assert.strictEqual(r.code, 2, r.out);
            assert.ok(r.err.startsWith(`error: --charts ${charts}: `), r.err);
            assert.match(r.err, reason);
        }
        out.unchanged();
    });

    it("a damaged or renamed chart archive: exit 2 naming each file and why, before anything is written", async () => {
        const dir = fs.mkdtempSync(path.join(tmp, "charts-bad-"));
        for (const f of fs.readdirSync(CHARTS_DIR)) fs.copyFileSync(path.join(CHARTS_DIR, f), path.join(dir, f));
        const kps = path.join(dir, "kube-prometheus-stack-88.0.0.tgz");
        fs.writeFileSync(kps, fs.readFileSync(kps).subarray(0, 300000)); // truncated
        fs.writeFileSync(path.join(dir, "jaeger-4.11.1.tgz"), Buffer.alloc(3000, 7)); // not gzip
        fs.copyFileSync(path.join(CHARTS_DIR, "fluentd-0.5.3.tgz"), path.join(dir, "vpa-5.0.0.tgz")); // another chart under vpa's name
        const out = earlierOut("out-bad-archives");
        const r = await run(["dev", "--charts", dir, "--out", out.dir]);
        assert.strictEqual(r.code, 2, r.out);
        assert.match(r.err, /kube-prometheus-stack-88\.0\.0\.tgz: sha256 \w+… differs from .*SHA256SUMS/);
        assert.match(r.err, /jaeger-4\.11\.1\.tgz: sha256 .*; not a readable chart archive \(incorrect header check\)/);
        assert.match(r.err, /vpa-5\.0\.0\.tgz: sha256 .*; its Chart\.yaml is fluentd 0\.5\.3, not vpa 5\.0\.0/);
        assert.doesNotMatch(r.err, /istiod|\n\s+at /, "only the bad archives, no stack trace");
        out.unchanged();
    });

    it("--out through a file, a dangling link, a link loop or '': exit 2 with the reason, no trace", async () => {
        const file = path.join(tmp, "afile.txt");
        fs.writeFileSync(file, "x");
        const dangling = path.join(tmp, "dangling");
        fs.symlinkSync(path.join(tmp, "no-such-target"), dangling);
        const loop = path.join(tmp, "loop-a");
        fs.symlinkSync(path.join(tmp, "loop-b"), loop);
        fs.symlinkSync(loop, path.join(tmp, "loop-b"));
        const cases: [string, RegExp][] = [
            [path.join(file, "sub"), /a file is on the way/],
            [file, /is a file, not a directory/],
            [dangling, /is a symbolic link to .*no-such-target, which does not exist/],
            [path.join(dangling, "sub"), /is a symbolic link to .*no-such-target, which does not exist/],
            [loop, /is a symbolic link in a loop/],
            [path.join(loop, "sub"), /symbolic link loop/],
            ["", /--out: empty value/],
        ];
        for (const [out, reason] of cases) {
            const r = await run(["dev", "--out", out]);
            assert.strictEqual(r.code, 2, `${out}: ${r.err}`);
            assert.match(r.err, reason, out);
            assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
        }
    });

    it("--out /proc/x: exit 2 at once (Node's recursive mkdir never returns there)", () => {
        const code = `require("${path.join(ROOT, "planner/output/outdir")}").prepareOutDir("/proc/kubechat-x/y")`;
        const p = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], { cwd: ROOT, encoding: "utf8", timeout: 30000, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } });
        assert.strictEqual(p.signal, null, "it hung");
        assert.match(p.stderr, /--out \/proc\/kubechat-x\/y: cannot create \/proc\/kubechat-x \(ENOENT\)/);
    });

    it("a plan that stops half-way leaves INCOMPLETE in --out; one that finishes removes it", async () => {
        const outDir = path.join(tmp, "out-incomplete");
        const plan = await planStack("dev");
        const files = planFiles(outDir);
        writeOwnFiles(plan, outDir, files);
        // Stopped here (an error): what is there is marked.
        assert.match(fs.readFileSync(path.join(outDir, INCOMPLETE), "utf8"), /did not finish/);
        writePlanFiles(plan, outDir);
        assert.ok(!fs.existsSync(path.join(outDir, INCOMPLETE)));
        assert.ok(fs.existsSync(path.join(outDir, "plan.json")));
    });

    it("exits 1 when an image comes from outside kubechat:registry, a chart fails to render from its archive, or chart output breaks a mandatory policy", () => {
        const rendering = (outside: number, error?: string, violations: { level: string }[] = []): any => ({
            source: {}, render: { releases: [{ error, problems: [] }] },
            checks: { violations, outsideRegistry: Array.from({ length: outside }, () => ({ image: "docker.io/x:1", object: "Deployment a/b" })) },
        });
        assert.strictEqual(exitCode(0, rendering(0)), 0);
        assert.strictEqual(exitCode(0, rendering(1)), 1);
        assert.strictEqual(exitCode(0, rendering(0, "Error: template: x")), 1);
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
        // The line of the "[" that is never closed, not the later line where the parser noticed.
        ["unclosed flow sequence", dev.replace("    host: kubechat.localhost\n", "    host: kubechat.localhost\n    tags: [a, b\n"),
            new RegExp(`unclosed-flow-sequence\\.yaml:${dev.split("\n").indexOf("    host: kubechat.localhost") + 2}:11: invalid YAML: "\\[" opened here is never closed`)],
        ["quoted number", dev.replace("instances: 1", 'instances: "3"'), /kubechat:postgres\.instances: must be a number, not the string "3" \(write it without quotes\)/],
        ["flat dotted key (pulumi config set without --path)", dev.replace("kubechat:persistent: false", "kubechat:persistent: false\n  kubechat:postgres.instances: 2"),
            /kubechat:postgres\.instances: unknown key \(a dotted key is not a path: set it with `pulumi config set --path kubechat:postgres\.instances <value>`/],
    ];
    for (const [what, text, message] of bad) {
        it(`exits 2 naming the key for ${what}`, async () => {
            const r = await run(["dev", "--config-file", configFile(what === "unparsable YAML" ? "bad" : what.replace(/[ ()]+/g, "-"), text), "--out", path.join(tmp, "o")]);
            assert.strictEqual(r.code, 2);
            assert.match(r.err, message);
            assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
        });
    }

    it("aws:region that differs from kubechat:eks.region (the region the program deploys to) is an error; equal is fine", async () => {
        const prod = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
        const region = /^    region: (\S+)$/m.exec(prod)![1];
        assert.match(prod, new RegExp(`^  aws:region: ${region}$`, "m"), "Pulumi.prod.yaml states the same region twice");
        const r = await run(["prod", "--config-file", configFile("region", prod.replace(`aws:region: ${region}`, "aws:region: eu-north-1")), "--out", path.join(tmp, "o")]);
        assert.strictEqual(r.code, 2);
        assert.ok(r.err.includes(`aws:region: eu-north-1 differs from kubechat:eks.region ${region}, the region the program deploys to; remove aws:region or set it to ${region}`), r.err);
    });

    it("never writes a secret in plain text: secret config shows as [secret] in plan.json and manifests", async () => {
        const plan = await planWithSecrets();
        const outDir = path.join(tmp, "out-secrets");
        writePlanFiles(plan, outDir);
        const files = [path.join(outDir, "plan.json"), ...fs.readdirSync(path.join(outDir, "manifests"), { recursive: true }).map(String).map((f) => path.join(outDir, "manifests", f)).filter((f) => fs.statSync(f).isFile())];
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            assert.ok(leaksNoSecret(text), `a secret in ${f}`);
        }
        assert.match(fs.readFileSync(path.join(outDir, "plan.json"), "utf8"), /"kubeconfig": "\[secret\]"/);
    });

    it("exits 2 on usage errors; an unknown stack lists the stacks there are", async () => {
        assert.strictEqual((await run([])).code, 2);
        const unknown = await run(["nosuchstack"]);
        assert.strictEqual(unknown.code, 2);
        assert.ok(unknown.err.includes(`no stack nosuchstack: there is no Pulumi.nosuchstack.yaml (stacks: ${fs.readdirSync(ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort().join(", ")}; or pass --config-file <path>)`), unknown.err);
        assert.strictEqual((await run(["dev", "--frobnicate"])).code, 2);
    });

    it("as a process: exit code 2 and a one-line reason, no stack trace", () => {
        const f = configFile("proc", dev.replace("instances: 1", "instances: -4"));
        const p = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "cmd/plan.ts"), "dev", "--config-file", f, "--out", path.join(tmp, "p")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } });
        assert.strictEqual(p.status, 2, p.stderr);
        assert.match(p.stderr, /kubechat:postgres\.instances: must be >= 1/);
        assert.doesNotMatch(p.stderr, /\n\s+at /);
    });
});
