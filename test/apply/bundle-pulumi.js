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
 * Understands exactly the `up` form install.sh uses:
 *   up --stack <s> --yes --non-interactive --policy-pack <pack> --policy-pack-config <file>
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
    if (i < 0 || i + 1 >= argv.length) throw new Error(`bundle-pulumi: up needs ${name}`);
    return argv[i + 1];
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
    const main = /^main:\s*(\S+)\s*$/m.exec(project)?.[1];
    if (!name || !main) throw new Error("bundle-pulumi: Pulumi.yaml needs name: and main:");
    // The SDK the program itself resolves: the bundle's, never the checkout's.
    const auto = require(require.resolve("@pulumi/pulumi/automation", { paths: [workDir] }));
    const pulumi = await auto.PulumiCommand.get({ root: path.dirname(path.dirname(real)), skipVersionCheck: true });
    const program = async () => require(path.resolve(workDir, main));
    const stack = await auto.LocalWorkspace.selectStack({ stackName: option("--stack"), projectName: name, program }, { workDir, pulumiCommand: pulumi });
    const r = await stack.up({
        policyPacks: [option("--policy-pack")],
        policyPackConfigs: [option("--policy-pack-config")],
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
