/** `npm run policy -- check`: multi-document YAML, directories, profiles, --json, exit codes. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { profiles } from "../../policies/runner";
import { run } from "../../cmd/policy";
import { applyExceptions, loadManifests } from "../../planner/checks/manifests";
import { typeToken } from "../../planner/model";
import { fixture } from "./fixtures";

async function runCli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Kubernetes objects of the compliant fixture as one multi-document YAML text. */
const docs = (objects: any[]) => objects.map((o) => stringify(o)).join("---\n");
const k8sObjects = () => Object.values(fixture()).filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.props);

/** A manifest that breaks one policy of every profile (aws has no YAML objects and stays empty). */
function brokenObjects(): any[] {
    const objs = k8sObjects();
    const deploy = objs.find((o) => o.kind === "Deployment");
    const c = deploy.spec.template.spec.containers[0];
    deploy.spec.template.spec.hostPID = true; // pss-baseline
    c.securityContext.capabilities = {}; // pss-restricted
    c.securityContext.readOnlyRootFilesystem = false; // kubechat
    objs.find((o) => o.kind === "Service").spec.type = "NodePort"; // hygiene
    objs.find((o) => o.kind === "Role").rules[0].verbs = ["*"]; // rbac
    objs.find((o) => o.kind === "NetworkPolicy").spec.egress = [{}]; // network
    return objs;
}

describe("policy check CLI", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-"));
        fs.mkdirSync(path.join(dir, "ok", "nested"), { recursive: true });
        fs.writeFileSync(path.join(dir, "ok", "nested", "all.yaml"), docs(k8sObjects()));
        fs.writeFileSync(path.join(dir, "ok", "notes.txt"), "not yaml: [");
        fs.writeFileSync(path.join(dir, "broken.yml"), `# leading comment\n---\n${docs(brokenObjects())}---\n`);
        fs.writeFileSync(path.join(dir, "bad.yaml"), "a: [1, 2\nb: }");
        fs.writeFileSync(path.join(dir, "notk8s.yaml"), "just: data\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("maps apiVersion + kind to the Pulumi type token", async () => {
        assert.strictEqual(typeToken("v1", "Pod"), "kubernetes:core/v1:Pod");
        assert.strictEqual(typeToken("apps/v1", "Deployment"), "kubernetes:apps/v1:Deployment");
        assert.strictEqual(typeToken("argoproj.io/v1alpha1", "Rollout"), "kubernetes:argoproj.io/v1alpha1:Rollout");
    });

    it("exit 0 on a compliant directory (recursed for *.yaml, other files ignored)", async () => {
        const r = await runCli("check", path.join(dir, "ok"));
        assert.strictEqual(r.code, 0, r.out + r.err);
        assert.match(r.out, /^PASS: 0 mandatory, 0 advisory violation\(s\) in 11 object\(s\) from 1 file\(s\)$/);
    });

    it("exit 1 with one line per violation and a summary", async () => {
        const r = await runCli("check", path.join(dir, "broken.yml"), path.join(dir, "ok"));
        assert.strictEqual(r.code, 1);
        const lines = r.out.split("\n");
        assert.match(lines[lines.length - 1], /^FAIL: \d+ mandatory, \d+ advisory violation\(s\) in 22 object\(s\) from 2 file\(s\)$/);
        assert.ok(lines.some((l) => l.includes("broken.yml: [mandatory] pss-host-namespaces (pss-baseline): Deployment kubechat/api-gateway: spec.template.spec.hostPID must be unset or false")), r.out);
    });

    it("--json prints [{file, kind, name, policy, profile, level, message}]", async () => {
        const r = await runCli("check", path.join(dir, "broken.yml"), "--json", "--profile", "rbac");
        assert.strictEqual(r.code, 1);
        assert.deepStrictEqual(JSON.parse(r.out), [{
            file: path.join(dir, "broken.yml"), kind: "Role", name: "api-gateway", policy: "rbac-no-wildcards", profile: "rbac", level: "mandatory",
            message: 'Role kubechat/api-gateway: rules[0].verbs must not contain "*"',
        }]);
        assert.deepStrictEqual(JSON.parse((await runCli("check", path.join(dir, "ok"), "--json")).out), []);
    });

    const expected: Record<string, string[]> = {
        "pss-baseline": ["pss-host-namespaces"],
        "pss-restricted": ["pss-capabilities-restricted", "pss-host-namespaces"],
        "kubechat": ["kubechat-read-only-root-fs"],
        "hygiene": ["service-exposure"],
        "rbac": ["rbac-no-wildcards"],
        "network": ["namespace-default-deny"],
        "aws": [],
    };
    for (const profile of profiles) {
        it(`--profile ${profile} runs that profile only`, async () => {
            const r = await runCli("check", path.join(dir, "broken.yml"), "--profile", profile, "--json");
            const vs = JSON.parse(r.out);
            assert.deepStrictEqual([...new Set(vs.map((v: any) => v.policy))].sort(), expected[profile], r.out);
            const allowed = profile === "pss-restricted" ? ["pss-baseline", "pss-restricted"] : [profile];
            assert.ok(vs.every((v: any) => allowed.includes(v.profile)));
            assert.strictEqual(r.code, vs.length ? 1 : 0);
        });
    }

    it("a key written twice (as some rendered charts have it) is read with the last value winning, not refused", async () => {
        const file = path.join(dir, "dup.yaml");
        fs.writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup, namespace: x}\ndata:\n  a: first\n  a: second\n");
        assert.deepStrictEqual(loadManifests(file)[0].props.data, { a: "second" });
    });

    it("exit 2 with a message and no stack trace on bad input or usage", async () => {
        const cases: [string[], RegExp][] = [
            [["check", path.join(dir, "missing.yaml")], /cannot read .*missing.yaml/],
            [["check", path.join(dir, "bad.yaml")], /bad.yaml: document 1 is not valid YAML/],
            [["check", path.join(dir, "notk8s.yaml")], /not a Kubernetes object/],
            [["check", path.join(dir, "ok"), "--profile", "nope"], /unknown profile "nope"/],
            [["check", path.join(dir, "ok"), "--profile"], /--profile needs a value/],
            [["check"], /no file or directory given/],
            [["lint", "x"], /unknown command "lint"/],
            [[], /usage: npm run policy -- check/],
            [["check", "x", "--bogus"], /unknown option --bogus/],
        ];
        for (const [argv, re] of cases) {
            const r = await runCli(...argv);
            assert.strictEqual(r.code, 2, argv.join(" "));
            assert.match(r.err, re);
            assert.doesNotMatch(r.err, /\n\s+at /);
        }
    });

    it("as a process: exit codes reach the shell", async () => {
        const cli = (...args: string[]) => spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "cmd/policy.ts", ...args],
            { cwd: path.join(__dirname, "../.."), encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } });
        const bad = cli("check", path.join(dir, "broken.yml"));
        assert.strictEqual(bad.status, 1, bad.stderr);
        const missing = cli("check", path.join(dir, "missing.yaml"));
        assert.strictEqual(missing.status, 2);
        assert.match(missing.stderr, /^error: cannot read/);
    });
});

describe("policy check --exceptions (the plan's chart exceptions)", () => {
    it("an entry accepts its object and policy only in its own chart's rendered/<release>/, found through plan.json", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-exc-"));
        try {
            fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify({ resources: [
                { type: "kubernetes:helm.sh/v3:Release", inputs: { name: "istio-cni", chart: "cni", version: "1.28.0" } },
                { type: "kubernetes:helm.sh/v3:Release", inputs: { name: "other", chart: "oci://r.corp/charts/fluent-bit", version: "0.54.0" } },
            ] }));
            const v = (file: string): any => ({ policy: "pss-host-path", profile: "pss-baseline", level: "mandatory", message: "m", type: "t", kind: "DaemonSet", name: "istio-cni-node", file });
            const exceptions = [{ chart: "cni", object: "DaemonSet/istio-cni-node", policy: "pss-host-path", reason: "r" }];
            const inCni = v(path.join(dir, "rendered", "istio-cni", "DaemonSet-istio-cni-node.yaml"));
            const inOther = v(path.join(dir, "rendered", "other", "DaemonSet-istio-cni-node.yaml"));
            const loose = v(path.join(dir, "ds.yaml"));
            assert.deepStrictEqual(applyExceptions([inCni, inOther, loose], exceptions), { left: [inOther], accepted: 2 });
            assert.deepStrictEqual(applyExceptions([{ ...inCni, policy: "pss-volume-types" }], exceptions).accepted, 0);
            // An entry limited to other stacks does not apply to this plan's stack (plan.json's stack).
            fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify({ stack: "staging", resources: [{ type: "kubernetes:helm.sh/v3:Release", inputs: { name: "istio-cni", chart: "cni" } }] }));
            assert.strictEqual(applyExceptions([inCni], [{ ...exceptions[0], stacks: ["prod"] }]).accepted, 0);
            assert.strictEqual(applyExceptions([inCni], [{ ...exceptions[0], stacks: ["staging"] }]).accepted, 1);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a missing or invalid exceptions file is bad usage (exit 2)", async () => {
        const r = await runCli("check", "x.yaml", "--exceptions", "/nonexistent/exc.yaml");
        assert.strictEqual(r.code, 2);
        assert.match(r.err, /--exceptions \/nonexistent\/exc\.yaml: no such file/);
        assert.match((await runCli("check", "x.yaml", "--exceptions")).err, /--exceptions needs a value/);
    });
});
