/**
 * (b) `pulumi preview` of the on-prem stacks with the real CLI, engine, Kubernetes provider and policy
 * analyzer, against the real API server of this run, charts from ../shared/charts (a local-directory
 * chartRepository), the policy pack with its stack config. It must succeed, and step on exactly the
 * resources the offline plan records.
 */
import * as assert from "assert";
import * as path from "path";
import { planOf, ROOT } from "./plans";
import { realCluster } from "./hooks";
import { runPreview } from "./preview";

const CHARTS = path.resolve(ROOT, "..", "shared", "charts");

describe("real engine: pulumi preview of the on-prem stacks (test:real b)", function () {
    this.timeout(20 * 60 * 1000);

    for (const stack of ["dev", "staging"]) {
        it(`${stack}: preview succeeds with the policy pack and matches the offline plan resource for resource`, function () {
            const cluster = realCluster();
            const r = runPreview(stack, ["--kubeconfig", cluster.kubeconfig, "--charts", CHARTS]);
            const mandatory = r.policy.filter((p) => p.level === "mandatory");
            console.log(
                `      ${stack}: preview in ${r.seconds.toFixed(1)}s: ${JSON.stringify(r.summary)}; ${r.urns.length} resources; ` +
                    `${r.policy.length} policy violation(s) reported (${mandatory.length} mandatory)`,
            );
            assert.ok(r.ok, `pulumi preview of ${stack} failed: ${r.error}\n${r.stdout.split("\n").slice(-60).join("\n")}`);
            assert.deepStrictEqual(mandatory, [], `${stack}: mandatory policy violations under the real analyzer`);

            const planned = planOf(stack).plan.resources.map((x) => x.urn);
            // Default providers exist only in the engine (the program passes explicit providers everywhere else).
            const previewed = r.urns.filter((u) => !/::pulumi:providers:[^:]+::default(_[0-9_]+)?$/.test(u));
            const missing = planned.filter((u) => !previewed.includes(u));
            const extra = previewed.filter((u) => !planned.includes(u));
            assert.deepStrictEqual({ missing, extra }, { missing: [], extra: [] }, `${stack}: preview and offline plan differ`);
            assert.strictEqual(previewed.length, planned.length);
            const creates = Object.values(r.summary).reduce((n, x) => n + x, 0);
            assert.strictEqual(creates, r.urns.length, `${stack}: change summary counts ${creates}, events name ${r.urns.length}`);
        });
    }
});
