import * as assert from "assert";
import { shortStackTraces } from "../../planner/program/stack-traces";

describe("plan stack traces", () => {
    it("are short for plans and the benchmark alike, unless KUBECHAT_STACK_TRACES=full", () => {
        const saved = Error.stackTraceLimit;
        const savedPrepare = Error.prepareStackTrace;
        try {
            Error.stackTraceLimit = 10;
            shortStackTraces({ KUBECHAT_STACK_TRACES: "full" });
            assert.strictEqual(Error.stackTraceLimit, 10);
            assert.strictEqual(Error.prepareStackTrace, savedPrepare);
            shortStackTraces({});
            assert.strictEqual(Error.stackTraceLimit, 2);
            // The SDK's message-less errors (source positions, leak reports) get no frames; real errors keep two.
            assert.strictEqual(new Error().stack, "Error");
            const lines = new Error("boom").stack!.split("\n");
            assert.strictEqual(lines[0], "Error: boom");
            assert.strictEqual(lines.length, 3);
            assert.match(lines[1], /^ {4}at /);
        } finally {
            Error.stackTraceLimit = saved;
            Error.prepareStackTrace = savedPrepare;
        }
    });
});
