/**
 * Velero restored for real (`npm run test:dr`, after the data half; alone: `DR_PART=velero npm run test:dr`).
 *
 * A stack (DR_STACK, default staging: Velero with an S3-compatible store) applied by a real `pulumi up`
 * to its own simulated cluster (test/apply/platform.ts); Velero's server v1.18.0 and its AWS plugin
 * v1.14.2 (the catalog's tags, built from their Go modules) run out of cluster as the chart's Deployment
 * says (test/dr/velero.ts `outOfCluster`) against the BackupStorageLocation and Schedules `pulumi up`
 * created; Versity's S3 gateway is the store, with the bucket and the keys the stack names.
 *
 * The BackupStorageLocation's `s3Url` is the customer's in-cluster endpoint
 * (https://minio.storage.svc.cluster.local:9000 for staging) and stays as the program made it: the
 * server runs in a private mount namespace whose /etc/hosts maps that host name to 127.0.0.1, where the
 * gateway listens on the URL's port with TLS (a certificate for that name from a CA made for the run,
 * which the server and its plugin trust through SSL_CERT_FILE: the program has no CA setting; see
 * docs/restore.md). Everything runs in the loopback-only network namespace of netns-mocha.sh.
 *
 * Then: a backup from the stack's `velero-every-6h` Schedule (`velero backup create --from-schedule`),
 * Completed; the app namespace deleted and restored with the runbook's command (docs/restore.md, case 1):
 * every object back, equal once status and server-set metadata are put aside (velero.ts `comparable`);
 * the data namespace restored over its live objects: the live `postgresql` untouched, nothing the
 * operator owns (`application: spilo` ...) in the backup or brought back. The operator is not running
 * here, so the objects it would own are stand-ins made with its labels.
 *
 * Then the runbook itself (docs/restore.md, run from the document by test/dr/runbook.ts): case 1 (the
 * app namespace deleted, the case's commands as written, every object back and the operator's Secret
 * written again by the real operator, started out of cluster when the runbook restarts its Deployment);
 * case 3 (the whole cluster lost: a new simulated cluster in its place behind the same kubeconfig file,
 * the case's `refresh`, clone settings and `pulumi up` rebuild the platform with a postgresql cloned from
 * the lost cluster's WAL, the Velero server of the new cluster reads the old backups from the store and
 * restores the app namespace: every object as before the loss, the clone's Spilo environment the
 * drill's); and case 2 (the case's `pulumi config set` / `state unprotect` / `pulumi up` make the
 * program replace the postgresql with a clone; the real operator makes its StatefulSet, whose Spilo
 * environment must be the one the data half ran WAL-G with: test/dr/spilo_env.py). Merges `veleroRestored`, `velero`,
 * `runbookStepsRun` (every runbook command run) and `runbook` into out/real/dr-report.json.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackOp } from "../real/preview";
import { freePort, stopProcess } from "../real/cluster";
import { toolchainEnv } from "../real/tools/tools";
import { StackOnCluster, stackOnSimCluster } from "../apply/platform";
import { SIM_TOOLS, failure } from "../apply/report";
import { mergeReport } from "../real/tools/report-file";
import { ROOT, rawConfig } from "../apply/stacks";
import { CONFIG_NAMESPACE, parseConfig } from "../../components/config";
import { namespaceNames } from "../../components/namespaces";
import { IMAGES } from "../../components/catalog";
import { WALG_OWNED_KINDS, WALG_OWNED_POD_APPS, credentialsSecretName, postgresClusterName } from "../../components/data/names";
import { backupExclusions } from "../../components/backup/velero";
import { KubeObject, LocalCommand, NamespaceDiff, compareNamespace, excludedBySelector, objectKey, outOfCluster, DeploymentLike } from "./velero";
import { RunbookShell, exampleTimestamp, newestBackup, readRunbook, runbookShell } from "./runbook";
import { cloneSettings, drSettings } from "./config";
import { OperatorRun, patroniLabelStandIn, startOperator, startStandInPostgres, stopProc } from "../operators/pg-operator";
import { until } from "../real/tools/until";

const STACK = process.env.DR_STACK || "staging";
const REPORT = path.join(ROOT, "out", "real", "dr-report.json");
/** The Schedule a backup is taken from: the most frequent one, the runbook's. */
const SCHEDULE = "velero-every-6h";
const LIFETIME_SECONDS = 30 * 60;

/** A process with a bounded lifetime (timeout(1)), its output in `log`, stopped by PID. */
function startBounded(bin: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
    const fd = fs.openSync(log, "a");
    const p = spawn("timeout", ["--kill-after=10", String(LIFETIME_SECONDS), bin, ...args], { env, stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    return p;
}

/** unshare(1) arguments: the command after them runs in a mount namespace of its own whose /etc/hosts is `hosts`. */
const withHosts = (hosts: string) => ["--mount", "--", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hosts];

const tail = (file: string, n = 25) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-n).join("\n") : "");

/** Keys of an AWS credentials file's [default] profile. */
function awsKeys(env: Record<string, string>): { id: string; secret: string } {
    if (env.AWS_SHARED_CREDENTIALS_FILE) {
        const text = fs.readFileSync(env.AWS_SHARED_CREDENTIALS_FILE, "utf8");
        const get = (k: string) => new RegExp(`^\\s*${k}\\s*=\\s*(\\S+)`, "m").exec(text)?.[1];
        const id = get("aws_access_key_id"), secret = get("aws_secret_access_key");
        if (id && secret) return { id, secret };
    }
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { id: env.AWS_ACCESS_KEY_ID, secret: env.AWS_SECRET_ACCESS_KEY };
    throw new Error("the Velero Deployment gives its server no object-store keys");
}

describe(`Velero: a backup from ${STACK}'s schedule, a deleted namespace, a restore`, function () {
    let on: StackOnCluster | undefined;
    let tools: Record<string, string>;
    let work: string;
    let store: ChildProcess | undefined;
    let server: ChildProcess | undefined;
    let storeDir: string;
    let serverLog: string;
    /** The store's URL is https (TLS from a CA made for the run, in `pki`); `hosts` maps its host name to 127.0.0.1. */
    let https = false;
    let pki: string;
    let hosts: string;
    let velero: (args: string[], allowFail?: boolean) => { code: number; out: string };
    let bsl: { bucket: string; s3Url: string; region: string };
    let appNs: string;
    let dataNs: string;
    let veleroNs: string;
    let pgCluster: string;
    /** The app's credentials Secret the operator writes in the app namespace (never backed up). */
    let appSecret: string;
    let backupName: string;
    const report: Record<string, unknown> = { stack: STACK };
    /** Every runbook command executed, as run (placeholders filled), with its case and exit code. */
    const stepsRun: { case: number; command: string; exit: number; seconds: number }[] = [];
    const runbookReport: Record<string, unknown> = {};
    const runbookStops: (() => Promise<void>)[] = [];
    const checks: Record<string, boolean> = {};
    const t0 = Date.now();

    const kubectl = (args: string[], allowFail = false) => on!.cluster.kubectl(args, { allowFail });
    const getJson = <T>(args: string[]): T => JSON.parse(kubectl([...args, "-o", "json"]).stdout) as T;

    /** Every object of a namespace (all listable namespaced kinds but events), and the Namespace itself. */
    function namespaceObjects(ns: string): KubeObject[] {
        const kinds = kubectl(["api-resources", "--verbs=list", "--namespaced", "-o", "name"], true).stdout.split("\n").map((s) => s.trim())
            .filter((k) => k && k !== "events" && k !== "events.events.k8s.io" && !/\.metrics\.k8s\.io$|^[^.]*\.?metrics\.k8s\.io$/.test(k));
        const list = getJson<{ items: KubeObject[] }>(["get", kinds.join(","), "-n", ns, "--ignore-not-found"]);
        const nsObj = kubectl(["get", "namespace", ns, "-o", "json", "--ignore-not-found"]).stdout;
        return [...list.items, ...(nsObj.trim() ? [JSON.parse(nsObj) as KubeObject] : [])];
    }

    const isAppSecret = (o: KubeObject) => o.kind === "Secret" && o.metadata.name === appSecret;

    /**
     * The Restore a runbook's `velero restore create` made (the command returns at once), once it has
     * finished: the one not in `before` (the Restores that were there before the command).
     */
    function finishedRestore(before: Set<string>): Promise<KubeObject & { status?: { phase?: string; warnings?: number; progress?: { itemsRestored?: number } } }> {
        return until("the runbook's Restore", 5 * 60 * 1000, () => getJson<{ items: (KubeObject & { status?: { phase?: string } })[] }>(["get", "restores.velero.io", "-n", veleroNs]).items
            .find((r) => !before.has(r.metadata.name) && ["Completed", "PartiallyFailed", "Failed", "FailedValidation"].includes(r.status?.phase ?? "")), () => tail(serverLog));
    }

    /** The value a runbook case's `pulumi config set [--path] <project>:postgres.<key> <value>` sets. */
    const postgresSetting = (commands: string[], key: string) => commands.map((c) => new RegExp(`config set (?:--path )?\\S+:postgres\\.${key} (\\S+)`).exec(c)?.[1]).find((v) => v);

    /** The Velero server's command as the cluster's Deployment gives it (test/dr/velero.ts `outOfCluster`). */
    function serverCommand(): LocalCommand {
        const deployment = getJson<DeploymentLike>(["get", "deployment", "velero", "-n", veleroNs]);
        const readSecret = (name: string) => Object.fromEntries(Object.entries(getJson<{ data?: Record<string, string> }>(["get", "secret", name, "-n", veleroNs]).data ?? {})
            .map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
        return outOfCluster(deployment, "velero", path.join(work, "pod"), readSecret, { "/plugins": tools.VELERO_PLUGIN_DIR });
    }

    /**
     * The server: the Deployment's arguments and environment, against the current cluster; its own
     * listeners on loopback; the store's host name mapped to 127.0.0.1 in its mount namespace (`hosts`).
     */
    async function startServer(cmd: LocalCommand): Promise<void> {
        const [metrics, profiler] = [await freePort(), await freePort()];
        const serverEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, ...cmd.env, ...(https ? { SSL_CERT_FILE: path.join(pki, "ca.pem") } : {}) };
        server = startBounded("unshare", [...withHosts(hosts), tools.VELERO, ...cmd.args,
            "--kubeconfig", on!.cluster.kubeconfig, "--namespace", veleroNs, "--plugin-dir", cmd.mounts["/plugins"] ?? tools.VELERO_PLUGIN_DIR,
            "--metrics-address", `127.0.0.1:${metrics}`, "--profiler-address", `127.0.0.1:${profiler}`], serverEnv, serverLog);
    }

    before(async function () {
        this.timeout(20 * 60 * 1000);
        tools = toolchainEnv([...SIM_TOOLS, "VELERO", "VELERO_PLUGIN_DIR", "VERSITYGW", "PLUGIN_BIN", "PG_OPERATOR"]);
        const awsCli = process.env.DR_AWS_CLI;
        if (!awsCli || !fs.existsSync(awsCli)) throw new Error("DR_AWS_CLI (the AWS CLI test/dr/dr.sh installs) is not set: run through npm run test:dr");
        work = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-dr-velero-"));
        on = await stackOnSimCluster(STACK, LIFETIME_SECONDS);
        const up = await stackOp(STACK, "up", on.args, on.cluster.env);
        console.log(`      ${STACK}: pulumi up ${up.ok ? "ok" : "FAILED"} in ${up.seconds.toFixed(0)}s, ${up.urns.length} resources`);
        if (!up.ok) throw new Error(failure(up));
        report.pulumiUpSeconds = +up.seconds.toFixed(1);
        const config = parseConfig(rawConfig(on.s.configText), CONFIG_NAMESPACE, STACK);
        const names = namespaceNames(config);
        [appNs, dataNs, veleroNs] = [names.app, names.data, names.velero];
        pgCluster = postgresClusterName(config.postgres);
        appSecret = credentialsSecretName(appNs, config.postgres.user, pgCluster);

        // The stack's BackupStorageLocation and the server's Deployment, as `pulumi up` created them.
        const loc = getJson<{ spec: { objectStorage: { bucket: string }; config: Record<string, string> } }>(["get", "backupstoragelocations.velero.io", "default", "-n", veleroNs]);
        bsl = { bucket: loc.spec.objectStorage.bucket, s3Url: loc.spec.config.s3Url, region: loc.spec.config.region };
        if (!bsl.s3Url) throw new Error(`${STACK}: the BackupStorageLocation names no s3Url (not an S3-compatible store)`);
        const url = new URL(bsl.s3Url);
        const cmd = serverCommand();
        report.deployment = { image: cmd.image, initImages: cmd.initImages, args: cmd.args, env: Object.keys(cmd.env).sort(), mounts: Object.keys(cmd.mounts) };
        const keys = awsKeys(cmd.env);

        // TLS as the URL says: a CA for this run and a certificate for the store's host name.
        https = url.protocol === "https:";
        const port = Number(url.port || (https ? 443 : 80));
        pki = path.join(work, "pki");
        fs.mkdirSync(pki);
        if (https) {
            const ossl = (args: string[]) => execFileSync("openssl", args, { cwd: pki, stdio: "pipe" });
            ossl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=kubechat-dr-velero-ca"]);
            ossl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "store.key", "-out", "store.csr", "-subj", `/CN=${url.hostname}`]);
            fs.writeFileSync(path.join(pki, "ext"), `subjectAltName=DNS:${url.hostname},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
            ossl(["x509", "-req", "-in", "store.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "store.pem", "-days", "1", "-extfile", "ext"]);
        }
        storeDir = path.join(work, "store");
        fs.mkdirSync(storeDir);
        const storeLog = path.join(work, "store.log");
        store = startBounded(tools.VERSITYGW, ["--region", bsl.region, "--port", `127.0.0.1:${port}`,
            ...(https ? ["--cert", path.join(pki, "store.pem"), "--key", path.join(pki, "store.key")] : []), "posix", storeDir],
        { ...process.env, ROOT_ACCESS_KEY_ID: keys.id, ROOT_SECRET_ACCESS_KEY: keys.secret }, storeLog);
        const aws = (args: string[]) => spawnSync(awsCli, ["--endpoint-url", `${url.protocol}//127.0.0.1:${port}`, "--region", bsl.region, ...(https ? ["--ca-bundle", path.join(pki, "ca.pem")] : []), ...args],
            { env: { ...process.env, AWS_ACCESS_KEY_ID: keys.id, AWS_SECRET_ACCESS_KEY: keys.secret, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" }, encoding: "utf8" });
        await until("object store", 30000, () => aws(["s3api", "list-buckets"]).status === 0, () => tail(storeLog));
        const made = aws(["s3api", "create-bucket", "--bucket", bsl.bucket]);
        if (made.status !== 0) throw new Error(`create-bucket ${bsl.bucket}: ${made.stderr}`);

        hosts = path.join(work, "hosts");
        fs.writeFileSync(hosts, `127.0.0.1\tlocalhost\n127.0.0.1\t${url.hostname}\n`);
        serverLog = path.join(work, "velero-server.log");
        await startServer(cmd);
        // The CLI in the same kind of mount namespace: `backup logs` downloads from the store's URL.
        velero = (args, allowFail = false) => {
            const r = spawnSync("unshare", [...withHosts(hosts), tools.VELERO, ...args, "--kubeconfig", on!.cluster.kubeconfig, "--namespace", veleroNs],
                { encoding: "utf8", env: { ...process.env, HOME: work, ...(https ? { SSL_CERT_FILE: path.join(pki, "ca.pem") } : {}) }, maxBuffer: 64 * 1024 * 1024, timeout: 8 * 60 * 1000 });
            const res = { code: r.status ?? -1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
            if (res.code !== 0 && !allowFail) throw new Error(`velero ${args.join(" ")} failed (${res.code}): ${res.out}\nserver log:\n${tail(serverLog)}`);
            return res;
        };

        // What the operator would own (it is not running here): its labels on a member, Patroni's DCS
        // ConfigMap and the app's credentials Secret, in the namespaces where it puts them.
        const cluster = pgCluster;
        const owned = { application: WALG_OWNED_POD_APPS[0], "cluster-name": cluster };
        on.cluster.kubectl(["apply", "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "v1", kind: "List", items: [
                    { apiVersion: "v1", kind: "Pod", metadata: { name: `${cluster}-0`, namespace: dataNs, labels: { ...owned, "spilo-role": "master" } },
                        spec: { containers: [{ name: "postgres", image: `${IMAGES.spilo.repository}:${IMAGES.spilo.tag}` }], tolerations: [{ operator: "Exists" }] } },
                    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${cluster}-config`, namespace: dataNs, labels: owned }, data: {} },
                    { apiVersion: "v1", kind: "Secret", metadata: { name: appSecret, namespace: appNs, labels: owned }, stringData: { username: "kubechat", password: "stand-in" } },
                ],
            }),
        });
        report.standIns = [`Pod ${dataNs}/${cluster}-0`, `ConfigMap ${dataNs}/${cluster}-config`, `Secret ${appNs}/${appSecret}`].map((s) => `${s} (labels ${JSON.stringify(owned)})`);
    });

    after(async function () {
        this.timeout(3 * 60 * 1000);
        report.checks = checks;
        report.seconds = Math.round((Date.now() - t0) / 1000);
        const ok = ["server", "backup", "appNamespace", "dataNamespace"].every((k) => checks[k] === true);
        mergeReport(REPORT, [], { veleroRestored: ok, velero: report, runbookStepsRun: stepsRun, runbook: runbookReport });
        for (const stop of runbookStops.reverse()) await stop();
        if (process.env.DR_KEEP && work) console.log(`      kept ${work} (DR_KEEP)`);
        if (server) await stopProcess(server);
        if (store) await stopProcess(store);
        if (on) await on.stop();
        if (work && !process.env.DR_KEEP) fs.rmSync(work, { recursive: true, force: true });
    });

    it("runs the Deployment's own images at the built versions and finds the stack's BackupStorageLocation Available", async function () {
        this.timeout(5 * 60 * 1000);
        const d = report.deployment as { image: string; initImages: string[] };
        assert.strictEqual(d.image, `${IMAGES.velero.repository}:${tools.VELERO_VERSION}`, "the server built is the Deployment's image");
        assert.ok(d.initImages.some((i) => i.endsWith(`velero-plugin-for-aws:${path.basename(path.dirname(tools.VELERO_PLUGIN_DIR)).replace(/^velero-plugin-for-aws-/, "")}`)), `the AWS plugin built is the Deployment's init image (${d.initImages.join(", ")})`);
        const phase = await until("BackupStorageLocation default Available", 4 * 60 * 1000, () => {
            const p = kubectl(["get", "backupstoragelocations.velero.io", "default", "-n", veleroNs, "-o", "jsonpath={.status.phase}"], true).stdout;
            return p === "Available" ? p : false;
        }, () => tail(serverLog));
        report.backupStorageLocation = { ...bsl, phase, reachedAs: "the s3Url's host name mapped to 127.0.0.1 in the server's own mount namespace (/etc/hosts); TLS from a CA of the run, trusted through SSL_CERT_FILE" };
        checks.server = true;
    });

    let appBefore: KubeObject[] = [];
    let dataBefore: KubeObject[] = [];
    it(`takes a backup from the Schedule ${SCHEDULE}: Completed, with nothing the operator owns in it`, async function () {
        this.timeout(10 * 60 * 1000);
        assert.ok(checks.server, "the server is not up");
        appBefore = namespaceObjects(appNs);
        dataBefore = namespaceObjects(dataNs);
        backupName = `drill-${Date.now().toString(36)}`;
        const start = Date.now();
        velero(["backup", "create", backupName, "--from-schedule", SCHEDULE, "--wait"]);
        const b = getJson<{ metadata: { labels?: Record<string, string> }; spec: Record<string, unknown>; status: { phase: string; progress?: { itemsBackedUp?: number; totalItems?: number }; errors?: number; warnings?: number } }>(["get", "backups.velero.io", backupName, "-n", veleroNs]);
        report.backup = { name: backupName, phase: b.status.phase, seconds: +((Date.now() - start) / 1000).toFixed(1), items: b.status.progress?.itemsBackedUp, errors: b.status.errors ?? 0, warnings: b.status.warnings ?? 0,
            scheduleLabel: b.metadata.labels?.["velero.io/schedule-name"] };
        assert.strictEqual(b.status.phase, "Completed", `backup ${backupName}: ${JSON.stringify(b.status)}\n${velero(["backup", "logs", backupName], true).out.split("\n").filter((l) => /level=(error|warning)/.test(l)).slice(0, 20).join("\n")}`);
        assert.strictEqual(b.metadata.labels?.["velero.io/schedule-name"], SCHEDULE);
        // Velero adds its own (the CSI snapshot kinds when the CSI feature is off); the Schedule's must all be there.
        const excludedKinds = b.spec.excludedResources as string[];
        assert.deepStrictEqual(backupExclusions().excludedResources.filter((k) => !excludedKinds.includes(k)), [], `the backup carries the Schedule's excluded kinds (${excludedKinds.join(", ")})`);
        assert.deepStrictEqual(b.spec.labelSelector, backupExclusions().labelSelector, "the backup carries the Schedule's label selector");
        (report.backup as Record<string, unknown>).excludedResources = excludedKinds;

        // The tarball as the store holds it (the posix backend keeps objects as files).
        const tarball = path.join(storeDir, bsl.bucket, "backups", backupName, `${backupName}.tar.gz`);
        assert.ok(fs.existsSync(tarball), `${tarball} not in the store`);
        const unpacked = path.join(work, "backup");
        fs.mkdirSync(unpacked);
        execFileSync("tar", ["xzf", tarball, "-C", unpacked]);
        // Velero writes each item twice: under its resource and under `<version>-preferredversion/`.
        const files = execFileSync("find", [unpacked, "-name", "*.json", "-path", "*/resources/*"], { encoding: "utf8" }).split("\n").filter((f) => f && !f.includes("-preferredversion/"));
        const items = files.map((f) => ({ f: path.relative(unpacked, f), o: JSON.parse(fs.readFileSync(f, "utf8")) as KubeObject }));
        const walgKinds = items.filter((i) => (WALG_OWNED_KINDS as readonly string[]).some((k) => i.f.startsWith(`resources/${k}/`)));
        const operatorOwned = items.filter((i) => excludedBySelector(i.o.metadata?.labels, backupExclusions().labelSelector as never));
        report.tarball = { objects: items.length, postgresqlKinds: walgKinds.map((i) => i.f), operatorLabelled: operatorOwned.map((i) => i.f) };
        assert.deepStrictEqual(walgKinds.map((i) => i.f), [], "no postgresql (or other operator kind) in the backup");
        assert.deepStrictEqual(operatorOwned.map((i) => i.f), [], "no object labelled as the operator's in the backup");
        const inBackup = new Set(items.filter((i) => i.o.metadata?.namespace === appNs).map((i) => objectKey(i.o)));
        assert.ok(inBackup.size > 0, `nothing of ${appNs} in the backup`);
        checks.backup = true;
    });

    it(`restores the deleted app namespace with the runbook's command: every object back (status aside), the operator's Secret not`, async function () {
        this.timeout(10 * 60 * 1000);
        assert.ok(checks.backup, "no backup");
        // Namespace deletion waits on discovery of every API. prometheus-adapter's aggregated API cannot
        // answer here (its pod runs nothing), so its APIService goes first; on a real cluster it answers.
        const unavailable = getJson<{ items: { metadata: { name: string }; spec: { service?: object }; status?: { conditions?: { type: string; status: string }[] } }[] }>(["get", "apiservices"]).items
            .filter((a) => a.spec.service && !a.status?.conditions?.some((c) => c.type === "Available" && c.status === "True")).map((a) => a.metadata.name);
        for (const a of unavailable) kubectl(["delete", "apiservice", a]);
        report.unavailableApiServicesDeleted = unavailable;
        const t = Date.now();
        kubectl(["delete", "namespace", appNs, "--wait=true", "--timeout=300s"]);
        report.namespaceDeleteSeconds = +((Date.now() - t) / 1000).toFixed(1);
        const restore = `${backupName}-app`;
        const start = Date.now();
        // docs/restore.md, case 1 (the runbook's own flags).
        velero(["restore", "create", restore, "--from-backup", backupName, "--include-namespaces", appNs, "--existing-resource-policy", "none", "--wait"]);
        const r = getJson<{ status: { phase: string; errors?: number; warnings?: number; progress?: { itemsRestored?: number } } }>(["get", "restores.velero.io", restore, "-n", veleroNs]);
        const after = namespaceObjects(appNs);
        const diff = compareNamespace(appBefore, after);
        const excluded = appBefore.filter((o) => excludedBySelector(o.metadata.labels, backupExclusions().labelSelector as never)).map(objectKey).sort();
        const kinds = (objs: KubeObject[]) => Object.fromEntries([...new Set(objs.map((o) => o.kind))].sort().map((k) => [k, objs.filter((o) => o.kind === k).length]));
        report.appNamespace = { namespace: appNs, kindsBefore: kinds(appBefore), restore, phase: r.status.phase, seconds: +((Date.now() - start) / 1000).toFixed(1), itemsRestored: r.status.progress?.itemsRestored, errors: r.status.errors ?? 0, warnings: r.status.warnings ?? 0, excludedByLabel: excluded, diff };
        assert.strictEqual(r.status.phase, "Completed", `restore ${restore}: ${JSON.stringify(r.status)}\n${velero(["restore", "logs", restore], true).out.split("\n").filter((l) => /level=(error|warning)/.test(l)).slice(0, 20).join("\n")}`);
        assert.ok(excluded.length > 0, "the stand-in of the operator's Secret was not in the namespace");
        assert.deepStrictEqual(diff.missing, excluded, "missing after the restore: exactly what the Schedule excludes");
        assert.deepStrictEqual(diff.changed, [], "objects changed by the restore");
        assert.deepStrictEqual(diff.extra, [], "objects the restore added");
        checks.appNamespace = true;
    });

    it("restores the data namespace over its live objects: the live postgresql untouched, no Spilo member or DCS ConfigMap back", async function () {
        this.timeout(10 * 60 * 1000);
        assert.ok(checks.backup, "no backup");
        const pgKey = (o: KubeObject) => o.kind === "postgresql";
        const livePg = dataBefore.filter(pgKey);
        assert.ok(livePg.length > 0, `no live postgresql in ${dataNs}`);
        // The members and Patroni's state gone (what a restore must not bring back).
        const owned = dataBefore.filter((o) => excludedBySelector(o.metadata.labels, backupExclusions().labelSelector as never));
        for (const o of owned) kubectl(["delete", o.kind === "Pod" ? "pod" : o.kind.toLowerCase(), o.metadata.name, "-n", dataNs, "--wait=true", "--grace-period=0", "--force"], true);
        const restore = `${backupName}-data`;
        velero(["restore", "create", restore, "--from-backup", backupName, "--include-namespaces", dataNs, "--existing-resource-policy", "none", "--wait"]);
        const r = getJson<{ status: { phase: string; errors?: number; warnings?: number; progress?: { itemsRestored?: number } } }>(["get", "restores.velero.io", restore, "-n", veleroNs]);
        const after = namespaceObjects(dataNs);
        const pgAfter = after.filter(pgKey);
        const untouched = livePg.every((p) => pgAfter.some((q) => q.metadata.name === p.metadata.name && q.metadata.uid === p.metadata.uid && q.metadata.resourceVersion === p.metadata.resourceVersion
            && !Object.keys(q.metadata.labels ?? {}).some((l) => l.startsWith("velero.io/"))));
        const back = after.filter((o) => excludedBySelector(o.metadata.labels, backupExclusions().labelSelector as never)).map(objectKey);
        const diff: NamespaceDiff = compareNamespace(dataBefore.filter((o) => !owned.includes(o)), after);
        report.dataNamespace = { namespace: dataNs, restore, phase: r.status.phase, itemsRestored: r.status.progress?.itemsRestored, errors: r.status.errors ?? 0, warnings: r.status.warnings ?? 0,
            postgresqlUntouched: untouched, operatorObjectsBack: back, removedBeforeRestore: owned.map(objectKey), diff };
        assert.ok(["Completed", "PartiallyFailed"].includes(r.status.phase) && (r.status.errors ?? 0) === 0, `restore ${restore}: ${JSON.stringify(r.status)}`);
        assert.ok(untouched, "the live postgresql was changed by the restore");
        assert.deepStrictEqual(back, [], "operator-owned objects restored");
        assert.deepStrictEqual([diff.missing, diff.changed, diff.extra], [[], [], []], "the rest of the data namespace as before");
        checks.dataNamespace = true;
    });

    /** The runbook's shell (test/dr/runbook.ts), made once: the stack's project directory, the built tools. */
    let shell: RunbookShell | undefined;
    const theShell = () => (shell ??= runbookShell({ dir: path.join(work, "runbook"), projectDir: path.join(on!.state, "project"), state: on!.state, kubeconfig: on!.cluster.kubeconfig, tools,
        record: (s) => stepsRun.push(s), afterStep: () => followOperatorRestart() }));
    let operator: OperatorRun | undefined;
    let patroni: { stop(): void } | undefined;
    let operatorRestartedAt: string | undefined;
    type OperatorDeployment = { metadata: { name: string }; spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    const operatorDeployment = () => getJson<{ items: OperatorDeployment[] }>(["get", "deployments", "-n", dataNs, "-l", "app.kubernetes.io/name=postgres-operator"]).items[0];
    /**
     * The operator's Deployment runs nothing on KWOK nodes: when a step restarts it (`kubectl rollout
     * restart`, which sets the template's restartedAt annotation), its new pod is this process, the real
     * operator started out of cluster (test/operators/pg-operator.ts) with the Deployment's environment and
     * ServiceAccount; stand-ins for the members' Postgres and Patroni's labels let its sync finish.
     */
    async function followOperatorRestart(force = false): Promise<void> {
        const d = operatorDeployment();
        const at = d?.spec.template.metadata.annotations?.["kubectl.kubernetes.io/restartedAt"];
        if (!d || (at === operatorRestartedAt && !force)) return;
        operatorRestartedAt = at;
        if (operator) await stopProc(operator);
        // Velero's server (its controller-runtime manager's metrics) and the operator (its REST API) both
        // listen on :8080, each in its own pod on a cluster; out of cluster they share one loopback, so
        // the Velero server stops here (every Velero step of the runbook comes before this one).
        if (server) {
            await stopProcess(server);
            server = undefined;
            runbookReport.veleroServerStopped = "before the operator started: both listen on :8080 (separate pods in a cluster, one loopback here)";
        }
        if (!runbookReport.operatorStandIns) {
            const postgres = await startStandInPostgres(work, LIFETIME_SECONDS);
            runbookStops.push(async () => { patroni?.stop(); await stopProc(postgres); });
            runbookReport.operatorStandIns = ["Postgres (Debian's) on 127.0.0.1:5432 for the members' database", "Patroni's spilo-role pod labels"];
        }
        // Patroni's labels in the cluster the operator runs against (case 3 replaces the cluster).
        patroni ??= patroniLabelStandIn(on!.cluster, dataNs, "application=spilo");
        const domain = "cluster.local";
        operator = startOperator(on!.cluster, { bin: tools.PG_OPERATOR, dir: work, namespace: dataNs, deployment: d.metadata.name, lifetimeSeconds: LIFETIME_SECONDS,
            dnsNames: [pgCluster, `${pgCluster}-repl`].map((n) => `${n}.${dataNs}.svc.${domain}`) });
        const started = operator;
        runbookStops.push(() => stopProc(started));
        console.log(`      (the operator Deployment was restarted: the real operator started out of cluster, log ${operator.log})`);
    }

    /**
     * The real operator turns a clone `postgresql` into a StatefulSet and pods; the environment it gives
     * the Spilo container (literal values, the ConfigMap and the object-store Secret it references) set
     * against the one the data half ran WAL-G with (test/dr/spilo_env.py), variable by variable.
     */
    async function operatorMadeClone(name: string, clone: Record<string, string> | null, uid: string) {
        type EnvVar = { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } } };
        type Sts = { metadata: { name: string }; spec: { template: { spec: { containers: { name: string; env?: EnvVar[]; envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[] }[] } } } };
        const sts = await until(`StatefulSet ${name}`, 8 * 60 * 1000, () => getJson<{ items: Sts[] }>(["get", "statefulsets", "-n", dataNs]).items.find((x) => x.metadata.name === name), () => tail(operator!.log));
        const pods = await until(`pods of ${name}`, 5 * 60 * 1000, () => { const p = getJson<{ items: KubeObject[] }>(["get", "pods", "-n", dataNs, "-l", `cluster-name=${name}`]).items; return p.length ? p : false; }, () => tail(operator!.log));
        const spilo = sts.spec.template.spec.containers.find((c) => c.name === "postgres") ?? sts.spec.template.spec.containers[0];
        const literal: Record<string, string> = {};
        const fromSecret: Record<string, string> = {};
        const cmData = (n: string) => getJson<{ data?: Record<string, string> }>(["get", "configmap", n, "-n", dataNs]).data ?? {};
        const secretKeys = (n: string) => Object.keys(getJson<{ data?: Record<string, string> }>(["get", "secret", n, "-n", dataNs]).data ?? {});
        for (const e of spilo.env ?? []) {
            // The API server drops an empty `value` (omitempty): no value and no valueFrom is "".
            if (!e.valueFrom) literal[e.name] = e.value ?? "";
            else if (e.valueFrom.configMapKeyRef) literal[e.name] = cmData(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
            else if (e.valueFrom.secretKeyRef) fromSecret[e.name] = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
        }
        const refs: string[] = [];
        for (const f of spilo.envFrom ?? []) {
            if (f.configMapRef) { refs.push(`ConfigMap ${f.configMapRef.name}`); for (const [k, v] of Object.entries(cmData(f.configMapRef.name))) if (!(k in literal)) literal[k] = v; }
            if (f.secretRef) { refs.push(`Secret ${f.secretRef.name}`); for (const k of secretKeys(f.secretRef.name)) if (!(k in literal)) fromSecret[k] = `${f.secretRef.name}/${k}`; }
        }
        // The drill's derivation (test/dr/spilo_env.py, which the data half runs WAL-G with).
        const settings = drSettings(STACK);
        const sf = path.join(work, "runbook", "settings.json"), cf = path.join(work, "runbook", "clone.json");
        fs.writeFileSync(sf, JSON.stringify(settings));
        fs.writeFileSync(cf, JSON.stringify(clone));
        const expected = JSON.parse(execFileSync("python3", [path.join(ROOT, "test", "dr", "spilo_env.py"), sf, name, uid, String(settings.postgresMajor), cf], { encoding: "utf8" })) as { env: Record<string, string>; secretEnv: string[] };
        const walgRelated = (k: string) => /^(CLONE_|WAL_|WALG_|WALE_|AWS_|USE_WALG|BACKUP_)/.test(k) || k === "SCOPE" || k === "PGVERSION";
        const actual = Object.fromEntries(Object.entries(literal).filter(([k]) => walgRelated(k)).sort());
        const actualSecret = Object.keys(fromSecret).filter(walgRelated).sort();
        const envDiff = {
            differs: Object.keys(expected.env).filter((k) => actual[k] !== expected.env[k]).map((k) => `${k}: pod ${JSON.stringify(actual[k])}, drill ${JSON.stringify(expected.env[k])}`),
            podOnly: Object.keys(actual).filter((k) => !(k in expected.env)),
            secretDiffers: [actualSecret.join(","), [...expected.secretEnv].sort().join(",")],
        };
        return { statefulSet: sts.metadata.name, pods: pods.map((p) => p.metadata.name), podEnv: actual, podEnvFromSecret: fromSecret, envRefs: refs, drillEnv: expected.env, envDiff,
            comparedAt: "the pod's environment (Spilo's image source is not available offline: its mapping of CLONE_* to WAL-G is the drill's spilo_walg_env, applied to both)" };
    }

    function assertDrillEnv(envDiff: { differs: string[]; podOnly: string[]; secretDiffers: string[] }): void {
        assert.deepStrictEqual(envDiff.differs, [], "the Spilo pod's WAL-G/clone environment differs from the drill's");
        assert.deepStrictEqual(envDiff.podOnly, [], "the pod has WAL-G/clone variables the drill did not use");
        assert.strictEqual(envDiff.secretDiffers[0], envDiff.secretDiffers[1], "the object-store keys from the Secret");
    }

    it("runbook case 1 (docs/restore.md, the app namespace is lost): the document's own commands bring every object back", async function () {
        this.timeout(30 * 60 * 1000);
        assert.ok(checks.backup, "no backup");
        const c1 = readRunbook(path.join(ROOT, "docs", "restore.md")).find((c) => c.n === 1);
        assert.ok(c1, "docs/restore.md has no case 1");
        operatorRestartedAt = operatorDeployment()?.spec.template.metadata.annotations?.["kubectl.kubernetes.io/restartedAt"];
        const shell = theShell();
        // The loss: the app namespace and everything in it.
        kubectl(["delete", "namespace", appNs, "--wait=true", "--timeout=300s"]);
        const t = Date.now();
        const values: Record<string, string> = {};
        const restoresBefore = new Set(getJson<{ items: KubeObject[] }>(["get", "restores.velero.io", "-n", veleroNs]).items.map((r) => r.metadata.name));
        for (const cmd of c1!.commands) {
            const { out } = await shell.run(1, cmd, values);
            if (/^velero backup get\b/.test(cmd)) {
                const newest = newestBackup(out);
                assert.ok(newest, `no Completed backup in \`${cmd}\`:\n${out}`);
                values["<newest backup>"] = newest!;
            }
            if (/^velero restore create\b/.test(cmd)) {
                // The command returns at once; the next steps and the check need the restore done.
                const made = await finishedRestore(restoresBefore);
                runbookReport.case1Restore = { name: made.metadata.name, phase: made.status?.phase, backup: values["<newest backup>"] };
                assert.strictEqual(made.status?.phase, "Completed", `restore ${made.metadata.name}`);
            }
        }
        const after = namespaceObjects(appNs);
        // The operator's credentials Secret is the one object neither Pulumi nor Velero brings back: before,
        // a stand-in; now the operator's own (the runbook's last command waited for it).
        const diff = compareNamespace(appBefore.filter((o) => !isAppSecret(o)), after.filter((o) => !isAppSecret(o)));
        const secret = after.find(isAppSecret);
        runbookReport.case1 = { commands: c1!.commands.length, seconds: Math.round((Date.now() - t) / 1000), objectsBefore: appBefore.length, objectsAfter: after.length, diff,
            operatorSecret: secret ? { labels: secret.metadata.labels, keys: Object.keys((secret as { data?: object }).data ?? {}) } : null };
        assert.ok(secret, `the operator wrote no ${appSecret}`);
        assert.deepStrictEqual([diff.missing, diff.changed, diff.extra], [[], [], []], "the app namespace after case 1 (missing, changed, extra)");
        checks.runbookCase1 = true;
    });

    // Case 3 before case 2: the runbook's names are the stack defaults (docs/restore.md), and case 2 renames the cluster.
    it("runbook case 3 (the whole cluster is lost): the document's commands rebuild the platform on a new cluster, clone Postgres from the lost cluster's WAL and restore the app namespace from the old backups", async function () {
        this.timeout(40 * 60 * 1000);
        assert.ok(checks.backup, "no backup");
        const c3 = readRunbook(path.join(ROOT, "docs", "restore.md")).find((c) => c.n === 3);
        assert.ok(c3, "docs/restore.md has no case 3");
        const shell = theShell();
        const lostUid = kubectl(["get", "postgresql", pgCluster, "-n", dataNs, "-o", "jsonpath={.metadata.uid}"]).stdout.trim();
        const appLost = namespaceObjects(appNs);
        const backupsLost = getJson<{ items: KubeObject[] }>(["get", "backups.velero.io", "-n", veleroNs]).items.map((b) => b.metadata.name).sort();
        // The loss: the cluster with everything that ran in it (the Velero server, the operator and the
        // stand-ins of its members); the object store and the stack's state survive.
        const lostAt = Date.now();
        if (operator) await stopProc(operator);
        operator = undefined;
        patroni?.stop();
        patroni = undefined;
        if (server) await stopProcess(server);
        server = undefined;
        await on!.replaceCluster();
        operatorRestartedAt = undefined;
        const target = new Date().toISOString().replace(/\.\d+Z$/, "+00:00");
        const values: Record<string, string> = { "<now, RFC 3339 with offset>": target };
        const t = Date.now();
        let restoreName: string | undefined;
        let synced: string[] = [];
        for (const cmd of c3!.commands) {
            const { out } = await shell.run(3, cmd, values);
            if (/^pulumi stack output postgresClone\b/.test(cmd)) {
                const clone = JSON.parse(out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1)) as { cluster: string; uid: string };
                assert.strictEqual(clone.uid, lostUid, "the stack output postgresClone.uid is the lost cluster's uid");
                values["<postgresClone.uid>"] = clone.uid;
            }
            if (/^pulumi up\b/.test(cmd)) {
                // The Velero Deployment's pod, in the new cluster: the server out of cluster, as before the loss.
                await startServer(serverCommand());
            }
            if (/^velero backup get\b/.test(cmd)) {
                synced = getJson<{ items: KubeObject[] }>(["get", "backups.velero.io", "-n", veleroNs]).items.map((b) => b.metadata.name).sort();
                const before = newestBackup(out, lostAt);
                assert.ok(before, `no Completed backup from before the loss in \`${cmd}\`:\n${out}`);
                values["<newest backup taken before the loss>"] = before!;
            }
            if (/^velero restore create\b/.test(cmd)) {
                // A new cluster: no Restore was there before the command.
                const made = await finishedRestore(new Set());
                restoreName = made.metadata.name;
                runbookReport.case3Restore = { name: made.metadata.name, phase: made.status?.phase, backup: values["<newest backup taken before the loss>"], itemsRestored: made.status?.progress?.itemsRestored, warnings: made.status?.warnings ?? 0 };
                assert.strictEqual(made.status?.phase, "Completed", `restore ${made.metadata.name}`);
            }
        }
        assert.ok(restoreName, "case 3 restores nothing");
        // The operator's pod, in the new cluster (after the Velero server: both listen on :8080 here).
        await followOperatorRestart(true);
        const pg = getJson<KubeObject & { spec: { clone?: Record<string, string> } }>(["get", "postgresql", pgCluster, "-n", dataNs]);
        const planned = cloneSettings(STACK, postgresSetting(c3!.commands, "cloneFromCluster")!, lostUid, target, postgresSetting(c3!.commands, "clusterName"));
        assert.strictEqual(planned.cluster, pgCluster, "case 3 keeps the cluster's name");
        assert.deepStrictEqual(pg.spec.clone, planned.clone, "spec.clone of the postgresql in the new cluster");
        assert.notStrictEqual(pg.metadata.uid, lostUid, "the new cluster's postgresql has a uid of its own");
        const made = await operatorMadeClone(pgCluster, planned.clone, pg.metadata.uid as string);
        // The app namespace as it was before the loss: what the stack declares (pulumi up) and the rest
        // (Velero). The operator's Secret is written by the operator of the new cluster; the CA bundle
        // every namespace gets (kube-root-ca.crt) is the new cluster's own.
        await until(`the operator's Secret ${appSecret}`, 5 * 60 * 1000, () => kubectl(["get", "secret", appSecret, "-n", appNs], true).code === 0, () => tail(operator!.log));
        const isCaBundle = (o: KubeObject) => o.kind === "ConfigMap" && o.metadata.name === "kube-root-ca.crt";
        const after = namespaceObjects(appNs);
        const diff = compareNamespace(appLost.filter((o) => !isAppSecret(o) && !isCaBundle(o)), after.filter((o) => !isAppSecret(o) && !isCaBundle(o)));
        const caBundle = after.find(isCaBundle) as (KubeObject & { data?: Record<string, string> }) | undefined;
        runbookReport.case3 = { commands: c3!.commands.length, seconds: Math.round((Date.now() - t) / 1000), lostUid, newUid: pg.metadata.uid, backupsBeforeLoss: backupsLost, backupsSynced: synced,
            objectsBefore: appLost.length, objectsAfter: after.length, diff, clone: pg.spec.clone, ...made };
        assert.deepStrictEqual(synced.filter((b) => backupsLost.includes(b)), backupsLost, "every backup of the lost cluster is known to the new cluster's Velero");
        assert.strictEqual(caBundle?.data?.["ca.crt"]?.trim(), fs.readFileSync(on!.cluster.caFile, "utf8").trim(), "kube-root-ca.crt holds the new cluster's CA");
        assert.deepStrictEqual([diff.missing, diff.changed, diff.extra], [[], [], []], "the app namespace after case 3 (missing, changed, extra)");
        assertDrillEnv(made.envDiff);
        checks.runbookCase3 = true;
    });

    it("runbook case 2 (point in time): the document's commands make the program replace the postgresql with a clone; the real operator gives its Spilo pod the drill's WAL-G environment", async function () {
        this.timeout(30 * 60 * 1000);
        const c2 = readRunbook(path.join(ROOT, "docs", "restore.md")).find((c) => c.n === 2);
        assert.ok(c2, "docs/restore.md has no case 2");
        // The operator runs before the new resource exists (case 1 restarted it; alone, it starts here).
        if (!operator) await followOperatorRestart(true);
        const shell = theShell();
        const state = JSON.parse(shell.pulumi(["stack", "export"])) as { deployment: { resources?: { urn: string; type: string; outputs?: { metadata?: { name?: string } } }[] } };
        const pgUrns = (state.deployment.resources ?? []).filter((r) => r.type === "kubernetes:acid.zalan.do/v1:postgresql" && r.outputs?.metadata?.name === pgCluster).map((r) => r.urn);
        assert.strictEqual(pgUrns.length, 1, `one postgresql ${pgCluster} in the stack's state: ${pgUrns.join(", ")}`);
        const sourceUid = kubectl(["get", "postgresql", pgCluster, "-n", dataNs, "-o", "jsonpath={.metadata.uid}"]).stdout.trim();
        // The point in time: now (no data is restored here; the operator only passes it on).
        const target = new Date().toISOString().replace(/\.\d+Z$/, "+00:00");
        const values: Record<string, string> = { "<urn of the kubechat-db postgresql>": pgUrns[0] };
        const t = Date.now();
        let newName: string | undefined;
        for (const cmd of c2!.commands) {
            const example = exampleTimestamp(cmd);
            if (example) values[example] = target;
            if (/^kubectl .*get postgresql (\S+)/.test(cmd)) newName = /get postgresql (\S+)/.exec(cmd)![1];
            const { out } = await shell.run(2, cmd, values);
            if (/^pulumi stack output postgresClone\b/.test(cmd)) {
                const clone = JSON.parse(out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1)) as { cluster: string; uid: string };
                assert.strictEqual(clone.uid, sourceUid, "the stack output postgresClone.uid is the live cluster's uid");
                values["<postgresClone.uid>"] = clone.uid;
            }
        }
        assert.ok(newName, "case 2 names the restored cluster in its last command");
        const pg = getJson<KubeObject & { spec: { clone?: Record<string, string>; postgresql: { version: string } } }>(["get", "postgresql", newName!, "-n", dataNs]);
        const oldStill = kubectl(["get", "postgresql", pgCluster, "-n", dataNs, "-o", "jsonpath={.metadata.uid}"], true).stdout.trim();
        // What the program makes of the runbook's settings (test/dr/config.ts, as the data half restores).
        const planned = cloneSettings(STACK, postgresSetting(c2!.commands, "cloneFromCluster")!, sourceUid, target, postgresSetting(c2!.commands, "clusterName"));
        assert.strictEqual(newName, planned.cluster, "the runbook's last command names the cluster the program makes");
        assert.deepStrictEqual(pg.spec.clone, planned.clone, "spec.clone of the new postgresql");
        assert.strictEqual(oldStill, sourceUid, "the old cluster is retained");
        const made = await operatorMadeClone(newName!, planned.clone, pg.metadata.uid as string);
        runbookReport.case2 = { commands: c2!.commands.length, seconds: Math.round((Date.now() - t) / 1000), cluster: newName, clone: pg.spec.clone, ...made };
        assertDrillEnv(made.envDiff);
        checks.runbookCase2 = true;
    });
});

