/**
 * Shared test harness: plan a stack under the mock runtime (cached per stack + overrides), find
 * objects, and validate Kubernetes objects against their official schemas.
 */
import { PlanOptions, runProgram } from "../planner/program/runtime";
import { Plan, PlanResource } from "../planner/model";
import { validateObjects, SchemaResult } from "../planner/checks/schema";
import { ROOT } from "../planner/root";
import { vendoredCharts } from "../planner/render/charts";
import { renderPlan } from "../planner/render/render";
import { RenderResult } from "../planner/render/releases";
import { ChartCheckResult, checkRendered } from "../planner/checks/chart-checks";
import * as assert from "assert";
import { ConfigError, parseConfig } from "../components/config";

const plans = new Map<string, Promise<Plan>>();

/** Plan a stack file (optionally with `kubechat:` overrides). Plans run one at a time: the mock runtime is global. */
let queue: Promise<unknown> = Promise.resolve();
export function planStack(stack: string, overrides?: Record<string, unknown>, extra: Omit<PlanOptions, "stack" | "overrides"> = {}): Promise<Plan> {
    const key = JSON.stringify([stack, overrides ?? {}, extra]);
    let p = plans.get(key);
    if (!p) {
        p = queue.then(() => runProgram({ stack, overrides, ...extra }));
        queue = p.catch(() => undefined);
        plans.set(key, p);
    }
    return p;
}

/** Minimal valid on-prem `kubechat:` config (API server and object store addresses for the default backups). */
export function minimalOnPremConfig() {
    return {
        cluster: { apiServerCidrs: ["10.0.0.1/32"], nodeCidrs: ["10.0.0.0/24"] },
        objectStore: { endpoint: "https://minio.example:9000", credentialsSecret: "store-creds", cidrs: ["10.9.0.0/24"] },
        postgres: { backupBucket: "pg" },
        backup: { bucket: "velero" },
    };
}

/** The problems parseConfig reports for raw `kubechat:` values ([] when valid); anything but a ConfigError fails. */
export function configProblems(raw: Record<string, unknown>, secretKeys: string[] = []): string[] {
    try {
        parseConfig(raw, "kubechat", "test", secretKeys);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return (e as ConfigError).problems;
    }
    return [];
}

/** GitOps mode for a stack (staging in the tests): Argo CD syncs the app layer from this repository. */
export const GITOPS = {
    gitops: { enabled: true, repoURL: "https://git.example.internal/platform/deploy.git", path: "kubechat/staging", repoCredentialsSecret: "deploy-repo", repoCidrs: ["10.40.0.0/24"] },
};

/** Secret config values no plan may ever show in plain text (set with --secret in real stacks). */
export const SECRETS = {
    kubeconfig: "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: kc-t0ken-8812}}]\n",
    objectStoreAccessKeyId: "AKIAPLANTEST00000001",
    objectStoreSecretAccessKey: "pl4n-s3cret-value-77",
};

/** The staging stack with every secret key set as a Pulumi secret (one cached plan for all secret tests). */
export function planWithSecrets(): Promise<Plan> {
    return planStack("staging", SECRETS, { secretOverrides: Object.keys(SECRETS) });
}

/** Distinctive parts of SECRETS: none may appear anywhere, not even inside a larger value. */
const SECRET_MARKERS = ["kc-t0ken-8812", SECRETS.objectStoreAccessKeyId, SECRETS.objectStoreSecretAccessKey];

/** True when no part of any SECRETS value appears in the text. */
export function leaksNoSecret(text: string): boolean {
    return SECRET_MARKERS.every((v) => !text.includes(v));
}

/** Kubernetes objects (not Helm releases, not providers) in a plan. */
export function k8sObjects(plan: Plan): any[] {
    return plan.resources.filter(isK8sObject).map((r) => r.inputs);
}

export function isK8sObject(r: PlanResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release" && typeof r.inputs?.kind === "string";
}

/** Find Kubernetes objects by kind (and name). */
export function objects(plan: Plan, kind: string, name?: string): any[] {
    return k8sObjects(plan).filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}

/** Exactly one Kubernetes object of that kind and name. */
export function object(plan: Plan, kind: string, name: string): any {
    const found = objects(plan, kind, name);
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
    return found[0];
}

/** Resources by Pulumi type token (and logical name suffix). */
export function resources(plan: Plan, type: string, nameIncludes?: string): PlanResource[] {
    return plan.resources.filter((r) => r.type === type && (nameIncludes === undefined || r.name.includes(nameIncludes)));
}

/** Helm releases by chart name (the catalog chart name, e.g. "istiod"). */
export function release(plan: Plan, chart: string): PlanResource {
    const found = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).replace(/^.*\//, "").replace(/-\d[\w.-]*\.tgz$/, "") === chart);
    if (found.length !== 1) throw new Error(`expected one release of chart ${chart}, found ${found.length}`);
    return found[0];
}

/** Validate every Kubernetes object of a plan against its published schema. */
export function schemaCheck(plan: Plan): Promise<SchemaResult> {
    return validateObjects(k8sObjects(plan));
}

export { Plan, PlanResource };

/** A registry and chart mirror no code has ever seen: with them set, nothing may point anywhere else. */
export const AIRGAP = { registry: "registry.airgap-test.invalid:5443/mirror/kc", chartRepository: "oci://charts.airgap-test.invalid/kubechat" };

/** The chart archives vendored in the repository (charts/; see its SOURCES.md). */
export const CHARTS_DIR = vendoredCharts(ROOT);

export interface RenderedStack {
    plan: Plan;
    render: RenderResult;
    checks: ChartCheckResult;
}

const renders = new Map<string, Promise<RenderedStack>>();

/** A stack planned and every release rendered from charts/ and checked: once per stack + overrides per test run. */
export function renderedStack(stack: string, overrides?: Record<string, unknown>): Promise<RenderedStack> {
    const key = JSON.stringify([stack, overrides ?? {}]);
    let r = renders.get(key);
    if (!r) {
        r = planStack(stack, overrides).then(async (plan) => {
            const render = await renderPlan(plan, ROOT, CHARTS_DIR);
            return { plan, render, checks: await checkRendered(plan, render, ROOT) };
        });
        renders.set(key, r);
    }
    return r;
}

/**
 * One staging variant shared by several tests (one cached plan): an object store outside the cluster
 * (with its CIDRs) and a second service that asks for nothing (least-privilege defaults).
 */
export const STAGING_VARIANT = {
    objectStore: { endpoint: "https://s3.corp.example:9443", region: "us-east-1", credentialsSecret: "kubechat-object-store", cidrs: ["10.30.0.0/24"] },
    services: { "api-gateway": { minReplicas: 2, maxReplicas: 3, pdbMinAvailable: 1 }, worker: { image: "registry.example/worker", tag: "1.0.0" } },
};

/**
 * Container images (containers, init and ephemeral containers) of every pod and pod template anywhere
 * inside a value, collected independently of planner/checks/images.ts so the tests can check it.
 */
export function podImagesIn(v: unknown, out: string[] = []): string[] {
    if (Array.isArray(v)) v.forEach((x) => podImagesIn(x, out));
    else if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        for (const key of ["containers", "initContainers", "ephemeralContainers"]) {
            if (Array.isArray(o[key])) for (const c of o[key] as any[]) if (typeof c?.image === "string") out.push(c.image);
        }
        Object.values(o).forEach((x) => podImagesIn(x, out));
    }
    return out;
}
