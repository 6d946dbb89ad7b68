/**
 * A throw-away Kubernetes control plane for the real test tiers: etcd and kube-apiserver built by
 * test/real/tools/toolchain.sh, both on 127.0.0.1 only, in a temp dir, with a bounded lifetime (each runs
 * under `timeout`, so it ends even if this process dies) and stopped by PID.
 *
 * Auth: a static bearer token bound to system:masters (--token-auth-file); the serving certificate is
 * the API server's self-signed one, trusted by the kubeconfig through its CA file.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** A free port on 127.0.0.1 (for servers the tiers start). */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

export interface ClusterOptions {
    /** Seconds after which etcd and the API server end by themselves (default 3600). */
    lifetimeSeconds?: number;
    /** kubeconfig context names to write, all pointing at this API server (the stacks' `cluster.context`). */
    contexts: string[];
    /** Further kube-apiserver flags (the simulated cluster's admission and aggregation settings). */
    apiserverArgs?: string[];
}

export interface Cluster {
    dir: string;
    server: string;
    kubeconfig: string;
    /** Environment for kubectl/pulumi: KUBECONFIG set. */
    env: NodeJS.ProcessEnv;
    /** The API server's serving certificate (the kubeconfig's CA) and the service-account signing key. */
    caFile: string;
    saKeyFile: string;
    /**
     * Starts another process beside the control plane, with the same bounded lifetime, stopped (first) by
     * stop() unless stopped before (stopProcess); `env` replaces this process's environment.
     */
    spawn(name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
    /** The tail of a process's log in `dir`. */
    logTail(name: string, lines?: number): string;
    kubectl(args: string[], opts?: { input?: string; allowFail?: boolean }): { code: number; stdout: string; stderr: string };
    stop(): Promise<void>;
}

export function startProcess(name: string, lifetime: number, bin: string, args: string[], dir: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const log = fs.openSync(path.join(dir, `${name}.log`), "a");
    // timeout(1) bounds the lifetime even if this process is killed before stop() runs.
    const p = spawn("timeout", ["--kill-after=10", String(lifetime), bin, ...args], { stdio: ["ignore", log, log], detached: false, env });
    fs.closeSync(log);
    return p;
}

async function waitFor(what: string, ms: number, probe: () => boolean, logFile: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        if (probe()) return;
        await new Promise((r) => setTimeout(r, 500));
    }
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n") : "";
    throw new Error(`${what} not ready after ${ms / 1000}s; log tail:\n${tail}`);
}

/** Stops a process started by startCluster or spawn (SIGTERM, SIGKILL after 15 s); no-op once it has exited. */
export async function stopProcess(p: ChildProcess): Promise<void> {
    if (p.exitCode !== null || p.pid === undefined) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    process.kill(p.pid, "SIGTERM");
    const t = setTimeout(() => p.pid !== undefined && p.exitCode === null && process.kill(p.pid, "SIGKILL"), 15000);
    await exited;
    clearTimeout(t);
}

export async function startCluster(tools: Record<string, string>, opts: ClusterOptions): Promise<Cluster> {
    const lifetime = opts.lifetimeSeconds ?? 3600;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-real-"));
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];

    const procs: ChildProcess[] = [];
    const stop = async () => {
        for (const p of procs.reverse()) await stopProcess(p);
        fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        procs.push(
            startProcess("etcd", lifetime, tools.ETCD, [
                "--data-dir", path.join(dir, "etcd"),
                "--listen-client-urls", `http://127.0.0.1:${etcdClient}`,
                "--advertise-client-urls", `http://127.0.0.1:${etcdClient}`,
                "--listen-peer-urls", `http://127.0.0.1:${etcdPeer}`,
                "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeer}`,
                "--initial-cluster", `default=http://127.0.0.1:${etcdPeer}`,
                "--unsafe-no-fsync",
            ], dir),
        );

        const token = crypto.randomBytes(24).toString("hex");
        fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},kubechat-real,kubechat-real,system:masters\n`, { mode: 0o600 });
        const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        const saKeyFile = path.join(dir, "sa.key");
        fs.writeFileSync(saKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
        const certDir = path.join(dir, "pki");
        procs.push(
            startProcess("kube-apiserver", lifetime, tools.KUBE_APISERVER, [
                "--etcd-servers", `http://127.0.0.1:${etcdClient}`,
                "--bind-address", "127.0.0.1",
                "--advertise-address", "127.0.0.1",
                "--secure-port", String(apiPort),
                "--cert-dir", certDir,
                "--token-auth-file", path.join(dir, "tokens.csv"),
                "--authorization-mode", "RBAC",
                "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file", path.join(dir, "sa.key"),
                "--service-account-signing-key-file", path.join(dir, "sa.key"),
                "--service-cluster-ip-range", "10.96.0.0/16",
                // No nodes or endpoints exist here: keep the API server from publishing a loopback endpoint.
                "--endpoint-reconciler-type", "none",
                "--enable-priority-and-fairness=false",
                ...(opts.apiserverArgs ?? []),
            ], dir),
        );

        const server = `https://127.0.0.1:${apiPort}`;
        const caFile = path.join(certDir, "apiserver.crt");
        const contexts = [...new Set(opts.contexts.length > 0 ? opts.contexts : ["kubechat-real"])];
        const kubeconfig = path.join(dir, "kubeconfig");
        const kc = [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: real",
            "  cluster:",
            `    server: ${server}`,
            `    certificate-authority: ${caFile}`,
            "users:",
            "- name: real",
            "  user:",
            `    token: ${token}`,
            "contexts:",
            ...contexts.flatMap((c) => [`- name: ${JSON.stringify(c)}`, "  context:", "    cluster: real", "    user: real"]),
            `current-context: ${JSON.stringify(contexts[0])}`,
            "",
        ].join("\n");
        fs.writeFileSync(kubeconfig, kc, { mode: 0o600 });
        const env = { ...process.env, KUBECONFIG: kubeconfig };
        const kubectl = (args: string[], o: { input?: string; allowFail?: boolean } = {}) => {
            const r = spawnSync(tools.KUBECTL, args, { env, input: o.input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
            const res = { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
            if (res.code !== 0 && !o.allowFail) throw new Error(`kubectl ${args.join(" ")} failed (${res.code}): ${res.stderr}`);
            return res;
        };
        await waitFor("kube-apiserver", 180000, () => fs.existsSync(caFile) && kubectl(["get", "--raw", "/readyz"], { allowFail: true }).code === 0, path.join(dir, "kube-apiserver.log"));
        // The default namespace and the built-in RBAC roles are created by post-start hooks.
        await waitFor("namespace default", 60000, () => kubectl(["get", "namespace", "default"], { allowFail: true }).code === 0, path.join(dir, "kube-apiserver.log"));
        const spawnMore = (name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv) => {
            const p = startProcess(name, lifetime, bin, args, dir, env);
            procs.push(p);
            return p;
        };
        const logTail = (name: string, lines = 30) => {
            const f = path.join(dir, `${name}.log`);
            return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").slice(-lines).join("\n") : "";
        };
        return { dir, server, kubeconfig, env, kubectl, stop, caFile, saKeyFile, spawn: spawnMore, logTail };
    } catch (e) {
        await stop();
        throw e;
    }
}
