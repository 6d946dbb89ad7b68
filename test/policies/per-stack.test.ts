import * as assert from "assert";
import { StackResource, groupBy, perStack } from "../../policies/rule";

describe("stack policy indexes", () => {
    it("are computed once per resource list (stack checks stay linear), again for another list", () => {
        let calls = 0;
        const count = perStack((rs: StackResource[]) => {
            calls++;
            return rs.length;
        });
        const a: StackResource[] = [{ urn: "u", type: "kubernetes:core/v1:Namespace", name: "n", props: {}, protect: false, ignoreChanges: [] }];
        assert.deepStrictEqual([count(a), count(a), count(a)], [1, 1, 1]);
        assert.strictEqual(calls, 1);
        assert.strictEqual(count([]), 0);
        assert.strictEqual(calls, 2);
    });

    it("groupBy keeps order within a group", () => {
        assert.deepStrictEqual([...groupBy(["b1", "a1", "b2"], (s) => s[0])], [["b", ["b1", "b2"]], ["a", ["a1"]]]);
    });
});
