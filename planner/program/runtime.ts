/**
 * The offline plan: runs `index.ts` under the Pulumi mock runtime (no engine, cloud or cluster) and
 * records every resource registration through a subclass of the SDK's own MockMonitor, so types,
 * parents, providers, dependencies and options are exactly what the real engine would receive.
 * Runs in preview mode: values a provider computes (ids, ARNs, endpoints) stay unknown and show as
 * "(known after apply)", as in `pulumi preview`.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { CONFIG_NAMESPACE, loadStackConfig } from "../../components/config";
import { applyProjectConfig } from "./project-config";
import { ARGOCD_APP_TYPE } from "../../components/gitops/argocd";
import { ROOT } from "../root";
import { UsageError } from "../cli/args";
import { Plan, PlanResource, SECRET, UNKNOWN } from "../model";
import { projectFile, readStackFile, unknownStack } from "./stack-file";

// The SDK's runtime store (internal in its typings): where the mock monitor is installed.
const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { monitor: unknown } } };

/** The program (index.ts, or its compiled twin next to this module's tree). */
const PROGRAM = path.resolve(__dirname, "..", "..", "index");
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

export interface PlanOptions {
    stack: string;
    /** Defaults to Pulumi.<stack>.yaml at the project root. */
    configFile?: string;
    /** Extra or replacing `kubechat:` values (tests): key without namespace -> value. */
    overrides?: Record<string, unknown>;
    /** Keys (without namespace) of `overrides` to mark secret. */
    secretOverrides?: string[];
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
