#!/usr/bin/env node
/**
 * Runs one of the project's TypeScript commands (plan, policy, airgap, bench) as plain JavaScript.
 *
 * The sources are transpiled 1:1 with esbuild into .build/js (only when a source is newer than its
 * output), then the command runs without a TypeScript hook: no compiler to load, no per-file
 * transpile and no source-map rewriting of the stack trace Pulumi captures for every resource.
 * Type-checking stays in `npm test` (tsc --noEmit).
 *
 *   node scripts/run.js scripts/plan.ts dev
 */
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, ".build", "js");
const SOURCES = ["index.ts", "components", "policies", "scripts"];

function tsFiles(p, out) {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
        for (const e of fs.readdirSync(p)) if (e !== "node_modules") tsFiles(path.join(p, e), out);
    } else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) {
        out.push({ src: p, mtime: st.mtimeMs });
    }
    return out;
}

function compiled(src) {
    return path.join(OUT, path.relative(ROOT, src)).replace(/\.ts$/, ".js");
}

function build() {
    const files = SOURCES.flatMap((s) => tsFiles(path.join(ROOT, s), []));
    const stale = files.filter((f) => {
        try {
            return fs.statSync(compiled(f.src)).mtimeMs < f.mtime;
        } catch {
            return true;
        }
    });
    if (stale.length === 0) return;
    require("esbuild").buildSync({
        entryPoints: stale.map((f) => f.src),
        outdir: OUT,
        outbase: ROOT,
        format: "cjs",
        platform: "node",
        target: "node22",
        logLevel: "error",
    });
}

require("./node-version").requireSupportedNode();
const [entry, ...args] = process.argv.slice(2);
if (!entry || !entry.endsWith(".ts")) {
    console.error("usage: node scripts/run.js <file.ts> [args...]");
    process.exit(2);
}
build();
process.argv = [process.argv[0], compiled(path.resolve(ROOT, entry)), ...args];
// Run it as the main module, so `require.main === module` holds there as with a direct start.
require("module").runMain();
