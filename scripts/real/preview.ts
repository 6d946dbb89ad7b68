/**
 * `pulumi preview` of a stack with the real Pulumi CLI and engine (built by scripts/real/toolchain.sh),
 * the real Kubernetes provider and the policy pack under the real analyzer, against the cluster of a
 * kubeconfig. Everything it writes goes to a temp dir: the local backend (`pulumi login file://...`),
 * PULUMI_HOME, a temp passphrase, and the project + stack files (the checkout is never written).
 *
 *   node scripts/run.js scripts/real/preview.ts <stack> --kubeconfig <file> --charts <dir> --json <file>
 *        [--config-file <Pulumi.<stack>.yaml>] [--set ns:key.path=value ...] [--no-policy | --policy-pack-config <json>]
 *
 * The Node.js language host (pulumi-language-nodejs) is a separate Go module that the module proxy does
 * not serve, so the program runs through the Automation API's inline language server (the CLI connects
 * to it with --client), in this process; the policy pack starts through a launcher (below). See
 * docs/real-engine.md.
 *
 * Writes JSON: { ok, error?, summary (changeSummary), urns (every resource the preview stepped on),
 * policy: [{ policy, level, urn, message }], stdout }.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { LocalWorkspace, PulumiCommand, EngineEvent } from "@pulumi/pulumi/automation";
import { ROOT } from "../lib/plan";
import { toolchainEnv } from "./tools";
import { CONFIG_NAMESPACE } from "../../components/config";

// Short stack traces as in `npm run plan` (the SDK captures one per resource).
if (process.env.KUBECHAT_STACK_TRACES !== "full") Error.stackTraceLimit = 2;

interface Args {
    stack: string;
    kubeconfig?: string;
    charts?: string;
    json?: string;
    configFile?: string;
    set: string[];
    policy: boolean;
    /** Policy pack config (default policies/config/<stack>.json). */
    policyConfig?: string;
}

function parseArgs(argv: string[]): Args {
    const a: Args = { stack: "", set: [], policy: true };
    for (let i = 0; i < argv.length; i++) {
        const k = argv[i];
        const v = () => {
            const x = argv[++i];
            if (x === undefined) throw new Error(`${k} needs a value`);
            return x;
        };
        if (k === "--kubeconfig") a.kubeconfig = path.resolve(v());
        else if (k === "--charts") a.charts = path.resolve(v());
        else if (k === "--json") a.json = path.resolve(v());
        else if (k === "--config-file") a.configFile = path.resolve(v());
        else if (k === "--set") a.set.push(v());
        else if (k === "--no-policy") a.policy = false;
        else if (k === "--policy-pack-config") a.policyConfig = path.resolve(v());
        else if (k.startsWith("-")) throw new Error(`unknown option ${k}`);
        else a.stack = k;
    }
    if (!a.stack) throw new Error("usage: preview.ts <stack> --kubeconfig <file> --charts <dir> --json <file>");
    return a;
}

export interface PreviewResult {
    ok: boolean;
    error?: string;
    summary: Record<string, number>;
    urns: string[];
    policy: { policy: string; level: string; urn: string; message: string }[];
    stdout: string;
    seconds: number;
}

export async function realPreview(a: Args): Promise<PreviewResult> {
    const t = toolchainEnv(["PULUMI", "K8S_PROVIDER"]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-preview-"));
    const started = Date.now();
    try {
        const home = path.join(tmp, "home");
        const state = path.join(tmp, "state");
        const work = path.join(tmp, "project");
        for (const d of [home, state, work]) fs.mkdirSync(d, { recursive: true });
        const env: Record<string, string> = {
            PULUMI_HOME: home,
            PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            PATH: `${t.PLUGIN_BIN}${path.delimiter}${process.env.PATH}`,
        };
        Object.assign(process.env, env);
        execFileSync(t.PULUMI, ["login", `file://${state}`], { env: { ...process.env, ...env }, stdio: "ignore" });

        // The project and stack files as a user has them (copies: the CLI writes the stack's encryption salt).
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(work, "Pulumi.yaml"));
        const project = YAML.parse(fs.readFileSync(path.join(work, "Pulumi.yaml"), "utf8")).name as string;
        const stackText = fs.readFileSync(a.configFile ?? path.join(ROOT, `Pulumi.${a.stack}.yaml`), "utf8");
        fs.writeFileSync(path.join(work, `Pulumi.${a.stack}.yaml`), stackText);

        const pulumi = await PulumiCommand.get({ root: path.dirname(path.dirname(t.PULUMI)), skipVersionCheck: true });
        // The program runs here, in-process, for the CLI's --client (see the header).
        const program = async () => {
            for (const k of Object.keys(require.cache)) if (k.startsWith(ROOT) && !k.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[k];
            // index.ts, or its compiled twin when this runs from .build/js (scripts/run.js).
            return require(path.resolve(__dirname, "..", "..", "index"));
        };
        const stack = await LocalWorkspace.createStack({ stackName: a.stack, projectName: project, program }, { workDir: work, pulumiCommand: pulumi, envVars: env });
        // Config through the CLI (`pulumi config set --path`), as a user sets it; the project's config
        // schema applies to these values too.
        const set = (key: string, value: string) => stack.setConfig(key, { value }, true);
        if (a.kubeconfig) await set(`${CONFIG_NAMESPACE}:kubeconfig`, a.kubeconfig);
        if (a.charts) await set(`${CONFIG_NAMESPACE}:chartRepository`, a.charts);
        for (const kv of a.set) {
            const i = kv.indexOf("=");
            await set(kv.slice(0, i), kv.slice(i + 1));
        }

        // The policy pack as a user runs it (its own directory with node_modules): a temp copy whose
        // node_modules is the project's (one copy of @pulumi/pulumi and @pulumi/policy).
        const policyPacks: string[] = [];
        const policyPackConfigs: string[] = [];
        if (a.policy) {
            const pp = path.join(tmp, "pack", "policies");
            fs.mkdirSync(pp, { recursive: true });
            fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(tmp, "pack", "tsconfig.json"));
            for (const f of fs.readdirSync(path.join(ROOT, "policies"), { withFileTypes: true })) {
                if (f.isFile()) fs.copyFileSync(path.join(ROOT, "policies", f.name), path.join(pp, f.name));
            }
            fs.cpSync(path.join(ROOT, "policies", "config"), path.join(pp, "config"), { recursive: true });
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pp, "node_modules"));
            // Without a Node.js language plugin the CLI cannot start a policy pack directory (it asks the
            // language host to RunPlugin it). It also accepts an executable as --policy-pack, reading
            // PulumiPolicy.yaml beside it and passing the engine address: this launcher does what the
            // language host does for a Node.js pack, run @pulumi/pulumi/cmd/run-policy-pack in the pack.
            const launcher = path.join(pp, "run-policy-pack");
            fs.writeFileSync(launcher, '#!/bin/sh\ncd "$(dirname "$0")" && exec node ./node_modules/@pulumi/pulumi/cmd/run-policy-pack "$1" .\n', { mode: 0o755 });
            policyPacks.push(launcher);
            policyPackConfigs.push(a.policyConfig ?? path.join(pp, "config", `${a.stack}.json`));
        }

        const urns = new Set<string>();
        const policy: PreviewResult["policy"] = [];
        const onEvent = (e: EngineEvent) => {
            if (e.resourcePreEvent) urns.add(e.resourcePreEvent.metadata.urn);
            if (e.policyEvent) {
                const p = e.policyEvent;
                policy.push({ policy: p.policyName, level: p.enforcementLevel, urn: p.resourceUrn ?? "", message: p.message });
            }
        };
        let stdout = "";
        try {
            const r = await stack.preview({ policyPacks, policyPackConfigs, onEvent, onOutput: (o) => (stdout += o) });
            return { ok: true, summary: r.changeSummary as Record<string, number>, urns: [...urns].sort(), policy, stdout, seconds: (Date.now() - started) / 1000 };
        } catch (e) {
            const err = e as Error;
            return { ok: false, error: err.message, summary: {}, urns: [...urns].sort(), policy, stdout, seconds: (Date.now() - started) / 1000 };
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

if (require.main === module) {
    const a = parseArgs(process.argv.slice(2));
    realPreview(a).then(
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
