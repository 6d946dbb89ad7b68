/**
 * The offline install, proven (docs/airgap.md): staging installed from the bundle `npm run bundle` makes,
 * with the bundle's own `./install.sh staging`, inside the loopback-only network namespace test:apply
 * runs in, onto the simulated cluster (sim-cluster.ts). The chart repository is the bundle's charts/
 * served over HTTP on 127.0.0.1; `kubechat:registry` is a mirror address on 127.0.0.1 (KWOK pods run no
 * containers, so no image is pulled: the check is that every pod names the mirror, under the path
 * images.txt lists). install.sh runs under `strace -f`, which records every address any process of the
 * install dialled and every program it started: nothing may aim beyond loopback, and the provider that
 * ran must be the bundle's. Writes out/real/airgap-report.json.
 *
 * The one stand-in: the CLI has no Node.js language host here (docs/real-tiers.md), so install.sh's
 * KUBECHAT_PULUMI is bundle-pulumi.js, which hands every command to the real CLI and runs `up`'s program
 * (the bundle's dist/index.js, with the bundle's node_modules) through the Automation API's inline host;
 * the policy pack starts through a launcher in the bundle's policies directory the same way.
 */
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { toolchainEnv } from "../real/tools/tools";
import { writePolicyPackLauncher } from "../real/tools/pulumi-stack";
import { apart } from "./apart";
import { SimCluster, startSimCluster } from "./sim-cluster";
import { ROOT, applyStack } from "./stacks";
import { SIM_TOOLS } from "./report";
import { StandIns, pendingPods } from "./observe";
import { executed, loopbackDestinations, outsideAttempts } from "./syscalls";

const STACK = "staging";
const REPORT = path.join(ROOT, "out", "real", "airgap-report.json");
/** The image mirror the stack is pointed at (nothing listens: KWOK pulls nothing). */
const REGISTRY = "127.0.0.1:5000/kubechat";
const RUN = (process.env.KUBECHAT_APPLY_STACKS ?? STACK).split(",").includes(STACK) ? describe : describe.skip;

interface AirgapReport {
    netnsOnlyLoopback: boolean;
    interfaces: string[];
    upSucceeded: boolean;
    installSeconds?: number;
    bundle: { dir: string; files?: number; productionPackages?: number; charts?: string[]; provider?: unknown };
    chartRepository: string;
    chartsServed: string[];
    registry: string;
    pluginsFromBundle: boolean;
    providersStarted: string[];
    loopbackDestinations: string[];
    outsideAttempts: string[];
    podImagesNotMirrored: string[];
    pods?: number;
    pendingPods?: number;
    notes: string[];
}

/** A static HTTP server for one directory on 127.0.0.1; records each path asked for. */
function serveDirectory(dir: string): Promise<{ url: string; served: string[]; close: () => void }> {
    const served: string[] = [];
    const server = http.createServer((req, res) => {
        const rel = decodeURIComponent((req.url ?? "/").split("?")[0]).replace(/^\/+/, "");
        const file = path.join(dir, rel);
        served.push(`${req.method} /${rel}`);
        if (rel === "" || rel.includes("..") || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { "content-type": rel.endsWith(".yaml") ? "text/yaml" : "application/gzip" });
        fs.createReadStream(file).pipe(res);
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as { port: number }).port;
        resolve({ url: `http://127.0.0.1:${port}`, served, close: () => server.close() });
    }));
}

/** Runs a command to its end (the event loop stays free for the stand-ins); output kept for the failure text. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
        let output = "";
        const p = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        const keep = (d: Buffer) => (output = (output + d).slice(-400000));
        p.stdout.on("data", keep);
        p.stderr.on("data", keep);
        const timer = setTimeout(() => { try { process.kill(-p.pid!, "SIGKILL"); } catch { /* gone */ } }, opts.timeoutMs);
        p.once("error", reject);
        p.once("exit", (code) => { clearTimeout(timer); resolve({ code, output }); });
    });
}

RUN("test:apply airgap: staging installed from the offline bundle with no network", function () {
    this.timeout(30 * 60 * 1000);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-airgap-"));
    const bundleDir = path.join(work, "bundle");
    // Asked of the kernel for this process's namespace (/sys/class/net shows the namespace sysfs was mounted in).
    const interfaces = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).trim().split("\n").map((l) => l.split(":")[1].trim().split("@")[0]).sort();
    const rep: AirgapReport = {
        netnsOnlyLoopback: interfaces.length === 1 && interfaces[0] === "lo",
        interfaces, upSucceeded: false, bundle: { dir: bundleDir }, chartRepository: "", chartsServed: [], registry: REGISTRY,
        pluginsFromBundle: false, providersStarted: [], loopbackDestinations: [], outsideAttempts: [], podImagesNotMirrored: [], notes: [],
    };
    let tools: Record<string, string>;
    let cluster: SimCluster | undefined;
    let standIns: StandIns | undefined;
    let repo: Awaited<ReturnType<typeof serveDirectory>> | undefined;
    let trace = "";

    before(async function () {
        tools = toolchainEnv(SIM_TOOLS);
        // The package a customer carries in: made from this checkout, the toolchain's provider inside.
        await apart(async () => execFileSync(process.execPath, [path.join(ROOT, "scripts", "run.js"), path.join(ROOT, "cmd", "bundle.ts"), STACK, "--out", bundleDir, "--provider", tools.K8S_PROVIDER], { cwd: ROOT, stdio: "ignore" }));
        const manifest = JSON.parse(fs.readFileSync(path.join(bundleDir, "bundle.json"), "utf8"));
        rep.bundle = { dir: bundleDir, files: fs.readFileSync(path.join(bundleDir, "SHA256SUMS"), "utf8").trim().split("\n").length, productionPackages: manifest.productionPackages, charts: manifest.charts, provider: manifest.provider };
        const s = applyStack(STACK);
        cluster = await startSimCluster(tools, { nodes: s.nodes, storageClasses: s.storageClasses, contexts: [s.context], lifetimeSeconds: 30 * 60 });
        standIns = new StandIns(cluster);
        standIns.start();
        repo = await serveDirectory(path.join(bundleDir, "charts"));
        rep.chartRepository = repo.url;
    });

    after(async function () {
        standIns?.stop();
        repo?.close();
        if (repo) rep.chartsServed = [...new Set(repo.served)].sort();
        if (cluster) await cluster.stop();
        fs.mkdirSync(path.dirname(REPORT), { recursive: true });
        fs.writeFileSync(REPORT, JSON.stringify({ generatedAt: new Date().toISOString(), ...rep }, null, 2) + "\n");
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("runs in a network namespace whose only interface is loopback", () => {
        assert.deepStrictEqual(interfaces, ["lo"]);
    });

    it("./install.sh staging succeeds: charts from the HTTP mirror on 127.0.0.1, the bundle's provider, not one attempt beyond loopback", async function () {
        const home = path.join(work, "home");
        const secrets = path.join(work, "secrets");
        for (const d of [home, secrets]) fs.mkdirSync(d, { recursive: true });
        // The stack's object-store keys, as the customer hands them to install.sh (docs/airgap.md).
        fs.writeFileSync(path.join(secrets, "objectStoreAccessKeyId"), crypto.randomBytes(8).toString("hex"));
        fs.writeFileSync(path.join(secrets, "objectStoreSecretAccessKey"), crypto.randomBytes(16).toString("hex"));
        // The bundle's policy pack started as the language host would start it (see the file's comment).
        fs.mkdirSync(path.join(work, "policy-pack"));
        const launcher = writePolicyPackLauncher(path.join(work, "policy-pack"), path.join(bundleDir, "program", "policies"), path.join(bundleDir, "program", "node_modules", "@pulumi", "pulumi"));
        const traceFile = path.join(work, "strace.log");
        // Only what a target machine has: node and the system's tools; no toolchain bin, no ~/.pulumi.
        const env: NodeJS.ProcessEnv = {
            PATH: `${path.dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
            HOME: home,
            PULUMI_HOME: path.join(home, ".pulumi"),
            PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(12).toString("hex"),
            KUBECHAT_STATE_DIR: path.join(work, "state"),
            KUBECHAT_KUBECONFIG: cluster!.kubeconfig,
            KUBECHAT_REGISTRY: REGISTRY,
            KUBECHAT_CHART_REPOSITORY: repo!.url,
            KUBECHAT_SECRETS_DIR: secrets,
            KUBECHAT_PULUMI: path.join(__dirname, "bundle-pulumi.js"),
            KUBECHAT_REAL_PULUMI: tools.PULUMI,
            KUBECHAT_POLICY_PACK: launcher,
        };
        const t0 = Date.now();
        const r = await apart(() => run("strace", ["-f", "--seccomp-bpf", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg,execve", "-e", "signal=none", "-o", traceFile,
            "bash", path.join(bundleDir, "install.sh"), STACK], { cwd: work, env, timeoutMs: 20 * 60 * 1000 }));
        rep.installSeconds = (Date.now() - t0) / 1000;
        trace = fs.existsSync(traceFile) ? fs.readFileSync(traceFile, "utf8") : "";
        rep.upSucceeded = r.code === 0;
        rep.outsideAttempts = outsideAttempts(trace);
        rep.loopbackDestinations = loopbackDestinations(trace);
        rep.providersStarted = executed(trace).filter((p) => /pulumi-resource-/.test(path.basename(p)));
        rep.pluginsFromBundle = rep.providersStarted.length > 0 && rep.providersStarted.every((p) => p.startsWith(path.join(bundleDir, "plugins", "bin") + path.sep));
        console.log(`      install.sh: exit ${r.code} in ${rep.installSeconds.toFixed(0)}s; providers started: ${rep.providersStarted.join(", ") || "none"}; loopback destinations: ${rep.loopbackDestinations.length}; beyond loopback: ${rep.outsideAttempts.length}`);
        assert.strictEqual(r.code, 0, `install.sh failed:\n${r.output.split("\n").slice(-60).join("\n")}`);
        assert.match(r.output, /bundle-pulumi: up succeeded/);
        assert.deepStrictEqual(rep.outsideAttempts, [], "attempts to reach beyond loopback");
        assert.ok(rep.pluginsFromBundle, `provider binaries started: ${rep.providersStarted.join(", ") || "none"}`);
    });

    it("every chart came from the mirror: its index and each archive of the bundle were fetched over HTTP", () => {
        const served = new Set(repo!.served);
        rep.chartsServed = [...served].sort();
        assert.ok(served.has("GET /index.yaml"), `served: ${[...served].join(", ")}`);
        for (const c of rep.bundle.charts ?? []) assert.ok(served.has(`GET /${c}`), `${c} was not fetched from the mirror`);
    });

    it("every pod names the mirror, under a path images.txt lists; none is Pending", () => {
        const mirrored = new Set(fs.readFileSync(path.join(bundleDir, "images.txt"), "utf8").trim().split("\n").map((l) => `${REGISTRY}/${l.split("\t")[1]}`));
        const pods = JSON.parse(cluster!.kubectl(["get", "pods", "-A", "-o", "json"]).stdout).items as { metadata: { namespace: string; name: string }; spec: { containers: { image: string }[]; initContainers?: { image: string }[] } }[];
        rep.pods = pods.length;
        const images = pods.flatMap((p) => [...p.spec.containers, ...(p.spec.initContainers ?? [])].map((c) => ({ pod: `${p.metadata.namespace}/${p.metadata.name}`, image: c.image })));
        // The simulated cluster's own parts (the provisioner) are not the stack's.
        const stacks = images.filter((i) => !i.pod.startsWith("local-path-storage/"));
        // Istio's gateway chart writes `image: auto`, which istiod's injection webhook replaces with its
        // proxyv2 image at admission; the simulated API server calls no webhook, so the pod keeps "auto".
        // That image must be mirrored like the rest.
        const injected = [...mirrored].filter((i) => /\/proxyv2:/.test(i));
        const auto = stacks.filter((i) => i.image === "auto");
        if (auto.length > 0) rep.notes.push(`${auto.length} container(s) with image "auto" (Istio's gateway injection; the webhook is not called here) take ${injected.join(", ") || "no mirrored proxyv2 image"}`);
        rep.podImagesNotMirrored = [...new Set(stacks.filter((i) => !mirrored.has(i.image) && !(i.image === "auto" && injected.length === 1)).map((i) => `${i.pod}: ${i.image}`))].sort();
        const pending = pendingPods(cluster!);
        rep.pendingPods = pending.length;
        rep.notes.push("KWOK pods run no containers: no image is pulled, the mirror address is checked, not served.");
        assert.ok(stacks.length > 0, "no pods");
        assert.deepStrictEqual(rep.podImagesNotMirrored, []);
        assert.deepStrictEqual(pending, []);
    });
});
