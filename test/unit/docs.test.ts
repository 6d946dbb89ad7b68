import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../planner/root";

/** Every Markdown file of the project (not dependencies, build output or plans). */
function markdownFiles(dir = ROOT, out: string[] = []): string[] {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (["node_modules", ".git", ".build", "out"].includes(e.name)) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) markdownFiles(p, out);
        else if (e.name.endsWith(".md")) out.push(p);
    }
    return out;
}

/** Shell lines of a Markdown text: fenced sh/bash/shell/console blocks and inline code, comments removed. */
export function shellLines(md: string): string[] {
    const lines: string[] = [];
    const fence = /^\s*```(\w*)\s*$/;
    let inShell: boolean | null = null;
    for (const line of md.split("\n")) {
        const m = fence.exec(line);
        if (m) {
            inShell = inShell === null ? ["sh", "bash", "shell", "console", ""].includes(m[1]) : null;
            continue;
        }
        if (inShell) lines.push(line);
        else if (inShell === null) for (const c of line.matchAll(/`([^`]+)`/g)) lines.push(c[1]);
    }
    return lines.map((l) => l.replace(/(^|\s)#.*$/, "").trim()).filter((l) => l.length > 0);
}

export interface NpmRun {
    /** The directory whose package.json holds the script (`--prefix`, or `cd dir &&`). */
    prefix: string;
    script: string;
    args: string[];
}

/** Every `npm run <script> [-- args]` in one shell line, split at `&&`, `;` and `|`. */
export function npmRuns(line: string): NpmRun[] {
    const runs: NpmRun[] = [];
    let cwd = ".";
    for (const cmd of line.split(/&&|;|\||>/)) {
        const t = cmd.trim().split(/\s+/).filter((x) => x !== "[" && x !== "]").map((x) => x.replace(/^\[|\]$/g, ""));
        if (t[0] === "cd" && t[1]) cwd = path.normalize(path.join(cwd, t[1]));
        if (t[0] !== "npm") continue;
        let i = 1;
        let prefix = cwd;
        let script: string | undefined;
        for (; i < t.length; i++) {
            if (t[i] === "--prefix") prefix = t[++i];
            else if (t[i] === "run" || t[i] === "run-script") {
                // npm's own flags may sit between `run` and the script name.
                while (t[i + 1]?.startsWith("-") && t[i + 1] !== "--") i++;
                script = t[++i];
                i++;
                break;
            } else if (!t[i].startsWith("-")) break;
        }
        if (!script) continue;
        while (i < t.length && t[i] !== "--") i++;
        runs.push({ prefix, script, args: t.slice(i + 1) });
    }
    return runs;
}

/** The options (`--x`, `-x`) and the literal leading word (a sub-command) of a usage line. */
export function usageOf(usage: string): { options: Set<string>; subcommand?: string; stack: boolean } {
    const after = usage.slice(usage.indexOf(" -- ") + 4).trim().split(/\s+/);
    const options = new Set([...usage.matchAll(/(?<![\w-])--?[a-z][a-z-]*/g)].map((m) => m[0]).filter((o) => o !== "-s" && o !== "--"));
    options.add("--help").add("-h");
    const first = usage.includes(" -- ") ? after[0] : undefined;
    return { options, subcommand: first && /^[a-z]+$/.test(first) ? first : undefined, stack: first === "<stack>" };
}

/**
 * The usage line a script's module exports (`export const USAGE`), or a shell script's `# USAGE:`
 * comment; undefined for scripts without options.
 */
function scriptUsage(command: string): string | undefined {
    const words = command.split(/\s+/);
    const sh = words.find((w) => w.endsWith(".sh"));
    if (sh) return /^# USAGE: (.+)$/m.exec(fs.readFileSync(path.join(ROOT, sh), "utf8"))?.[1];
    const file = words.find((w) => w.endsWith(".ts"));
    if (!file) return undefined;
    return (require(path.join(ROOT, file)) as { USAGE?: string }).USAGE;
}

const STACKS = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s);

/** Problems of one `npm run` use: unknown script, unknown option, unknown sub-command or stack. */
function problems(run: NpmRun): string[] {
    const pkgFile = path.join(ROOT, run.prefix, "package.json");
    if (!fs.existsSync(pkgFile)) return [`no package.json in ${run.prefix}`];
    const scripts = JSON.parse(fs.readFileSync(pkgFile, "utf8")).scripts ?? {};
    if (!(run.script in scripts)) return [`no script "${run.script}" in ${path.join(run.prefix, "package.json")}`];
    if (run.args.length === 0) return [];
    const usage = scriptUsage(scripts[run.script]);
    if (!usage) return [`"${run.script}" takes no arguments: ${run.args.join(" ")}`];
    const u = usageOf(usage);
    const out: string[] = [];
    for (const a of run.args) if (a.startsWith("-") && !u.options.has(a.split("=")[0])) out.push(`unknown option ${a} (${usage})`);
    const takesValue = (opt: string) => usage.includes(`${opt} <`);
    const positional = run.args.filter((a, i) => !a.startsWith("-") && !(i > 0 && takesValue(run.args[i - 1])));
    const first = positional[0];
    const placeholder = (s?: string) => !s || /^[<"$]/.test(s);
    if (u.subcommand && first !== u.subcommand && !placeholder(first)) out.push(`unknown sub-command ${first} (${usage})`);
    if (u.stack && !placeholder(first) && !STACKS.includes(first)) out.push(`no stack ${first}`);
    return out;
}

describe("documentation", () => {
    const files = markdownFiles();

    it("the README stays short: what it is, test, plan, deploy; reference material lives in docs/", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.ok(Buffer.byteLength(readme) < 12 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes (limit 12 KB)`);
        const order = ["npm ci", "npm test", "npm run plan -- dev", "## Deploy", "pulumi up --policy-pack"].map((s) => readme.indexOf(s));
        assert.ok(order.every((i) => i >= 0), "README names npm ci, npm test, npm run plan -- dev and how to deploy");
        assert.deepStrictEqual([...order].sort((a, b) => a - b), order, "in that order");
        for (const stack of STACKS) assert.match(readme, new RegExp(`### ${stack}\\b`), `README explains deploying ${stack}`);
    });

    it("every `npm run` in README.md, docs/ and policies/README.md names an existing script, option, sub-command and stack", () => {
        const found: string[] = [];
        let runs = 0;
        for (const f of files) {
            for (const line of shellLines(fs.readFileSync(f, "utf8"))) {
                for (const run of npmRuns(line)) {
                    runs++;
                    for (const p of problems(run)) found.push(`${path.relative(ROOT, f)}: ${line}: ${p}`);
                }
            }
        }
        assert.ok(runs >= 5, `only ${runs} npm run commands found: the extraction is broken`);
        assert.deepStrictEqual(found, []);
    });

    it("the checker itself flags a missing script, an unknown option, a wrong sub-command and an unknown stack", () => {
        const check = (md: string) => shellLines(md).flatMap(npmRuns).flatMap(problems);
        assert.deepStrictEqual(check("```sh\nnpm run plan -- dev --out /tmp/x\n```"), []);
        assert.match(check("```sh\nnpm run plann -- dev\n```").join(), /no script "plann"/);
        assert.match(check("```sh\nnpm run plan -- dev --output x\n```").join(), /unknown option --output/);
        assert.match(check("`npm run policy -- chek a.yaml`").join(), /unknown sub-command chek/);
        assert.match(check("```bash\nnpm run -s airgap -- qa --registry r.example\n```").join(), /no stack qa/);
        assert.match(check("```sh\ncd policies && npm run plan -- dev\n```").join(), /no script "plan" in policies/);
        assert.match(check("```sh\nnpm run typecheck -- --watch\n```").join(), /takes no arguments/);
        // A shell script's `# USAGE:` line counts too.
        assert.deepStrictEqual(check("`npm run test:ha -- --dcs kubernetes`"), []);
        assert.match(check("`npm run test:ha -- --dc kubernetes`").join(), /unknown option --dc/);
    });

    it("links and file references in the docs point at files in the repository", () => {
        const missing: string[] = [];
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            const targets = [
                ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?:|mailto:|#)/.test(t)),
                ...[...text.matchAll(/[\w./-]+\.md\b/g)].map((m) => m[0]),
            ];
            for (const t of targets) {
                const rel = t.split("#")[0];
                if (!fs.existsSync(path.resolve(path.dirname(f), rel)) && !fs.existsSync(path.resolve(ROOT, rel))) {
                    missing.push(`${path.relative(ROOT, f)} -> ${t}`);
                }
            }
        }
        assert.deepStrictEqual(missing, []);
    });
});
