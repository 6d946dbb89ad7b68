/**
 * npm run plan -- <stack> [--config-file <path>] [--out <dir>]
 *
 * Plans a stack offline and writes plan.json, manifests/, airgap.json and graph.mmd under
 * out/<stack>/ (see README.md). Exit codes: 0 ok; 1 mandatory policy violations; 2 invalid
 * config or usage.
 */
import { planCli } from "./lib/cli";

export { USAGE, planCli as run } from "./lib/cli";

// The SDK captures a stack trace for every resource (its source position, which plan.json does not
// record); short traces save about 15 % of a plan. KUBECHAT_STACK_TRACES=full keeps them whole.
if (require.main === module) {
    if (process.env.KUBECHAT_STACK_TRACES !== "full") Error.stackTraceLimit = 2;
    planCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then((code) => process.exit(code));
}
