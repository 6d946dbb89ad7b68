/**
 * npm run plan -- <stack> [--config-file <path>] [--out <dir>]
 *
 * Plans a stack offline and writes plan.json, manifests/, airgap.json and graph.mmd under
 * out/<stack>/ (see README.md). Exit codes: 0 ok; 1 mandatory policy violations; 2 invalid
 * config or usage.
 */
import { planCli } from "./lib/cli";
import { shortStackTraces } from "./lib/plan";

export { USAGE, planCli as run } from "./lib/cli";

if (require.main === module) {
    shortStackTraces();
    planCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then((code) => process.exit(code));
}
