/** Velero's and the Postgres operator's settings, seen in what Helm renders from the pinned Velero and postgres-operator charts. */
import * as assert from "assert";
import { renderedStack } from "../harness";
import { UPGRADE_JOB_RESOURCES } from "../../components/backup/velero";

const relObjects = async (stack: string, release: string) => {
    const { render } = await renderedStack(stack);
    const r = render.releases.find((x) => x.release.name === release);
    assert.ok(r && !r.error, `${release}: ${r?.error}`);
    return r!;
};

describe("rendered data and backup charts", () => {
    for (const stack of ["staging", "prod"]) {
        describe(stack, () => {
            it("velero: the CRD-upgrade Job runs Velero 1.18.0 (install --crds-only --apply) with requests and limits; no kubectl image anywhere", async () => {
                const r = await relObjects(stack, "velero");
                const job = r.objects.map((o) => o.object).find((o) => o.kind === "Job" && o.metadata.name === "velero-upgrade-crds");
                const c = job.spec.template.spec.containers[0];
                assert.match(c.image, /velero\/velero:v1\.18\.0$/);
                assert.deepStrictEqual(c.args, ["install", "--crds-only", "--apply"]);
                assert.deepStrictEqual(c.resources, UPGRADE_JOB_RESOURCES);
                const { checks } = await renderedStack(stack);
                const images = checks.images.map((i) => i.image);
                assert.ok(!images.some((i) => /kubectl/.test(i)), images.join());
                assert.ok(images.some((i) => /velero-plugin-for-aws:v1\.14\.2$/.test(i)));
            });
            it("velero: every Schedule leaves out the WAL-G-owned kinds and the operator-labelled objects", async () => {
                const r = await relObjects(stack, "velero");
                const schedules = r.objects.map((o) => o.object).filter((o) => o.kind === "Schedule");
                assert.deepStrictEqual(schedules.map((s) => s.metadata.name).sort(), ["velero-daily", "velero-every-6h", "velero-monthly", "velero-weekly", "velero-yearly"]);
                for (const s of schedules) {
                    assert.ok(s.spec.template.excludedResources.includes("postgresqls.acid.zalan.do"));
                    assert.deepStrictEqual(s.spec.template.labelSelector.matchExpressions[0].values, ["spilo", "spilo-logical-backup", "db-connection-pooler"]);
                }
            });
            it("postgres-operator: pod_service_account_name written once; IRSA through irsa_role_arn on EKS only", async () => {
                const r = await relObjects(stack, "postgres-operator");
                const oc = r.objects.find((o) => o.object.kind === "OperatorConfiguration")!;
                assert.strictEqual(oc.text.match(/pod_service_account_name:/g)!.length, 1);
                assert.deepStrictEqual(r.problems, []);
                const aws = oc.object.configuration.aws_or_gcp;
                if (stack === "prod") assert.ok(aws.irsa_role_arn);
                else assert.strictEqual(aws.irsa_role_arn, undefined);
                assert.doesNotMatch(oc.object.configuration.kubernetes.pod_service_account_definition, /role-arn/);
            });
            it("no policy violation left in either chart's output beyond the written exceptions", async () => {
                const { checks } = await renderedStack(stack);
                const mine = checks.violations.filter((v) => ["velero", "postgres-operator"].includes(v.chart));
                assert.deepStrictEqual(mine.map((v) => `${v.policy}: ${v.message}`), []);
            });
        });
    }
});
