/**
 * npm run gitops:render -- <stack> --out <repo-path> [--config-file <path>]
 *
 * GitOps mode: writes the stack's app layer into a directory of a Git working tree for you to review,
 * commit and push (planner/gitops/render.ts). Exit codes (planner/README.md): 0 written; 1 mandatory
 * policy violations (nothing written); 2 invalid config or usage.
 */
import { UsageError, parseStackArgs, pathOption } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { renderGitops } from "../planner/gitops/render";

export const USAGE = "usage: npm run gitops:render -- <stack> --out <repo-path> [--config-file <path>]";

export const run = command(async (argv, io) => {
    const parsed = parseStackArgs(argv, USAGE, ["--out", "--config-file"]);
    if (parsed === "help") {
        io.out(USAGE);
        return EXIT.ok;
    }
    const out = parsed.values["--out"];
    if (!out) throw new UsageError(`--out <repo-path> is required\n${USAGE}`);
    return renderGitops({ stack: parsed.stack, out, configFile: pathOption(parsed.values, "--config-file") }, io);
});

startWhenMain(module, run);
