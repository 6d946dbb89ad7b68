/** How the offline plan shows secrets (planner/program/runtime.ts renderValue). */
import * as assert from "assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { renderValue } from "../../planner/program/runtime";
import { SECRET, UNKNOWN } from "../../planner/model";

const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

describe("plan: secrets", () => {
    it("shows a secret value as [secret], never the value", () => {
        assert.strictEqual(renderValue(secret("hunter2")), SECRET);
        assert.strictEqual(renderValue(secret(["a", "b"])), SECRET);
        assert.strictEqual(renderValue({ a: secret(42) }).a, SECRET);
    });

    it("keeps a secret map's keys, so a Secret's data stays a map the API server and schemas accept", () => {
        const out = renderValue({ kind: "Secret", stringData: secret({ username: "u", password: secret("p"), nested: { k: "v" } }) });
        assert.deepStrictEqual(out.stringData, { username: SECRET, password: SECRET, nested: { k: SECRET } });
        assert.ok(!JSON.stringify(out).includes('"u"') && !JSON.stringify(out).includes('"p"'));
    });

    it("masks output values marked secret the same way, and leaves unknowns unknown", () => {
        const output = (value: unknown, isSecret: boolean) => ({ [rpc.specialSigKey]: rpc.specialOutputValueSig, value, secret: isSecret });
        assert.deepStrictEqual(renderValue(output({ k: "v" }, true)), { k: SECRET });
        assert.deepStrictEqual(renderValue(output({ k: "v" }, false)), { k: "v" });
        assert.strictEqual(renderValue(rpc.unknownValue), UNKNOWN);
    });
});
