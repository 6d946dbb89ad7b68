/**
 * Peer linters over the same YAML as our pack, and what they find that our pack does not.
 *
 *   npm run peers -- [<file-or-dir>...] [--stacks <a,b>] [--json]
 *
 * Without paths, plans each stack (default: every Pulumi.<stack>.yaml) into a temporary directory and
 * runs over its manifests/ and, when the plan rendered charts, rendered/ (planner/peers/run.ts). Peers
 * are installed on first use at the versions pinned in policies/peers.json (`go install`, or pip into a
 * virtual environment for checkov), into ~/.cache/kubechat-tools (KUBECHAT_TOOLS_DIR overrides).
 * Exit codes (planner/README.md): 0 every peer finding is agreed or a documented deliberate difference;
 * 1 a peer finding our pack misses or an unclassified check; 2 bad usage or a peer that cannot be installed.
 */
import { UsageError, parseArgs as parse } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { formatReport } from "../planner/peers/peers";
import { peersOver } from "../planner/peers/run";

export const USAGE = "usage: npm run peers -- [<file-or-dir>...] [--stacks <a,b>] [--json]";

interface Args { paths: string[]; stacks?: string[]; json: boolean }

export function parseArgs(argv: string[]): Args | "help" {
    const p = parse(argv, { usage: USAGE, values: ["--stacks"], flags: ["--json"], positionals: { min: 0, max: Infinity } });
    if (p === "help") return p;
    const args: Args = { paths: p.positionals, json: p.flags.has("--json") };
    if (p.values["--stacks"] !== undefined) args.stacks = p.values["--stacks"].split(",").filter(Boolean);
    if (args.paths.length && args.stacks) throw new UsageError(`give paths or --stacks, not both\n${USAGE}`);
    return args;
}

export const run = command((argv, io) => {
    const args = parseArgs(argv);
    if (args === "help") {
        io.out(`${USAGE}\n\nRuns peer linters (pinned in policies/peers.json) over the given YAML, or over fresh plans of the stacks,\nand sorts their findings against this policy pack. Exit 0 agreed or documented, 1 missed/unclassified, 2 usage.`);
        return EXIT.ok;
    }
    const { results, notes } = peersOver(args.paths, args.stacks, io.err);
    io.out(args.json ? JSON.stringify({ notes, findings: results }, null, 2) : formatReport(results, notes));
    return results.some((r) => r.verdict === "missed" || r.verdict === "unknown") ? EXIT.findings : EXIT.ok;
});

startWhenMain(module, run);
