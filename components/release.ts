/**
 * The chart add-on layer: every chart the platform installs goes through `chartAddon`, so all engines
 * are installed alike — chart and version from the catalog (with the mirror override), the
 * component's values, then the stack's own `kubechat:charts.<key>.values` merged over them, under one
 * release policy. Adding an engine is a catalog line and a call; see docs/addons.md.
 *
 * The release policy, for what happens when an install or upgrade goes wrong:
 * - `atomic: true`: a failed install is uninstalled and a failed upgrade rolled back, so a release is
 *   never left half-applied (and Pulumi reports the failure instead of a "deployed" release that is not).
 * - `cleanupOnFail: true`: objects a failed upgrade created are deleted with the rollback.
 * - `skipAwait: false`: Pulumi (and Helm's wait, which `atomic` implies) waits until the release's
 *   workloads are ready, so whatever depends on a release (its CRs, the pods using its webhooks) starts
 *   after it really works. No release skips the wait: a wait that cannot finish (a LoadBalancer Service
 *   on a cluster without a load-balancer implementation) is a configuration error caught by the loader.
 * - `timeout`: `DEFAULT_TIMEOUT_SECONDS`; a release that legitimately needs longer names its reason.
 * - CRDs: the chart that runs a controller installs its CRDs (Helm's `skipCrds` stays false; charts
 *   that template their CRDs have them switched on in their values), and whatever creates custom
 *   resources `dependsOn` that release, never on a separately applied copy.
 * - Dependencies: ordering between releases and on cluster readiness is expressed with `dependsOn`
 *   in `opts`, never by waiting in a hook.
 * - The namespace is created by the owning component (with its Pod Security level) and passed in.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, ChartKey } from "./catalog";

/** Seconds a release may take to become ready (image pulls, volumes, webhooks) before it is rolled back. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

export interface ReleaseTiming {
    /** Longer than `DEFAULT_TIMEOUT_SECONDS` (never shorter). */
    timeoutSeconds: number;
    /** Why this release needs longer (kept next to the number; shown in review, not in the plan). */
    reason: string;
}

/** The policy fields of a release (pure). */
export function releasePolicy(timing?: ReleaseTiming): { atomic: true; cleanupOnFail: true; skipAwait: false; timeout: number } {
    if (timing && (timing.timeoutSeconds < DEFAULT_TIMEOUT_SECONDS || timing.reason.trim() === "")) {
        throw new Error(`release timing: a longer timeout (>= ${DEFAULT_TIMEOUT_SECONDS}s) with a reason (got ${timing.timeoutSeconds}s, "${timing.reason}")`);
    }
    return { atomic: true, cleanupOnFail: true, skipAwait: false, timeout: timing?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS };
}

type Values = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Values =>
    v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * `override` merged into `base` (pure; neither is changed): objects merge key by key, anything else
 * (scalars, lists, computed values) in `override` replaces what `base` has — as Helm merges `-f` files.
 * With nothing to merge, `base` itself is returned.
 */
export function mergeValues(base: Values, override: Values): Values {
    if (Object.keys(override).length === 0) return base;
    const out: Values = { ...base };
    for (const [k, v] of Object.entries(override)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeValues(out[k] as Values, v) : v;
    return out;
}

export interface ChartAddonArgs {
    /** Catalog key of the chart: pinned version, repository or mirror, and the stack's value overrides. */
    chart: ChartKey;
    catalog: Catalog;
    /** Helm release name (what `helm list` shows). */
    release: string;
    /** Namespace the release installs into, created by the owning component with its Pod Security level. */
    namespace: pulumi.Input<string>;
    /** The component's values (may hold computed values such as role ARNs). */
    values: Values;
    /** A timeout above the default, with its reason. */
    timing?: ReleaseTiming;
}

/** One engine installed from the catalog under the release policy, with `kubechat:charts.<key>.values` merged last. */
export function chartAddon(name: string, args: ChartAddonArgs, opts?: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(name, {
        name: args.release,
        namespace: args.namespace,
        ...args.catalog.chart(args.chart),
        values: mergeValues(args.values, args.catalog.valuesOverride(args.chart)),
        ...releasePolicy(args.timing),
    }, opts);
}
