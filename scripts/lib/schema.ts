/**
 * Validates Kubernetes objects against their schemas: custom resources against the `openAPIV3Schema`
 * of the CRD that serves them (the CRDs the rendered charts ship, and our own), with unknown fields
 * that the API server would prune reported as errors; built-in kinds (and custom kinds no CRD at hand
 * defines) against the official schemas shipped by kubernetes-models and the @kubernetes-models/* CRD
 * packages (Istio, Argo Rollouts, Argo CD, Prometheus Operator).
 */
import { validateStructural } from "./crd-schema";
import { SECRET } from "./plan";

const PACKAGES = ["kubernetes-models", "@kubernetes-models/istio", "@kubernetes-models/argo-rollouts", "@kubernetes-models/argo-cd", "@kubernetes-models/prometheus-operator"];

export interface SchemaResult {
    /** Objects validated against a published schema. */
    validated: number;
    /** `apiVersion/Kind` values with no published schema package (listed, never silently passed). */
    unvalidatedKinds: string[];
    /** `Kind name: message` for every object that fails its schema. */
    errors: string[];
}

const cache = new Map<string, any>();

// The model packages are ESM-only; this keeps a real dynamic import() under CommonJS output.
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;

async function modelFor(apiVersion: string, kind: string): Promise<any> {
    const key = `${apiVersion}/${kind}`;
    if (cache.has(key)) return cache.get(key);
    let model: any = null;
    for (const pkg of PACKAGES) {
        try {
            model = (await importEsm(`${pkg}/${apiVersion}/${kind}`))[kind];
            if (model) break;
        } catch {
            model = null;
        }
    }
    cache.set(key, model);
    return model;
}

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

/**
 * A Secret as the plan shows it, made checkable: the Kubernetes SDK marks a Secret's whole `data` and
 * `stringData` secret, so the plan holds "[secret]" where the API server gets a map; its keys are not
 * known to the plan, so the map is checked as an empty one.
 */
export function secretPlaceholdersAsMaps(o: any): any {
    if (o?.apiVersion !== "v1" || o?.kind !== "Secret") return o;
    const out = { ...o };
    for (const k of ["data", "stringData"]) if (out[k] === SECRET) out[k] = {};
    return out;
}

export async function validateObjects(objects: any[], opts: ValidateOptions = {}): Promise<SchemaResult> {
    const res: SchemaResult = { validated: 0, unvalidatedKinds: [], errors: [] };
    const missing = new Set<string>();
    const byCrd = crdSchemas(opts.crds ?? []);
    for (const planned of objects) {
        const o = secretPlaceholdersAsMaps(planned);
        const crdSchema = byCrd.get(`${o.apiVersion}/${o.kind}`);
        if (crdSchema) {
            const msgs = [...new Set(validateStructural(crdSchema, o))];
            if (msgs.length === 0) res.validated++;
            else {
                res.errors.push(`${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}: ${msgs.slice(0, 5).join("; ")}${msgs.length > 5 ? ` (+${msgs.length - 5} more)` : ""}`);
            }
            continue;
        }
        const model = await modelFor(o.apiVersion, o.kind);
        if (!model) {
            missing.add(`${o.apiVersion}/${o.kind}`);
            continue;
        }
        try {
            new model(o).validate();
            res.validated++;
        } catch (e) {
            res.errors.push(`${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}: ${(e as Error).message}`);
        }
    }
    res.unvalidatedKinds = [...missing].sort();
    return res;
}
