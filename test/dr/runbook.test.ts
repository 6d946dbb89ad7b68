import * as assert from "assert";
import * as path from "path";
import { exampleTimestamp, fillPlaceholders, newestBackup, placeholders, readRunbook, runbookCases, stripComment } from "./runbook";

describe("dr runbook: the commands of docs/restore.md's cases", () => {
    it("strips whole-line and trailing comments, not a # inside quotes or a word", () => {
        assert.strictEqual(stripComment("pulumi up                # recreate"), "pulumi up");
        assert.strictEqual(stripComment("# only a comment"), "");
        assert.strictEqual(stripComment(`echo "a # b" x#y 'c # d'  # gone`), `echo "a # b" x#y 'c # d'`);
    });

    it("takes each case's first sh block, in order, and nothing outside the runbook section", () => {
        const md = [
            "## Other", "```sh", "rm -rf /", "```",
            "## Restore runbook", "intro", "### Case 1: one", "text", "```sh", "a --x   # why", "", "# note", "b <newest backup>", "```", "```sh", "not this", "```",
            "### Case 2: two", "```sh", "c", "```", "### Check after every case", "```sh", "d", "```",
            "## Next", "### Case 3: elsewhere", "```sh", "e", "```",
        ].join("\n");
        assert.deepStrictEqual(runbookCases(md), [
            { n: 1, title: "one", commands: ["a --x", "b <newest backup>"] },
            { n: 2, title: "two", commands: ["c"] },
        ]);
        assert.throws(() => runbookCases("## Restore runbook\n### Case 1: empty\ntext\n"), /case 1 .* no sh block/);
        assert.throws(() => runbookCases("# nothing"), /no "## Restore runbook" section/);
    });

    it("fills only the placeholders it is given and refuses any other", () => {
        const cmd = "velero restore create --from-backup <newest backup> --include-namespaces ns";
        assert.deepStrictEqual(placeholders(cmd), ["<newest backup>"]);
        assert.strictEqual(fillPlaceholders(cmd, { "<newest backup>": "b-1" }), "velero restore create --from-backup b-1 --include-namespaces ns");
        assert.throws(() => fillPlaceholders("x <a> <b>", { "<a>": "1" }), /no value for <b>/);
        assert.deepStrictEqual(placeholders("sort < file"), []);
        // An example value the document writes out, replaced only as a whole word.
        const ts = "pulumi config set --path k:p.cloneTimestamp 2026-11-29T10:00:00+00:00";
        assert.strictEqual(exampleTimestamp(ts), "2026-11-29T10:00:00+00:00");
        assert.strictEqual(exampleTimestamp("pulumi up"), undefined);
        assert.strictEqual(fillPlaceholders(ts, { "2026-11-29T10:00:00+00:00": "2026-12-06T10:00:00+00:00" }), "pulumi config set --path k:p.cloneTimestamp 2026-12-06T10:00:00+00:00");
        assert.strictEqual(fillPlaceholders("a xdb x", { db: "r" }), "a xdb x");
    });

    it("docs/restore.md has cases 1-3, each with commands whose placeholders the test knows", () => {
        const cases = readRunbook(path.join(__dirname, "..", "..", "docs", "restore.md"));
        assert.deepStrictEqual(cases.map((c) => c.n), [1, 2, 3]);
        const known = ["<newest backup>", "<newest backup taken before the loss>", "<postgresClone.uid>", "<urn of the kubechat-db postgresql>", "<now, RFC 3339 with offset>"];
        for (const c of cases) for (const cmd of c.commands) {
            assert.deepStrictEqual(placeholders(cmd).filter((p) => !known.includes(p)), [], `case ${c.n}: ${cmd}`);
            assert.ok(/^(pulumi|velero|kubectl) /.test(cmd), `case ${c.n} runs only pulumi, velero and kubectl: ${cmd}`);
        }
    });
});

describe("dr runbook: the newest backup in velero backup get's table", () => {
    it("picks the newest Completed one, whatever the order of the rows", () => {
        const table = [
            "NAME                              STATUS      ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   SELECTOR",
            "velero-every-6h-20261206060000    Completed   0        0          2026-12-06 06:00:00 +0000 UTC   6d        default            <none>",
            "velero-every-6h-20261206120000    Failed      1        0          2026-12-06 12:00:00 +0000 UTC   6d        default            <none>",
            "drill-abc                         Completed   0        0          2026-12-06 11:00:00 +0100 CET   6d        default            <none>",
            "drill-new                         Completed   0        0          2026-12-06 10:30:00 +0000 UTC   6d        default            <none>",
        ].join("\n");
        assert.strictEqual(newestBackup(table), "drill-new"); // 11:00 +0100 is 10:00 UTC
        assert.strictEqual(newestBackup("No backups found."), undefined);
        // Before a moment (case 3: the loss): a backup the rebuilt cluster took since is not the one.
        assert.strictEqual(newestBackup(table, Date.parse("2026-12-06T10:15:00Z")), "drill-abc");
        assert.strictEqual(newestBackup(table, Date.parse("2026-12-06T06:00:00Z")), undefined);
    });
});
