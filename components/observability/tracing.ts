/**
 * Traces: Jaeger v2 (chart 4.x, release `jaeger`) in `tracing`, receiving OTLP from the mesh on
 * 4317/4318, UI on 16686. Storage is in-memory (one replica, dev) or Elasticsearch (HA stacks), where
 * the `kubechat-traces` ILM policy (applied by the logging component's es-setup) deletes daily indices
 * after the retention and `max_span_age` bounds queries to the same window.
 *
 * Elasticsearch credentials come from Secret `jaeger-elasticsearch` in this namespace (keys `username`,
 * `password`): for the in-cluster ECK created here, with the password of the `jaeger` file-realm user
 * the logging component declares through ECK (limited to `jaeger-*` indices); for an external
 * Elasticsearch created by the operator. The ECK CA comes from `jaeger-elasticsearch-ca`, copied here
 * by es-setup (public certificate only).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Catalog } from "../catalog";
import { ClusterLayer } from "../cluster/types";
import { recommendedLabels } from "../labels";
import { RELEASES, observabilityNamespace } from "./common";
import { ES_SETUP_SA } from "./elasticsearch-setup";
import { JAEGER_ES_CA_SECRET, JAEGER_ES_SECRET, JAEGER_PORTS, TraceStorage, jaegerCollectorService, jaegerValues, otlpGrpcEndpoint } from "./jaeger";
import { addonNamespace, chartAddon } from "../release";
import { JAEGER_USER, KEEP_PASSWORD, basicAuthSecret } from "./elasticsearch-auth";

export interface TracingArgs {
    catalog: Catalog;
    cluster: ClusterLayer;
    /** Namespace created here. Default `tracing`. */
    namespace?: string;
    /** Memory or Elasticsearch storage, retention. */
    storage: TraceStorage;
    /**
     * Elasticsearch storage: what must be done before Jaeger starts (the Ready Elasticsearch and the setup
     * Job that writes the credentials Secret), so the release does not wait for them inside its timeout.
     */
    storageReady?: pulumi.Input<pulumi.Resource>[];
    /**
     * In-cluster ES only: the `jaeger` user's password (secret Output, the one ECK's file realm holds) and
     * the namespace of the es-setup ServiceAccount allowed to write the CA Secret here.
     */
    inClusterEs?: { password: pulumi.Input<string>; esSetupNamespace: string };
}

export class Tracing extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** OTLP gRPC endpoint `host:port` (the Istio OpenTelemetry provider). */
    public readonly otlpGrpcEndpoint: string;
    /** Jaeger UI in-cluster URL. */
    public readonly queryUrl: string;

    constructor(name: string, args: TracingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubechat:observability:Tracing", name, {}, opts);
        const nsName = args.namespace ?? "tracing";
        const child = { parent: this, provider: args.cluster.provider };
        const otlp = otlpGrpcEndpoint(nsName);
        this.otlpGrpcEndpoint = `${otlp.service}:${otlp.port}`;
        this.queryUrl = `http://${RELEASES.jaeger}.${nsName}.svc:${JAEGER_PORTS.ui}`;

        // Jaeger runs as a non-root user with no host access: `restricted`.
        const ns = addonNamespace(`${name}-ns`, observabilityNamespace(nsName, "restricted"), child);
        this.namespace = ns.name;

        const credentials: pulumi.Resource[] = [];
        if (args.inClusterEs) {
            credentials.push(new k8s.core.v1.Secret(`${name}-es-credentials`,
                basicAuthSecret(JAEGER_USER, JAEGER_ES_SECRET, ns.name, args.inClusterEs.password, false, "tracing") as k8s.core.v1.SecretArgs,
                { ...child, ...KEEP_PASSWORD }));
            // es-setup (in the logging namespace) may create the CA Secret and update only that one.
            const labels = recommendedLabels("es-setup", "tracing");
            const role = new k8s.rbac.v1.Role(`${name}-es-setup-role`, {
                metadata: { name: "es-setup-jaeger-credentials", namespace: ns.name, labels },
                rules: [
                    { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
                    { apiGroups: [""], resources: ["secrets"], resourceNames: [JAEGER_ES_CA_SECRET], verbs: ["get", "update"] },
                ],
            }, child);
            new k8s.rbac.v1.RoleBinding(`${name}-es-setup-binding`, {
                metadata: { name: "es-setup-jaeger-credentials", namespace: ns.name, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: ES_SETUP_SA, namespace: args.inClusterEs.esSetupNamespace }],
            }, child);
        }

        chartAddon(`${name}-jaeger`, {
            release: RELEASES.jaeger,
            namespace: ns,
            chart: "jaeger", catalog: args.catalog,
            values: jaegerValues(args.catalog, args.storage),
        }, { ...child, ...(args.storageReady && args.storageReady.length > 0 ? { dependsOn: [...args.storageReady, ...credentials] } : {}) });

        new k8s.core.v1.Service(`${name}-collector`, jaegerCollectorService(nsName) as k8s.core.v1.ServiceArgs,
            { ...child, dependsOn: [ns.resource] });

        this.registerOutputs({ namespace: this.namespace, otlpGrpcEndpoint: this.otlpGrpcEndpoint, queryUrl: this.queryUrl });
    }
}
