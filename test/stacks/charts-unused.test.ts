/** `npm run charts:unused` as a command: what it checked, and an unknown release (the full check is test:unused). */
import * as assert from "assert";
import { run } from "../../cmd/charts-unused";
import { report } from "../../planner/render/unused-values";

async function unused(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("charts:unused command", () => {
    it("rejects a release the stack does not have, naming those it has (exit 2)", async () => {
        const r = await unused(["dev", "--release", "nope"]);
        assert.strictEqual(r.code, 2, r.out);
        assert.match(r.err, /^error: --release nope: stack dev has no such release \(it has: [\w-]+(, [\w-]+)+\)$/);
        assert.match(r.err, /istio-cni/);
    });

    it("says how many releases and values it checked", () => {
        assert.strictEqual(report("dev", { found: [], releases: 3, values: 41 }), "dev: 3 release(s), 41 value(s) that differ from the chart's defaults checked; every one changes the output");
        assert.strictEqual(report("dev", { found: [{ release: "vpa", path: "a.b", value: 1 }], releases: 1, values: 2 }),
            "vpa: a.b = 1 changes nothing in the rendered output\ndev: 1 release(s), 2 value(s) that differ from the chart's defaults checked; 1 ignored");
    });
});
