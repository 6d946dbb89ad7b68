/**
 * npm run charts:pull [-- <dir>] — on a connected machine, `helm pull` every chart the catalog pins
 * into charts/ (git-ignored; or <dir>), named `<chart>-<version>.tgz`: the directory `npm run plan`
 * renders from. Archives already present are kept.
 */
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../components/catalog";
import { archivePath } from "./lib/charts";
import { runHelm } from "./lib/helm";
import { ROOT } from "./lib/plan";
import { Io, consoleIo } from "./lib/io";

export const USAGE = "usage: npm run charts:pull -- [<dir>]";

/** The `helm pull` arguments for each pinned chart not yet in `dir`. */
export function pullCommands(dir: string): string[][] {
    const seen = new Set<string>();
    const out: string[][] = [];
    for (const c of Object.values(CHARTS)) {
        const key = `${c.name}-${c.version}`;
        if (seen.has(key) || fs.existsSync(archivePath(dir, c.name, c.version))) continue;
        seen.add(key);
        out.push(["pull", c.name, "--repo", c.repo, "--version", c.version, "--destination", dir]);
    }
    return out;
}


/** The command (argv in, exit code out): 0 all pulled, 1 a pull failed, 2 usage error. */
export async function run(argv: string[], io: Io = consoleIo): Promise<number> {
    if (argv.includes("-h") || argv.includes("--help")) {
        io.out(`${USAGE}\n\nhelm pull of every chart pinned in components/catalog.ts into <dir> (default charts/), for offline rendering.`);
        return 0;
    }
    const unknown = argv.find((a) => a.startsWith("-"));
    if (unknown || argv.length > 1) {
        io.err(`error: ${unknown ? `unknown option ${unknown}` : `unexpected argument ${argv[1]}`}\n${USAGE}`);
        return 2;
    }
    const dir = path.resolve(argv[0] ?? path.join(ROOT, "charts"));
    fs.mkdirSync(dir, { recursive: true });
    let failed = 0;
    for (const args of pullCommands(dir)) {
        const r = await runHelm(ROOT, args);
        io.out(`${r.code === 0 ? "pulled" : "FAILED"} ${args[1]} ${args[5]}${r.code === 0 ? "" : `: ${r.stderr.trim()}`}`);
        if (r.code !== 0) failed++;
    }
    io.out(`${path.relative(process.cwd(), dir) || "."}: ${fs.readdirSync(dir).filter((f) => f.endsWith(".tgz")).length} archives`);
    return failed > 0 ? 1 : 0;
}

if (require.main === module) run(process.argv.slice(2)).then((c) => process.exit(c));
