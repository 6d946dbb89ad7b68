/**
 * npm run charts:pull [-- <dir>] — refresh the chart folder the plan renders from (default charts/,
 * vendored in the repository): `helm pull` (on a connected machine) every chart the catalog pins
 * whose archive is missing, then check every pinned archive against SHA256SUMS (the folder's own,
 * else charts/SHA256SUMS) and its own Chart.yaml, and list archives no pin uses.
 */
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../components/catalog";
import { archivePath, archiveProblem, readSums, shownPath, sumsFileFor, vendoredCharts } from "../planner/render/charts";
import { runHelm } from "../planner/render/helm";
import { ROOT } from "../planner/root";
import { Io, consoleIo } from "../planner/cli/io";

export const USAGE = "usage: npm run charts:pull -- [<dir>]";

/** Every chart version the catalog pins, once each. */
function pins(): { name: string; version: string; repo: string }[] {
    const seen = new Map<string, { name: string; version: string; repo: string }>();
    for (const c of Object.values(CHARTS)) seen.set(`${c.name}-${c.version}`, c);
    return [...seen.values()];
}

/** The `helm pull` arguments for each pinned chart not yet in `dir`. */
export function pullCommands(dir: string): string[][] {
    return pins()
        .filter((c) => !fs.existsSync(archivePath(dir, c.name, c.version)))
        .map((c) => ["pull", c.name, "--repo", c.repo, "--version", c.version, "--destination", dir]);
}

/**
 * What is wrong in a chart folder: each pinned archive against SHA256SUMS and its Chart.yaml (missing,
 * damaged, another chart), and each archive no pin uses. Empty when the folder is exactly the pins.
 */
export function folderProblems(root: string, dir: string): string[] {
    const sumsFile = sumsFileFor(root, dir);
    let sums: Map<string, string>;
    try {
        sums = readSums(sumsFile);
    } catch (e) {
        return [(e as Error).message];
    }
    const problems: string[] = [];
    const pinned = new Set<string>();
    for (const c of pins()) {
        const file = archivePath(dir, c.name, c.version);
        pinned.add(path.basename(file));
        const p = archiveProblem(file, c.name, c.version, sums, shownPath(sumsFile));
        if (p) problems.push(`${path.basename(file)}: ${p}`);
    }
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".tgz") && !pinned.has(f)).sort()) problems.push(`${f}: no pin in components/catalog.ts uses it`);
    return problems;
}

/** The command (argv in, exit code out): 0 every pinned archive present and verified, 1 a pull or a check failed, 2 usage error. */
export async function run(argv: string[], io: Io = consoleIo): Promise<number> {
    if (argv.includes("-h") || argv.includes("--help")) {
        io.out(`${USAGE}\n\nhelm pull of every chart pinned in components/catalog.ts that is missing from <dir> (default charts/),\nthen every pinned archive checked against SHA256SUMS and its own Chart.yaml.`);
        return 0;
    }
    const unknown = argv.find((a) => a.startsWith("-"));
    if (unknown || argv.length > 1 || argv[0] === "") {
        io.err(`error: ${unknown ? `unknown option ${unknown}` : argv[0] === "" ? "empty <dir>" : `unexpected argument ${argv[1]}`}\n${USAGE}`);
        return 2;
    }
    const dir = path.resolve(argv[0] ?? vendoredCharts(ROOT));
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
        io.err(`error: ${argv[0]}: not a directory\n${USAGE}`);
        return 2;
    }
    fs.mkdirSync(dir, { recursive: true });
    let failed = 0;
    for (const args of pullCommands(dir)) {
        const r = await runHelm(ROOT, args);
        io.out(`${r.code === 0 ? "pulled" : "FAILED"} ${args[1]} ${args[5]}${r.code === 0 ? "" : `: ${r.stderr.trim()}`}`);
        if (r.code !== 0) failed++;
    }
    const problems = folderProblems(ROOT, dir);
    for (const p of problems) io.out(`  ${p}`);
    io.out(`${shownPath(dir)}: ${pins().length} pinned archive(s) checked against ${shownPath(sumsFileFor(ROOT, dir))} and their Chart.yaml: ${problems.length === 0 ? "all verified" : `${problems.length} problem(s)`}`);
    return failed > 0 || problems.length > 0 ? 1 : 0;
}

if (require.main === module) run(process.argv.slice(2)).then((c) => process.exit(c));
