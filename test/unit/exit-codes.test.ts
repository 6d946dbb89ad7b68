/** One exit-code table (planner/cli/exit.ts, written out in planner/README.md) and one parser for every command in cmd/. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../planner/root";
import { UsageError, parseArgs } from "../../planner/cli/args";
import { EXIT, command } from "../../planner/cli/exit";

type Run = (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>;

async function call(run: Run, argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Every npm script that runs a file of cmd/, with that file. */
const commands = Object.entries<string>(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts)
    .flatMap(([name, line]) => line.split(/\s+/).filter((w) => /^cmd\/[^/]+\.ts$/.test(w)).map((file) => ({ name, file })));

describe("exit codes", () => {
    it("planner/README.md lists exactly the codes of the table in planner/cli/exit.ts", () => {
        const readme = fs.readFileSync(path.join(ROOT, "planner", "README.md"), "utf8");
        const table = readme.slice(readme.indexOf("<!-- exit-codes:begin -->"), readme.indexOf("<!-- exit-codes:end -->"));
        const rows = [...table.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => ({ code: Number(m[1]), meaning: m[2] }));
        assert.deepStrictEqual(rows.map((r) => r.code), Object.values(EXIT).sort());
        assert.match(rows.find((r) => r.code === EXIT.badInput)!.meaning, /no stack trace/);
        assert.match(rows.find((r) => r.code === EXIT.internal)!.meaning, /stack trace is printed/);
    });

    it("every npm script of cmd/ is one file there, and every file there is an npm script", () => {
        const files = fs.readdirSync(path.join(ROOT, "cmd")).filter((f) => f.endsWith(".ts")).map((f) => `cmd/${f}`).sort();
        assert.deepStrictEqual([...new Set(commands.map((c) => c.file))].sort(), files);
        assert.strictEqual(commands.length, files.length, "one npm script per command file");
    });

    it("every command reports an unknown option as bad input: exit 2, `error:` and the usage line, no stack trace", async () => {
        for (const { name, file } of commands) {
            const { run } = require(path.join(ROOT, file)) as { run: Run };
            const r = await call(run, ["--no-such-option"]);
            assert.strictEqual(r.code, EXIT.badInput, `${name}: ${r.err}`);
            assert.match(r.err, /^error: unknown option --no-such-option\nusage: npm run /, name);
            assert.doesNotMatch(r.err, /\n\s+at /, name);
        }
    });

    it("what a command throws: UsageError and the config loader's ConfigError exit 2 without a stack, anything else 3 with it", async () => {
        const configError = Object.assign(new Error("kubechat:postgres.instances: must be >= 1"), { name: "ConfigError" });
        const usage = await call(command(() => { throw new UsageError("--out: empty value"); }), []);
        assert.deepStrictEqual([usage.code, usage.err], [2, "error: --out: empty value"]);
        const config = await call(command(async () => { throw configError; }), []);
        assert.deepStrictEqual([config.code, config.err], [2, "error: kubechat:postgres.instances: must be >= 1"]);
        const bug = await call(command(() => { throw new TypeError("x is undefined"); }), []);
        assert.strictEqual(bug.code, 3);
        assert.match(bug.err, /^TypeError: x is undefined\n\s+at /);
        assert.strictEqual((await call(command(() => EXIT.findings), [])).code, 1);
    });
});

describe("the argument parser", () => {
    const spec = { usage: "usage: npm run x -- <a> [--out <dir>] [--json]", values: ["--out"], flags: ["--json"], positionals: { min: 1, max: 1 } };

    it("reads values (`--out d` or `--out=d`), flags and positionals; -h/--help anywhere is help", () => {
        const p = parseArgs(["a", "--out", "d", "--json"], spec);
        assert.ok(p !== "help");
        assert.deepStrictEqual([p.positionals, p.values, [...p.flags]], [["a"], { "--out": "d" }, ["--json"]]);
        assert.deepStrictEqual((parseArgs(["--out=e", "a"], spec) as { values: object }).values, { "--out": "e" });
        assert.strictEqual(parseArgs(["--bogus", "--help"], spec), "help");
    });

    it("names each problem with the usage line", () => {
        const bad: [string[], RegExp][] = [
            [["a", "--out"], /^--out needs a value\nusage: /],
            [["a", "--out", "--json"], /^--out needs a value/],
            [["a", "--out", ""], /^--out: empty value/],
            [["a", "--json=1"], /^unknown option --json=1/],
            [["a", "b"], /^unexpected argument b/],
            [[], /^missing argument\nusage: /],
        ];
        for (const [argv, re] of bad) assert.throws(() => parseArgs(argv, spec), (e: Error) => e instanceof UsageError && re.test(e.message), argv.join(" "));
    });
});
