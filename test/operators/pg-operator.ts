/**
 * The Zalando postgres-operator run for real, out of cluster, against a simulated cluster
 * (test/apply/sim-cluster.ts), and the two stand-ins it needs there because no Spilo container runs:
 *
 * - **the operator**: the binary built from its release source (test/real/tools/toolchain.sh), with the
 *   environment of the chart's own Deployment (POSTGRES_OPERATOR_CONFIGURATION_OBJECT: the
 *   OperatorConfiguration the chart created from our values), the namespace its pod would read from its
 *   service-account mount (OPERATOR_NAMESPACE), and a token of the chart's ServiceAccount, so it acts
 *   with exactly the RBAC the chart grants. Its cluster DNS is a hosts file in a mount namespace of its
 *   own (`<cluster>[-repl].<ns>.svc.<domain>` -> 127.0.0.1), where the machine's /etc/hosts is untouched.
 * - **Postgres** (stand-in for the members' database): Debian's Postgres on 127.0.0.1:5432 with TLS (the
 *   operator connects with sslmode=require) and `trust` for loopback, with the `admin` role Spilo's
 *   bootstrap creates, so the operator's real SQL — roles, the app database, the pooler's lookup
 *   function — runs against a real server. Not Spilo, not Patroni.
 * - **Patroni** (stand-in for its pod labels only): once a member pod runs, it gets the `spilo-role`
 *   label Patroni would give it (`master` for member 0, which bootstraps, `replica` for the rest); the
 *   operator waits for those labels before it creates the pooler and the logical-backup CronJob. Patroni's
 *   REST API, its DCS objects and the leader's address in the master Endpoints are not simulated.
 *
 * Every process binds or dials 127.0.0.1 only, lives at most `lifetimeSeconds` (timeout(1)), and is
 * stopped by its PID.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SimCluster } from "../apply/sim-cluster";
import { stopProcess } from "../real/cluster";
import { until } from "../real/tools/until";

export interface Proc {
    name: string;
    child: ChildProcess;
    log: string;
}

function startLogged(name: string, dir: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Proc {
    const log = path.join(dir, `${name}.log`);
    const fd = fs.openSync(log, "a");
    const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], env: opts.env ?? process.env, uid: opts.uid, gid: opts.gid });
    fs.closeSync(fd);
    return { name, child, log };
}

/** Stops a process this module started, by its PID (SIGTERM, SIGKILL after 15 s). */
export function stopProc(p: Proc): Promise<void> {
    return stopProcess(p.child);
}

export function tail(file: string, lines = 40): string {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
}

/** Debian's Postgres (the one `npm run test:ha` uses) on 127.0.0.1:5432, TLS on, loopback trusted. */
export async function startStandInPostgres(dir: string, lifetimeSeconds: number): Promise<Proc & { psql(sql: string, db?: string): string }> {
    // Debian's newest installed major (test/operators/run.sh installs one when there is none).
    const majors = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b)) : [];
    if (!majors.length) throw new Error("no Postgres in /usr/lib/postgresql (test/operators/run.sh installs Debian's postgresql)");
    const bindir = `/usr/lib/postgresql/${majors[majors.length - 1]}/bin`;
    const bin = path.join(bindir, "postgres");
    const pgUser = os.userInfo().uid === 0 ? Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })) : undefined;
    const pgGroup = pgUser === undefined ? undefined : Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    const pgdir = path.join(dir, "stand-in-postgres");
    const data = path.join(pgdir, "data");
    fs.mkdirSync(pgdir, { recursive: true });
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stand-in-postgres",
        "-keyout", path.join(pgdir, "server.key"), "-out", path.join(pgdir, "server.crt")], { stdio: "ignore" });
    fs.chmodSync(path.join(pgdir, "server.key"), 0o600);
    if (pgUser !== undefined) execFileSync("chown", ["-R", `${pgUser}:${pgGroup}`, dir]);
    const asPg = { uid: pgUser, gid: pgGroup };
    const r = spawnSync(path.join(bindir, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"], { ...asPg, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr}`);
    fs.writeFileSync(path.join(data, "pg_hba.conf"), "local all all trust\nhostssl all all 127.0.0.1/32 trust\n");
    const p = startLogged("stand-in-postgres", dir, "timeout", ["--kill-after=10", String(lifetimeSeconds), bin, "-D", data,
        "-c", "listen_addresses=127.0.0.1", "-c", "port=5432", "-c", `unix_socket_directories=${pgdir}`,
        "-c", "ssl=on", "-c", `ssl_cert_file=${path.join(pgdir, "server.crt")}`, "-c", `ssl_key_file=${path.join(pgdir, "server.key")}`], asPg);
    const psql = (sql: string, db = "postgres") => {
        const q = spawnSync(path.join(bindir, "psql"), ["-h", pgdir, "-U", "postgres", "-d", db, "-Atc", sql], { encoding: "utf8" });
        if (q.status !== 0) throw new Error(`psql: ${q.stderr}`);
        return q.stdout.trim();
    };
    await until("stand-in Postgres", 60000, () => { try { psql("SELECT 1"); return true; } catch { return undefined; } }, () => tail(p.log));
    // What Spilo's bootstrap (post_init.sh) creates before the operator connects: the operator makes the
    // manifest's users with `ADMIN admin` (team_admin_role, enable_admin_role_for_users).
    psql("CREATE ROLE admin CREATEDB NOLOGIN");
    return { ...p, psql };
}

type Obj = { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

export function getJson<T = Obj>(c: SimCluster, args: string[]): T | undefined {
    const r = c.kubectl([...args, "-o", "json"], { allowFail: true });
    return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}

export function items(c: SimCluster, args: string[]): Obj[] {
    return getJson<{ items: Obj[] }>(c, args)?.items ?? [];
}

/**
 * Stand-in for Patroni's pod labels: every running member pod gets `spilo-role`, as Patroni sets it once
 * the member is up (member 0 bootstraps and leads). Polls until stopped.
 */
export function patroniLabelStandIn(c: SimCluster, namespace: string, selector: string): { stop(): void; labelled: string[] } {
    const labelled: string[] = [];
    let stopped = false;
    const loop = async () => {
        while (!stopped) {
            for (const pod of items(c, ["get", "pods", "-n", namespace, "-l", selector])) {
                const running = (pod.status as { phase?: string } | undefined)?.phase === "Running";
                if (!running || pod.metadata.labels?.["spilo-role"]) continue;
                const role = /-0$/.test(pod.metadata.name) ? "master" : "replica";
                if (c.kubectl(["label", "pod", "-n", namespace, pod.metadata.name, `spilo-role=${role}`], { allowFail: true }).code === 0) labelled.push(`${pod.metadata.name}=${role}`);
            }
            await new Promise((r) => setTimeout(r, 1000));
        }
    };
    void loop();
    return { stop: () => { stopped = true; }, labelled };
}

/** A kubeconfig that acts as the chart's ServiceAccount (a token from the TokenRequest API). */
export function serviceAccountKubeconfig(c: SimCluster, dir: string, namespace: string, serviceAccount: string, seconds: number): string {
    const token = c.kubectl(["create", "token", serviceAccount, "-n", namespace, "--duration", `${Math.max(seconds, 600)}s`]).stdout.trim();
    const file = path.join(dir, `kubeconfig-${serviceAccount}`);
    fs.writeFileSync(file, JSON.stringify({
        apiVersion: "v1", kind: "Config", "current-context": "sa",
        clusters: [{ name: "sim", cluster: { server: c.server, "certificate-authority": c.caFile } }],
        users: [{ name: serviceAccount, user: { token } }],
        contexts: [{ name: "sa", context: { cluster: "sim", user: serviceAccount } }],
    }), { mode: 0o600 });
    return file;
}

export interface OperatorRun extends Proc {
    /** The environment taken from the chart's Deployment (values only; no secrets there). */
    chartEnv: Record<string, string>;
    serviceAccount: string;
}

/**
 * Starts the operator binary with the chart Deployment's environment and ServiceAccount, its cluster
 * DNS names resolving to 127.0.0.1 (the stand-in Postgres) in a private mount namespace.
 */
export function startOperator(c: SimCluster, o: { bin: string; dir: string; namespace: string; deployment: string; dnsNames: string[]; lifetimeSeconds: number }): OperatorRun {
    const dep = getJson<{ spec: { template: { spec: { serviceAccountName: string; containers: { env?: { name: string; value?: string; valueFrom?: unknown }[] }[] } } } }>(c, ["get", "deployment", o.deployment, "-n", o.namespace]);
    if (!dep) throw new Error(`the chart's Deployment ${o.namespace}/${o.deployment} is missing`);
    const chartEnv: Record<string, string> = {};
    for (const e of dep.spec.template.spec.containers[0].env ?? []) {
        if (e.value === undefined) throw new Error(`operator env ${e.name}: only literal values are carried out of cluster (valueFrom ${JSON.stringify(e.valueFrom)})`);
        chartEnv[e.name] = e.value;
    }
    const serviceAccount = dep.spec.template.spec.serviceAccountName;
    const kubeconfig = serviceAccountKubeconfig(c, o.dir, o.namespace, serviceAccount, o.lifetimeSeconds);
    const hosts = path.join(o.dir, "operator-hosts");
    fs.writeFileSync(hosts, `127.0.0.1 localhost\n${o.dnsNames.map((n) => `127.0.0.1 ${n}`).join("\n")}\n`);
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: o.dir, ...chartEnv, OPERATOR_NAMESPACE: o.namespace };
    const p = startLogged("postgres-operator", o.dir, "unshare", ["--mount", "--propagation", "private", "sh", "-c",
        'mount --bind "$0" /etc/hosts && exec timeout --kill-after=10 "$@"', hosts, String(o.lifetimeSeconds),
        o.bin, "-kubeconfig", kubeconfig, "-outofcluster"], { env });
    return { ...p, chartEnv, serviceAccount };
}
