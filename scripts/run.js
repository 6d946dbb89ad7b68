#!/usr/bin/env node
/**
 * Runs one of the project's TypeScript commands (cmd/*.ts) as plain JavaScript, on a supported Node.js.
 *
 * The sources are transpiled 1:1 with esbuild into .build/js (only when a source is newer than its
 * output), then the command runs without a TypeScript hook: no compiler to load, no per-file
 * transpile and no source-map rewriting of the stack trace Pulumi captures for every resource.
 * Type-checking stays in `npm test` (tsc --noEmit).
 *
 *   node scripts/run.js cmd/plan.ts dev
 *
 * The Node.js the project runs on is at least the major of package.json `engines.node` (what
 * @pulumi/pulumi requires). The devDependency `node` puts that Node first on PATH for `npm run` and
 * `npx`; a command started some other way with an older system Node stops here with the fix (exit 2),
 * instead of failing later in the SDK. The shell scripts npm starts check the same:
 *
 *   node scripts/run.js --check-node     exit 0, or 2 with the reason
 */
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, ".build", "js");
const SOURCES = ["index.ts", "components", "policies", "planner", "cmd", "test/real/tools"];

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

/**
 * Compiled files under `out` whose source under `root` is gone (a moved or split module): left in
 * place, `config.js` would shadow a new `config/index.js` for every require of "./config".
 */
function orphans(root, out) {
    const found = [];
    const walk = (dir) => {
        let entries;
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (p.endsWith(".js") && !fs.existsSync(path.join(root, path.relative(out, p)).replace(/\.js$/, ".ts"))) found.push(p);
        }
    };
    walk(out);
    return found;
}

function build() {
    for (const f of orphans(ROOT, OUT)) fs.rmSync(f, { force: true });
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

/** The message for a Node that is too old, or undefined when `version` (e.g. "v22.1.0") is new enough. */
function tooOld(version, engines) {
    const min = Number(/^>=\s*(\d+)/.exec(engines)?.[1]);
    if (!Number.isInteger(min)) throw new Error(`package.json engines.node "${engines}": expected ">=<major>"`);
    const major = Number(/^v?(\d+)/.exec(version)?.[1]);
    if (major >= min) return undefined;
    return `this project needs Node.js ${min} or newer (engines.node "${engines}"), but ${version} runs here. ` +
        `Start commands through npm (npm run <script>, npx <bin>), which puts node_modules/.bin/node ` +
        `(the devDependency node@${min}) first on PATH, or: export PATH="$PWD/node_modules/.bin:$PATH"`;
}

function engines() {
    return require(path.join(ROOT, "package.json")).engines.node;
}

/** Stops the process (exit 2) on a Node older than engines.node. */
function requireSupportedNode() {
    const msg = tooOld(process.version, engines());
    if (msg) {
        console.error(`error: ${msg}`);
        process.exit(2);
    }
}

function main() {
    requireSupportedNode();
    const [entry, ...args] = process.argv.slice(2);
    if (entry === "--check-node") return;
    if (!entry || !entry.endsWith(".ts")) {
        console.error("usage: node scripts/run.js <file.ts> [args...]");
        process.exit(2);
    }
    build();
    process.argv = [process.argv[0], compiled(path.resolve(ROOT, entry)), ...args];
    // Run it as the main module, so `require.main === module` holds there as with a direct start.
    require("module").runMain();
}

module.exports = { tooOld, engines, requireSupportedNode, orphans };
if (require.main === module) main();
