/**
 * npm run charts:unused -- <stack> [--charts <dir>] [--release <name>]
 *
 * Lists values the program passes to a chart that the chart ignores (planner/render/unused-values.ts).
 * Exit codes (planner/README.md): 0 nothing ignored; 1 ignored values listed; 2 bad usage, an unknown
 * release or a missing or wrong archive.
 */
import { parseStackArgs, pathOption } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { runProgram } from "../planner/program/runtime";
import { stackConfigFile } from "../planner/program/stack-file";
import { verifiedChartSource } from "../planner/render/charts";
import { releaseSpecs } from "../planner/render/releases";
import { report, unusedValues } from "../planner/render/unused-values";
import { ROOT } from "../planner/root";

export const USAGE = "usage: npm run charts:unused -- <stack> [--charts <dir>] [--release <name>]";

export const run = command(async (argv, io) => {
    const parsed = parseStackArgs(argv, USAGE, ["--charts", "--release"]);
    if (parsed === "help") {
        io.out(`${USAGE}\n\nRemoves each leaf value passed to a chart, re-renders, and lists values whose removal changes nothing.`);
        return EXIT.ok;
    }
    const stack = parsed.stack;
    const plan = await runProgram({ stack, configFile: stackConfigFile(stack) });
    const src = verifiedChartSource(ROOT, { charts: pathOption(parsed.values, "--charts") }, releaseSpecs(plan));
    const result = await unusedValues(stack, src.dir, { release: parsed.values["--release"], plan });
    io.out(report(stack, result));
    return result.found.length === 0 ? EXIT.ok : EXIT.findings;
});

startWhenMain(module, run);
