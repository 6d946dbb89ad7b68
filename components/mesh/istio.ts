/**
 * IstioMesh: the Istio control plane from the official charts (base -> cni -> istiod -> gateway),
 * the ingress gateway in its own namespace, and the mesh-wide objects (STRICT mTLS, tracing, the
 * public Gateway). Per-service routing and authorization belong to the app component, which waits
 * on `readiness` before creating Istio objects.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { NamespaceNames } from "../namespaces";
import { recommendedLabels } from "../labels";
import { NetworkPolicyPlan } from "../network";
import {
    GATEWAY_PORTS, INGRESS_GATEWAY_LABELS, INGRESS_GATEWAY_NAME, MeshConfig, TRACING_PROVIDER, TracingEndpoint,
    gatewayValues, istioBaseValues, istioCniValues, istioImages, istiodValues,
} from "./values";
import { gatewayNetworkPolicies } from "./network";
import { ExternalDependency, externalServiceEntries } from "./service-entries";
import { addonNamespace, chartAddon } from "../release";

/** Name of the Istio `Gateway` every exposed VirtualService binds to (as `<gatewayNamespace>/<name>`). */
export const PUBLIC_GATEWAY = "kubechat-gateway";

export interface IstioMeshArgs {
    /** `kubechat:mesh` (validated: with `ha`, istiodReplicas >= 2 and the maxima >= the floors). */
    mesh: MeshConfig;
    /** `kubechat:app`: `host` is served by the public Gateway with the TLS Secret `tlsSecretName`, which must exist in the gateway namespace. */
    app: { host: string; tlsSecretName: string };
    /** Chart and image catalog (registry and chart-mirror overrides applied). */
    catalog: Catalog;
    /** Cluster layer: provider and the ingress Service type. */
    cluster: ClusterLayer;
    /** Namespace names by role; this component creates `istioSystem` and `gateway`. */
    namespaces: NamespaceNames;
    /** Container ports of the exposed services in the app namespace: the gateway may reach only these (none: no egress to the app). */
    backendPorts: number[];
    /** OTLP/gRPC endpoint spans go to: the Tracing component's collector (`otlpGrpcEndpoint` of observability/jaeger.ts). */
    tracing: TracingEndpoint;
    /** External dependencies from the config; each gets a ServiceEntry (the mesh is REGISTRY_ONLY). Default none. */
    externalDependencies?: ExternalDependency[];
}

export class IstioMesh extends pulumi.ComponentResource {
    /** Releases whose CRDs and webhooks Istio objects need (base, istiod): `dependsOn` these. */
    public readonly readiness: pulumi.Resource[];
    public readonly istioSystemNamespace: pulumi.Output<string>;
    public readonly gatewayNamespace: pulumi.Output<string>;
    /** Service (and ServiceAccount) of the ingress gateway in the gateway namespace. */
    public readonly ingressServiceName: string;
    /** Pod labels of the ingress gateway. */
    public readonly ingressSelector: Record<string, string>;
    /** SPIFFE principal of the ingress gateway, for AuthorizationPolicy `source.principals`. */
    public readonly ingressPrincipal: string;
    /** `<namespace>/<name>` of the public Gateway, for VirtualService `gateways`. */
    public readonly publicGateway: string;

    constructor(name: string, args: IstioMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:mesh:IstioMesh", name, {}, opts);
        const { mesh, catalog, cluster, namespaces: ns } = args;
        const tracing = args.tracing;
        const k8sOpts = { parent: this, provider: cluster.provider };
        // istio-system and the CRD-only base chart run no pods: they need no nodes.
        const controlPlaneOpts = { parent: this, provider: cluster.controlPlaneProvider };
        const img = istioImages(catalog);

        // The CNI node agent installs into the release namespace and needs host paths, host network
        // and privileges, so istio-system (where Istio's docs install it, next to istiod) is the one
        // namespace that must allow `privileged`; the gateway namespace stays `restricted`.
        const systemNs = addonNamespace(`${name}-istio-system-ns`, { name: ns.istioSystem, owner: "istio", podSecurity: "privileged" }, controlPlaneOpts);
        // No `istio-injection` label: the gateway chart labels its pods `sidecar.istio.io/inject: "true"`
        // (with the `gateway` injection template), which the default injector honours in any namespace
        // not labelled `istio-injection: disabled`.
        const gatewayNs = addonNamespace(`${name}-gateway-ns`, { name: ns.gateway, owner: "istio-ingress", podSecurity: "restricted" }, k8sOpts);
        const systemNsName = systemNs.name;

        // Each chart needs the previous one: CRDs (base) before the control plane, the CNI agent on the
        // nodes before istiod injects pods that rely on it, and the injector before the gateway pods
        // (whose `image: auto` only the injector fills in).
        const base = chartAddon(`${name}-base`, {
            release: "istio-base", namespace: systemNs, chart: "istio-base", catalog, values: istioBaseValues(img),
        }, controlPlaneOpts);
        const cni = chartAddon(`${name}-cni`, {
            release: "istio-cni", namespace: systemNs, chart: "istio-cni", catalog, values: istioCniValues(img, mesh),
        }, { ...k8sOpts, dependsOn: [base] });
        const istiod = chartAddon(`${name}-istiod`, {
            release: "istiod", namespace: systemNs, chart: "istiod", catalog, values: istiodValues(img, mesh, tracing),
        }, { ...k8sOpts, dependsOn: [cni] });
        chartAddon(`${name}-gateway`, {
            release: INGRESS_GATEWAY_NAME, namespace: gatewayNs, chart: "istio-gateway", catalog,
            values: gatewayValues({ mesh, serviceType: cluster.ingressServiceType }),
        }, { ...k8sOpts, dependsOn: [istiod] });
        this.readiness = [base, istiod];

        // Istio objects need the CRDs and istiod's validating webhook.
        const crOpts = { ...k8sOpts, dependsOn: this.readiness };
        const meta = (n: string, namespace: pulumi.Input<string>) => ({ name: n, namespace, labels: recommendedLabels("istio", "mesh") });
        new k8s.apiextensions.CustomResource(`${name}-peer-authentication`, {
            apiVersion: "security.istio.io/v1", kind: "PeerAuthentication",
            metadata: meta("default", systemNsName),
            spec: { mtls: { mode: "STRICT" } },
        }, crOpts);
        new k8s.apiextensions.CustomResource(`${name}-telemetry`, {
            apiVersion: "telemetry.istio.io/v1", kind: "Telemetry",
            metadata: meta("mesh-default", systemNsName),
            spec: { tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: mesh.traceSamplingPercent }] },
        }, crOpts);
        new k8s.apiextensions.CustomResource(`${name}-public-gateway`, {
            apiVersion: "networking.istio.io/v1", kind: "Gateway",
            metadata: meta(PUBLIC_GATEWAY, gatewayNs.name),
            spec: {
                selector: { istio: INGRESS_GATEWAY_LABELS.istio },
                servers: [
                    { port: { number: GATEWAY_PORTS.https, name: "https", protocol: "HTTPS" }, hosts: [args.app.host], tls: { mode: "SIMPLE", credentialName: args.app.tlsSecretName } },
                    { port: { number: GATEWAY_PORTS.http, name: "http", protocol: "HTTP" }, hosts: [args.app.host], tls: { httpsRedirect: true } },
                ],
            },
        }, crOpts);
        // The mesh allows outbound traffic to registered services only; these are the declared externals.
        for (const e of externalServiceEntries(args.externalDependencies ?? [])) {
            new k8s.apiextensions.CustomResource(`${name}-${e.name}`, {
                apiVersion: "networking.istio.io/v1", kind: "ServiceEntry",
                metadata: meta(e.name, systemNsName),
                spec: { ...e.spec, exportTo: ["*"] },
            }, crOpts);
        }
        // No AuthorizationPolicy on the gateway itself: its clients are external and carry no mesh
        // identity, so a deny-by-default there would refuse all public traffic. Access is enforced at
        // each backend, whose policy admits only `ingressPrincipal`.

        // NetworkPolicies: the gateway namespace is default-deny plus the gateway's own allows. In
        // istio-system only egress is confined (components/system-egress/): istiod's webhooks are
        // called by the API server from control-plane or node addresses no namespace selector matches,
        // and a wrong guess at ingress there would break injection and validation for the whole cluster.
        const policies: NetworkPolicyPlan[] = gatewayNetworkPolicies({ namespaces: ns, backendPorts: args.backendPorts, tracing });
        for (const p of policies) {
            new k8s.networking.v1.NetworkPolicy(`${name}-gateway-netpol-${p.name}`, {
                metadata: { name: p.name, namespace: gatewayNs.name, labels: recommendedLabels("istio-ingress", "network-policy") },
                spec: p.spec,
            }, k8sOpts);
        }

        this.istioSystemNamespace = systemNsName;
        this.gatewayNamespace = gatewayNs.name;
        this.ingressServiceName = INGRESS_GATEWAY_NAME;
        this.ingressSelector = { ...INGRESS_GATEWAY_LABELS };
        this.ingressPrincipal = `cluster.local/ns/${ns.gateway}/sa/${INGRESS_GATEWAY_NAME}`;
        this.publicGateway = `${ns.gateway}/${PUBLIC_GATEWAY}`;
        this.registerOutputs({
            istioSystemNamespace: this.istioSystemNamespace,
            gatewayNamespace: this.gatewayNamespace,
            ingressServiceName: this.ingressServiceName,
            ingressSelector: this.ingressSelector,
            ingressPrincipal: this.ingressPrincipal,
            publicGateway: this.publicGateway,
        });
    }
}
