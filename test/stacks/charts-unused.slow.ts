/**
 * `npm run test:unused` (not in `npm test`: about a minute for the three stacks): the acceptance check
 * that no value the program passes to a chart is ignored by it — `charts:unused` lists nothing for any
 * stack. Each value is removed in turn and the chart rendered again, so this renders hundreds of times.
 */
import * as assert from "assert";
import { planStack, CHARTS_DIR } from "../harness";
import { report, unusedValues } from "../../planner/render/unused-values";

for (const stack of ["dev", "staging", "prod"]) {
    it(`${stack}: every value passed to a chart changes what the chart renders`, async () => {
        const { found, releases, values } = await unusedValues(stack, CHARTS_DIR, { plan: await planStack(stack) });
        assert.ok(releases > 0 && values > 0, `${releases} releases, ${values} values checked`);
        assert.match(report(stack, { found, releases, values }), /release\(s\), \d+ value\(s\) that differ from the chart's defaults checked/);
        assert.deepStrictEqual(found.map((f) => `${f.release}: ${f.path} = ${JSON.stringify(f.value)}`), []);
    });
}
