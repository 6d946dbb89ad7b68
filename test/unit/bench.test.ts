import * as assert from "assert";
import { shortStackTraces } from "../../scripts/lib/plan";

describe("plan stack traces", () => {
    it("are short for plans and the benchmark alike, unless KUBECHAT_STACK_TRACES=full", () => {
        const saved = Error.stackTraceLimit;
        try {
            Error.stackTraceLimit = 10;
            shortStackTraces({ KUBECHAT_STACK_TRACES: "full" });
            assert.strictEqual(Error.stackTraceLimit, 10);
            shortStackTraces({});
            assert.strictEqual(Error.stackTraceLimit, 2);
        } finally {
            Error.stackTraceLimit = saved;
        }
    });
});
