/**
 * npm run bench — performance figures recorded in docs/performance.md (planner/bench.ts: a benchmark,
 * not a timed test). Exit codes (planner/README.md): 0 measured; 2 bad usage; 3 internal error.
 */
import { parseArgs } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { bench } from "../planner/bench";

export const USAGE = "usage: npm run bench";

/** `--help` prints what it measures; the benchmark itself takes no arguments (BENCH_RUNS sets the repetitions). */
export const run = command(async (argv, io) => {
    if (parseArgs(argv, { usage: USAGE }) === "help") {
        io.out(`${USAGE}\n\nMeasures plan and start-up times and the modelled deploy critical path (figures in docs/performance.md).\nBENCH_RUNS=<n> sets the repetitions (default 3).`);
        return EXIT.ok;
    }
    await bench(io);
    return EXIT.ok;
});

startWhenMain(module, run);
