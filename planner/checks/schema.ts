/**
 * Validates Kubernetes objects against their schemas: custom resources against the `openAPIV3Schema`
 * of the CRD that serves them (the CRDs the rendered charts ship, and our own), with unknown fields
 * that the API server would prune reported as errors; built-in kinds (and custom kinds no CRD at hand
 * defines) against the official schemas shipped by kubernetes-models and the @kubernetes-models/* CRD
 * packages (Istio, Argo Rollouts, Argo CD, Prometheus Operator). Built-in kinds are also checked for
 * fields their Kubernetes schema does not have (planner/checks/builtin-fields.ts), which the packaged
 * validators let through and the API server would prune.
 */
import * as path from "path";
import { validateStructural } from "./crd-schema";
import { unknownFields } from "./builtin-fields";
import { MODELS_PACKAGE, bundledModel, noteMissingModel } from "./model-bundle";

const PACKAGES = [MODELS_PACKAGE, "@kubernetes-models/istio", "@kubernetes-models/argo-rollouts", "@kubernetes-models/argo-cd", "@kubernetes-models/prometheus-operator"];

export interface SchemaResult {
    /** Objects validated against a published schema. */
    validated: number;
    /** `apiVersion/Kind` values with no published schema package (listed, never silently passed). */
    unvalidatedKinds: string[];
    /** `Kind name: message` for every object that fails its schema. */
    errors: string[];
}

type Found = { model: any; pkg: string } | null;
/** Models by `apiVersion/Kind`, loading or loaded (each ESM module chain is imported once). */
const cache = new Map<string, Promise<Found>>();

// The model packages are ESM-only; this keeps a real dynamic import() under CommonJS output.
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;

function modelFor(apiVersion: string, kind: string): Promise<Found> {
    const key = `${apiVersion}/${kind}`;
    let p = cache.get(key);
    if (!p) {
        p = (async () => {
            const bundled = bundledModel(apiVersion, kind);
            if (bundled) return { model: bundled, pkg: MODELS_PACKAGE };
            for (const pkg of PACKAGES) {
                try {
                    const model = (await importEsm(`${pkg}/${apiVersion}/${kind}`))[kind];
                    if (model && pkg === MODELS_PACKAGE) noteMissingModel(apiVersion, kind);
                    if (model) return { model, pkg };
                } catch {
                    // Not in this package.
                }
            }
            return null;
        })();
        cache.set(key, p);
    }
    return p;
}

/** Where the built-in kinds' declarations are (the package's own directory). */
const BUILTIN_DIR = path.dirname(require.resolve("kubernetes-models/package.json"));

/** The served schema of each `apiVersion/Kind` the given CRDs define. */
export function crdSchemas(crds: any[]): Map<string, any> {
    const out = new Map<string, any>();
    for (const crd of crds) {
        for (const v of crd?.spec?.versions ?? []) {
            const schema = v.schema?.openAPIV3Schema ?? crd.spec.validation?.openAPIV3Schema;
            if (schema && v.served !== false) out.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, schema);
        }
    }
    return out;
}

export interface ValidateOptions {
    /** CustomResourceDefinitions whose schemas validate their custom resources (preferred to packaged models). */
    crds?: any[];
}

/** Count an object as validated, or record its first five problems. */
function record(res: SchemaResult, o: any, msgs: string[]): void {
    if (msgs.length === 0) res.validated++;
    else res.errors.push(`${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}: ${msgs.slice(0, 5).join("; ")}${msgs.length > 5 ? ` (+${msgs.length - 5} more)` : ""}`);
}

export async function validateObjects(objects: any[], opts: ValidateOptions = {}): Promise<SchemaResult> {
    const res: SchemaResult = { validated: 0, unvalidatedKinds: [], errors: [] };
    const missing = new Set<string>();
    const byCrd = crdSchemas(opts.crds ?? []);
    // Every kind's schema starts loading at once (loading them is most of a first validation's time).
    for (const o of objects) if (!byCrd.has(`${o.apiVersion}/${o.kind}`)) modelFor(o.apiVersion, o.kind).catch(() => undefined);
    for (const o of objects) {
        const crdSchema = byCrd.get(`${o.apiVersion}/${o.kind}`);
        if (crdSchema) {
            record(res, o, [...new Set(validateStructural(crdSchema, o))]);
            continue;
        }
        const found = await modelFor(o.apiVersion, o.kind);
        if (!found) {
            missing.add(`${o.apiVersion}/${o.kind}`);
            continue;
        }
        const msgs: string[] = [];
        try {
            new found.model(o).validate();
        } catch (e) {
            msgs.push((e as Error).message);
        }
        if (found.pkg === MODELS_PACKAGE) msgs.push(...(unknownFields(BUILTIN_DIR, o) ?? []));
        record(res, o, msgs);
    }
    res.unvalidatedKinds = [...missing].sort();
    return res;
}
