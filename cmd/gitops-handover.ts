/**
 * npm run -s gitops:handover -- <stack> [--config-file <path>] > handover.sh
 *
 * Prints the bash script that makes Pulumi forget a running stack's app layer (planner/gitops/handover.ts).
 * Run it after the manifests are pushed and before the `pulumi up` that turns gitops.enabled on
 * (docs/gitops.md). Exit codes (planner/README.md): 0 ok; 2 bad input.
 */
import { parseStackArgs, pathOption } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { stackHandover } from "../planner/gitops/handover";

export const USAGE = "usage: npm run -s gitops:handover -- <stack> [--config-file <path>]";

export const run = command(async (argv, io) => {
    const parsed = parseStackArgs(argv, USAGE, ["--config-file"]);
    if (parsed === "help") {
        io.out(USAGE);
        return EXIT.ok;
    }
    io.out((await stackHandover(parsed.stack, pathOption(parsed.values, "--config-file"))).join("\n"));
    return EXIT.ok;
});

startWhenMain(module, run);
