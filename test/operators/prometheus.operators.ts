/**
 * The Prometheus operator, run for real: prometheus-operator (the version of the image the stack pins,
 * built from its Go module) runs out of cluster against prod's simulated cluster after a real
 * `pulumi up`, with the flags the kube-prometheus-stack chart gave its Deployment and the RBAC of the
 * chart's ServiceAccount (impersonated). From every ServiceMonitor, PodMonitor and PrometheusRule it
 * writes the Prometheus configuration Secret and the rule ConfigMaps; then:
 *
 * - a real Prometheus of the pinned release loads that configuration on 127.0.0.1, its Kubernetes
 *   service discovery reading the simulated API server as the Prometheus ServiceAccount, and its
 *   /api/v1/targets (after relabeling, active and dropped) are counted per pod and port: no pod port
 *   may be scraped twice;
 * - every generated rule file passes `promtool check rules` of the same release, and Prometheus itself
 *   loads every group;
 * - every alert the docs name is in the generated rules.
 *
 * Why prod: it has the most monitors and rules of the stacks (with staging: Velero, Trivy, mesh,
 * Postgres; prod adds the HA settings — two Prometheus replicas, Alertmanager, synchronous standbys and
 * their alert). Writes section `prometheus` of out/real/operators-report.json.
 * KUBECHAT_OPERATORS_KEEP=1 keeps the work folder (generated and rewritten configuration, rule files).
 */
import * as assert from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as YAML from "yaml";
import { toolchainEnv } from "../real/tools/tools";
import { ROOT } from "../apply/stacks";
import type { SimCluster } from "../apply/sim-cluster";
import { freePort, stopProcess } from "../real/cluster";
import { platform, recordOperator } from "./platform";
import { ApiTarget, documentedAlerts, localPrometheusConfig, ruleContents, scrapedEndpoints, targetsPerPool } from "./prometheus-config";
import { until } from "../real/tools/until";

const STACK = "prod";

interface Obj {
    metadata: { name: string; namespace?: string; generation?: number; labels?: Record<string, string>; ownerReferences?: unknown[] };
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
    data?: Record<string, string>;
}
interface Container { name: string; image?: string; args?: string[]; volumeMounts?: { name: string; mountPath: string }[] }
type PodTemplate = { spec: { containers: Container[]; serviceAccountName?: string; volumes?: { name: string; secret?: { secretName: string } }[] } };

function getJson<T>(c: SimCluster, args: string[]): T {
    const r = c.kubectl(["get", ...args, "-o", "json"]);
    return JSON.parse(r.stdout) as T;
}

async function api<T>(port: number, p: string): Promise<T> {
    const r = await fetch(`http://127.0.0.1:${port}${p}`);
    if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { data: T }).data;
}

/**
 * The chart's operator flags, minus its web server's (in-pod TLS files and port): the operator serves
 * only its own metrics and the admission webhook there, which nothing here calls.
 */
function operatorArgs(deploymentArgs: string[], port: number, serviceAccount: string): string[] {
    return [
        ...deploymentArgs.filter((a) => !a.startsWith("--web.")),
        `--web.listen-address=127.0.0.1:${port}`,
        `--as=${serviceAccount}`,
    ];
}

/** Prometheus' flags from the StatefulSet the operator generated, with its paths and address made local. */
function prometheusArgs(stsArgs: string[], config: string, dataDir: string, port: number): string[] {
    const local = ["--config.file", "--web.config.file", "--storage.tsdb.path", "--web.listen-address", "--web.console.templates", "--web.console.libraries"];
    return [
        ...stsArgs.filter((a) => !local.some((f) => a === f || a.startsWith(`${f}=`))),
        `--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`,
    ];
}

/**
 * The operator's serving certificate: on a cluster the chart's pre-install hook Job (kube-webhook-certgen
 * `create`) writes that Secret (keys ca, cert, key); a KWOK pod runs nothing, so the test writes it as the
 * Job would, from a fresh self-signed pair, when it is missing. The chart's ServiceMonitor of the operator
 * reads its `ca` (the operator rejects a monitor whose Secret is missing). Returns what it wrote.
 */
function certgenStandIn(c: SimCluster, dep: Obj & { spec: { template: PodTemplate } }, container: Container, dir: string): string | undefined {
    const certFile = (container.args ?? []).find((a) => a.startsWith("--web.cert-file="))?.split("=")[1];
    if (!certFile) return undefined;
    const mount = (container.volumeMounts ?? []).find((m) => path.dirname(certFile) === m.mountPath.replace(/\/$/, ""));
    const secret = dep.spec.template.spec.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName;
    const ns = dep.metadata.namespace!;
    if (!secret || c.kubectl(["get", "secret", secret, "-n", ns], { allowFail: true }).code === 0) return undefined;
    const [key, cert] = [path.join(dir, "certgen.key"), path.join(dir, "certgen.crt")];
    const host = `${dep.metadata.name}.${ns}.svc`;
    const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
        "-subj", `/CN=${host}`, "-addext", `subjectAltName=DNS:${host}`, "-keyout", key, "-out", cert], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    c.kubectl(["create", "secret", "generic", secret, "-n", ns, `--from-file=ca=${cert}`, `--from-file=cert=${cert}`, `--from-file=key=${key}`]);
    return `${ns}/${secret} (kube-webhook-certgen's Secret, self-signed)`;
}

/** A kubeconfig like the cluster's whose user acts as `serviceAccount` (Kubernetes impersonation). */
function impersonatingKubeconfig(kubeconfig: string, serviceAccount: string, out: string): string {
    const kc = YAML.parse(fs.readFileSync(kubeconfig, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of kc.users) u.user.as = serviceAccount;
    fs.writeFileSync(out, YAML.stringify(kc), { mode: 0o600 });
    return out;
}

/**
 * Argo Rollouts does not run in this check: the app's pods are made as its controller makes them, one
 * ReplicaSet from the Rollout's pod template with `rollouts-pod-template-hash` added. The controller
 * would also add that hash to the stable and canary Services' selectors; without it every Service of
 * the Rollout selects these pods, the case most prone to double scraping.
 */
function rolloutStandIns(c: SimCluster): string[] {
    const made: string[] = [];
    let rollouts: Obj[] = [];
    const r = c.kubectl(["get", "rollouts.argoproj.io", "-A", "-o", "json"], { allowFail: true });
    if (r.code === 0) rollouts = (JSON.parse(r.stdout) as { items: Obj[] }).items;
    for (const ro of rollouts) {
        const spec = ro.spec as { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> } } };
        const hash = "standin";
        const name = `${ro.metadata.name}-${hash}`;
        const rs = {
            apiVersion: "apps/v1", kind: "ReplicaSet",
            metadata: { name, namespace: ro.metadata.namespace, labels: { ...spec.template.metadata?.labels, "rollouts-pod-template-hash": hash } },
            spec: {
                replicas: spec.replicas ?? 1,
                selector: { matchLabels: { ...spec.selector.matchLabels, "rollouts-pod-template-hash": hash } },
                template: { ...spec.template, metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, "rollouts-pod-template-hash": hash } } },
            },
        };
        c.kubectl(["apply", "-f", "-"], { input: JSON.stringify(rs) });
        made.push(`${ro.metadata.namespace}/${name}`);
    }
    return made;
}

describe(`test:operators prometheus: prometheus-operator reconciles ${STACK}'s monitors and rules`, function () {
    this.timeout(20 * 60 * 1000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-op-prometheus-"));
    const report: Record<string, unknown> = { stack: STACK };
    let operator: ChildProcess | undefined;
    let prometheus: ChildProcess | undefined;
    let c: SimCluster;
    let standIns: string[] = [];
    let promPort = 0;
    let ruleTexts: { file: string; text: string }[] = [];
    let promtool = "";
    /** `serviceMonitor/<ns>/<name>` and `podMonitor/<ns>/<name>` of every monitor in the cluster. */
    let monitors: string[] = [];
    /** Every PrometheusRule and the rule file the operator names after it. */
    let promRules: { name: string; file: string }[] = [];

    before(async function () {
        const tools = toolchainEnv(["PROMETHEUS_OPERATOR", "PROMETHEUS", "PROMTOOL"]);
        promtool = tools.PROMTOOL;
        const on = await platform(STACK);
        c = on.cluster;
        const t0 = Date.now();

        // The Prometheus the chart declared, and the operator Deployment it made (one of each).
        const proms = getJson<{ items: Obj[] }>(c, ["prometheuses.monitoring.coreos.com", "-A"]).items;
        assert.strictEqual(proms.length, 1, `expected one Prometheus resource, found ${proms.map((p) => p.metadata.name).join(", ")}`);
        const prom = proms[0];
        const ns = prom.metadata.namespace!;
        const name = prom.metadata.name;
        const deployments = getJson<{ items: (Obj & { spec: { template: PodTemplate } })[] }>(c, ["deployments", "-A"]).items
            .filter((d) => d.spec.template.spec.containers.some((x) => (x.args ?? []).some((a) => a.startsWith("--prometheus-config-reloader="))));
        assert.strictEqual(deployments.length, 1, "expected one prometheus-operator Deployment");
        const dep = deployments[0];
        const container = dep.spec.template.spec.containers.find((x) => (x.args ?? []).some((a) => a.startsWith("--prometheus-config-reloader=")))!;
        const operatorSa = `system:serviceaccount:${dep.metadata.namespace}:${dep.spec.template.spec.serviceAccountName ?? "default"}`;
        assert.ok(container.image?.endsWith(`:${tools.PROMETHEUS_OPERATOR_VERSION}`), `the chart runs ${container.image}, the check builds ${tools.PROMETHEUS_OPERATOR_VERSION}`);

        standIns = rolloutStandIns(c);
        const certgen = certgenStandIn(c, dep, container, tmp);

        // Beside the control plane: bounded by its lifetime, logging into the cluster's folder.
        const opLog = () => c.logTail("prometheus-operator");
        const args = operatorArgs(container.args ?? [], await freePort(), operatorSa);
        operator = c.spawn("prometheus-operator", tools.PROMETHEUS_OPERATOR, args, { ...process.env, KUBECONFIG: c.kubeconfig });
        Object.assign(report, { operatorVersion: tools.PROMETHEUS_OPERATOR_VERSION, operatorArgs: args, operatorIdentity: operatorSa, rolloutStandIns: standIns, simulatedSecrets: certgen ? [certgen] : [] });

        // Reconciled: the status condition for this generation, the configuration Secret and the rule ConfigMaps.
        const secretName = `prometheus-${name}`;
        await until("the operator's Reconciled condition", 180000, () => {
            if (operator?.exitCode !== null) throw new Error(`prometheus-operator exited ${operator?.exitCode}:\n${opLog()}`);
            const p = getJson<Obj>(c, ["prometheuses.monitoring.coreos.com", name, "-n", ns]);
            const cond = ((p.status?.conditions as { type: string; status: string; observedGeneration?: number }[] | undefined) ?? [])
                .find((x) => x.type === "Reconciled");
            const secret = c.kubectl(["get", "secret", secretName, "-n", ns], { allowFail: true });
            return cond?.status === "True" && cond.observedGeneration === p.metadata.generation && secret.code === 0 ? true : undefined;
        }, opLog);
        report.operatorSeconds = Number(((Date.now() - t0) / 1000).toFixed(1));

        const secret = getJson<Obj>(c, ["secret", secretName, "-n", ns]);
        const generated = zlib.gunzipSync(Buffer.from(secret.data!["prometheus.yaml.gz"], "base64")).toString("utf8");
        fs.writeFileSync(path.join(tmp, "generated.yaml"), generated);
        const rulesDir = path.join(tmp, "rules");
        const cms = getJson<{ items: Obj[] }>(c, ["configmaps", "-n", ns]).items.filter((m) => m.metadata.name.startsWith(`prometheus-${name}-rulefiles-`));
        for (const cm of cms) {
            fs.mkdirSync(path.join(rulesDir, cm.metadata.name), { recursive: true });
            for (const [key, text] of Object.entries(cm.data ?? {})) {
                const file = path.join(rulesDir, cm.metadata.name, key);
                fs.writeFileSync(file, text);
                ruleTexts.push({ file, text });
            }
        }
        report.ruleConfigMaps = cms.map((m) => m.metadata.name);
        monitors = ["servicemonitors", "podmonitors"].flatMap((kind) => getJson<{ items: Obj[] }>(c, [`${kind}.monitoring.coreos.com`, "-A"]).items
            .map((m) => `${kind === "servicemonitors" ? "serviceMonitor" : "podMonitor"}/${m.metadata.namespace}/${m.metadata.name}`));
        promRules = getJson<{ items: (Obj & { metadata: { uid: string } })[] }>(c, ["prometheusrules.monitoring.coreos.com", "-A"]).items
            .map((r) => ({ name: `${r.metadata.namespace}/${r.metadata.name}`, file: `${r.metadata.namespace}-${r.metadata.name}-${r.metadata.uid}.yaml` }));

        // Prometheus as the StatefulSet would run it (pod 0).
        const sts = getJson<Obj & { spec: { template: PodTemplate } }>(c, ["statefulset", `prometheus-${name}`, "-n", ns]);
        const promContainer = sts.spec.template.spec.containers.find((x) => x.name === "prometheus")!;
        const promSa = `system:serviceaccount:${ns}:${sts.spec.template.spec.serviceAccountName ?? "default"}`;
        const local = localPrometheusConfig(generated, {
            kubeconfig: impersonatingKubeconfig(c.kubeconfig, promSa, path.join(tmp, "prometheus-kubeconfig")),
            rulesDir,
            filesRoot: path.join(tmp, "pod"),
            env: { POD_NAME: `prometheus-${name}-0`, SHARD: "0" },
        });
        // The TLS assets the operator collected from the monitors' Secrets, mounted at /etc/prometheus/certs/
        // (an unreadable CA would make Prometheus drop that job's scrape pool, and with it its targets).
        const assets: Record<string, string> = {};
        for (const sec of getJson<{ items: Obj[] }>(c, ["secrets", "-n", ns]).items.filter((x) => x.metadata.name.startsWith(`prometheus-${name}-tls-assets-`))) {
            Object.assign(assets, sec.data ?? {});
        }
        for (const f of local.podFiles) {
            const dest = path.join(tmp, "pod", f);
            fs.mkdirSync(path.dirname(dest), { recursive: true });
            // The service account's mounted CA is the cluster's; its token a placeholder (scrapes cannot
            // connect from this network namespace: only discovery and relabeling are judged).
            const asset = f.startsWith("/etc/prometheus/certs/") ? assets[path.basename(f)] : undefined;
            if (f.startsWith("/etc/prometheus/certs/") && asset === undefined) throw new Error(`${f}: not in the operator's TLS-assets Secrets`);
            fs.writeFileSync(dest, asset !== undefined ? Buffer.from(asset, "base64") : f.endsWith("/ca.crt") ? fs.readFileSync(c.caFile) : "placeholder\n");
        }
        const config = path.join(tmp, "prometheus.yaml");
        fs.writeFileSync(config, local.text);
        promPort = await freePort();
        const promLog = () => c.logTail("prometheus");
        const promArgs = prometheusArgs(promContainer.args ?? [], config, path.join(tmp, "data"), promPort);
        prometheus = c.spawn("prometheus", tools.PROMETHEUS, promArgs);
        Object.assign(report, { prometheusVersion: tools.PROMETHEUS_VERSION, prometheusArgs: promArgs, prometheusIdentity: promSa, configRewrites: local.rewrites });
        await until("Prometheus ready", 120000, async () => {
            if (prometheus?.exitCode !== null) throw new Error(`prometheus exited ${prometheus?.exitCode}:\n${promLog()}`);
            return (await fetch(`http://127.0.0.1:${promPort}/-/ready`).then((r) => r.ok, () => false)) ? true : undefined;
        }, promLog);
        report.prometheusSeconds = Number(((Date.now() - t0) / 1000).toFixed(1));
    });

    after(async function () {
        this.timeout(60000);
        if (prometheus) await stopProcess(prometheus);
        if (operator) await stopProcess(operator);
        if (c) for (const rs of standIns) {
            const [ns, n] = rs.split("/");
            c.kubectl(["delete", "replicaset", n, "-n", ns, "--wait=false"], { allowFail: true });
        }
        recordOperator("prometheus", report);
        if (process.env.KUBECHAT_OPERATORS_KEEP) console.log(`      kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("scrapes no pod port twice: the generated discovery and relabeling, run by Prometheus, against the cluster's objects", async function () {
        type Targets = { activeTargets: ApiTarget[]; droppedTargets: ApiTarget[] };
        // Discovery settles: the same target counts on three reads two seconds apart.
        let last = "";
        let same = 0;
        const targets = await until("stable scrape targets", 120000, async () => {
            const t = await api<Targets>(promPort, "/api/v1/targets?state=any");
            const sig = `${t.activeTargets.length}/${t.droppedTargets.length}`;
            same = sig === last && t.activeTargets.length > 0 ? same + 1 : 0;
            last = sig;
            return same >= 2 ? t : undefined;
        }, () => c.logTail("prometheus"));
        const jobs = ((YAML.parse(fs.readFileSync(path.join(tmp, "generated.yaml"), "utf8")) as { scrape_configs?: { job_name: string }[] }).scrape_configs ?? []).map((j) => j.job_name);
        const perPool = targetsPerPool(targets.activeTargets);
        const endpoints = scrapedEndpoints(targets.activeTargets);
        const duplicates = endpoints.filter((e) => e.pools.length > 1).map((e) => ({ endpoint: e.key, jobs: e.pools, urls: e.urls }));
        // A job whose HTTP client cannot be made (an unreadable CA or credentials file) loses its scrape pool,
        // and with it its targets: Prometheus only logs it.
        const scrapePoolErrors = c.logTail("prometheus", 100000).split("\n").filter((l) => /error creating new scrape pool|Creating target failed/i.test(l));
        // A monitor the operator rejects (invalid configuration) gets no job: it is skipped with an event only.
        const monitorsWithoutJob = monitors.filter((m) => !jobs.some((j) => j.startsWith(`${m}/`)));
        Object.assign(report, {
            jobs: jobs.length,
            targetsPerJob: Object.fromEntries(jobs.map((j) => [j, perPool[j] ?? 0])),
            jobsWithoutTargets: jobs.filter((j) => !perPool[j]),
            activeTargets: targets.activeTargets.length,
            droppedTargets: targets.droppedTargets.length,
            scrapedPodPorts: endpoints.length,
            duplicateTargets: duplicates,
            monitors: monitors.length,
            monitorsWithoutJob,
            scrapePoolErrors,
        });
        assert.ok(jobs.length > 0 && targets.activeTargets.length > 0, "no scrape job or no active target");
        assert.deepStrictEqual(monitorsWithoutJob, [], "monitors the operator made no scrape job of");
        assert.deepStrictEqual(scrapePoolErrors, [], "scrape pools Prometheus could not create");
        assert.deepStrictEqual(duplicates, [], `pod ports scraped more than once:\n${JSON.stringify(duplicates, null, 2)}`);
    });

    it("loads every generated rule group with Prometheus' own rule loader (promtool check rules, and Prometheus itself)", async function () {
        const failures: { file: string; output: string }[] = [];
        for (const { file } of ruleTexts) {
            const r = spawnSync(promtool, ["check", "rules", file], { encoding: "utf8" });
            if (r.status !== 0) failures.push({ file: path.relative(tmp, file), output: `${r.stdout}${r.stderr}`.trim() });
        }
        const contents = ruleContents(ruleTexts.map((r) => r.text));
        // A PrometheusRule the operator rejects is left out of the ConfigMaps (skipped with an event only).
        const names = new Set(ruleTexts.map((r) => path.basename(r.file)));
        const rulesRejected = promRules.filter((r) => !names.has(r.file)).map((r) => r.name);
        const loaded = await api<{ groups: { name: string; file: string; rules: unknown[] }[] }>(promPort, "/api/v1/rules");
        Object.assign(report, {
            ruleFiles: ruleTexts.length,
            ruleGroups: contents.groups,
            rules: contents.rules,
            rulesLoaded: loaded.groups.length,
            ruleLoadFailures: failures,
            prometheusRules: promRules.length,
            rulesRejected,
        });
        assert.ok(ruleTexts.length > 0, "the operator wrote no rule file");
        assert.deepStrictEqual(rulesRejected, [], "PrometheusRules the operator left out");
        assert.deepStrictEqual(failures, [], "rule files promtool rejects");
        assert.strictEqual(loaded.groups.length, contents.groups, "rule groups Prometheus loaded vs groups in the generated files");
    });

    it("has every alert the docs name in the generated rules", function () {
        const docsDir = path.join(ROOT, "docs");
        const docs = [...fs.readdirSync(docsDir).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f)), "README.md"]
            .map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file), "utf8") }));
        // KubeChat* names the sources declare as identifiers are not alerts (the KubeChatPlatform component).
        const declared = new Set<string>();
        const src = spawnSync("grep", ["-rhoE", "(class|interface|type|function|const) KubeChat[A-Za-z0-9]*", "components", "index.ts"], { cwd: ROOT, encoding: "utf8" }).stdout;
        for (const m of src.matchAll(/KubeChat[A-Za-z0-9]*/g)) declared.add(m[0]);
        const documented = documentedAlerts(docs, declared);
        const found = new Set(ruleContents(ruleTexts.map((r) => r.text)).alerts);
        const missing = [...documented.entries()].filter(([a]) => !found.has(a)).map(([alert, files]) => ({ alert, docs: files }));
        Object.assign(report, { alertsDocumented: documented.size, alertsFound: [...documented.keys()].filter((a) => found.has(a)), alertsMissing: missing, alertsGenerated: found.size });
        assert.ok(documented.size > 0, "the docs name no alert");
        assert.deepStrictEqual(missing, [], "alerts the docs name but the generated rules lack");
    });
});
