/** Elasticsearch users and roles declared through ECK (components/observability/elasticsearch-auth.ts). */
import * as assert from "assert";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { JAEGER_USER, LOG_WRITER, basicAuthSecret, esAuth, esRoles, esRolesSecret, newPassword } from "../../components/observability/elasticsearch-auth";
import { LOG_INDEX_PREFIX, elasticsearch } from "../../components/observability/elasticsearch";
import { Catalog } from "../../components/catalog";

const LOG_PATTERNS = Object.values(LOG_INDEX_PREFIX).map((p) => `${p}-*`);
const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => { resolve(v); return v; }));

describe("Elasticsearch users and roles (ECK auth)", () => {
    it("gives the log writer only index creation and indexing on the log classes, nothing on other indices", () => {
        const r = esRoles(LOG_PATTERNS)[LOG_WRITER.role];
        assert.deepStrictEqual(r.indices, [{ names: ["kubechat-app-*", "kubechat-system-*", "kubechat-audit-*"], privileges: ["create_index", "index"] }]);
        assert.deepStrictEqual(r.cluster, ["monitor"]);
        for (const p of ["all", "write", "delete", "manage", "read"]) assert.ok(!r.indices[0].privileges.includes(p), p);
    });

    it("limits Jaeger to its own indices and templates", () => {
        const r = esRoles(LOG_PATTERNS)[JAEGER_USER.role];
        assert.deepStrictEqual(r.indices.map((i) => i.names), [["jaeger-*"]]);
        assert.ok(!r.indices[0].privileges.includes("all") && !r.indices[0].privileges.includes("delete"));
        assert.deepStrictEqual(r.cluster, ["monitor", "manage_index_templates"]);
    });

    it("puts the roles in roles.yml, the key ECK reads from a spec.auth.roles Secret", () => {
        const s: any = esRolesSecret("logging", LOG_PATTERNS);
        assert.deepStrictEqual(Object.keys(s.stringData), ["roles.yml"]);
        assert.deepStrictEqual(YAML.parse(s.stringData["roles.yml"]), esRoles(LOG_PATTERNS));
    });

    it("declares each user as a basic-auth Secret with its role, the password a secret Output", async () => {
        const s: any = basicAuthSecret(LOG_WRITER, LOG_WRITER.secret, "logging", "pw", true, "logging");
        assert.strictEqual(s.type, "kubernetes.io/basic-auth");
        assert.deepStrictEqual([s.stringData.username, s.stringData.roles], ["kubechat-log-writer", "kubechat-log-writer"]);
        assert.ok(pulumi.Output.isInstance(s.stringData.password));
        assert.strictEqual(await s.stringData.password.isSecret, true);
        // The copy Jaeger reads in its own namespace carries no roles key.
        assert.strictEqual((basicAuthSecret(JAEGER_USER, "jaeger-elasticsearch", "tracing", "pw", false, "tracing") as any).stringData.roles, undefined);
    });

    it("references the roles and every user from the Elasticsearch resource", () => {
        assert.deepStrictEqual(esAuth([LOG_WRITER, JAEGER_USER]), {
            roles: [{ secretName: "kubechat-es-roles" }],
            fileRealm: [{ secretName: "kubechat-es-log-writer" }, { secretName: "kubechat-es-jaeger" }],
        });
        const es: any = elasticsearch(new Catalog(), "logging", { nodes: 1, storage: "1Gi", storageClass: "", persistent: false });
        assert.deepStrictEqual(es.spec.auth, esAuth([LOG_WRITER]));
    });

    it("generates distinct 32-character passwords, secret from the start", async () => {
        const [a, b] = [newPassword(), newPassword()];
        assert.strictEqual(await (a as any).isSecret, true);
        const [va, vb] = [await unwrap(a), await unwrap(b)];
        assert.match(va, /^[A-Za-z0-9_-]{32}$/);
        assert.notStrictEqual(va, vb);
    });
});
