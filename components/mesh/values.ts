/**
 * Pure Helm values for the four Istio charts (base -> cni -> istiod -> gateway). They create nothing
 * and are unit-tested without mocks; `IstioMesh` (istio.ts) turns them into releases.
 *
 * Key shapes were read from the charts themselves: since Istio 1.24 the cni, istiod and gateway
 * charts are "flattened" (their settings are top-level keys, plus `global.*` and, for istiod,
 * `meshConfig`), so e.g. istiod's CNI switch is the top-level `cni.enabled`, not `pilot.cni.enabled`.
 */
import { Catalog } from "../catalog";

/** The mesh's settings (`kubechat:mesh` maps onto them one to one; validated there). */
export interface MeshConfig {
    /** Istio installed and traffic routed through it (off: plain Service + Ingress, no IstioMesh). */
    enabled: boolean;
    /** istiod and the gateway replicated, with PDBs and autoscaling. */
    ha: boolean;
    /** istiod replicas when HA (>= 2). */
    istiodReplicas: number;
    /** istiod autoscaling ceiling when HA (>= istiodReplicas). */
    istiodMaxReplicas: number;
    /** Namespace of the ingress gateway. */
    gatewayNamespace: string;
    /** Ingress gateway replica floor. */
    gatewayReplicas: number;
    /** Ingress gateway autoscaling ceiling when HA (>= gatewayReplicas). */
    gatewayMaxReplicas: number;
    /** Share of requests traced, in percent. */
    traceSamplingPercent: number;
    /** Istio CNI: node directory of CNI binaries ("" = the chart's default). */
    cniBinDir: string;
    /** Istio CNI: node directory of CNI network configs ("" = the chart's default). */
    cniConfDir: string;
}

/** The hub/tag pair every Istio chart takes; the sidecar and gateway images follow istiod's. */
export interface IstioImages {
    /** `<registry>/istio`: images are `<hub>/pilot`, `<hub>/proxyv2`, `<hub>/install-cni`. */
    hub: string;
    tag: string;
}

/** Where the mesh sends spans: the Jaeger collector's OTLP/gRPC endpoint. */
export interface TracingEndpoint {
    /** Fully qualified Service host. */
    service: string;
    /** OTLP gRPC port. */
    port: number;
}

/** Name of the tracing provider declared in meshConfig and referenced by the Telemetry resource. */
export const TRACING_PROVIDER = "jaeger";

/** Release name of the gateway chart: it names the Deployment, Service and ServiceAccount. */
export const INGRESS_GATEWAY_NAME = "istio-ingressgateway";

/** Pod labels the gateway chart derives from the release name (`istio` drops the `istio-` prefix). */
export const INGRESS_GATEWAY_LABELS = { app: INGRESS_GATEWAY_NAME, istio: "ingressgateway" } as const;

/**
 * Ports the gateway's Envoy listens on: the chart's Service maps 80/443 to the same target ports
 * (binding them is allowed by the `net.ipv4.ip_unprivileged_port_start=0` pod sysctl), and the load
 * balancer health-checks the status port.
 */
export const GATEWAY_PORTS = { http: 80, https: 443, status: 15021, envoyMetrics: 15090, mergedMetrics: 15020 } as const;

/** Hub and tag from the catalog (registry override applied); records the images for the air-gap list. */
export function istioImages(catalog: Catalog): IstioImages {
    const pilot = catalog.image("istio-pilot");
    catalog.image("istio-proxyv2");
    catalog.image("istio-install-cni");
    return { hub: pilot.name.replace(/\/pilot$/, ""), tag: pilot.tag };
}

const globals = (img: IstioImages) => ({ hub: img.hub, tag: img.tag, istioNamespace: "istio-system" });

/** `base` chart: CRDs and the default-revision validating webhook. */
export function istioBaseValues(img: IstioImages): Record<string, unknown> {
    // base renders no image: only the namespace of its webhook's service.
    return { global: { istioNamespace: globals(img).istioNamespace }, defaultRevision: "default" };
}

/** `cni` chart (flattened): a chained plugin so sidecars need no NET_ADMIN init container. */
export function istioCniValues(img: IstioImages, mesh: Pick<MeshConfig, "cniBinDir" | "cniConfDir">): Record<string, unknown> {
    // cni 1.28.0 reads no global.istioNamespace (charts:unused finds it ignored).
    const { istioNamespace: _unused, ...global } = globals(img);
    return {
        global,
        chained: true,
        // Empty config keeps the chart's defaults (/opt/cni/bin, /etc/cni/net.d); k3s needs its own paths.
        ...(mesh.cniBinDir !== "" ? { cniBinDir: mesh.cniBinDir } : {}),
        ...(mesh.cniConfDir !== "" ? { cniConfDir: mesh.cniConfDir } : {}),
        resources: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    };
}

/** `istiod` chart (flattened): CNI mode, tracing provider, HA or minimal sizing. */
export function istiodValues(img: IstioImages, mesh: MeshConfig, tracing: TracingEndpoint): Record<string, unknown> {
    const ha = mesh.ha;
    return {
        global: {
            ...globals(img),
            // The chart's PDB keeps one istiod available: only meaningful (and drain-safe) with >= 2 replicas.
            defaultPodDisruptionBudget: { enabled: ha },
        },
        // Sidecars rely on the CNI node agent instead of the privileged istio-init container, so app
        // namespaces can enforce Pod Security `restricted`.
        cni: { enabled: true },
        replicaCount: ha ? mesh.istiodReplicas : 1,
        autoscaleEnabled: ha,
        ...(ha ? { autoscaleMin: mesh.istiodReplicas, autoscaleMax: mesh.istiodMaxReplicas } : {}),
        resources: ha
            ? { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } }
            : { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        seccompProfile: { type: "RuntimeDefault" },
        // Default sampling for proxies; the mesh-wide Telemetry resource sets the same percentage.
        traceSampling: mesh.traceSamplingPercent,
        meshConfig: {
            // Sidecars reach only services in the mesh registry: Kubernetes Services plus the
            // ServiceEntries of declared external dependencies (externalServiceEntries), nothing else.
            outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
            accessLogFile: "/dev/stdout",
            enableTracing: true,
            extensionProviders: [{ name: TRACING_PROVIDER, opentelemetry: { service: tracing.service, port: tracing.port } }],
        },
    };
}

export interface GatewayValuesInput {
    mesh: Pick<MeshConfig, "ha" | "gatewayReplicas" | "gatewayMaxReplicas">;
    serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
}

/** `gateway` chart: the ingress gateway Deployment/Service; its Envoy image is injected by istiod. */
export function gatewayValues({ mesh, serviceType }: GatewayValuesInput): Record<string, unknown> {
    const autoscale = mesh.ha && mesh.gatewayMaxReplicas > mesh.gatewayReplicas;
    return {
        // The release name already yields these; stating them keeps selectors stable if it ever changes.
        labels: { ...INGRESS_GATEWAY_LABELS },
        service: { type: serviceType },
        // With autoscaling the chart leaves replicas to the HPA (minReplicas) and ignores replicaCount.
        ...(autoscale ? {} : { replicaCount: mesh.gatewayReplicas }),
        autoscaling: autoscale
            ? { enabled: true, minReplicas: mesh.gatewayReplicas, maxReplicas: mesh.gatewayMaxReplicas, targetCPUUtilizationPercentage: 80 }
            : { enabled: false },
        // A PDB with one gateway would forbid every node drain.
        podDisruptionBudget: mesh.gatewayReplicas >= 2 ? { minAvailable: 1 } : {},
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
        // Setting the pod securityContext replaces the chart's default, so keep its sysctl (ports 80/443
        // without NET_BIND_SERVICE) and add what Pod Security `restricted` requires.
        securityContext: {
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
            sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
        },
    };
}
