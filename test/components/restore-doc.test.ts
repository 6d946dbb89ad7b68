/**
 * docs/restore.md names real things: every resource, namespace, output, config key, Schedule and
 * exclusion the runbook uses is checked against what the plan creates.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { object, objects, planStack, release } from "../harness";
import { shellLines } from "../unit/docs.test";
import { configSchema } from "../../components/config";
import { SCHEDULES, VELERO_RELEASE, backupExclusions } from "../../components/backup/velero";
import { backupAlertRules } from "../../components/backup/alerts";
import { ES_SNAPSHOT_REPOSITORY } from "../../components/observability/es-snapshots";
import { ES_NAME, LOG_INDEX_PREFIX } from "../../components/observability/elasticsearch";

const doc = fs.readFileSync(path.join(__dirname, "../../docs/restore.md"), "utf8");
const shell = shellLines(doc);
const section = (title: string) => {
    const start = doc.indexOf(`### ${title}`);
    assert.ok(start >= 0, title);
    const end = doc.indexOf("\n### ", start + 4);
    return shellLines(doc.slice(start, end < 0 ? undefined : end));
};

describe("docs/restore.md matches the plan", () => {
    it("has a runbook for each case", () => {
        for (const t of ["Case 1: the app namespace is lost", "Case 2: Postgres to a point in time", "Case 3: the whole cluster is lost"]) assert.ok(section(t).length > 0, t);
    });

    it("namespaces, the cluster, the operator Deployment, the pooler and the credentials Secret exist under those names", async () => {
        for (const stack of ["staging", "prod"]) {
            const p = await planStack(stack);
            const namespaces = new Set(objects(p, "Namespace").map((n) => n.metadata.name));
            for (const line of shell) for (const m of line.matchAll(/-n ([a-z0-9-]+)/g)) assert.ok(namespaces.has(m[1]), `${stack}: namespace ${m[1]}`);
            const cluster = objects(p, "postgresql")[0];
            assert.strictEqual(cluster.metadata.name, "kubechat-db");
            assert.ok(shell.some((l) => l.includes(`postgresql ${cluster.metadata.name}`)));
            // The chart names its Deployment after the release (the release name contains the chart name).
            assert.strictEqual(release(p, "postgres-operator").inputs.name, "postgres-operator");
            assert.ok(shell.some((l) => l.includes("deployment/postgres-operator")));
            const secret = (p.outputs.database as any).credentialsSecretName;
            assert.ok(shell.some((l) => l.includes(`secret/${secret}`)), secret);
            assert.match(doc, new RegExp(`\`${(p.outputs.database as any).host.split(".")[0]}\``));
        }
    });

    it("the stack output and config keys it uses exist", async () => {
        const p = await planStack("prod");
        for (const line of shell) for (const m of line.matchAll(/pulumi stack output (\w+)/g)) assert.ok(m[1] in p.outputs, m[1]);
        const postgresKeys = Object.keys((configSchema.shape.postgres as any).unwrap().shape);
        const keys = shell.flatMap((l) => [...l.matchAll(/pulumi config set --path kubechat:postgres\.(\w+)/g)].map((m) => m[1]));
        assert.deepStrictEqual([...new Set(keys)].sort(), ["cloneFromCluster", "cloneFromUid", "cloneTimestamp", "clusterName"]);
        for (const k of keys) assert.ok(postgresKeys.includes(k), k);
        // The clone the runbook configures is the one the plan then carries.
        const stackPostgres = (YAML.parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.prod.yaml"), "utf8")).config["kubechat:postgres"] ?? {});
        const restored = await planStack("prod", { postgres: {
            ...stackPostgres, cloneFromCluster: "kubechat-db", cloneFromUid: "0f4c7a2e-1b2c-4d5e-8f90-123456789abc",
            cloneTimestamp: "2026-11-29T10:00:00+00:00", clusterName: "db-r1",
        } });
        const c = object(restored, "postgresql", "kubechat-db-r1");
        assert.deepStrictEqual(c.spec.clone, { cluster: "kubechat-db", uid: "0f4c7a2e-1b2c-4d5e-8f90-123456789abc", timestamp: "2026-11-29T10:00:00+00:00" });
        assert.ok(section("Case 2: Postgres to a point in time").some((l) => l.includes("postgresql kubechat-db-r1")));
    });

    it("Velero: the Schedules, the namespaces they back up, the exclusions and the alerts are the plan's", async () => {
        const p = await planStack("prod");
        const schedules = release(p, "velero").inputs.values.schedules;
        const names = SCHEDULES.map((s) => `${VELERO_RELEASE}-${s.name}`);
        for (const n of names) assert.ok(doc.includes(`\`${n}\``), n);
        for (const line of shell) {
            for (const m of line.matchAll(/velero\.io\/schedule-name=([a-z0-9-]+)/g)) assert.ok(names.includes(m[1]), m[1]);
            for (const m of line.matchAll(/--include-namespaces ([a-z0-9,-]+)/g)) {
                for (const ns of m[1].split(",")) assert.ok(schedules.daily.template.includedNamespaces.includes(ns), ns);
            }
        }
        const ex = backupExclusions();
        assert.deepStrictEqual(schedules.daily.template.excludedResources, ex.excludedResources);
        for (const k of ex.excludedResources) assert.ok(doc.includes(`\`${k}\``), k);
        for (const v of (ex.labelSelector as any).matchExpressions[0].values) assert.ok(doc.includes(`\`${v}\``), v);
        const alerts = new Set(backupAlertRules({ postgres: { namespace: "d", cluster: "c", archiveTimeoutSeconds: 900, logicalBackups: true }, velero: { namespace: "v", release: "velero" } }).map((r) => r.alert));
        const named = [...doc.matchAll(/`(KubeChat\w+)`/g)].map((m) => m[1]);
        assert.deepStrictEqual([...new Set(named)].sort(), [...alerts].sort());
    });

    it("Elasticsearch: the repository, SLM policy, credentials Secret and index pattern it names are the plan's", async () => {
        const p = await planStack("prod");
        const setup = object(p, "Job", "es-setup").spec.template.spec.containers[0].command[2];
        assert.ok(doc.includes(`\`${ES_SNAPSHOT_REPOSITORY}\``) && setup.includes(`_snapshot/${ES_SNAPSHOT_REPOSITORY}`));
        const slm = /_slm\/policy\/([a-z-]+)/.exec(setup)![1];
        assert.ok(doc.includes(`\`${slm}\``), slm);
        assert.ok(doc.includes(`\`${ES_NAME}-es-elastic-user\``));
        for (const prefix of Object.values(LOG_INDEX_PREFIX)) assert.ok(prefix.startsWith("kubechat-") && doc.includes(`"indices": "kubechat-*"`), prefix);
    });
});
