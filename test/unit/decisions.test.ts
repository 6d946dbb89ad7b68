import * as assert from "assert";
import { ha, replicasFor } from "../../components/decisions";
import { parseConfig } from "../../components/config";
import { minimalOnPremConfig } from "../harness";

describe("cross-cutting decisions", () => {
    it("controllers follow mesh.ha, observability and Argo CD follow persistent, independently", () => {
        assert.deepStrictEqual(ha({ persistent: false, mesh: { ha: true } }), { controllers: true, observability: false, gitops: false });
        assert.deepStrictEqual(ha({ persistent: true, mesh: { ha: false } }), { controllers: false, observability: true, gitops: true });
        assert.strictEqual(replicasFor(true), 2);
        assert.strictEqual(replicasFor(false), 1);
    });

    it("read from the parsed stack config", () => {
        const c = parseConfig({ ...minimalOnPremConfig(), persistent: true, mesh: { ha: false } }, "kubechat", "s");
        assert.deepStrictEqual(ha(c), { controllers: false, observability: true, gitops: true });
    });
});
