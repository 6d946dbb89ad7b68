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

async function main(argv: string[]): Promise<number> {
    const dir = path.resolve(argv[0] ?? path.join(ROOT, "charts"));
    fs.mkdirSync(dir, { recursive: true });
    let failed = 0;
    for (const args of pullCommands(dir)) {
        const r = await runHelm(ROOT, args);
        console.log(`${r.code === 0 ? "pulled" : "FAILED"} ${args[1]} ${args[5]}${r.code === 0 ? "" : `: ${r.stderr.trim()}`}`);
        if (r.code !== 0) failed++;
    }
    console.log(`${path.relative(process.cwd(), dir) || "."}: ${fs.readdirSync(dir).filter((f) => f.endsWith(".tgz")).length} archives`);
    return failed > 0 ? 1 : 0;
}

if (require.main === module) main(process.argv.slice(2)).then((c) => process.exit(c));
