/**
 * Upgrade: each stack applied from an older commit (a git worktree of UPGRADE_FROM), then
 * `pulumi preview --diff` and `pulumi up` with this checkout. No stateful resource (the postgresql
 * cluster, PersistentVolumeClaims, Elasticsearch, generated Secrets) may be replaced or deleted; every
 * other change is listed in out/real/apply-report.json (`upgradeChanges`, `upgradeReplaces`).
 * KUBECHAT_APPLY_UPGRADE_STACKS limits the stacks (default: those of KUBECHAT_APPLY_STACKS).
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackOp } from "../real/preview";
import { CHARTS } from "../real/plans";
import { toolchainEnv } from "../real/tools/tools";
import { apart } from "./apart";
import { SimCluster, startSimCluster } from "./sim-cluster";
import { ROOT, applyStack } from "./stacks";
import { StandIns, statefulLosses } from "./observe";
import { SIM_TOOLS, failure, objectStoreSecretArgs, recordStack } from "./report";
import type { StepRecord } from "../real/tools/pulumi-stack";

/** The release the upgrade starts from: the state users deployed before this line of work. */
export const UPGRADE_FROM = process.env.KUBECHAT_UPGRADE_FROM ?? "74bc423";
const STACKS = (process.env.KUBECHAT_APPLY_UPGRADE_STACKS ?? process.env.KUBECHAT_APPLY_STACKS ?? "dev,staging,prod").split(",").filter(Boolean);

const fmt = (c: StepRecord) => `${c.op} ${c.urn.split("::").slice(-2).join("::")}${c.diffs?.length ? ` (${c.diffs.join(", ")})` : ""}`;

describe(`test:apply upgrade from ${UPGRADE_FROM}`, function () {
    this.timeout(60 * 60 * 1000);
    let old: string;

    before(function () {
        old = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-upgrade-from-"));
        fs.rmdirSync(old);
        execFileSync("git", ["-C", ROOT, "worktree", "add", "--detach", old, UPGRADE_FROM], { stdio: "ignore" });
        // The old program runs inside this checkout's runner process, so it must use its dependencies
        // (one @pulumi/pulumi); the versions it pinned must be the ones installed here.
        const pinned = JSON.parse(fs.readFileSync(path.join(old, "package.json"), "utf8")).dependencies as Record<string, string>;
        const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies as Record<string, string>;
        assert.deepStrictEqual(pinned, ours, `${UPGRADE_FROM} pins other dependencies than this checkout: the upgrade cannot share its process`);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(old, "node_modules"));
    });

    after(function () {
        if (old) execFileSync("git", ["-C", ROOT, "worktree", "remove", "--force", old], { stdio: "ignore" });
    });

    for (const stack of STACKS) {
        it(`${stack}: applied at ${UPGRADE_FROM}, then previewed and applied at this commit without replacing stateful resources`, async function () {
            const s = applyStack(stack);
            const from = applyStack(stack, old);
            const tools = toolchainEnv(SIM_TOOLS);
            let cluster: SimCluster | undefined;
            let standIns: StandIns | undefined;
            const state = fs.mkdtempSync(path.join(os.tmpdir(), `kubechat-upgrade-${stack}-`));
            try {
                cluster = await startSimCluster(tools, { nodes: s.nodes, storageClasses: s.storageClasses, contexts: [s.context, from.context], lifetimeSeconds: 60 * 60 });
                standIns = new StandIns(cluster);
                standIns.start();
                const oldConfig = path.join(state, `old.Pulumi.${stack}.yaml`);
                const newConfig = path.join(state, `Pulumi.${stack}.yaml`);
                fs.writeFileSync(oldConfig, from.configText);
                fs.writeFileSync(newConfig, s.configText);
                const common = ["--state", state, "--kubeconfig", cluster.kubeconfig, "--charts", CHARTS];
                common.push(...objectStoreSecretArgs(s.configText));
                const c = cluster;
                const { preview, up } = await apart(async () => {
                    const before = await stackOp(stack, "up", [...common, "--program", old, "--config-file", oldConfig], c.env);
                    assert.ok(before.ok, `up at ${UPGRADE_FROM}: ${failure(before)}`);
                    const preview = await stackOp(stack, "preview", [...common, "--config-file", newConfig], c.env);
                    assert.ok(preview.ok, `preview at this commit: ${failure(preview)}`);
                    return { preview, up: await stackOp(stack, "up", [...common, "--config-file", newConfig], c.env) };
                });
                const losses = statefulLosses(up.changes);
                recordStack(stack, {
                    upgradeFrom: UPGRADE_FROM,
                    upgradeSeconds: up.seconds,
                    upgradeChanges: up.changes.map(fmt),
                    upgradeReplaces: losses.map(fmt),
                    upgradePreviewChanges: preview.changes.length,
                });
                console.log(`      ${stack}: ${up.changes.length} change(s) on upgrade (${preview.changes.length} previewed), stateful replaced/deleted: ${losses.length}`);
                for (const c of up.changes) console.log(`        ${fmt(c)}`);
                assert.ok(up.ok, `up at this commit: ${failure(up)}`);
                assert.deepStrictEqual(statefulLosses(preview.changes).map(fmt), [], "the preview replaces or deletes stateful resources");
                assert.deepStrictEqual(losses.map(fmt), [], "the upgrade replaced or deleted stateful resources");
            } finally {
                standIns?.stop();
                if (cluster) await cluster.stop();
                fs.rmSync(state, { recursive: true, force: true });
            }
        });
    }
});
