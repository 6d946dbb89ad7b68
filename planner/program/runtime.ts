/**
 * The offline plan: runs `index.ts` under the Pulumi mock runtime (no engine, cloud or cluster) and
 * records every resource registration through a subclass of the SDK's own MockMonitor, so types,
 * parents, providers, dependencies and options are exactly what the real engine would receive.
 * Runs in preview mode: values a provider computes (ids, ARNs, endpoints) stay unknown and show as
 * "(known after apply)", as in `pulumi preview`.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
// js-yaml reads Pulumi.yaml's 26 KB several times faster than `yaml` (the stack file keeps `yaml` for its error positions).
import { jsyaml } from "../js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { CONFIG_NAMESPACE, StackConfig, loadStackConfig } from "../../components/config";
import { applyProjectConfig } from "./project-config";
import { ARGOCD_APP_TYPE } from "../../components/gitops/argocd";
import { ROOT } from "../root";
import { UsageError } from "../cli/args";

// The SDK's runtime store (internal in its typings): where the mock monitor is installed.
const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { monitor: unknown } } };

export { ROOT } from "../root";

/** The program (index.ts, or its compiled twin next to this module's tree). */
const PROGRAM = path.resolve(__dirname, "..", "..", "index");
export const UNKNOWN = "(known after apply)";
export const SECRET = "[secret]";

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    custom: boolean;
    provider: string | null;
    dependencies: string[];
    inputs: any;
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    /** URNs the resource had before (Pulumi `aliases`): the engine moves it instead of re-creating it. Only when set. */
    aliases?: string[];
}

export interface Plan {
    project: string;
    stack: string;
    resources: PlanResource[];
    outputs: Record<string, unknown>;
    /** The validated stack config the program ran with. */
    config: StackConfig;
    /**
     * GitOps mode: the app layer's objects Argo CD syncs from Git, in declaration order (`name` is the
     * logical name the object has when Pulumi owns it). Empty when Pulumi owns the app layer.
     */
    gitops: { name: string; object: any }[];
}

export { UsageError };

/**
 * A secret for humans: every value "[secret]". A map keeps its keys (names, not values — a Secret's
 * `data`/`stringData`, which the Kubernetes SDK marks secret as a whole, stays a map of its keys, so the
 * object keeps the shape the API server and the schemas expect); anything else is "[secret]" itself.
 */
function maskSecret(v: any): any {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return SECRET;
    const sig = v[rpc.specialSigKey];
    if (sig === rpc.specialSecretSig) return maskSecret(v.value);
    if (sig === rpc.specialOutputValueSig) return "value" in v ? maskSecret(v.value) : SECRET;
    if (sig !== undefined) return SECRET;
    return Object.fromEntries(Object.keys(v).map((k) => [k, maskSecret(v[k])]));
}

/** Render a serialized Pulumi value for humans: unknowns, secrets and resource references made plain. */
export function renderValue(v: any): any {
    if (v === rpc.unknownValue) return UNKNOWN;
    if (Array.isArray(v)) return v.map(renderValue);
    if (v !== null && typeof v === "object") {
        const sig = v[rpc.specialSigKey];
        if (sig === rpc.specialSecretSig) return maskSecret(v.value);
        if (sig === rpc.specialResourceSig) return v.urn ?? UNKNOWN;
        if (sig === rpc.specialAssetSig || sig === rpc.specialArchiveSig) return "[asset]";
        if (sig === rpc.specialOutputValueSig) return "value" in v ? (v.secret ? maskSecret(v.value) : renderValue(v.value)) : UNKNOWN;
        const out: Record<string, any> = {};
        for (const [k, val] of Object.entries(v)) out[k] = renderValue(val);
        return out;
    }
    return v;
}

function fullUrn(parent: string, type: string, name: string, stack = settings.getStack(), project = settings.getProject()): string {
    const qualified = parent ? `${parent.split("::")[2]}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** The URNs a registration's aliases stand for (URN aliases as they are; specs resolved against the request). */
function aliasUrns(req: any): string[] {
    return (req.getAliasesList?.() ?? []).map((a: any) => {
        if (a.getUrn()) return a.getUrn();
        const s = a.getSpec();
        const parent = s.getNoparent() ? "" : s.getParenturn() || req.getParent();
        return fullUrn(parent, s.getType() || req.getType(), s.getName() || req.getName(), s.getStack() || undefined, s.getProject() || undefined);
    });
}

/** Records every registration and answers it as the SDK's MockMonitor would. */
class RecordingMonitor extends MockMonitor {
    readonly records: PlanResource[] = [];
    /** Registered outputs of components, by URN. */
    readonly componentOutputs = new Map<string, any>();

    constructor(m: pulumi.runtime.Mocks) {
        super(m);
        // URNs as the engine builds them (the parent's full type chain, not only its last type).
        // MockMonitor.newUrn is private in its typings, so it is replaced on the instance.
        (this as unknown as { newUrn: typeof fullUrn }).newUrn = fullUrn;
    }

    /**
     * Records the registration and answers it as the SDK's MockMonitor does with `mocks.newResource`
     * (no id; state = the inputs), but without its round trip (deserialise the inputs, serialise them
     * again, rebuild the protobuf Struct): the request's own Struct already is that state. One decode
     * per registration instead of three; the SDK decodes the answer as it would the engine's.
     */
    async registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
        const parent: string = req.getParent();
        const urn = fullUrn(parent, req.getType(), req.getName());
        const provider: string = req.getProvider();
        const aliases = aliasUrns(req);
        const object = req.getObject();
        const state = object?.toJavaScript() ?? {};
        this.records.push({
            urn,
            type: req.getType(),
            name: req.getName(),
            parent: parent || null,
            custom: req.getCustom(),
            provider: provider ? provider.split("::").slice(0, -1).join("::") : null,
            dependencies: req.getDependenciesList(),
            inputs: renderValue(state),
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
            ignoreChanges: req.getIgnorechangesList(),
            ...(aliases.length > 0 ? { aliases } : {}),
        });
        // What MockMonitor keeps for reads of registered resources (`get`, `exists`).
        (this as unknown as { resources: Map<string, unknown> }).resources.set(urn, { urn, id: null, state });
        const response = new resproto.RegisterResourceResponse();
        response.setUrn(urn);
        response.setId("");
        if (object) response.setObject(object);
        callback(null, response);
    }

    async registerResourceOutputs(req: any, callback: (err: any, resp: any) => void): Promise<void> {
        this.componentOutputs.set(req.getUrn(), renderValue(req.getOutputs()?.toJavaScript() ?? {}));
        return super.registerResourceOutputs(req, callback);
    }
}

const mocks: pulumi.runtime.Mocks = {
    // Nothing is created: a resource's state is its inputs, and (in preview) anything else is unknown.
    newResource: (args) => ({ id: undefined as unknown as string, state: args.inputs }),
    call: (args) => args.inputs,
};

/** Pulumi.yaml: the project name and its `config:` declarations. */
export function projectFile(): { name: string; config: Record<string, unknown> } {
    const project = jsyaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"), { schema: jsyaml.CORE_SCHEMA }) as { name: string; config?: Record<string, unknown> };
    return { name: project.name, config: project.config ?? {} };
}

/** Read Pulumi.yaml's project name. */
export function projectName(): string {
    return projectFile().name;
}

export interface StackFile {
    /** Fully-qualified key -> value as Pulumi hands it to a program (strings raw, the rest JSON). */
    config: Record<string, string>;
    secretKeys: string[];
}

/** Marks `secure:` values: they cannot be decrypted offline, so the program sees a placeholder secret. */
function stripSecure(v: unknown, found: { secret: boolean }): unknown {
    if (Array.isArray(v)) return v.map((x) => stripSecure(x, found));
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (Object.keys(o).length === 1 && typeof o.secure === "string") {
            found.secret = true;
            return "(encrypted)";
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, stripSecure(x, found)]));
    }
    return v;
}

/** The stacks of the project: one Pulumi.<stack>.yaml each at the root. */
export function knownStacks(root = ROOT): string[] {
    return fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1] ?? []).sort();
}

/** The message for a stack with no Pulumi.<stack>.yaml: the stacks there are, and the other way in. */
export function unknownStack(stack: string, root = ROOT): string {
    return `no stack ${stack}: there is no Pulumi.${stack}.yaml (stacks: ${knownStacks(root).join(", ")}; or pass --config-file <path>)`;
}

/**
 * Where a YAML error really is. An unclosed flow collection (`[` or `{`) is noticed only where the
 * text after it stops fitting, a line or more later: point at the bracket that was never closed.
 */
export function yamlErrorAt(text: string, e: { code: string; message: string; pos: [number, number] }): { offset: number; note?: string } {
    if (!/^Flow (sequence|mapping)/.test(e.message)) return { offset: e.pos[0] };
    let depth = 0;
    for (let i = e.pos[0] - 1; i >= 0; i--) {
        const ch = text[i];
        if (ch === "]" || ch === "}") depth++;
        else if (ch === "[" || ch === "{") {
            if (depth === 0) return { offset: i, note: `"${ch}" opened here is never closed` };
            depth--;
        }
    }
    return { offset: e.pos[0] };
}

/** 1-based line and column of an offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
    const before = text.slice(0, offset).split("\n");
    return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** Parse a `Pulumi.<stack>.yaml`; YAML errors name the file and line. */
export function readStackFile(file: string): StackFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`cannot read config file ${file}`);
    }
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const at = yamlErrorAt(text, e);
        const { line, col } = lineCol(text, at.offset);
        // The whole message: it ends with the offending lines and a caret under the position where the parser stopped.
        throw new UsageError(`${file}:${line}:${col}: invalid YAML: ${at.note ? `${at.note}; ` : ""}${e.message.trimEnd()}`);
    }
    const data = doc.toJS() ?? {};
    if (typeof data !== "object" || Array.isArray(data)) throw new UsageError(`${file}: expected a mapping with a config: section`);
    const raw = data.config ?? {};
    if (typeof raw !== "object" || Array.isArray(raw)) throw new UsageError(`${file}: config: must be a mapping`);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(raw)) {
        const found = { secret: false };
        const v = stripSecure(value, found);
        config[key] = typeof v === "string" ? v : JSON.stringify(v);
        if (found.secret) secretKeys.push(key);
    }
    return { config, secretKeys };
}

export interface PlanOptions {
    stack: string;
    /** Defaults to Pulumi.<stack>.yaml at the project root. */
    configFile?: string;
    /** Extra or replacing `kubechat:` values (tests): key without namespace -> value. */
    overrides?: Record<string, unknown>;
    /** Keys (without namespace) of `overrides` to mark secret. */
    secretOverrides?: string[];
}

/**
 * How a plan formats stack traces. The SDK reads the `stack` of a message-less `new Error()` for every
 * resource (its source position, from the whole stack) and several per resource for its promise-leak
 * report — neither of which plan.json records — and formatting those frames was a large share of the
 * time each added service costs. Such errors get no frames; every other error keeps its message and
 * two frames.
 */
export function planStackTrace(err: Error, frames: NodeJS.CallSite[]): string {
    return err.message === "" ? err.name : [String(err), ...frames.slice(0, Error.stackTraceLimit).map((f) => `    at ${f}`)].join("\n");
}

/**
 * Short stack traces for plans (see `planStackTrace`): about a third of the time per added service.
 * The plan CLI and the benchmark both call this, so `npm run bench` measures what `npm run plan` runs.
 * KUBECHAT_STACK_TRACES=full keeps them whole (debugging a plan failure).
 */
export function shortStackTraces(env: NodeJS.ProcessEnv = process.env): void {
    if (env.KUBECHAT_STACK_TRACES === "full") return;
    Error.stackTraceLimit = 2;
    Error.prepareStackTrace = planStackTrace;
}

/** Run the program under mocks and return every registration. Throws ConfigError / UsageError for bad input. */
export async function runProgram(opts: PlanOptions): Promise<Plan> {
    const { name: project, config: declarations } = projectFile();
    const file = opts.configFile ?? path.join(ROOT, `Pulumi.${opts.stack}.yaml`);
    if (!opts.configFile && !fs.existsSync(file)) throw new UsageError(unknownStack(opts.stack));
    const stackFile = readStackFile(file);
    const secretKeys = stackFile.secretKeys;
    for (const [k, v] of Object.entries(opts.overrides ?? {})) {
        stackFile.config[`${CONFIG_NAMESPACE}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    // What the CLI hands the program: the stack's values plus Pulumi.yaml's declared defaults.
    const config = applyProjectConfig(project, declarations, stackFile.config);
    for (const k of opts.secretOverrides ?? []) secretKeys.push(`${CONFIG_NAMESPACE}:${k}`);

    // setMocks installs a MockMonitor and turns on the features it supports (secrets among them);
    // only the monitor is swapped for the recording one, so those features stay on.
    await pulumi.runtime.setMocks(mocks, project, opts.stack, true);
    const monitor = new RecordingMonitor(mocks);
    getStore().settings.monitor = monitor;
    pulumi.runtime.setAllConfig(config, secretKeys);

    const entry = require.resolve(PROGRAM);
    delete require.cache[entry];
    const exported = require(entry);
    await (settings as any).waitForRPCs();
    const outputs = renderValue(await rpc.serializeProperties("outputs", { ...exported }));
    await (settings as any).waitForRPCs();
    const gitopsApp = monitor.records.find((r) => r.type === ARGOCD_APP_TYPE);
    const gitops = gitopsApp ? monitor.componentOutputs.get(gitopsApp.urn)?.manifests ?? [] : [];
    return { project, stack: opts.stack, resources: monitor.records, outputs, config: loadStackConfig(), gitops };
}
