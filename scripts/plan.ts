/**
 * npm run plan -- <stack> [--config-file <path>] [--out <dir>]
 *
 * Plans a stack offline and writes plan.json, manifests/, airgap.json and graph.mmd under
 * out/<stack>/ (see architecture.md). Exit codes: 0 ok; 1 mandatory policy violations; 2 invalid
 * config or usage.
 */
import { planCli } from "./lib/cli";

planCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then((code) => process.exit(code));
