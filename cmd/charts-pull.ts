/**
 * npm run charts:pull [-- <dir>] — refresh the chart folder the plan renders from (default charts/,
 * vendored in the repository): `helm pull` (on a connected machine) every chart the catalog pins
 * whose archive is missing, then check every pinned archive against SHA256SUMS (the folder's own,
 * else charts/SHA256SUMS) and its own Chart.yaml, and list archives no pin uses
 * (planner/render/chart-folder.ts). Exit codes (planner/README.md): 0 every pinned archive present and
 * verified; 1 a pull or a check failed; 2 bad usage.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError, parseArgs } from "../planner/cli/args";
import { EXIT, command, startWhenMain } from "../planner/cli/exit";
import { folderProblems, pins, pullCommands } from "../planner/render/chart-folder";
import { shownPath, sumsFileFor, vendoredCharts } from "../planner/render/charts";
import { runHelm } from "../planner/render/helm";
import { ROOT } from "../planner/root";

export const USAGE = "usage: npm run charts:pull -- [<dir>]";

export const run = command(async (argv, io) => {
    const p = parseArgs(argv, { usage: USAGE, positionals: { min: 0, max: 1 } });
    if (p === "help") {
        io.out(`${USAGE}\n\nhelm pull of every chart pinned in components/catalog.ts that is missing from <dir> (default charts/),\nthen every pinned archive checked against SHA256SUMS and its own Chart.yaml.`);
        return EXIT.ok;
    }
    const given = p.positionals[0];
    const dir = path.resolve(given ?? vendoredCharts(ROOT));
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`${given}: not a directory\n${USAGE}`);
    fs.mkdirSync(dir, { recursive: true });
    let failed = 0;
    for (const args of pullCommands(dir)) {
        const r = await runHelm(ROOT, args);
        io.out(`${r.code === 0 ? "pulled" : "FAILED"} ${args[1]} ${args[5]}${r.code === 0 ? "" : `: ${r.stderr.trim()}`}`);
        if (r.code !== 0) failed++;
    }
    const problems = folderProblems(ROOT, dir);
    for (const line of problems) io.out(`  ${line}`);
    io.out(`${shownPath(dir)}: ${pins().length} pinned archive(s) checked against ${shownPath(sumsFileFor(ROOT, dir))} and their Chart.yaml: ${problems.length === 0 ? "all verified" : `${problems.length} problem(s)`}`);
    return failed > 0 || problems.length > 0 ? EXIT.findings : EXIT.ok;
});

startWhenMain(module, run);
