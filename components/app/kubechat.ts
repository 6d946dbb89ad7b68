/**
 * KubeChat: the application layer in the app namespace, identical on-prem and on EKS. Every service
 * in `kubechat:services` is data: it gets the same hardened pod (one adapter), workload per delivery
 * strategy, autoscaling, PDB, NetworkPolicies and — with the mesh — routing and authorization.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog, IMAGES } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { ConfigError } from "../errors";
import { recommendedLabels, selectorLabels, PART_OF, SCRAPE_LABEL } from "../labels";
import { NamespaceNames } from "../namespaces";
import { ServiceScaling, declaredReplicas, hpaSpec, pdbSpec, vpaSpec } from "./autoscaling";
import { kubechatProblems } from "./validate";
import { chatSessionCrdSpec } from "./crd";
import { defaultDenySpec, egressSpec, ingressSpec as ingressPolicySpec, ServiceNetworkInput } from "./network";
import { podSpec } from "./podspec";
import { apiReaderRules, serviceAccountName } from "./rbac";
import {
    analysisTemplateSpec, authorizationPolicySpec, destinationRuleSpec, ingressSpec, principal, RoutingInput, serviceHost, virtualServiceSpec,
} from "./routing";
import { AddonNamespaceArgs, addonNamespace } from "../release";
import { AppLayerOwner, AppManifest, AppObjects } from "./objects";
import { DeliverySettings, errorRateTemplateName, metricsAnnotations, serviceNames, workloadKind, workloadSpec } from "./workload";

/** Connection to the Postgres pooler; credentials come from a Secret in the app namespace. */
export interface DatabaseConnection {
    /** Pooler Service DNS name (`<cluster>-pooler.<ns>.svc.cluster.local`). */
    host: pulumi.Input<string>;
    port: number;
    database: string;
    /** Secret in the APP namespace with keys `username` and `password` (operator-generated, cross-namespace). */
    credentialsSecretName: pulumi.Input<string>;
}

/** What the app needs from the mesh component (present exactly when the mesh is on). */
export interface MeshBinding {
    /** Resources Istio objects and injected pods wait for (CRDs, istiod's injector). */
    readiness: pulumi.Resource[];
    /** SPIFFE principal of the ingress gateway (`cluster.local/ns/<gw-ns>/sa/istio-ingressgateway`). */
    ingressPrincipal: string;
    /** `<namespace>/<name>` of the ingress Gateway (`<gw-ns>/kubechat-gateway`). */
    publicGateway: string;
}

/** Where the app lives and how it is reached (`kubechat:app`). */
export interface AppSettings {
    /** The app namespace (created here). */
    namespace: string;
    /** External host name of the API. */
    host: string;
    /** TLS Secret for the host (gateway namespace with the mesh, app namespace for the Ingress). */
    tlsSecretName: string;
}

/** One KubeChat service (`kubechat:services.<name>`): image, port, resources, probes, scaling and what it may reach. */
export interface ServiceSettings extends ServiceScaling {
    /** Image repository without tag ("" = the catalog image; api-gateway only). */
    image: string;
    /** Image tag ("" = the catalog's pinned tag; api-gateway only). */
    tag: string;
    /** Container port, exposed as the Service port named http. */
    port: number;
    cpuRequest: string;
    memoryRequest: string;
    cpuLimit: string;
    memoryLimit: string;
    /** HTTP probe paths on `port`. */
    readinessPath: string;
    livenessPath: string;
    /** Prometheus metrics path on `port`. */
    metricsPath: string;
    /** Bind the read-only ClusterRole and allow egress to the API server. */
    readsKubernetesApi: boolean;
    /** Inject the Postgres connection (`database`). */
    usesDatabase: boolean;
    /** Route external traffic to it (at most one service). */
    exposed: boolean;
    terminationGraceSeconds: number;
    /** preStop pause (0 = none). */
    preStopSleepSeconds: number;
}

/** Delivery settings plus the canary analysis threshold. */
export interface KubeChatDelivery extends DeliverySettings {
    /** Abort a canary when the 5xx ratio reaches this many basis points. */
    maxErrorBasisPoints: number;
}

export interface KubeChatArgs {
    /** Namespace, external host, TLS Secret. */
    app: AppSettings;
    /** One entry per workload; api-gateway is the first. At most one may be `exposed`. */
    services: Record<string, ServiceSettings>;
    /** rolling (Deployment), canary or blueGreen (Argo Rollout). canary needs `mesh`. */
    delivery: KubeChatDelivery;
    /** Namespace names by role (gateway, monitoring, data, istio-system, tracing, kube-system). */
    namespaces: NamespaceNames;
    catalog: Catalog;
    cluster: ClusterLayer;
    /** Postgres connection for services with `usesDatabase`; absent = no DB_* environment. */
    database?: DatabaseConnection;
    /** The mesh; absent = mesh off (plain Service + Ingress, no Istio object, no injection label). */
    mesh?: MeshBinding;
    /** Resources Rollouts and AnalysisTemplates wait for (the Argo Rollouts release and its CRDs); required unless `delivery.strategy` is rolling. */
    rollouts?: pulumi.Resource[];
    /**
     * Who owns the app layer's objects (default "pulumi"). "argocd" (GitOps mode): nothing but the
     * namespace is created; the objects are collected in `manifests` for Git.
     */
    owner?: AppLayerOwner;
}

/** The application namespace: Pod Security `restricted` enforced, and sidecar injection with the mesh. */
export function appNamespace(name: string, meshEnabled: boolean): AddonNamespaceArgs {
    return { name, owner: "kubechat", podSecurity: "restricted", labels: meshEnabled ? { "istio-injection": "enabled" } : {} };
}

/** Every problem with the args, as `kubechat:<key>: reason`. Pure. */
export function validateKubeChat(a: Pick<KubeChatArgs, "services" | "delivery" | "mesh" | "rollouts">): string[] {
    return kubechatProblems(a.services, a.delivery, a.mesh !== undefined, a.rollouts !== undefined);
}

/** The image of a service: api-gateway defaults to the catalog image, others name theirs in config. */
export function serviceImage(catalog: Catalog, name: string, s: ServiceSettings): string {
    if (name === "api-gateway") {
        if (s.image === "" && s.tag === "") return catalog.image("kubechat-api-gateway").ref;
        const pinned = IMAGES["kubechat-api-gateway"];
        return catalog.resolve(s.image || pinned.repository, s.tag || pinned.tag).ref;
    }
    return catalog.resolve(s.image, s.tag).ref;
}

/** DB_* environment: plain host/port/name, user and password only through secretKeyRef. */
export function databaseEnv(db: DatabaseConnection): k8s.types.input.core.v1.EnvVar[] {
    const secret = (key: string) => ({ secretKeyRef: { name: db.credentialsSecretName, key } });
    return [
        { name: "DB_HOST", value: db.host },
        { name: "DB_PORT", value: String(db.port) },
        { name: "DB_NAME", value: db.database },
        { name: "DB_USER", valueFrom: secret("username") },
        { name: "DB_PASSWORD", valueFrom: secret("password") },
    ];
}

/** Type token of the app layer component. */
export const KUBECHAT_TYPE = "kubechat:app:KubeChat";

export class KubeChat extends pulumi.ComponentResource {
    /** The app namespace. */
    public readonly namespace: pulumi.Output<string>;
    /** In-cluster host of each service (`<svc>.<ns>.svc.cluster.local`). */
    public readonly serviceHosts: Record<string, string>;
    /** Deployment (rolling) or Rollout (canary, blueGreen). */
    public readonly workloadKind: string;
    /** GitOps mode: the app layer's objects in declaration order (empty when Pulumi owns them). */
    public readonly manifests: pulumi.Output<AppManifest[]>;
    /** GitOps mode: what the objects wait for (the namespace, CRD-installing releases, the mesh). */
    public readonly manifestDependencies: pulumi.Resource[];

    constructor(name: string, args: KubeChatArgs, opts?: pulumi.ComponentResourceOptions) {
        super(KUBECHAT_TYPE, name, {}, opts);
        const problems = validateKubeChat(args);
        if (problems.length > 0) throw new ConfigError(problems);

        const { app, delivery, catalog, namespaces } = args;
        const provider = args.cluster.provider;
        const mesh = args.mesh;
        const child = { parent: this, provider };
        const nsName = app.namespace;
        const kind = workloadKind(delivery.strategy);
        this.workloadKind = kind.kind;

        const ns = addonNamespace(`${name}-namespace`, appNamespace(nsName, mesh !== undefined), child);
        this.namespace = ns.name;
        const objects = new AppObjects(args.owner ?? "pulumi", child, { name: nsName, resource: ns.resource });
        const meta = (objName: string, service: string, component: string) => ({
            name: objName, namespace: nsName, labels: recommendedLabels(service, component),
        });

        objects.add(`${name}-chatsessions-crd`, {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "chatsessions.kubechat.ai", labels: recommendedLabels("chatsessions", "crd") },
            spec: chatSessionCrdSpec(),
        });

        objects.add(`${name}-default-deny`, {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: meta("default-deny", "kubechat", "network-policy"),
            spec: defaultDenySpec(),
        });

        const services = Object.entries(args.services);
        const appPodLabels = { "app.kubernetes.io/part-of": PART_OF };
        const servicePorts = services.map(([, s]) => s.port);
        const meshDeps = mesh ? { dependsOn: mesh.readiness } : {};

        this.serviceHosts = {};
        for (const [svc, s] of services) {
            const selector = selectorLabels(svc);
            const labels = (component: string) => recommendedLabels(svc, component);
            const sa = serviceAccountName(svc);
            this.serviceHosts[svc] = serviceHost(svc, nsName);

            objects.add(`${name}-${svc}-sa`, {
                apiVersion: "v1",
                kind: "ServiceAccount",
                metadata: meta(sa, svc, "service-account"),
                automountServiceAccountToken: s.readsKubernetesApi,
            });
            if (s.readsKubernetesApi) {
                const role = objects.add(`${name}-${svc}-role`, {
                    apiVersion: "rbac.authorization.k8s.io/v1",
                    kind: "ClusterRole",
                    metadata: { name: sa, labels: labels("rbac") },
                    rules: apiReaderRules(),
                });
                objects.add(`${name}-${svc}-binding`, {
                    apiVersion: "rbac.authorization.k8s.io/v1",
                    kind: "ClusterRoleBinding",
                    metadata: { name: sa, labels: labels("rbac") },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: sa },
                    subjects: [{ kind: "ServiceAccount", name: sa, namespace: nsName }],
                }, { dependsOn: [ns.resource, ...(role ? [role] : [])] });
            }

            const env = s.usesDatabase && args.database ? databaseEnv(args.database) : [];
            const spec = podSpec({
                name: svc,
                image: serviceImage(catalog, svc, s),
                port: s.port,
                serviceAccountName: sa,
                automountServiceAccountToken: s.readsKubernetesApi,
                resources: s,
                readinessPath: s.readinessPath,
                livenessPath: s.livenessPath,
                terminationGraceSeconds: s.terminationGraceSeconds,
                preStopSleepSeconds: s.preStopSleepSeconds,
                selectorLabels: selector,
                env,
            });
            const wspec = workloadSpec({
                service: svc, delivery, replicas: declaredReplicas(s), selectorLabels: selector, podLabels: labels("server"),
                podAnnotations: metricsAnnotations(s.port, s.metricsPath), podSpec: spec,
            });
            // Injected pods need istiod's webhook first; Rollouts need the Argo CRDs.
            const workloadDeps = [...(mesh?.readiness ?? []), ...(kind.kind === "Rollout" ? args.rollouts ?? [] : [])];
            const target = { ...kind, name: svc };
            const hpa = hpaSpec(s, target);
            // The HPA writes spec.replicas into the live object; in `pulumi up` the policy pack judges the
            // live object (a resource's outputs), so without this every update of the workload (a new
            // image) failed hpa-declared-replicas although the program never declares the field.
            objects.add(`${name}-${svc}`, { apiVersion: kind.apiVersion, kind: kind.kind, metadata: meta(svc, svc, "server"), spec: wspec },
                { dependsOn: workloadDeps, ...(hpa ? { ignoreChanges: ["spec.replicas"] } : {}) });

            for (const svcName of serviceNames(svc, delivery.strategy)) {
                const m = meta(svcName, svc, "service");
                objects.add(`${name}-${svcName}-svc`, {
                    apiVersion: "v1",
                    kind: "Service",
                    metadata: svcName === svc ? { ...m, labels: { ...m.labels, [SCRAPE_LABEL.key]: SCRAPE_LABEL.value } } : m,
                    spec: {
                        type: "ClusterIP",
                        selector,
                        ports: [{ name: "http", port: s.port, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
                    },
                });
            }

            if (hpa) {
                objects.add(`${name}-${svc}-hpa`, { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: meta(svc, svc, "autoscaling"), spec: hpa });
            }
            objects.add(`${name}-${svc}-vpa`, {
                apiVersion: "autoscaling.k8s.io/v1", kind: "VerticalPodAutoscaler", metadata: meta(svc, svc, "autoscaling"), spec: vpaSpec(svc, s, target),
            }, { dependsOn: args.cluster.vpaReady });
            objects.add(`${name}-${svc}-pdb`, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(svc, svc, "availability"), spec: pdbSpec(s, selector) });

            const net: ServiceNetworkInput = {
                port: s.port, selectorLabels: selector, appPodLabels, namespaces, mesh: mesh !== undefined, exposed: s.exposed,
                usesDatabase: s.usesDatabase, readsKubernetesApi: s.readsKubernetesApi, apiServerCidrs: args.cluster.apiServerCidrs,
            };
            const networkPolicy = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" };
            objects.add(`${name}-${svc}-ingress-np`, { ...networkPolicy, metadata: meta(`${svc}-ingress`, svc, "network-policy"), spec: ingressPolicySpec(net) });
            objects.add(`${name}-${svc}-egress-np`, { ...networkPolicy, metadata: meta(`${svc}-egress`, svc, "network-policy"), spec: egressSpec(net, servicePorts) });

            const routing: RoutingInput = {
                service: svc, namespace: nsName, port: s.port, strategy: delivery.strategy, exposed: s.exposed, host: app.host, gateway: mesh?.publicGateway ?? "",
            };
            if (mesh) {
                // Argo Rollouts rewrites the routes' weights, the header route and the subsets' labels
                // during a canary: Pulumi creates them and then leaves them to the controller.
                const argoOwned = (path: string) => (delivery.strategy === "canary" ? { ignoreChanges: [path] } : {});
                objects.add(`${name}-${svc}-vs`, {
                    apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: meta(svc, svc, "routing"), spec: virtualServiceSpec(routing),
                }, { ...meshDeps, ...argoOwned("spec.http") });
                objects.add(`${name}-${svc}-dr`, {
                    apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: meta(svc, svc, "routing"), spec: destinationRuleSpec(routing, selector),
                }, { ...meshDeps, ...argoOwned("spec.subsets") });
                objects.add(`${name}-${svc}-authz`, {
                    apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: meta(svc, svc, "authorization"),
                    spec: authorizationPolicySpec({
                        port: s.port, exposed: s.exposed, selectorLabels: selector, ingressPrincipal: mesh.ingressPrincipal,
                        peerPrincipals: services.filter(([other]) => other !== svc).map(([other]) => principal(nsName, serviceAccountName(other))),
                    }),
                }, meshDeps);
            } else if (s.exposed) {
                objects.add(`${name}-${svc}-ingress`, { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta(svc, svc, "ingress"), spec: ingressSpec(svc, app.host, app.tlsSecretName) });
            }
            if (delivery.strategy === "canary") {
                objects.add(`${name}-${svc}-analysis`, {
                    apiVersion: "argoproj.io/v1alpha1", kind: "AnalysisTemplate", metadata: meta(errorRateTemplateName(svc), svc, "delivery"),
                    spec: analysisTemplateSpec(svc, nsName, delivery.maxErrorBasisPoints, delivery.pauseMinutes),
                }, { dependsOn: args.rollouts ?? [] });
            }
        }

        this.manifests = objects.manifests();
        // Argo CD syncs into the namespace Pulumi created, once the charts that install the CRDs are up.
        this.manifestDependencies = objects.owner === "argocd" ? [ns.resource, ...objects.dependencies.filter((d) => d !== ns.resource)] : [];
        this.registerOutputs({ namespace: this.namespace, serviceHosts: this.serviceHosts, workloadKind: this.workloadKind });
    }
}
