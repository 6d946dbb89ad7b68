/**
 * Resources that moved in the component tree keep their identity: each URN an existing stack has in
 * its state is an alias of exactly one resource of the same type in today's plan, so `pulumi up` moves
 * them instead of deleting and re-creating them (for a namespace, that would delete all it holds).
 */
import * as assert from "assert";
import { Plan } from "../../planner/model";
import { planStack } from "../harness";

const PLATFORM = "kubechat:platform:KubeChatPlatform";

/**
 * URNs the stacks had before a move (from their plans at the time), by stack. The VPA chart moved from
 * the app layer to the cluster layer.
 */
function formerUrns(plan: Plan): { urn: string; type: string }[] {
    const at = (qualified: string, name: string) => `urn:pulumi:${plan.stack}::${plan.project}::${qualified}::${name}`;
    const vpa = `${PLATFORM}$kubechat:app:KubeChat$kubechat:app:VpaChart`;
    return [
        { urn: at(vpa, "kubechat-app-vpa"), type: "kubechat:cluster:VpaChart" },
        { urn: at(`${vpa}$kubernetes:core/v1:Namespace`, "kubechat-app-vpa-ns"), type: "kubernetes:core/v1:Namespace" },
        { urn: at(`${vpa}$kubernetes:helm.sh/v3:Release`, "kubechat-app-vpa-release"), type: "kubernetes:helm.sh/v3:Release" },
    ];
}

/** The type a URN names (its last type in the parent chain). */
const urnType = (urn: string) => urn.split("::")[2].split("$").pop();

describe("moved resources keep their identity (aliases)", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`${stack}: every former URN is an alias of exactly one resource of the same type, and no longer a URN of its own`, async () => {
            const plan = await planStack(stack);
            const urns = new Set(plan.resources.map((r) => r.urn));
            for (const former of formerUrns(plan)) {
                assert.ok(!urns.has(former.urn), `${former.urn} is not registered any more`);
                const heirs = plan.resources.filter((r) => (r.aliases ?? []).includes(former.urn));
                assert.deepStrictEqual(heirs.map((r) => r.type), [former.type], former.urn);
                assert.strictEqual(urnType(former.urn), former.type === "kubechat:cluster:VpaChart" ? "kubechat:app:VpaChart" : former.type);
            }
        });
    }

    it("an alias names an earlier place: no alias is a URN of today's plan", async () => {
        const plan = await planStack("prod");
        const urns = new Set(plan.resources.map((r) => r.urn));
        assert.deepStrictEqual(plan.resources.flatMap((r) => (r.aliases ?? []).filter((a) => urns.has(a))), []);
    });
});
