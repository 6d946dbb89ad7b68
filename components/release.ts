/**
 * The chart add-on layer: every chart the platform installs goes through `chartAddon`, so all add-ons
 * are installed alike — chart and version from the catalog (with the mirror override), the
 * component's values, then the stack's own `kubechat:charts.<key>.values` merged over them, under one
 * release policy. Adding an add-on is a catalog line and a call; see docs/addons.md.
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
 * - Namespaces: a release installs into an `AddonNamespace` — one created here by `addonNamespace`
 *   (with its Pod Security level and the platform's labels, written in one place for every namespace
 *   the platform owns) or one the cluster itself provides (`clusterNamespace("kube-system")`). The
 *   release waits for the namespace it installs into.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, ChartKey } from "./catalog";
import { podSecurityLabels, recommendedLabels, PodSecurityLevel } from "./labels";

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

/** Label marking a platform namespace (monitoring, velero, vpa, ...): the application network rules do not apply to it. */
export const SYSTEM_NAMESPACE_LABEL = "kubechat.ai/system";

/** A namespace the platform creates. */
export interface AddonNamespaceArgs {
    /** The namespace's name. */
    name: string;
    /** `app.kubernetes.io/name` of the namespace (the add-on or layer that owns it). */
    owner: string;
    /** Pod Security level enforced: the least privileged level every pod in it meets. */
    podSecurity: PodSecurityLevel;
    /** Level audited and warned about (default: `podSecurity`), so departures from a stricter level stay visible. */
    reportPodSecurity?: PodSecurityLevel;
    /** A platform namespace (labelled `kubechat.ai/system`): its add-ons need cluster-wide reach. Default false. */
    system?: boolean;
    /** Further labels (e.g. `istio-injection`). */
    labels?: Record<string, string>;
}

/** A namespace a release installs into. */
export interface AddonNamespace {
    /** Its name (from the Namespace resource when the platform creates it, so users wait for it). */
    name: pulumi.Output<string>;
    /** The Namespace resource; absent for a namespace the cluster provides (kube-system). */
    resource?: k8s.core.v1.Namespace;
}

/** A namespace the platform created (`addonNamespace`). */
export interface CreatedNamespace extends AddonNamespace {
    resource: k8s.core.v1.Namespace;
}

/** Labels of a namespace the platform creates (pure): recommended labels, Pod Security, system marker, extras. */
export function namespaceLabels(a: Omit<AddonNamespaceArgs, "name">): Record<string, string> {
    return {
        ...recommendedLabels(a.owner, "namespace"),
        ...podSecurityLabels(a.podSecurity, a.reportPodSecurity ?? a.podSecurity),
        ...(a.system ? { [SYSTEM_NAMESPACE_LABEL]: "true" } : {}),
        ...a.labels,
    };
}

/**
 * The one way the platform creates a namespace: with its Pod Security level and labels. `name` is the
 * Pulumi resource name (stable, `${component}-ns`); `opts` carries parent and provider.
 */
export function addonNamespace(name: string, args: AddonNamespaceArgs, opts: pulumi.CustomResourceOptions): CreatedNamespace {
    const resource = new k8s.core.v1.Namespace(name, { metadata: { name: args.name, labels: namespaceLabels(args) } }, opts);
    return { name: resource.metadata.name, resource };
}

/** A namespace every cluster already has (kube-system): not created or relabelled by the platform. */
export function clusterNamespace(name: string): AddonNamespace {
    return { name: pulumi.output(name) };
}

/** Resource options of a release: the caller's, plus a wait for the namespace it installs into. */
export type ChartAddonOptions = Omit<pulumi.CustomResourceOptions, "dependsOn"> & { dependsOn?: pulumi.Input<pulumi.Resource>[] };

export interface ChartAddonArgs {
    /** Catalog key of the chart: pinned version, repository or mirror, and the stack's value overrides. */
    chart: ChartKey;
    catalog: Catalog;
    /** Helm release name (what `helm list` shows). */
    release: string;
    /** Namespace the release installs into: from `addonNamespace` (with its Pod Security level) or `clusterNamespace`. */
    namespace: AddonNamespace;
    /** The component's values (may hold computed values such as role ARNs). */
    values: Values;
    /** A timeout above the default, with its reason. */
    timing?: ReleaseTiming;
}

/** One add-on installed from the catalog under the release policy, with `kubechat:charts.<key>.values` merged last. */
export function chartAddon(name: string, args: ChartAddonArgs, opts: ChartAddonOptions = {}): k8s.helm.v3.Release {
    const ns = args.namespace.resource;
    const dependsOn = [...(ns && !(opts.dependsOn ?? []).includes(ns) ? [ns] : []), ...(opts.dependsOn ?? [])];
    return new k8s.helm.v3.Release(name, {
        name: args.release,
        namespace: args.namespace.name,
        ...args.catalog.chart(args.chart),
        values: mergeValues(args.values, args.catalog.valuesOverride(args.chart)),
        ...releasePolicy(args.timing),
    }, { ...opts, ...(dependsOn.length > 0 ? { dependsOn } : {}) });
}
