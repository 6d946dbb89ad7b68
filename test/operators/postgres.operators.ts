/**
 * The Zalando postgres-operator (v2.0.0, the image the stacks pin, built from its release source) run
 * for real against a stack a real `pulumi up` applied to a simulated cluster (platform.ts): from our
 * `postgresql` resource and the OperatorConfiguration our chart values made, it must create what
 * docs/ha.md, docs/restore.md and `npm run ha:config` say (pg-claims.ts), and the test fails on any
 * difference. What is simulated (pg-operator.ts): no Spilo container runs, so Patroni's `spilo-role`
 * pod labels are set by a stand-in, and the operator's SQL runs against a stand-in Postgres (Debian's)
 * its cluster DNS names point at.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_NAMESPACE, parseConfig } from "../../components/config";
import { OBJECT_STORE_SECRET } from "../../components/data/postgres";
import { POD_SERVICE_ACCOUNT } from "../../components/data/names";
import { ROOT, rawConfig } from "../apply/stacks";
import type { StackOnCluster } from "../apply/platform";
import { scaledUpNodes } from "../apply/nodes";
import { addNodes } from "../apply/sim-cluster";
import { toolchainEnv } from "../real/tools/tools";
import { platform, recordOperator } from "./platform";
import { K8sObj, PostgresObjects, StackExpectations, mismatches, postgresClaims } from "./pg-claims";
import { getJson, items, patroniLabelStandIn, startOperator, startStandInPostgres, stopProc, tail, until } from "./pg-operator";

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

describe("postgres-operator reconciles our postgresql resource as the docs say", function () {
    const tools = toolchainEnv(["PG_OPERATOR", "PG_OPERATOR_SOURCE"]);
    const docs = { ha: fs.readFileSync(path.join(ROOT, "docs", "ha.md"), "utf8"), restore: fs.readFileSync(path.join(ROOT, "docs", "restore.md"), "utf8") };
    // The pooler image's PgBouncer template, from the same release source the operator is built from.
    const poolerTemplate = execFileSync("tar", ["xzf", tools.PG_OPERATOR_SOURCE, "-O", "pooler/pgbouncer.ini.tmpl"], { encoding: "utf8" });
    const summary: Record<string, unknown> = {};

    for (const stack of STACKS) {
        it(`${stack}: StatefulSet, Services, Endpoints, PDB, pooler, Secrets and logical-backup CronJob match docs/ha.md, docs/restore.md and ha:config`, async function () {
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
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kubechat-op-pg-${stack}-`));
            const postgres = await startStandInPostgres(dir, LIFETIME_SECONDS);
            const patroni = patroniLabelStandIn(c, ns, `application=spilo,cluster-name=${cluster}`);
            const operator = startOperator(c, {
                bin: tools.PG_OPERATOR, dir, namespace: ns, deployment: deployment!, lifetimeSeconds: LIFETIME_SECONDS,
                dnsNames: [cluster, `${cluster}-repl`].map((n) => `${n}.${ns}.svc.${domain}`),
            });
            let ok = false;
            try {
                const s = expectations(on);
                const ha = haConfig(stack);
                const status = () => getJson<K8sObj>(c, ["get", "postgresql", cluster, "-n", ns])?.status?.PostgresClusterStatus as string | undefined;
                const detail = () => `operator log:\n${tail(operator.log)}\nmember pods:\n${memberPods(c, ns, cluster)}\n${c.logTail("kube-scheduler", 10)}`;
                // The operator's Create ends with the logical-backup CronJob and the pooler, then sets Running.
                const final = await until("postgresql status Running or a failure", 10 * 60 * 1000, () => {
                    const st = status();
                    return st === "Running" || (st && /Failed/.test(st)) ? st : undefined;
                }, detail);
                assert.strictEqual(final, "Running", detail());
                const o = collect(on, pg, s.appNamespace);
                await until("pooler pods running", 3 * 60 * 1000, () => {
                    const pods = collect(on, pg, s.appNamespace).poolerPods.filter((p) => p.status?.phase === "Running").length;
                    return pods >= ha.pooler.instances ? pods : undefined;
                }, detail);
                Object.assign(o, collect(on, pg, s.appNamespace));
                const roles = postgres.psql("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'");
                const databases = postgres.psql("SELECT string_agg(datname || ':' || pg_get_userbyid(datdba), ',' ORDER BY datname) FROM pg_database WHERE NOT datistemplate");
                o.databases = databases.split(",");
                const claims = postgresClaims(o, ha, docs, poolerTemplate, s);
                // The operator's own errors: only its calls to Patroni's REST API (not simulated) may fail.
                const operatorErrors = fs.readFileSync(operator.log, "utf8").split("\n").filter((l) => /level=(error|fatal|panic)/.test(l));
                const unexpectedErrors = operatorErrors.filter((l) => !/:8008\//.test(l));
                const wrong = [...mismatches(claims), ...unexpectedErrors.map((l) => `operator error: ${l.slice(0, 400)}`)];
                const zones = new Set(o.pods.map((p) => o.nodeZones[p.spec?.nodeName ?? ""]));
                const fields = {
                    statefulSetReplicas: o.statefulSet?.spec?.replicas ?? 0,
                    zones: zones.size,
                    poolerInstances: o.poolerDeployments.map((d) => d.spec?.replicas ?? 0).reduce((a, b) => a + b, 0),
                    docsMismatches: wrong,
                    claimsChecked: claims.length,
                    operatorErrorsFromPatroniApi: operatorErrors.length - unexpectedErrors.length,
                    created: {
                        statefulSet: o.statefulSet?.metadata.name, pods: o.pods.map((p) => `${p.metadata.name}@${o.nodeZones[p.spec?.nodeName ?? ""]}`),
                        services: o.services.map((x) => x.metadata.name), endpoints: o.endpoints.map((x) => x.metadata.name),
                        podDisruptionBudgets: o.pdbs.map((x) => `${x.metadata.name} ${JSON.stringify({ minAvailable: x.spec?.minAvailable, maxUnavailable: x.spec?.maxUnavailable, selector: x.spec?.selector?.matchLabels })}`),
                        poolers: o.poolerDeployments.map((d) => `${d.metadata.name} x${d.spec?.replicas}`),
                        secrets: o.secrets.map((x) => `${x.metadata.namespace}/${x.metadata.name}`),
                        cronJobs: o.cronJobs.map((x) => `${x.metadata.name} '${x.spec?.schedule}'`),
                        podServiceAccountAnnotations: o.podServiceAccount?.metadata.annotations ?? {},
                        standInPostgres: { roles, databases },
                    },
                    simulated: {
                        patroniLabels: patroni.labelled,
                        clusterAutoscaler: addedNodes.map((n) => `${n.name}@${n.labels["topology.kubernetes.io/zone"]}`),
                        postgres: "Debian's Postgres on 127.0.0.1:5432 (TLS, loopback trusted) in place of the members' Spilo",
                        clusterDns: `${cluster}[-repl].${ns}.svc.${domain} -> 127.0.0.1 for the operator process only`,
                    },
                    operatorServiceAccount: operator.serviceAccount,
                    operatorEnv: operator.chartEnv,
                    seconds: { platformUp: Math.round(upSeconds), operator: Math.round((Date.now() - t0) / 1000 - upSeconds) },
                };
                summary[stack] = fields;
                const allMismatches = Object.entries(summary).flatMap(([st, f]) => (f as { docsMismatches: string[] }).docsMismatches.map((m) => `${st}: ${m}`));
                recordOperator("postgres", { ...fields, stack, docsMismatches: allMismatches, stacks: summary });
                console.log(`      ${stack}: ${claims.length} claims, ${wrong.length} mismatches; StatefulSet ${fields.statefulSetReplicas} over ${fields.zones} zones, pooler x${fields.poolerInstances} (operator ${fields.seconds.operator}s)`);
                assert.deepStrictEqual(wrong, [], `differences from the docs (operator log: ${operator.log})`);
                ok = true;
            } finally {
                patroni.stop();
                await stopProc(operator);
                await stopProc(postgres);
                // Kept on failure: the operator's and the stand-ins' logs.
                if (ok) fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
