/**
 * The Zalando postgres-operator (v2.0.0, the image the stacks pin, built from its release source) run
 * for real against a stack a real `pulumi up` applied to a simulated cluster (platform.ts): from our
 * `postgresql` resource and the OperatorConfiguration our chart values made, it must create what
 * docs/ha.md, docs/restore.md and `npm run ha:config` say (pg-claims.ts), and the test fails on any
 * difference. What is simulated (pg-operator.ts): no Spilo container runs, so Patroni's `spilo-role`
 * pod labels are set by a stand-in, and the operator's SQL runs against a stand-in Postgres (Debian's)
 * its cluster DNS names point at. For an EKS stack (prod), whose layers run here on an existing cluster with
 * an on-prem store, a third run puts its own data settings in place (eksDataSettings: IRSA, no keys,
 * SSE-KMS) with stand-in role and key ARNs.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_NAMESPACE, parseConfig } from "../../components/config";
import { OBJECT_STORE_SECRET } from "../../components/data/postgres";
import { POD_SERVICE_ACCOUNT, WALG_CONFIGMAP } from "../../components/data/names";
import { cleanupPlans, objectsUnder, planOf } from "../real/plans";
import { ROOT, rawConfig } from "../apply/stacks";
import type { StackOnCluster } from "../apply/platform";
import { scaledUpNodes } from "../apply/nodes";
import { addNodes } from "../apply/sim-cluster";
import { toolchainEnv } from "../real/tools/tools";
import { platform, recordOperator } from "./platform";
import { K8sObj, PostgresObjects, StackExpectations, mismatches, postgresClaims } from "./pg-claims";
import { getJson, items, patroniLabelStandIn, startOperator, startStandInPostgres, stopProc, tail } from "./pg-operator";
import { until } from "../real/tools/until";

const STACKS = (process.env.KUBECHAT_OPERATORS_PG_STACKS ?? "staging,prod").split(",").filter((s) => s);
/** Upper bound of one operator run (its processes are killed by timeout(1) after it in any case). */
const LIFETIME_SECONDS = 15 * 60;

function haConfig(stack: string): any {
    return JSON.parse(execFileSync(process.execPath, [path.join(ROOT, "scripts", "run.js"), path.join(ROOT, "cmd", "ha-config.ts"), stack], { cwd: ROOT, encoding: "utf8" }));
}

/** What the stack file asks for, independent of what the operator was given. */
function expectations(on: StackOnCluster): StackExpectations {
    const c = parseConfig(rawConfig(on.s.configText), CONFIG_NAMESPACE, on.s.stack);
    const keysSet = on.args.some((a) => a.startsWith(`${CONFIG_NAMESPACE}:objectStoreAccessKeyId=`));
    const onPrem = c.cluster.kind !== "eks";
    return {
        stack: on.s.stack,
        zones: c.cluster.zones,
        appNamespace: c.app.namespace,
        poolerMaxDbConnections: c.postgres.poolerMaxDbConnections,
        podServiceAccount: POD_SERVICE_ACCOUNT,
        backup: !c.postgres.backups ? undefined : onPrem
            ? { bucket: c.postgres.backupBucket, region: c.objectStore.region, endpoint: c.objectStore.endpoint, credentialsSecret: keysSet ? OBJECT_STORE_SECRET : c.objectStore.credentialsSecret || undefined }
            // Only reached with a real EKS layer, which the simulated cluster does not have.
            : { bucket: c.postgres.backupBucket, region: "", roleArn: "<the stack's IRSA role>" },
    };
}

function collect(on: StackOnCluster, pg: K8sObj, appNamespace: string): PostgresObjects {
    const c = on.cluster;
    const ns = pg.metadata.namespace!;
    const cluster = pg.metadata.name;
    const named = (kind: string, re: RegExp, n = ns) => items(c, ["get", kind, "-n", n]).filter((o) => re.test(o.metadata.name)) as K8sObj[];
    const esc = cluster.replace(/[-.]/g, "\\$&");
    const nodeZones: Record<string, string> = {};
    for (const n of items(c, ["get", "nodes"])) nodeZones[n.metadata.name] = n.metadata.labels?.["topology.kubernetes.io/zone"] ?? "<no zone>";
    const secrets = [ns, appNamespace].flatMap((n) => items(c, ["get", "secrets", "-n", n]))
        .filter((s) => s.metadata.name.endsWith(".credentials.postgresql.acid.zalan.do") || s.metadata.name.startsWith(`${cluster}-`))
        .map((s) => ({ metadata: s.metadata, keys: Object.keys((s as { data?: Record<string, string> }).data ?? {}) }));
    return {
        postgresql: getJson<K8sObj>(c, ["get", "postgresql", cluster, "-n", ns])!,
        statefulSet: getJson<K8sObj>(c, ["get", "statefulset", cluster, "-n", ns]),
        pods: named("pods", new RegExp(`^${esc}-\\d+$`)),
        nodeZones,
        services: named("services", new RegExp(`^${esc}(-|$)`)),
        endpoints: named("endpoints", new RegExp(`^${esc}(-|$)`)),
        pdbs: items(c, ["get", "poddisruptionbudgets", "-n", ns]) as K8sObj[],
        poolerDeployments: named("deployments", new RegExp(`^${esc}-pooler`)),
        poolerPods: named("pods", new RegExp(`^${esc}-pooler(-repl)?-[a-z0-9]+-[a-z0-9]+$`)),
        secrets,
        cronJobs: items(c, ["get", "cronjobs", "-n", ns]) as K8sObj[],
        pvcs: named("persistentvolumeclaims", new RegExp(`^pgdata-${esc}-\\d+$`)),
        podServiceAccount: getJson<K8sObj>(c, ["get", "serviceaccount", POD_SERVICE_ACCOUNT, "-n", ns]),
        walgConfigMap: items(c, ["get", "configmaps", "-n", ns]).find((m) => m.metadata.name === "postgres-pod-env") as K8sObj | undefined,
    };
}

/** The member pods' phase, node, role label and scheduling condition: what a stuck wait for Running needs. */
function memberPods(c: StackOnCluster["cluster"], ns: string, cluster: string): string {
    return items(c, ["get", "pods", "-n", ns, "-l", `cluster-name=${cluster}`]).map((p) => {
        const st = p.status as { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined;
        const sched = st?.conditions?.find((x) => x.type === "PodScheduled");
        return `${p.metadata.name} ${st?.phase} node=${(p.spec as { nodeName?: string } | undefined)?.nodeName ?? "-"} spilo-role=${p.metadata.labels?.["spilo-role"] ?? "-"}` +
            (sched?.status === "True" ? "" : ` PodScheduled=${sched?.status} ${sched?.reason ?? ""} ${sched?.message ?? ""}`);
    }).join("\n") || "(none)";
}

/**
 * What only the AWS layer knows, which the offline plan shows as unknown: stand-in values, each for one
 * field (an unknown anywhere else fails the test: it would be a setting this check does not cover).
 */
const AWS_STAND_INS: Record<string, string> = {
    "configuration.aws_or_gcp.irsa_role_arn": "arn:aws:iam::123456789012:role/kubechat-prod-postgres-backup-stand-in",
    "data.WALG_S3_SSE_KMS_ID": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000",
};
const UNKNOWN = "(known after apply)";

/**
 * An EKS stack's own data settings, which its Kubernetes layers on an existing cluster (test/apply/stacks.ts)
 * replace by an on-prem object store: the OperatorConfiguration and the WAL-G environment ConfigMap of the
 * stack's offline plan (the real program with the AWS layer under the mock runtime, charts rendered from
 * charts/), with the stand-ins above for the role and key ARNs.
 */
function eksDataSettings(stack: string, namespace: string, operatorConfiguration: string) {
    const plan = planOf(stack);
    const objs = [...objectsUnder(plan, "rendered"), ...objectsUnder(plan, "manifests")].map((m) => m.object as K8sObj & Record<string, any>);
    const opc = objs.find((o) => o.kind === "OperatorConfiguration" && o.metadata.name === operatorConfiguration);
    assert.ok(opc, `${stack}'s plan has no OperatorConfiguration ${operatorConfiguration}`);
    const envRef: string = opc.configuration?.kubernetes?.pod_environment_configmap ?? "";
    assert.strictEqual(envRef, `${namespace}/${WALG_CONFIGMAP}`, "the plan's pod_environment_configmap");
    const env = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === WALG_CONFIGMAP && o.metadata.namespace === namespace);
    assert.ok(env, `${stack}'s plan has no ConfigMap ${envRef}`);
    const standIns: Record<string, string> = {};
    const fill = (o: any, at: string): void => {
        for (const [k, v] of Object.entries(o)) {
            const p = at ? `${at}.${k}` : k;
            if (v === UNKNOWN) {
                if (AWS_STAND_INS[p] === undefined) throw new Error(`${stack}'s plan: ${p} is unknown until the AWS layer exists, and this check has no stand-in for it`);
                o[k] = standIns[p] = AWS_STAND_INS[p];
            } else if (v && typeof v === "object") fill(v, p);
        }
    };
    const objects = [opc, env].map((o) => {
        const { metadata, ...rest } = JSON.parse(JSON.stringify(o));
        const copy = { ...rest, metadata: { name: metadata.name, namespace, labels: metadata.labels, annotations: metadata.annotations } };
        fill(copy, "");
        return copy;
    });
    const aws = objects[0].configuration.aws_or_gcp as { aws_region: string; wal_s3_bucket: string; irsa_role_arn?: string };
    return { objects, standIns, backup: { bucket: aws.wal_s3_bucket, region: aws.aws_region, roleArn: aws.irsa_role_arn } };
}

describe("postgres-operator reconciles our postgresql resource as the docs say", function () {
    const tools = toolchainEnv(["PG_OPERATOR", "PG_OPERATOR_SOURCE"]);
    const docs = { ha: fs.readFileSync(path.join(ROOT, "docs", "ha.md"), "utf8"), restore: fs.readFileSync(path.join(ROOT, "docs", "restore.md"), "utf8") };
    // The pooler image's PgBouncer template, from the same release source the operator is built from.
    const poolerTemplate = execFileSync("tar", ["xzf", tools.PG_OPERATOR_SOURCE, "-O", "pooler/pgbouncer.ini.tmpl"], { encoding: "utf8" });
    const summary: Record<string, unknown> = {};
    after(() => cleanupPlans());

    /**
     * One operator process from start to a Running cluster, with fresh stand-ins: `before` runs once the
     * operator lists no cluster (the order of a real install, where the chart's operator runs before the
     * program creates the resource). Returns the report fields and the operator's mismatches with the docs.
     */
    async function reconcile(on: StackOnCluster, pg: K8sObj, o: { label: string; deployment: string; domain: string; expectedPath: string; before?: () => void; expect?: StackExpectations }) {
        const c = on.cluster;
        const ns = pg.metadata.namespace!;
        const cluster = pg.metadata.name;
        const t0 = Date.now();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kubechat-op-pg-${on.s.stack}-${o.label}-`));
        const postgres = await startStandInPostgres(dir, LIFETIME_SECONDS);
        const patroni = patroniLabelStandIn(c, ns, `application=spilo,cluster-name=${cluster}`);
        const operator = startOperator(c, {
            bin: tools.PG_OPERATOR, dir, namespace: ns, deployment: o.deployment, lifetimeSeconds: LIFETIME_SECONDS,
            dnsNames: [cluster, `${cluster}-repl`].map((n) => `${n}.${ns}.svc.${o.domain}`),
        });
        const log = () => fs.readFileSync(operator.log, "utf8");
        let ok = false;
        try {
            const s = o.expect ?? expectations(on);
            const ha = haConfig(on.s.stack);
            const status = () => getJson<K8sObj>(c, ["get", "postgresql", cluster, "-n", ns])?.status?.PostgresClusterStatus as string | undefined;
            const detail = () => `operator log:\n${tail(operator.log)}\nmember pods:\n${memberPods(c, ns, cluster)}\n${c.logTail("kube-scheduler", 10)}`;
            if (o.before) {
                // acquireInitialListOfClusters logs this once its initial list is empty.
                await until("the operator's initial list, empty", 2 * 60 * 1000, () => (/msg="no clusters running"/.test(log()) ? true : undefined), detail);
                o.before();
            }
            // Create (ADD) and Sync both end with the logical-backup CronJob and the pooler, then set Running.
            const final = await until("postgresql status Running or a failure", 10 * 60 * 1000, () => {
                const st = status();
                return st === "Running" || (st && /Failed/.test(st)) ? st : undefined;
            }, detail);
            assert.strictEqual(final, "Running", detail());
            const objs = collect(on, pg, s.appNamespace);
            await until("pooler pods running", 3 * 60 * 1000, () => {
                const pods = collect(on, pg, s.appNamespace).poolerPods.filter((p) => p.status?.phase === "Running").length;
                return pods >= ha.pooler.instances ? pods : undefined;
            }, detail);
            Object.assign(objs, collect(on, pg, s.appNamespace));
            const roles = postgres.psql("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'");
            const databases = postgres.psql("SELECT string_agg(datname || ':' || pg_get_userbyid(datdba), ',' ORDER BY datname) FROM pg_database WHERE NOT datistemplate");
            objs.databases = databases.split(",");
            const claims = postgresClaims(objs, ha, docs, poolerTemplate, s);
            // The operator's own errors: only its calls to Patroni's REST API (not simulated) may fail.
            const operatorErrors = log().split("\n").filter((l) => /level=(error|fatal|panic)/.test(l));
            const unexpectedErrors = operatorErrors.filter((l) => !/:8008\//.test(l));
            // Which of the operator's paths reconciled the resource (pkg/controller/postgresql.go).
            const path_ = /msg="creating a new Postgres cluster"/.test(log()) ? "ADD (Create)" : /msg="syncing of the cluster started"/.test(log()) ? "SYNC (Sync)" : "none";
            const wrong = [...mismatches(claims), ...unexpectedErrors.map((l) => `operator error: ${l.slice(0, 400)}`),
                ...(path_ === o.expectedPath ? [] : [`the operator took the ${path_} path, expected ${o.expectedPath}`])];
            const zones = new Set(objs.pods.map((p) => objs.nodeZones[p.spec?.nodeName ?? ""]));
            const fields = {
                operatorPath: path_,
                statefulSetReplicas: objs.statefulSet?.spec?.replicas ?? 0,
                zones: zones.size,
                poolerInstances: objs.poolerDeployments.map((d) => d.spec?.replicas ?? 0).reduce((a, b) => a + b, 0),
                docsMismatches: wrong,
                claimsChecked: claims.length,
                operatorErrorsFromPatroniApi: operatorErrors.length - unexpectedErrors.length,
                created: {
                    statefulSet: objs.statefulSet?.metadata.name, pods: objs.pods.map((p) => `${p.metadata.name}@${objs.nodeZones[p.spec?.nodeName ?? ""]}`),
                    services: objs.services.map((x) => x.metadata.name), endpoints: objs.endpoints.map((x) => x.metadata.name),
                    podDisruptionBudgets: objs.pdbs.map((x) => `${x.metadata.name} ${JSON.stringify({ minAvailable: x.spec?.minAvailable, maxUnavailable: x.spec?.maxUnavailable, selector: x.spec?.selector?.matchLabels })}`),
                    poolers: objs.poolerDeployments.map((d) => `${d.metadata.name} x${d.spec?.replicas}`),
                    secrets: objs.secrets.map((x) => `${x.metadata.namespace}/${x.metadata.name}`),
                    cronJobs: objs.cronJobs.map((x) => `${x.metadata.name} '${x.spec?.schedule}'`),
                    podServiceAccountAnnotations: objs.podServiceAccount?.metadata.annotations ?? {},
                    standInPostgres: { roles, databases },
                },
                patroniLabels: patroni.labelled,
                operatorServiceAccount: operator.serviceAccount,
                operatorEnv: operator.chartEnv,
                operatorSeconds: Math.round((Date.now() - t0) / 1000),
            };
            ok = wrong.length === 0;
            return { fields, wrong, claims: claims.length, log: operator.log };
        } finally {
            patroni.stop();
            await stopProc(operator);
            await stopProc(postgres);
            // Kept on failure or a difference: the operator's and the stand-ins' logs.
            if (ok) fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    /** The resource as the program created it, to create again: what the API server adds taken off. */
    function asCreated(pg: K8sObj): K8sObj {
        const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, managedFields: _m, ...metadata } = pg.metadata as K8sObj["metadata"] & Record<string, unknown>;
        const { status: _s, ...rest } = pg as K8sObj & { status?: unknown };
        return { ...rest, metadata } as K8sObj;
    }

    for (const stack of STACKS) {
        it(`${stack}: StatefulSet, Services, Endpoints, PDB, pooler, Secrets and logical-backup CronJob match docs/ha.md, docs/restore.md and ha:config, with the operator started after the resource (SYNC) and before it (ADD)`, async function () {
            const t0 = Date.now();
            const on = await platform(stack);
            const upSeconds = (Date.now() - t0) / 1000;
            const c = on.cluster;
            const pgs = items(c, ["get", "postgresql", "-A"]);
            assert.strictEqual(pgs.length, 1, `one postgresql resource: ${pgs.map((p) => p.metadata.name)}`);
            const pg = pgs[0] as K8sObj;
            const ns = pg.metadata.namespace!;
            const cluster = pg.metadata.name;
            assert.strictEqual(pg.status, undefined, "no operator has touched the postgresql resource before this one (the in-cluster pod runs nothing)");
            const deployment = items(c, ["get", "deployments", "-n", ns, "-l", "app.kubernetes.io/name=postgres-operator"])[0]?.metadata.name;
            assert.ok(deployment, "the chart's operator Deployment");
            const opConfig = items(c, ["get", "operatorconfigurations", "-n", ns])[0] as K8sObj & { configuration?: any };
            const domain: string = opConfig?.configuration?.kubernetes?.cluster_domain || "cluster.local";

            // The cluster-autoscaler's part, simulated: an EKS stack's node groups stand at their desired
            // size, which the chart and program pods fill to ~65 % of CPU before any member exists; where the
            // scheduler happened to pack one zone's node, that zone's member (550 m, spread over zones with
            // DoNotSchedule) stayed Pending, never got its role label, and the operator waited out its
            // 10 minutes. On EKS the autoscaler adds the node (docs/real-tiers.md); here, one per zone.
            const addedNodes = scaledUpNodes(c.nodes, 1);
            await addNodes(c, addedNodes);

            // 1. The operator started after `pulumi up` made the resource: its initial list registers the
            //    cluster and queues a SYNC, which creates everything (the informer's ADD is then ignored).
            const after = await reconcile(on, pg, { label: "after", deployment: deployment!, domain, expectedPath: "SYNC (Sync)" });
            // 2. The operator running before the resource exists, as in a real install: the resource is
            //    deleted (what the operator made goes with it, its PVCs stay, as the operator is configured)
            //    and, once a new operator process has listed no cluster, created again as the program made
            //    it: the informer's ADD runs Create.
            const manifest = asCreated(getJson<K8sObj>(c, ["get", "postgresql", cluster, "-n", ns])!);
            const removeCluster = async () => {
                c.kubectl(["delete", "postgresql", cluster, "-n", ns, "--wait=true"]);
                const gone = () => !items(c, ["get", "statefulsets,pods,services,poddisruptionbudgets,cronjobs", "-n", ns, "-l", `cluster-name=${cluster}`]).length;
                // Without an operator, the objects it made stay: removed by their cluster label, as its Delete would.
                for (const n of new Set([ns, expectations(on).appNamespace])) {
                    c.kubectl(["delete", "statefulsets,services,endpoints,poddisruptionbudgets,cronjobs,deployments,secrets,configmaps", "-n", n, "-l", `cluster-name=${cluster}`, "--wait=true"]);
                }
                await until("the previous cluster's objects gone", 3 * 60 * 1000, () => (gone() ? true : undefined), () => memberPods(c, ns, cluster));
            };
            await removeCluster();
            const before = await reconcile(on, pg, {
                label: "before", deployment: deployment!, domain, expectedPath: "ADD (Create)",
                before: () => { c.kubectl(["create", "-f", "-"], { input: JSON.stringify(manifest) }); },
            });

            // 3. An EKS stack's own data settings (IRSA, no object-store keys, SSE-KMS), which its layers on
            //    an existing cluster replace by an on-prem store: its plan's OperatorConfiguration and WAL-G
            //    ConfigMap put in place of the applied ones (stand-in role and key ARNs), the resource created
            //    again, and a new operator process: the role ARN must reach the pod service account (the
            //    operator's to write), and no keys the members or the logical backup.
            let eks: Awaited<ReturnType<typeof reconcile>> | undefined;
            let eksStandIns: Record<string, string> | undefined;
            if (on.s.clusterKind === "eks") {
                const settings = eksDataSettings(stack, ns, opConfig.metadata.name);
                eksStandIns = settings.standIns;
                await removeCluster();
                // As on a new EKS install, the members' service account does not exist yet: the operator
                // creates it with the role annotation (controller.go initPodServiceAccount). One made by the
                // runs above (no role) would get it only at the next Sync (sync.go syncPodServiceAccount): on
                // a running cluster, at the operator's restart that a changed configuration brings (the
                // chart's checksum/config) or its resync period; Create leaves an existing one alone.
                c.kubectl(["delete", "serviceaccount", POD_SERVICE_ACCOUNT, "-n", ns, "--ignore-not-found", "--wait=true"]);
                c.kubectl(["replace", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: settings.objects }) });
                eks = await reconcile(on, pg, {
                    label: "eks", deployment: deployment!, domain, expectedPath: "ADD (Create)",
                    before: () => { c.kubectl(["create", "-f", "-"], { input: JSON.stringify(manifest) }); },
                    expect: { ...expectations(on), backup: settings.backup },
                });
            }

            const wrong = [...after.wrong.map((m) => `operator after the resource: ${m}`), ...before.wrong.map((m) => `operator before the resource: ${m}`),
                ...(eks?.wrong ?? []).map((m) => `operator on the EKS data settings: ${m}`)];
            const fields = {
                ...after.fields,
                docsMismatches: wrong,
                operatorBeforeResource: before.fields,
                ...(eks ? { eksDataSettings: { ...eks.fields, standIns: eksStandIns } } : {}),
                simulated: {
                    patroniLabels: "spilo-role set on each running member by a stand-in (patroniLabels per run)",
                    postgres: "Debian's Postgres on 127.0.0.1:5432 (TLS, loopback trusted) in place of the members' Spilo",
                    clusterDns: `${cluster}[-repl].${ns}.svc.${domain} -> 127.0.0.1 for the operator process only`,
                    clusterAutoscaler: addedNodes.map((n) => `${n.name}@${n.labels["topology.kubernetes.io/zone"]}`),
                },
                seconds: { platformUp: Math.round(upSeconds), operatorAfter: after.fields.operatorSeconds, operatorBefore: before.fields.operatorSeconds, ...(eks ? { operatorEks: eks.fields.operatorSeconds } : {}) },
            };
            summary[stack] = fields;
            const allMismatches = Object.entries(summary).flatMap(([st, f]) => (f as { docsMismatches: string[] }).docsMismatches.map((m) => `${st}: ${m}`));
            recordOperator("postgres", { ...fields, stack, docsMismatches: allMismatches, stacks: summary });
            console.log(`      ${stack}: ${after.claims} + ${before.claims}${eks ? ` + ${eks.claims} (EKS data settings)` : ""} claims, ${wrong.length} mismatches; StatefulSet ${fields.statefulSetReplicas} over ${fields.zones} zones, pooler x${fields.poolerInstances} (operator after the resource ${fields.seconds.operatorAfter}s, before it ${fields.seconds.operatorBefore}s)`);
            assert.deepStrictEqual(wrong, [], `differences from the docs (operator logs: ${after.log}, ${before.log})`);
        });
    }
});
