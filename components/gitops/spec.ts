/**
 * What Argo CD is given in GitOps mode, as pure functions of the app layer's objects: the manifests
 * with their sync waves, the AppProject's limits and the Application's sync policy. Nothing here is
 * written by hand per kind or per service: every list is derived from the objects themselves.
 */
import { POD_TEMPLATE_HASH_LABEL, recommendedLabels } from "../labels";

/** The cluster Argo CD runs in (the app layer is synced into the same cluster). */
export const IN_CLUSTER = "https://kubernetes.default.svc";
export const SYNC_WAVE = "argocd.argoproj.io/sync-wave";
/** Deleting the Application (or AppProject) first deletes what it manages: the app layer goes before the platform under it. */
export const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";
const MANAGED_BY = "app.kubernetes.io/managed-by";
/** Annotation Argo Rollouts puts on the Services it manages (argo-rollouts `ManagedByRolloutsKey`). */
const ROLLOUTS_MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts";

/**
 * Sync waves: definitions first, then identity, RBAC and the rules that guard pods (network and
 * authorization policies, disruption budgets), then Services, routing and analysis templates, then
 * the workloads, then what acts on running workloads (autoscalers). A kind without a wave is an error,
 * so a new kind in the app layer is placed deliberately.
 */
const WAVES: Record<string, number> = {
    CustomResourceDefinition: -3,
    ServiceAccount: -2, ClusterRole: -2, ClusterRoleBinding: -2, Role: -2, RoleBinding: -2,
    NetworkPolicy: -1, AuthorizationPolicy: -1, PeerAuthentication: -1, PodDisruptionBudget: -1,
    Service: 0, DestinationRule: 0, VirtualService: 0, Ingress: 0, AnalysisTemplate: 0,
    Deployment: 1, Rollout: 1,
    HorizontalPodAutoscaler: 2, VerticalPodAutoscaler: 2,
};

export function syncWave(kind: string): number {
    const w = WAVES[kind];
    if (w === undefined) throw new Error(`no Argo CD sync wave for kind ${kind}: add it to components/gitops/spec.ts`);
    return w;
}

type Obj = Record<string, any>;

/** The object as Argo CD gets it: its sync wave annotated and `managed-by` naming Argo CD. Pure (copies). */
export function gitopsManifest(o: Obj): Obj {
    const out = JSON.parse(JSON.stringify(o)) as Obj;
    const md = (out.metadata ??= {});
    md.annotations = { ...(md.annotations ?? {}), [SYNC_WAVE]: String(syncWave(out.kind)) };
    if (md.labels && MANAGED_BY in md.labels) md.labels = { ...md.labels, [MANAGED_BY]: "argocd" };
    return out;
}

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

export interface IgnoreDifference {
    group: string;
    kind: string;
    name: string;
    namespace?: string;
    jsonPointers: string[];
}

/**
 * Fields controllers own after a sync, which Argo CD must neither report as drift nor reset (with
 * `RespectIgnoreDifferences=true`): the replica count of every HPA target; during a canary the
 * VirtualService routes' weights and the DestinationRule subsets' pod-template-hash labels; and the
 * selector key and annotation Argo Rollouts adds to the Services a Rollout names.
 */
export function ignoreDifferences(objects: Obj[]): IgnoreDifference[] {
    const out: IgnoreDifference[] = [];
    const add = (group: string, kind: string, name: string, namespace: string | undefined, jsonPointers: string[]) =>
        out.push({ group, kind, name, ...(namespace ? { namespace } : {}), jsonPointers });
    for (const o of objects) {
        const ns: string | undefined = o.metadata?.namespace;
        if (o.kind === "HorizontalPodAutoscaler") {
            const t = o.spec.scaleTargetRef;
            add(groupOf(t.apiVersion), t.kind, t.name, ns, ["/spec/replicas"]);
        }
        if (o.kind === "Rollout") {
            const { canary, blueGreen } = o.spec.strategy ?? {};
            const istio = canary?.trafficRouting?.istio;
            if (istio?.virtualService) add("networking.istio.io", "VirtualService", istio.virtualService.name, ns, ["/spec/http"]);
            if (istio?.destinationRule) add("networking.istio.io", "DestinationRule", istio.destinationRule.name, ns, ["/spec/subsets"]);
            const services = [canary?.canaryService, canary?.stableService, blueGreen?.activeService, blueGreen?.previewService].filter((s): s is string => !!s);
            for (const s of services) {
                add("", "Service", s, ns, [`/spec/selector/${POD_TEMPLATE_HASH_LABEL}`, `/metadata/annotations/${ROLLOUTS_MANAGED_BY.replace(/\//g, "~1")}`]);
            }
        }
    }
    return out;
}

export interface GitOpsTarget {
    /** AppProject and Application name. */
    name: string;
    /** The stack (named in descriptions). */
    stack: string;
    repoURL: string;
    path: string;
    targetRevision: string;
    /** The app namespace: the only destination. */
    namespace: string;
}

const unique = <T>(xs: T[]) => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()]
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * The AppProject: this stack's repository only, the app namespace of this cluster only, exactly the
 * namespaced kinds the app layer has, and the cluster-scoped objects it has by kind AND name (the CRD
 * and the services' ClusterRoles/Bindings) — so a commit cannot add a cluster-wide object, a namespace
 * or anything in Argo CD's own namespace. Cluster objects by name need Argo CD 3.x.
 */
export function appProjectSpec(t: GitOpsTarget, objects: Obj[]): Obj {
    const cluster = objects.filter((o) => !o.metadata?.namespace);
    const namespaced = objects.filter((o) => o.metadata?.namespace);
    return {
        description: `KubeChat app layer of stack ${t.stack} (generated by the platform program)`,
        sourceRepos: [t.repoURL],
        destinations: [{ server: IN_CLUSTER, namespace: t.namespace }],
        clusterResourceWhitelist: unique(cluster.map((o) => ({ group: groupOf(o.apiVersion), kind: o.kind, name: o.metadata.name }))),
        namespaceResourceWhitelist: unique(namespaced.map((o) => ({ group: groupOf(o.apiVersion), kind: o.kind }))),
        orphanedResources: { warn: true },
    };
}

/**
 * The Application: automated sync with prune and self-heal, server-side apply, the controllers'
 * fields left to them (also during a sync), pruning after everything else is healthy; the namespace
 * is the platform's (no CreateNamespace).
 */
export function applicationSpec(t: GitOpsTarget, objects: Obj[]): Obj {
    return {
        project: t.name,
        source: { repoURL: t.repoURL, path: t.path, targetRevision: t.targetRevision, directory: { recurse: true } },
        destination: { server: IN_CLUSTER, namespace: t.namespace },
        syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ["ServerSideApply=true", "RespectIgnoreDifferences=true", "PruneLast=true"],
            retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
        },
        ignoreDifferences: ignoreDifferences(objects),
    };
}

export function gitopsLabels(): Record<string, string> {
    return recommendedLabels("kubechat", "gitops");
}
