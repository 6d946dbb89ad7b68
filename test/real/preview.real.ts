/**
 * (b) `pulumi preview` of the on-prem stacks with the real CLI, engine, Kubernetes provider and policy
 * analyzer, against the real API server of this run, charts from the vendored charts/ (a local-directory
 * chartRepository), the policy pack with its stack config. It must succeed, and step on exactly the
 * resources the offline plan records.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS, ROOT, planOf } from "./plans";
import { ONPREM_STACKS, realCluster } from "./hooks";
import { runPreview } from "./preview";


describe("real CLI: pulumi preview of the on-prem stacks (test:real b)", function () {
    this.timeout(20 * 60 * 1000);

    for (const stack of ONPREM_STACKS) {
        it(`${stack}: preview succeeds with the policy pack and matches the offline plan resource for resource`, function () {
            const cluster = realCluster();
            const r = runPreview(stack, ["--kubeconfig", cluster.kubeconfig, "--charts", CHARTS]);
            const mandatory = r.policy.filter((p) => p.level === "mandatory");
            console.log(
                `      ${stack}: preview in ${r.seconds.toFixed(1)}s: ${JSON.stringify(r.summary)}; ${r.urns.length} resources; ` +
                    `${r.policy.length} policy violation(s) reported (${mandatory.length} mandatory)`,
            );
            if (process.env.KUBECHAT_REAL_VERBOSE) console.log(r.stdout);
            assert.ok(r.ok, `pulumi preview of ${stack} failed: ${r.error}\n${r.stdout.split("\n").slice(-60).join("\n")}`);
            assert.deepStrictEqual(mandatory, [], `${stack}: mandatory policy violations under the real analyzer`);

            const planned = planOf(stack).plan.resources.map((x) => x.urn);
            // The root stack resource and default providers exist only in the engine (the offline plan
            // records the program's registrations; the program passes explicit providers everywhere).
            const engineOnly = (u: string) => /::pulumi:pulumi:Stack::[^:]+$/.test(u) || /::pulumi:providers:[^:]+::default(_[0-9_]+)?$/.test(u);
            const previewed = r.urns.filter((u) => !engineOnly(u));
            const missing = planned.filter((u) => !previewed.includes(u));
            const extra = previewed.filter((u) => !planned.includes(u));
            assert.deepStrictEqual({ missing, extra }, { missing: [], extra: [] }, `${stack}: preview and offline plan differ`);
            assert.strictEqual(previewed.length, planned.length);
            const creates = Object.values(r.summary).reduce((n, x) => n + x, 0);
            assert.strictEqual(creates, r.urns.length, `${stack}: change summary counts ${creates}, events name ${r.urns.length}`);
        });
    }

    it("staging: the real analyzer enforces the pack (an approved-registry list naming no image fails the preview)", function () {
        const cluster = realCluster();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-real-policy-"));
        try {
            const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", "staging.json"), "utf8"));
            config["kubechat-approved-registry"] = { ...config["kubechat-approved-registry"], approvedRegistries: ["registry.invalid"] };
            fs.writeFileSync(path.join(dir, "staging.json"), JSON.stringify(config));
            const r = runPreview("staging", ["--kubeconfig", cluster.kubeconfig, "--charts", CHARTS, "--policy-pack-config", path.join(dir, "staging.json")]);
            const hits = r.policy.filter((p) => p.policy === "kubechat-approved-registry" && p.level === "mandatory");
            console.log(`      staging with no approved registry: ${hits.length} mandatory kubechat-approved-registry violation(s), e.g. ${hits[0]?.message}`);
            assert.strictEqual(r.ok, false, "preview passed although every image is outside the approved registries");
            assert.ok(hits.length > 0, `no kubechat-approved-registry violation reported: ${r.error}`);
            assert.ok(hits.every((h) => h.urn.startsWith("urn:pulumi:staging::")), "each violation names its resource");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
