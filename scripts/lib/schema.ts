/**
 * Validates Kubernetes objects against the official OpenAPI schemas shipped by kubernetes-models and
 * the @kubernetes-models/* CRD packages (Istio, Argo Rollouts, Prometheus Operator).
 */
const PACKAGES = ["kubernetes-models", "@kubernetes-models/istio", "@kubernetes-models/argo-rollouts", "@kubernetes-models/prometheus-operator"];

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

export async function validateObjects(objects: any[]): Promise<SchemaResult> {
    const res: SchemaResult = { validated: 0, unvalidatedKinds: [], errors: [] };
    const missing = new Set<string>();
    for (const o of objects) {
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
