/**
 * One Pulumi operation (`preview`, `up`, `refresh` or `destroy`) on a stack, with the real Pulumi CLI
 * and engine (built by test/real/tools/toolchain.sh), the real Kubernetes provider and the policy pack
 * under the real analyzer, against the cluster of a kubeconfig.
 *
 *   node scripts/run.js test/real/tools/pulumi-stack.ts <stack> --op preview|up|refresh|destroy|unprotect --json <file>
 *        [--state <dir>] [--kubeconfig <file>] [--charts <dir>] [--config-file <Pulumi.<stack>.yaml>]
 *        [--set ns:key.path=value ...] [--secret ns:key=value ...] [--no-policy | --policy-pack-config <json>]
 *        [--expect-no-changes] [--program <checkout>]
 *
 * Everything it writes goes to the state directory: the local backend (`pulumi login file://...`),
 * PULUMI_HOME, the stack's passphrase and the project + stack files. Without `--state` that is a temp
 * dir removed afterwards (a one-off preview); with it, successive operations share one stack
 * (up, a second up, refresh, destroy). The checkout is never written. `unprotect` is
 * `pulumi state unprotect --all`, the first step of tearing a persistent stack down (docs/restore.md).
 *
 * The Node.js language host (pulumi-language-nodejs) is a separate Go module that the module proxy does
 * not serve, so the program runs through the Automation API's inline language server (the CLI connects
 * to it with --client), in this process; the policy pack starts through a launcher (below). See
 * docs/real-tiers.md.
 *
 * `--program <checkout>` runs the program of another checkout of this repository (an older commit, for
 * the upgrade check) with that checkout's Pulumi.yaml, stack file and policy pack, but this process's
 * dependencies: the inline program must share this process's @pulumi/pulumi.
 *
 * Writes JSON (`StackRunResult`).
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { LocalWorkspace, PulumiCommand, EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { ROOT } from "../../../planner/root";
import { toolchainEnv } from "./tools";
import { CONFIG_NAMESPACE } from "../../../components/config";

// Short stack traces as in `npm run plan` (the SDK captures one per resource).
if (process.env.KUBECHAT_STACK_TRACES !== "full") Error.stackTraceLimit = 2;

export type StackOp = "preview" | "up" | "refresh" | "destroy" | "unprotect";

export interface StackRunArgs {
    stack: string;
    op: StackOp;
    /** Persistent state directory (backend, PULUMI_HOME, passphrase, project); a temp one when absent. */
    state?: string;
    kubeconfig?: string;
    charts?: string;
    json?: string;
    configFile?: string;
    set: string[];
    /** `ns:key=value` pairs set as secrets (`pulumi config set --secret`). */
    secret: string[];
    policy: boolean;
    /** Policy pack config (default <program>/policies/config/<stack>.json). */
    policyConfig?: string;
    /** Fail if the operation would change anything (`--expect-no-changes`). */
    expectNoChanges: boolean;
    /** The checkout whose program, project file and policy pack run (default: this one). */
    program: string;
}

export function parseStackRunArgs(argv: string[], defaults: Partial<StackRunArgs> = {}): StackRunArgs {
    const a: StackRunArgs = { stack: "", op: "preview", set: [], secret: [], policy: true, expectNoChanges: false, program: ROOT, ...defaults };
    for (let i = 0; i < argv.length; i++) {
        const k = argv[i];
        const v = () => {
            const x = argv[++i];
            if (x === undefined) throw new Error(`${k} needs a value`);
            return x;
        };
        if (k === "--op") {
            const op = v();
            if (!["preview", "up", "refresh", "destroy", "unprotect"].includes(op)) throw new Error(`--op: preview, up, refresh, destroy or unprotect (got ${op})`);
            a.op = op as StackOp;
        } else if (k === "--state") a.state = path.resolve(v());
        else if (k === "--kubeconfig") a.kubeconfig = path.resolve(v());
        else if (k === "--charts") a.charts = path.resolve(v());
        else if (k === "--json") a.json = path.resolve(v());
        else if (k === "--config-file") a.configFile = path.resolve(v());
        else if (k === "--set") a.set.push(v());
        else if (k === "--secret") a.secret.push(v());
        else if (k === "--no-policy") a.policy = false;
        else if (k === "--policy-pack-config") a.policyConfig = path.resolve(v());
        else if (k === "--expect-no-changes") a.expectNoChanges = true;
        else if (k === "--program") a.program = path.resolve(v());
        else if (k.startsWith("-")) throw new Error(`unknown option ${k}`);
        else a.stack = k;
    }
    if (!a.stack) throw new Error("usage: pulumi-stack.ts <stack> --op preview|up|refresh|destroy --json <file> [--state <dir>] [--kubeconfig <file>] [--charts <dir>]");
    return a;
}

/** One engine step as the CLI reported it. */
export interface StepRecord {
    urn: string;
    type: string;
    op: OpType;
    /** Properties that changed (update) or force a replacement (replace). */
    diffs?: string[];
    replaceKeys?: string[];
}

export interface StackRunResult {
    op: StackOp;
    ok: boolean;
    error?: string;
    /** The engine's change summary (op -> count). */
    summary: Record<string, number>;
    /** Every resource the operation stepped on (preview: planned). */
    urns: string[];
    /** Every step that is not `same` (or `refresh` without a change), in the order the engine reported them. */
    changes: StepRecord[];
    /** Error diagnostics the engine printed, with the resource they name. */
    errors: { urn: string; message: string }[];
    policy: { policy: string; level: string; urn: string; message: string }[];
    stdout: string;
    seconds: number;
}

/** Ops that mean "nothing to do" for the resource. */
const UNCHANGED: OpType[] = ["same", "read", "refresh"];

export async function runStack(a: StackRunArgs): Promise<StackRunResult> {
    const t = toolchainEnv(["PULUMI", "K8S_PROVIDER"]);
    const tmp = a.state ?? fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-stack-"));
    const started = Date.now();
    try {
        const home = path.join(tmp, "home");
        const state = path.join(tmp, "state");
        const work = path.join(tmp, "project");
        for (const d of [home, state, work]) fs.mkdirSync(d, { recursive: true });
        // One passphrase per state directory, so successive operations open the same stack.
        const passFile = path.join(tmp, "passphrase");
        if (!fs.existsSync(passFile)) fs.writeFileSync(passFile, crypto.randomBytes(16).toString("hex"), { mode: 0o600 });
        const env: Record<string, string> = {
            PULUMI_HOME: home,
            PULUMI_CONFIG_PASSPHRASE: fs.readFileSync(passFile, "utf8"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            PATH: `${t.PLUGIN_BIN}${path.delimiter}${process.env.PATH}`,
        };
        Object.assign(process.env, env);
        execFileSync(t.PULUMI, ["login", `file://${state}`], { env: { ...process.env, ...env }, stdio: "ignore" });

        // The project and stack files as a user has them (copies: the CLI writes the stack's encryption salt).
        const projectFile = path.join(work, "Pulumi.yaml");
        fs.copyFileSync(path.join(a.program, "Pulumi.yaml"), projectFile);
        const project = YAML.parse(fs.readFileSync(projectFile, "utf8")).name as string;
        const stackFile = path.join(work, `Pulumi.${a.stack}.yaml`);
        const fresh = !fs.existsSync(stackFile);
        const wanted = fs.readFileSync(a.configFile ?? path.join(a.program, `Pulumi.${a.stack}.yaml`), "utf8");
        // The stack file keeps the salt the CLI wrote into it; its config is the program's (it may differ
        // between an old checkout and this one).
        const salted = fresh ? undefined : YAML.parse(fs.readFileSync(stackFile, "utf8"))?.encryptionsalt;
        fs.writeFileSync(stackFile, salted ? `encryptionsalt: ${salted}\n${wanted}` : wanted);

        const pulumi = await PulumiCommand.get({ root: path.dirname(path.dirname(t.PULUMI)), skipVersionCheck: true });
        const program = async () => {
            for (const k of Object.keys(require.cache)) if (k.startsWith(a.program) && !k.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[k];
            if (a.program === ROOT) {
                // index.ts, or its compiled twin when this runs from .build/js (scripts/run.js).
                return require(path.resolve(__dirname, "..", "..", "..", "index"));
            }
            // Another checkout: its TypeScript, transpiled on load.
            require("ts-node").register({ transpileOnly: true, dir: a.program, skipProject: false, project: path.join(a.program, "tsconfig.json") });
            return require(path.join(a.program, "index.ts"));
        };
        const stack = await LocalWorkspace.createOrSelectStack({ stackName: a.stack, projectName: project, program }, { workDir: work, pulumiCommand: pulumi, envVars: env });
        // Config through the CLI (`pulumi config set --path`), as a user sets it; the project's config
        // schema applies to these values too.
        const set = (key: string, value: string, secret = false) => stack.setConfig(key, { value, secret }, true);
        if (a.kubeconfig) await set(`${CONFIG_NAMESPACE}:kubeconfig`, a.kubeconfig);
        if (a.charts) await set(`${CONFIG_NAMESPACE}:chartRepository`, a.charts);
        for (const [pairs, secret] of [[a.set, false], [a.secret, true]] as const) {
            for (const kv of pairs) {
                const i = kv.indexOf("=");
                await set(kv.slice(0, i), kv.slice(i + 1), secret);
            }
        }

        const policyPacks: string[] = [];
        const policyPackConfigs: string[] = [];
        if (a.policy && a.op !== "destroy" && a.op !== "refresh") {
            policyPacks.push(policyPackLauncher(tmp, a.program));
            policyPackConfigs.push(a.policyConfig ?? path.join(a.program, "policies", "config", `${a.stack}.json`));
        }

        const urns = new Set<string>();
        const changes: StepRecord[] = [];
        const errors: StackRunResult["errors"] = [];
        const policy: StackRunResult["policy"] = [];
        const onEvent = (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m) {
                urns.add(m.urn);
                if (!UNCHANGED.includes(m.op)) changes.push({ urn: m.urn, type: m.type, op: m.op, diffs: m.diffs, replaceKeys: m.keys });
            }
            // A refresh reports what it found in the resource's outputs event: `refresh` with diffs is drift.
            const o = e.resOutputsEvent?.metadata;
            if (o && o.op === "refresh" && (o.diffs?.length ?? 0) > 0) changes.push({ urn: o.urn, type: o.type, op: "update", diffs: o.diffs });
            const d = e.diagnosticEvent;
            if (d && d.severity === "error") errors.push({ urn: d.urn ?? "", message: d.message.trim() });
            if (e.policyEvent) {
                const p = e.policyEvent;
                policy.push({ policy: p.policyName, level: p.enforcementLevel, urn: p.resourceUrn ?? "", message: p.message });
            }
        };
        let stdout = "";
        const onOutput = (o: string) => (stdout += o);
        const done = (ok: boolean, summary: Record<string, number>, error?: string): StackRunResult => ({
            op: a.op, ok, error, summary, urns: [...urns].sort(), changes, errors, policy, stdout, seconds: (Date.now() - started) / 1000,
        });
        try {
            const common = { onEvent, onOutput };
            if (a.op === "preview") {
                const r = await stack.preview({ ...common, policyPacks, policyPackConfigs, expectNoChanges: a.expectNoChanges, diff: true });
                return done(true, r.changeSummary as Record<string, number>);
            }
            if (a.op === "up") {
                const r = await stack.up({ ...common, policyPacks, policyPackConfigs, expectNoChanges: a.expectNoChanges });
                return done(true, (r.summary.resourceChanges ?? {}) as Record<string, number>);
            }
            if (a.op === "refresh") {
                const r = await stack.refresh({ ...common, expectNoChanges: a.expectNoChanges });
                return done(true, (r.summary.resourceChanges ?? {}) as Record<string, number>);
            }
            if (a.op === "unprotect") {
                execFileSync(t.PULUMI, ["state", "unprotect", "--all", "--yes", "--stack", a.stack], { cwd: work, env: { ...process.env, ...env }, encoding: "utf8" });
                return done(true, {});
            }
            const r = await stack.destroy({ ...common });
            return done(true, (r.summary.resourceChanges ?? {}) as Record<string, number>);
        } catch (e) {
            return done(false, {}, (e as Error).message);
        }
    } finally {
        if (!a.state) fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/**
 * The policy pack as a user runs it (its own directory with node_modules): a copy of `<program>/policies`
 * whose node_modules is this project's (one copy of @pulumi/pulumi and @pulumi/policy). Without a Node.js
 * language plugin the CLI cannot start a policy pack directory (it asks the language host to RunPlugin
 * it). It also accepts an executable as --policy-pack, reading PulumiPolicy.yaml beside it and passing
 * the engine address: the launcher does what the language host does for a Node.js pack, run
 * @pulumi/pulumi/cmd/run-policy-pack in the pack.
 */
function policyPackLauncher(tmp: string, program: string): string {
    const pp = path.join(tmp, "pack", "policies");
    fs.rmSync(path.join(tmp, "pack"), { recursive: true, force: true });
    fs.mkdirSync(pp, { recursive: true });
    fs.copyFileSync(path.join(program, "tsconfig.json"), path.join(tmp, "pack", "tsconfig.json"));
    for (const f of fs.readdirSync(path.join(program, "policies"), { withFileTypes: true })) {
        if (f.isFile()) fs.copyFileSync(path.join(program, "policies", f.name), path.join(pp, f.name));
    }
    fs.cpSync(path.join(program, "policies", "config"), path.join(pp, "config"), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pp, "node_modules"));
    return writePolicyPackLauncher(pp, pp, path.join(pp, "node_modules", "@pulumi", "pulumi"));
}

/**
 * Writes `<dir>/run-policy-pack` (with the pack's PulumiPolicy.yaml beside it, which the CLI reads) that
 * runs `<sdk>/cmd/run-policy-pack` in the pack directory `pack`, as the Node.js language host would.
 */
export function writePolicyPackLauncher(dir: string, pack: string, sdk: string): string {
    if (path.resolve(dir) !== path.resolve(pack)) fs.copyFileSync(path.join(pack, "PulumiPolicy.yaml"), path.join(dir, "PulumiPolicy.yaml"));
    const launcher = path.join(dir, "run-policy-pack");
    fs.writeFileSync(launcher, `#!/bin/sh\ncd '${pack}' && exec node '${path.join(sdk, "cmd", "run-policy-pack")}' "$1" .\n`, { mode: 0o755 });
    return launcher;
}

if (require.main === module) {
    let a: StackRunArgs;
    try {
        a = parseStackRunArgs(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        process.exit(2);
    }
    runStack(a).then(
        (r) => {
            const text = JSON.stringify(r, null, 2) + "\n";
            if (a.json) fs.writeFileSync(a.json, text);
            else process.stdout.write(text);
            process.exit(r.ok ? 0 : 1);
        },
        (e) => {
            console.error(e.stack ?? String(e));
            process.exit(3);
        },
    );
}
