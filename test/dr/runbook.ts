/**
 * The restore runbook as the test runs it (`npm run test:dr`, velero.dr.ts): the commands of each case of
 * docs/restore.md's "Restore runbook", taken from the document itself so that it cannot rot.
 *
 * - `runbookCases` reads the section: each `### Case <n>: <title>` heading and its first ```sh block.
 *   A command is a line of that block with its comment removed (a whole-line comment, or a trailing
 *   `  # ...` outside quotes); nothing else of the text is changed.
 * - `fillPlaceholders` replaces the placeholders the document names (`<newest backup>`, ...) with the
 *   values the caller found, and refuses a command that still holds one it was not given: a new
 *   placeholder in the document must be taught to the test, never guessed.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../apply/stacks";

export interface RunbookCase {
    /** The case number of its heading. */
    n: number;
    title: string;
    /** Commands, comments removed, in the document's order. */
    commands: string[];
}

/** `cmd  # comment` -> `cmd`; a `#` inside quotes or a word (`a#b`) is not a comment. */
export function stripComment(line: string): string {
    let quote = "";
    for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (quote) {
            if (ch === quote) quote = "";
            else if (ch === "\\" && quote === '"') i++;
            continue;
        }
        if (ch === "'" || ch === '"') quote = ch;
        else if (ch === "\\") i++;
        else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
    }
    return line.trimEnd();
}

/** The cases of the "Restore runbook" section of a restore document (markdown text). */
export function runbookCases(markdown: string): RunbookCase[] {
    const lines = markdown.split("\n");
    const start = lines.findIndex((l) => /^## Restore runbook\b/.test(l));
    if (start < 0) throw new Error('no "## Restore runbook" section');
    const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    const section = lines.slice(start + 1, end < 0 ? undefined : end);
    const cases: RunbookCase[] = [];
    let current: (RunbookCase & { done?: boolean }) | undefined;
    let fence = false; // inside any ``` block
    let capture = false; // inside the case's first sh block
    for (const l of section) {
        if (/^```/.test(l)) {
            if (fence) { fence = false; if (capture && current) current.done = true; capture = false; }
            else { fence = true; capture = !!current && !current.done && /^```sh\s*$/.test(l); }
            continue;
        }
        if (fence) {
            const cmd = capture && current ? stripComment(l).trim() : "";
            if (cmd) current!.commands.push(cmd);
            continue;
        }
        const h = /^### Case (\d+):\s*(.*)$/.exec(l);
        if (h) {
            current = { n: Number(h[1]), title: h[2].trim(), commands: [] };
            cases.push(current);
        } else if (/^#{1,3} /.test(l)) current = undefined;
    }
    for (const c of cases) if (c.commands.length === 0) throw new Error(`case ${c.n} (${c.title}) has no sh block`);
    return cases.map(({ n, title, commands }) => ({ n, title, commands }));
}

export function readRunbook(file: string): RunbookCase[] {
    return runbookCases(fs.readFileSync(file, "utf8"));
}

/** `<words>` the way the document writes a placeholder (a shell redirection `< file` has a space after `<`). */
const PLACEHOLDER = /<([^<>\s][^<>]*)>/g;

export function placeholders(command: string): string[] {
    return [...command.matchAll(PLACEHOLDER)].map((m) => m[0]);
}

/**
 * The command with every placeholder replaced by `values[placeholder]`; throws on one without a value.
 * A key that is not a `<placeholder>` is an example value the document writes out (case 2's
 * timestamp), replaced where it occurs as a whole word.
 */
export function fillPlaceholders(command: string, values: Record<string, string>): string {
    const unknown = placeholders(command).filter((p) => values[p] === undefined);
    if (unknown.length) throw new Error(`runbook command "${command}": no value for ${unknown.join(", ")}`);
    let out = command.replace(PLACEHOLDER, (p) => values[p]);
    for (const [k, v] of Object.entries(values)) {
        if (!k.startsWith("<")) out = out.split(" ").map((w) => (w === k ? v : w)).join(" ");
    }
    return out;
}

/** The example timestamp a command writes out (RFC 3339 with an offset), if any. */
export function exampleTimestamp(command: string): string | undefined {
    return /(?:^|\s)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:\d\d)(?:\s|$)/.exec(command)?.[1];
}

/**
 * The restore runbook run from docs/restore.md itself (test/dr/runbook.ts): each command of a case, with
 * only the document's placeholders filled, in bash, from the stack's project directory (the one the
 * test's `pulumi up` used: its backend, stack and config), with a PATH where
 * - `pulumi` is test/apply/bundle-pulumi.js around the real CLI: every command is the CLI's; `up` runs
 *   the program through the Automation API's inline host (the CLI has no Node.js language host here);
 *   its confirmation is answered "yes" on stdin, as an operator would type it;
 * - `velero` is the built Velero binary (also its CLI), `kubectl` the machine's; both reach the
 *   simulated cluster through KUBECONFIG.
 * A command that fails fails the case: the document is wrong (or the program), never the test's input.
 */
export interface RunbookShell {
    /** Runs one command (placeholders filled); the event loop stays free (the stand-ins tick meanwhile). */
    run(caseN: number, command: string, values: Record<string, string>): Promise<{ out: string; seconds: number }>;
    /** The real Pulumi CLI in the same directory and environment, for the test's own look-ups (not a runbook step). */
    pulumi(args: string[]): string;
}

export function runbookShell(o: { dir: string; projectDir: string; state: string; kubeconfig: string; tools: Record<string, string>; record: (s: { case: number; command: string; exit: number; seconds: number }) => void; afterStep?: () => Promise<void> }): RunbookShell {
    const bin = path.join(o.dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\nexec '${process.execPath}' '${path.join(ROOT, "test", "apply", "bundle-pulumi.js")}' "$@"\n`, { mode: 0o755 });
    fs.symlinkSync(o.tools.VELERO, path.join(bin, "velero"));
    const home = path.join(o.dir, "home");
    fs.mkdirSync(home, { recursive: true });
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: [bin, o.tools.PLUGIN_BIN, process.env.PATH ?? "/usr/bin:/bin"].join(path.delimiter),
        HOME: home,
        KUBECONFIG: o.kubeconfig,
        KUBECHAT_REAL_PULUMI: o.tools.PULUMI,
        KUBECHAT_PULUMI_PROGRAM: path.join(ROOT, "index.ts"),
        PULUMI_HOME: path.join(o.state, "home"),
        PULUMI_CONFIG_PASSPHRASE: fs.readFileSync(path.join(o.state, "passphrase"), "utf8"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    };
    return {
        pulumi(args) {
            return execFileSync(o.tools.PULUMI, args, { cwd: o.projectDir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        },
        async run(caseN, command, values) {
            const filled = fillPlaceholders(command, values);
            const t = Date.now();
            let out = "";
            const exit = await new Promise<number>((resolve, reject) => {
                const p = spawn("timeout", ["--kill-after=10", String(20 * 60), "bash", "-c", filled], { cwd: o.projectDir, env, stdio: ["pipe", "pipe", "pipe"] });
                p.stdout.on("data", (d) => (out = (out + d).slice(-1000000)));
                p.stderr.on("data", (d) => (out = (out + d).slice(-1000000)));
                p.stdin.end("yes\n");
                p.once("error", reject);
                p.once("exit", (c) => resolve(c ?? -1));
            });
            const seconds = +((Date.now() - t) / 1000).toFixed(1);
            o.record({ case: caseN, command: filled, exit, seconds });
            console.log(`      [case ${caseN}] $ ${filled}  -> exit ${exit}, ${seconds}s`);
            if (exit !== 0) throw new Error(`docs/restore.md case ${caseN}: \`${filled}\` failed (exit ${exit}):\n${out.split("\n").slice(-40).join("\n")}`);
            await o.afterStep?.();
            return { out, seconds };
        },
    };
}

/**
 * The newest Completed backup in `velero backup get`'s table (NAME STATUS ERRORS WARNINGS CREATED ...);
 * with `before` (ms since the epoch), the newest one created before that moment (a rebuilt cluster's
 * Schedules may have backed up the new, still empty, platform since).
 */
export function newestBackup(table: string, before = Infinity): string | undefined {
    let best: { name: string; at: number } | undefined;
    for (const line of table.split("\n")) {
        const m = /^(\S+)\s+Completed\s+\d+\s+\d+\s+(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)/.exec(line);
        if (!m) continue;
        const at = Date.parse(`${m[2]}T${m[3]}${m[4]}:${m[5]}`);
        if (at < before && (!best || at >= best.at)) best = { name: m[1], at };
    }
    return best?.name;
}
