import * as assert from "assert";
import {
    ES_SERVICE_ACCOUNT, ES_SNAPSHOT_BASE_PATH, ES_SNAPSHOT_REPOSITORY, ES_WEB_IDENTITY_TOKEN, esSlmPolicy, esSnapshotIamPolicy, esSnapshotPodSettings, esSnapshotRepository,
} from "../../components/observability/es-snapshots";
import { Catalog } from "../../components/catalog";
import { elasticsearch } from "../../components/observability/elasticsearch";
import { esSetupScript } from "../../components/observability/elasticsearch-setup";

const eks = { bucket: "kubechat-prod-es-snapshots", roleArn: "arn:aws:iam::1:role/es" };
const onprem = { bucket: "kubechat-staging-pg-wal", endpoint: "https://minio.storage.svc.cluster.local:9000", pathStyle: true, keystore: { secretName: "s" } };
const sizing = { nodes: 3, storage: "50Gi", storageClass: "gp3", persistent: true };
const retention = { appDays: 30, systemDays: 90, auditDays: 2555, traceDays: 7 };

describe("Elasticsearch snapshots (unit)", () => {
    it("an S3 repository under its own prefix and a daily SLM policy over every index, 30 days kept", () => {
        assert.deepStrictEqual(esSnapshotRepository(eks), { type: "s3", settings: { bucket: eks.bucket, base_path: ES_SNAPSHOT_BASE_PATH, client: "default" } });
        const slm: any = esSlmPolicy();
        assert.strictEqual(slm.repository, ES_SNAPSHOT_REPOSITORY);
        assert.deepStrictEqual(slm.config.indices, ["*"]);
        assert.strictEqual(slm.config.include_global_state, true);
        assert.strictEqual(slm.retention.expire_after, "30d");
    });
    it("the es-setup script registers both, after the ILM policies", () => {
        const script = esSetupScript({ retention, replicas: 1, snapshots: eks });
        assert.match(script, new RegExp(`_snapshot/${ES_SNAPSHOT_REPOSITORY}" -d '${JSON.stringify(esSnapshotRepository(eks)).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}'`));
        assert.match(script, /_slm\/policy\/daily-snapshots/);
        assert.ok(script.indexOf("_ilm/policy") < script.indexOf("_snapshot/"));
        assert.doesNotMatch(esSetupScript({ retention, replicas: 1 }), /_snapshot|_slm/);
    });
    it("EKS: IRSA with a projected token in the repository's config directory, the role in the environment", () => {
        const es: any = elasticsearch(new Catalog(), "logging", sizing, eks);
        const pod = es.spec.nodeSets[0].podTemplate.spec;
        assert.strictEqual(pod.serviceAccountName, ES_SERVICE_ACCOUNT);
        const c = pod.containers[0];
        assert.deepStrictEqual(c.env, [{ name: "AWS_ROLE_ARN", value: eks.roleArn }, { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: ES_WEB_IDENTITY_TOKEN }]);
        const mount = c.volumeMounts[0];
        const vol = pod.volumes.find((v: any) => v.name === mount.name);
        const src = vol.projected.sources[0].serviceAccountToken;
        assert.strictEqual(`${mount.mountPath}/${src.path}`, ES_WEB_IDENTITY_TOKEN);
        assert.strictEqual(src.audience, "sts.amazonaws.com");
        assert.strictEqual(es.spec.secureSettings, undefined);
    });
    it("on-prem: S3-compatible client settings and the keys through the ES keystore (never in the config)", () => {
        const s = esSnapshotPodSettings(onprem);
        assert.deepStrictEqual(s.config, { "s3.client.default.endpoint": "minio.storage.svc.cluster.local:9000", "s3.client.default.protocol": "https", "s3.client.default.path_style_access": true });
        assert.deepStrictEqual(s.secureSettings, [{ secretName: "s" }]);
        assert.deepStrictEqual(s.env, []);
    });
    it("IAM: only the snapshot bucket and the stack's key", () => {
        const p = JSON.parse(esSnapshotIamPolicy(eks.bucket, "arn:aws:kms:us-east-1:1:key/k", "aws"));
        const res = p.Statement.flatMap((s: any) => [s.Resource].flat());
        assert.deepStrictEqual([...new Set(res)].sort(), [`arn:aws:s3:::${eks.bucket}`, `arn:aws:s3:::${eks.bucket}/*`, "arn:aws:kms:us-east-1:1:key/k"].sort());
    });
});
