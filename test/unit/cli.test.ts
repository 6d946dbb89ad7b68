import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { ROOT } from "../../planner/root";
import { UsageError } from "../../planner/cli/args";
import { readStackFile } from "../../planner/program/stack-file";
import { run as airgap } from "../../cmd/airgap";
import { mirrorCommands } from "../../planner/airgap/mirror";
import { ConfigError, parseConfig } from "../../components/config";

type Run = (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => number | Promise<number>;

async function call(fn: Run, argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await fn(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("CLI ergonomics", () => {
    // The user-facing commands: every npm script that runs one of cmd/*.ts (test runners aside).
    const scripts = Object.entries<string>(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts)
        .map(([name, cmd]) => [name, cmd.split(/\s+/).find((w) => /^cmd\/.*\.ts$/.test(w))] as const)
        .filter(([name, file]) => file && !name.startsWith("test"));

    it("--help works on every command: exit 0 and its usage line", async () => {
        assert.ok(scripts.length >= 5, scripts.map(([n]) => n).join());
        for (const [name, file] of scripts) {
            const mod = require(path.join(ROOT, file!)) as { run?: Run };
            assert.strictEqual(typeof mod.run, "function", `${file} exports run(argv, io)`);
            const r = await call(mod.run!, ["--help"]);
            assert.strictEqual(r.code, 0, `${name} --help`);
            assert.match(r.out, new RegExp(`usage: npm run (-s )?${name.replace(":", "\\:")}\\b`), name);
        }
    });

    it("npm run airgap writes a runnable bash script (strict mode, quoted words)", () => {
        const lines = mirrorCommands({ images: [{ from: "quay.io/a/b:1", to: "r.corp:5000/a/b:1" }], artifacts: [], charts: [{ name: "velero", version: "12.0.0", repo: "https://x.example" }] }, "my charts");
        assert.deepStrictEqual(lines.slice(0, 2), ["#!/usr/bin/env bash", "set -euo pipefail"]);
        assert.ok(lines.includes("mkdir -p 'my charts'"));
        const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-airgap-")), "mirror.sh");
        fs.writeFileSync(f, lines.join("\n") + "\n");
        const syntax = spawnSync("bash", ["-n", f], { encoding: "utf8" });
        assert.strictEqual(syntax.status, 0, syntax.stderr);
        fs.rmSync(path.dirname(f), { recursive: true, force: true });
    });

    it("npm run airgap refuses a registry with a scheme, unknown options and a missing registry (exit 2)", async () => {
        const scheme = await call(airgap, ["staging", "--registry", "https://registry.corp:5000/kubechat"]);
        assert.strictEqual(scheme.code, 2);
        assert.match(scheme.err, /--registry https:\/\/registry\.corp:5000\/kubechat: must be host\[:port\]\[\/path\] without a scheme/);
        assert.strictEqual((await call(airgap, ["staging", "--registry", "r.corp", "--chart", "x"])).code, 2);
        assert.match((await call(airgap, ["staging"])).err, /--registry are required/);
    });

    it("a YAML error is shown whole: position, the offending lines and a caret", () => {
        const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-yaml-")), "Pulumi.bad.yaml");
        fs.writeFileSync(f, "config:\n  kubechat:postgres:\n    instances: 1\n   volumeSize: 5Gi\n");
        try {
            readStackFile(f);
            assert.fail("no error");
        } catch (e) {
            assert.ok(e instanceof UsageError);
            const m = (e as Error).message;
            assert.match(m, /Pulumi\.bad\.yaml:4:\d+: invalid YAML: /);
            assert.match(m, /volumeSize: 5Gi/, "the offending line is quoted");
            assert.match(m, /\^/, "with a caret under the position");
        } finally {
            fs.rmSync(path.dirname(f), { recursive: true, force: true });
        }
    });

    it("an unknown key suggests the nearest valid key", () => {
        try {
            parseConfig({ postgres: { instnaces: 3, colour: "blue" }, regsitry: "r", services: { "api-gateway": { minReplica: 2 } } }, "kubechat", "t");
            assert.fail("no error");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            const p = (e as ConfigError).problems;
            assert.ok(p.includes("kubechat:postgres.instnaces: unknown key (did you mean kubechat:postgres.instances?)"), p.join("\n"));
            assert.ok(p.includes("kubechat:regsitry: unknown key (did you mean kubechat:registry?)"));
            assert.ok(p.includes("kubechat:services.api-gateway.minReplica: unknown key (did you mean kubechat:services.api-gateway.minReplicas?)"));
            assert.ok(p.includes("kubechat:postgres.colour: unknown key"), "no far-fetched suggestion");
        }
    });
});
