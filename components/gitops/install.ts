/**
 * ArgoCdInstall: Argo CD itself (argo-cd chart 10.1.1, Argo CD v3.4.4) in `gitops.argocdNamespace`,
 * installed before the AppProject and Application of `ArgoCdApp` (the chart installs their CRDs). The
 * platform creates it in GitOps mode unless `gitops.installArgoCd` is false (a cluster that already
 * runs Argo CD 3.x there).
 *
 * Layout, as the chart's README documents it: non-HA (one of each, a single Redis) in small stacks;
 * HA ("HA mode without autoscaling") in persistent ones — Redis through the redis-ha subchart (three
 * Redis+Sentinel pods behind three HAProxy pods, each forced onto its own node: three nodes needed),
 * two API servers, repo-servers and ApplicationSet controllers with PDBs, and one application
 * controller: more controller replicas shard *clusters*, and this Argo CD manages one.
 *
 * Only what GitOps mode uses runs: Dex (SSO) and the notifications controller are off (both can be
 * switched on through `kubechat:charts.argo-cd.values`; their egress must then be added). Egress is
 * closed in components/system-egress/ (`argocd`); ingress is the chart's own NetworkPolicies.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, ResolvedImage } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { addonNamespace, chartAddon } from "../release";

/** Helm release name: the chart names every object `argocd-<component>` (as upstream's manifests do). */
export const ARGOCD_RELEASE = "argocd";

/** Ports the Argo CD components call each other on (chart 10.1.1 defaults). */
export const ARGOCD_PORTS = { repoServer: 8081, redis: 6379, sentinel: 26379 } as const;

/** Pod labels chart 10.1.1 sets (the egress policies select on them). */
export const ARGOCD_POD_LABELS = {
    controller: { "app.kubernetes.io/name": "argocd-application-controller" },
    server: { "app.kubernetes.io/name": "argocd-server" },
    repoServer: { "app.kubernetes.io/name": "argocd-repo-server" },
    applicationSet: { "app.kubernetes.io/name": "argocd-applicationset-controller" },
    redisSecretInit: { "app.kubernetes.io/name": "argocd-redis-secret-init" },
    /** The single Redis (non-HA). */
    redis: { "app.kubernetes.io/name": "argocd-redis" },
    /** redis-ha 4.38.0: the Redis+Sentinel StatefulSet and the HAProxy in front of it. */
    redisHa: { app: "redis-ha" },
    haproxy: { app: "redis-ha-haproxy" },
} as const;

export interface ArgoCdInstallArgs {
    /** Chart and image catalog (registry and chart-mirror overrides applied). */
    catalog: Catalog;
    /** Cluster layer: provider. */
    cluster: ClusterLayer;
    /** Namespace to create and install into (`gitops.argocdNamespace`). */
    namespace: string;
    /** The chart's HA layout (redis-ha, replicas, PDBs); otherwise one of each. */
    ha: boolean;
}

const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });

/** Replicas and a PDB that always leaves one pod running (only with two or more: over a single pod the PDB would forbid every drain). */
const replicated = (replicas: number) => ({ replicas, pdb: replicas >= 2 ? { enabled: true, minAvailable: 1 } : { enabled: false } });

/** The images Argo CD runs: its own, Redis, and HAProxy (HA only). */
export interface ArgoCdImages {
    argocd: ResolvedImage;
    redis: ResolvedImage;
    /** HA only (unused images are not handed out: the catalog lists what it hands out). */
    haproxy?: ResolvedImage;
}

/** Pure chart values: catalog images, the layout, resources for every container, Dex and notifications off. */
export function argoCdValues(images: ArgoCdImages, ha: boolean): Record<string, unknown> {
    if (ha && !images.haproxy) throw new Error("argoCdValues: the HA layout needs the HAProxy image");
    const replicas = ha ? 2 : 1;
    const redisImage = { repository: images.redis.name, tag: images.redis.tag };
    return {
        // CRDs come with the controller that serves them, and outlive the release (deleting it must not
        // cascade to every Application); the chart's defaults, written down because ArgoCdApp relies on them.
        crds: { install: true, keep: true },
        global: { image: { repository: images.argocd.name, tag: images.argocd.tag } },
        controller: { replicas: 1, resources: res("100m", "256Mi", "1", "1Gi") },
        server: { ...replicated(replicas), resources: res("50m", "128Mi", "500m", "512Mi") },
        repoServer: {
            ...replicated(replicas),
            resources: res("50m", "128Mi", "1", "1Gi"),
            copyutil: { resources: res("10m", "16Mi", "100m", "64Mi") },
        },
        applicationSet: {
            ...replicated(replicas),
            resources: res("25m", "64Mi", "250m", "256Mi"),
            // Off by default in the chart; both check the controller's /healthz.
            readinessProbe: { enabled: true },
            livenessProbe: { enabled: true },
        },
        redisSecretInit: { resources: res("10m", "32Mi", "100m", "64Mi") },
        dex: { enabled: false },
        notifications: { enabled: false },
        ...(ha ? {
            redis: { enabled: false },
            "redis-ha": {
                enabled: true,
                image: redisImage,
                // Its objects carry app/release labels; app.kubernetes.io/name cannot be added this way
                // (it would collide with the HAProxy pods' own, by which the argocd CLI finds Redis).
                extraLabels: { "app.kubernetes.io/part-of": "argocd" },
                redis: { resources: res("50m", "64Mi", "500m", "256Mi") },
                sentinel: { resources: res("10m", "32Mi", "100m", "64Mi") },
                splitBrainDetection: { resources: res("10m", "16Mi", "100m", "64Mi") },
                init: { resources: res("10m", "16Mi", "100m", "64Mi") },
                // One Redis may be down for a drain; Sentinel keeps a quorum of the other two.
                podDisruptionBudget: { maxUnavailable: 1 },
                haproxy: {
                    image: { repository: images.haproxy!.name, tag: images.haproxy!.tag },
                    resources: res("25m", "64Mi", "250m", "128Mi"),
                    init: { resources: res("10m", "16Mi", "100m", "64Mi") },
                    podDisruptionBudget: { maxUnavailable: 1 },
                },
            },
        } : {
            redis: {
                enabled: true, image: redisImage, resources: res("50m", "64Mi", "500m", "256Mi"),
                // Off by default in the chart: its /health scripts ping Redis.
                readinessProbe: { enabled: true }, livenessProbe: { enabled: true },
                // Redis never calls the Kubernetes API (its account has no binding: sa-token-unbound).
                automountServiceAccountToken: false,
            },
        }),
    };
}

export class ArgoCdInstall extends pulumi.ComponentResource {
    /** The chart release (CRDs included): the AppProject and Application `dependsOn` it. */
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: ArgoCdInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:gitops:ArgoCdInstall", name, {}, opts);
        const c = args.catalog;
        const images = { argocd: c.image("argocd"), redis: c.image("argocd-redis"), haproxy: args.ha ? c.image("argocd-haproxy") : undefined };
        const k8sOpts = { parent: this, provider: args.cluster.provider };
        // Every Argo CD pod (HAProxy and Redis included) meets the restricted level with the chart's own security contexts.
        const ns = addonNamespace(`${name}-ns`, { name: args.namespace, owner: "argocd", podSecurity: "restricted", system: true }, k8sOpts);
        this.namespace = ns.name;
        this.release = chartAddon(`${name}-release`, {
            release: ARGOCD_RELEASE, namespace: ns, chart: "argo-cd", catalog: c, values: argoCdValues(images, args.ha),
        }, k8sOpts);
        this.registerOutputs({ release: this.release, namespace: this.namespace });
    }
}
