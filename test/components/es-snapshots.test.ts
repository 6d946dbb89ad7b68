import * as assert from "assert";
import { object, objects, planStack, resources } from "../harness";

describe("Elasticsearch snapshots in the stacks", () => {
    it("prod (EKS): its own protected bucket with no age expiry, an IRSA role for logging/elasticsearch, the ES waits for them", async () => {
        const p = await planStack("prod");
        const b = resources(p, "aws:s3/bucket:Bucket", "es-snapshots");
        assert.strictEqual(b.length, 1);
        assert.ok(b[0].protect && b[0].retainOnDelete);
        const lc = resources(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "es-snapshots")[0].inputs.rules;
        assert.ok(lc.every((r: any) => r.expiration === undefined));
        assert.match(resources(p, "aws:iam/role:Role", "es-snapshots")[0].inputs.description, /logging\/elasticsearch/);
        const es = p.resources.find((r) => r.inputs?.kind === "Elasticsearch")!;
        assert.ok(es.dependencies.includes(b[0].urn));
        const setup = object(p, "Job", "es-setup").spec.template.spec.containers[0].command[2];
        assert.match(setup, /_snapshot\/kubechat-backups/);
        assert.match(setup, new RegExp(b[0].inputs.bucket));
    });
    it("staging (on-prem): the Postgres backup bucket's elasticsearch/ prefix, keys from the configured Secret", async () => {
        const p = await planStack("staging");
        const es = object(p, "Elasticsearch", "kubechat");
        assert.strictEqual(es.spec.nodeSets[0].config["s3.client.default.endpoint"], "minio.storage.svc.cluster.local:9000");
        assert.deepStrictEqual(es.spec.secureSettings[0].entries.map((e: any) => e.path), ["s3.client.default.access_key", "s3.client.default.secret_key"]);
        assert.match(object(p, "Job", "es-setup").spec.template.spec.containers[0].command[2], /"bucket":"kubechat-staging-pg-wal","base_path":"elasticsearch"/);
    });
    it("dev (backups off): no snapshot repository", async () => {
        const p = await planStack("dev");
        for (const es of objects(p, "Elasticsearch")) assert.strictEqual(es.spec.secureSettings, undefined);
        for (const j of objects(p, "Job").filter((o) => o.metadata.name === "es-setup")) assert.doesNotMatch(j.spec.template.spec.containers[0].command[2], /_snapshot/);
    });
});
