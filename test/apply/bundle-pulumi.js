#!/usr/bin/env node
/**
 * The `pulumi` the offline-install check gives install.sh (KUBECHAT_PULUMI), for a CLI that has no
 * Node.js language host (pulumi-language-nodejs is a Go module the proxy here refuses; docs/real-tiers.md).
 *
 * Every command except `up` is the real CLI ($KUBECHAT_REAL_PULUMI) with the same arguments, in the same
 * directory and environment. `up` is the same CLI's `up` too, on the same backend, stack, config and
 * policy pack, but the program runs where the language host would have run it: this process loads the
 * project's `main` (the bundle's program/dist/index.js) with @pulumi/pulumi from the bundle's own
 * node_modules, and the CLI connects to it (the Automation API's inline host, `pulumi up --client`).
 * Plain JavaScript on purpose: it loads nothing from the checkout.
 *
 * Understands the `up` forms of install.sh and of the restore runbook (docs/restore.md, run by
 * test/dr/velero.dr.ts):
 *   up [--stack <s>] [--yes] [--non-interactive] [--policy-pack <pack> --policy-pack-config <file>]
 * Without --stack, the workspace's selected stack (`pulumi stack --show-name`). Without --yes it asks for
 * the CLI's confirmation on stdin and goes on only on "yes" (the engine's plan is printed as it runs, not
 * before). KUBECHAT_PULUMI_PROGRAM names the program's entry when the project directory has none (a
 * checkout's index.ts, loaded with that checkout's ts-node); the SDK is the one beside the entry.
 */
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const real = process.env.KUBECHAT_REAL_PULUMI;
if (!real) {
    console.error("bundle-pulumi: set KUBECHAT_REAL_PULUMI to the Pulumi CLI");
    process.exit(2);
}
const argv = process.argv.slice(2);
if (argv[0] !== "up") {
    const r = spawnSync(real, argv, { stdio: "inherit" });
    process.exit(r.status === null ? 1 : r.status);
}

function option(name) {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    if (i + 1 >= argv.length) throw new Error(`bundle-pulumi: ${name} needs a value`);
    return argv[i + 1];
}

/** The CLI's confirmation: one line of stdin, "yes" to go on. */
function confirmed() {
    process.stdout.write("Do you want to perform this update? (yes/no) ");
    let line = "";
    const buf = Buffer.alloc(1);
    for (;;) {
        let n = 0;
        try { n = fs.readSync(0, buf, 0, 1, null); } catch { n = 0; }
        if (n === 0 || buf[0] === 10) break;
        line += buf.toString("utf8");
    }
    console.log(line);
    return line.trim() === "yes";
}

async function up() {
    const known = new Set(["up", "--yes", "--non-interactive", "--stack", "--policy-pack", "--policy-pack-config"]);
    for (let i = 0; i < argv.length; i++) {
        if (!known.has(argv[i])) throw new Error(`bundle-pulumi: unexpected argument ${argv[i]}`);
        if (["--stack", "--policy-pack", "--policy-pack-config"].includes(argv[i])) i++;
    }
    const workDir = process.cwd();
    const project = fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8");
    const name = /^name:\s*(\S+)\s*$/m.exec(project)?.[1];
    const main = process.env.KUBECHAT_PULUMI_PROGRAM || /^main:\s*(\S+)\s*$/m.exec(project)?.[1];
    if (!name || !main) throw new Error("bundle-pulumi: Pulumi.yaml needs name: and main: (or KUBECHAT_PULUMI_PROGRAM)");
    const entry = path.resolve(workDir, main);
    const [pack, packConfig] = [option("--policy-pack"), option("--policy-pack-config")];
    if (!pack !== !packConfig) throw new Error("bundle-pulumi: --policy-pack and --policy-pack-config go together");
    const stackName = option("--stack") || spawnSync(real, ["stack", "--show-name"], { encoding: "utf8" }).stdout.trim();
    if (!stackName) throw new Error("bundle-pulumi: no --stack and no selected stack");
    if (!argv.includes("--yes") && !confirmed()) throw new Error("bundle-pulumi: update cancelled (no yes)");
    // The SDK the program itself resolves: the bundle's (or the named checkout's), never this file's.
    const from = { paths: [path.dirname(entry)] };
    if (entry.endsWith(".ts")) require(require.resolve("ts-node", from)).register({ transpileOnly: true, dir: path.dirname(entry) });
    const auto = require(require.resolve("@pulumi/pulumi/automation", from));
    const pulumi = await auto.PulumiCommand.get({ root: path.dirname(path.dirname(real)), skipVersionCheck: true });
    const program = async () => require(entry);
    const stack = await auto.LocalWorkspace.selectStack({ stackName, projectName: name, program }, { workDir, pulumiCommand: pulumi });
    const r = await stack.up({
        ...(pack ? { policyPacks: [pack], policyPackConfigs: [packConfig] } : {}),
        onOutput: (o) => process.stdout.write(o),
    });
    console.log(`bundle-pulumi: up ${r.summary.result}: ${JSON.stringify(r.summary.resourceChanges ?? {})}`);
}

up().then(
    () => process.exit(0),
    (e) => {
        console.error(e && e.message ? e.message : String(e));
        process.exit(1);
    },
);
