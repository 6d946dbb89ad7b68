/**
 * The claims `npm run test:operators` checks against the Zalando operator's objects (pg-claims.ts):
 * every one is read from docs/ha.md and docs/restore.md as they stand, and a claim whose sentence is gone
 * is a mismatch rather than a silent pass.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { effectivePatroniConfig } from "../../components/data/patroni";
import { stackPostgres } from "../../planner/program/stack-postgres";
import { PostgresObjects, StackExpectations, mismatches, postgresClaims, renderPgBouncerIni } from "./pg-claims";

const ROOT = path.resolve(__dirname, "..", "..");
const docs = { ha: fs.readFileSync(path.join(ROOT, "docs", "ha.md"), "utf8"), restore: fs.readFileSync(path.join(ROOT, "docs", "restore.md"), "utf8") };
const empty: PostgresObjects = {
    postgresql: { metadata: { name: "kubechat-db", namespace: "kubechat-data" }, spec: { postgresql: { parameters: { archive_timeout: "900" } } } },
    pods: [], nodeZones: {}, services: [], endpoints: [], pdbs: [], poolerDeployments: [], poolerPods: [], secrets: [], cronJobs: [], pvcs: [],
};
const stack: StackExpectations = { stack: "staging", zones: 3, appNamespace: "kubechat-system", poolerMaxDbConnections: 100, podServiceAccount: "postgres-pod", backup: { bucket: "b", region: "r", endpoint: "https://s3" } };

describe("operators: the Postgres claims read from the docs", () => {
    const ha = effectivePatroniConfig(stackPostgres("staging"));

    it("finds every claim's sentence in docs/ha.md and docs/restore.md", () => {
        const gone = postgresClaims(empty, ha, docs, "", stack).filter((c) => /<no match|<row gone|<runbook line gone/.test(JSON.stringify(c.expected)));
        assert.deepStrictEqual(gone.map((c) => `${c.what} (${c.source})`), []);
    });

    it("turns a claim whose doc sentence is gone into a mismatch", () => {
        const edited = { ...docs, ha: docs.ha.replace(/\| Spilo image \|/, "| Postgres image |") };
        const spilo = (d: typeof docs) => postgresClaims(empty, ha, d, "", stack).find((c) => c.what === "Spilo image" && c.source.startsWith("docs/ha.md"))!;
        assert.match(String(spilo(edited).expected), /^<no match/);
        assert.strictEqual(spilo(docs).expected, ha.spiloImage);
    });

    it("renders PgBouncer's [pgbouncer] section with the pod's environment, as the pooler entrypoint does", () => {
        const ini = renderPgBouncerIni("[databases]\n* = host=$PGHOST\n[pgbouncer]\n# c\npool_mode = $CONNECTION_POOLER_MODE\nserver_login_retry = 5\n", { CONNECTION_POOLER_MODE: "transaction" });
        assert.deepStrictEqual(ini, { pool_mode: "transaction", server_login_retry: "5" });
    });

    it("reports a difference with what was expected and what the operator made", () => {
        assert.deepStrictEqual(mismatches([{ what: "x", source: "s", expected: 3, actual: 2 }, { what: "y", source: "s", expected: [1], actual: [1] }]),
            ["x (s): expected 3, the operator made 2"]);
    });
});
