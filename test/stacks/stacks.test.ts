/**
 * Each stack file end to end: plan it under mocks, validate every Kubernetes object against its
 * official schema, and run the policy pack over everything the program would create.
 */
import * as assert from "assert";
import { planStack, schemaCheck, k8sObjects } from "../harness";
import { checkPlan } from "../../scripts/lib/verdict";

/** Kinds with no published schema package; their fields are asserted by the component tests. */
const UNVALIDATED = new Set([
    "acid.zalan.do/v1/postgresql",
    "autoscaling.k8s.io/v1/VerticalPodAutoscaler",
    "elasticsearch.k8s.elastic.co/v1/Elasticsearch",
    "kibana.k8s.elastic.co/v1/Kibana",
]);

for (const stack of ["dev", "staging", "prod"]) {
    describe(`stack ${stack}`, () => {
        it("plans, and every Kubernetes object passes its schema", async () => {
            const plan = await planStack(stack);
            assert.ok(k8sObjects(plan).length > 0);
            const res = await schemaCheck(plan);
            assert.deepStrictEqual(res.errors, []);
            assert.deepStrictEqual(res.unvalidatedKinds.filter((k) => !UNVALIDATED.has(k)), []);
        });

        it("passes its own policy pack with no violation at all", async () => {
            const plan = await planStack(stack);
            const verdict = checkPlan(plan);
            assert.deepStrictEqual(verdict.violations.map((v) => `${v.level} ${v.policy}: ${v.message}`), []);
        });

        it("registers every Kubernetes resource with an explicit provider", async () => {
            const plan = await planStack(stack);
            const missing = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.provider).map((r) => r.urn);
            assert.deepStrictEqual(missing, []);
        });
    });
}
