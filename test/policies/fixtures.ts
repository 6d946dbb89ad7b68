/** A fully compliant set of resources; tests mutate one field and expect one policy to object. */
import { PolicyResource, Violation, runPolicies, RunnerOptions } from "../../policies/runner";

export const NS = "kubechat";
export const REGISTRY = "registry.example.com/kubechat";
const labels = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "kubechat" });

export function k8s(apiVersion: string, kind: string, name: string, body: any, namespace: string | undefined = NS): PolicyResource {
    const group = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    return {
        urn: `urn:pulumi:test::kubechat::kubernetes:${group}:${kind}::${name}`,
        type: `kubernetes:${group}:${kind}`,
        name,
        props: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), labels: labels(name) }, ...body },
        protect: true,
    };
}

/** A Helm release as a Pulumi plan records it (chart name and values; namespace `monitoring`). */
export function k8sRelease(chart: string, values: any): PolicyResource {
    return { urn: `urn:pulumi:test::kubechat::kubernetes:helm.sh/v3:Release::${chart}`, type: "kubernetes:helm.sh/v3:Release", name: chart, props: { chart, name: chart, namespace: "monitoring", values } };
}

export function aws(type: string, name: string, props: any): PolicyResource {
    return { urn: `urn:pulumi:test::kubechat::${type}::${name}`, type, name, props, protect: true };
}

/** A container that satisfies PSS restricted and the kubechat rules. */
export function compliantContainer(name = "api-gateway"): any {
    return {
        name,
        image: `${REGISTRY}/${name}:1.2.3`,
        ports: [{ containerPort: 8080, name: "http" }],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
        livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
}

export function compliantPodSpec(): any {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        // Its token is of use: the fixture's RoleBinding names this account (sa-token-unbound).
        serviceAccountName: "api-gateway",
        containers: [compliantContainer()],
        volumes: [{ name: "tmp", emptyDir: {} }],
        affinity: {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                    weight: 100,
                    podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: labels("api-gateway") } },
                }],
            },
        },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels("api-gateway") } }],
    };
}

export function compliantDeployment(name = "api-gateway"): PolicyResource {
    return k8s("apps/v1", "Deployment", name, {
        spec: {
            selector: { matchLabels: labels(name) },
            template: { metadata: { labels: labels(name) }, spec: compliantPodSpec() },
        },
    });
}

export function fixture() {
    return {
        ns: k8s("v1", "Namespace", NS, {}, undefined),
        denyAll: k8s("networking.k8s.io/v1", "NetworkPolicy", "default-deny", { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }),
        deploy: compliantDeployment(),
        svc: k8s("v1", "Service", "api-gateway", { spec: { type: "ClusterIP", selector: labels("api-gateway"), ports: [{ port: 80, targetPort: 8080 }] } }),
        hpa: k8s("autoscaling/v2", "HorizontalPodAutoscaler", "api-gateway", {
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api-gateway" }, minReplicas: 3, maxReplicas: 20,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
            },
        }),
        vpa: k8s("autoscaling.k8s.io/v1", "VerticalPodAutoscaler", "api-gateway", {
            spec: {
                targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api-gateway" },
                updatePolicy: { updateMode: "Recreate" },
                resourcePolicy: { containerPolicies: [{ containerName: "*", controlledResources: ["memory"] }] },
            },
        }),
        pdb: k8s("policy/v1", "PodDisruptionBudget", "api-gateway", { spec: { minAvailable: 2, selector: { matchLabels: labels("api-gateway") } } }),
        cm: k8s("v1", "ConfigMap", "api-gateway", { data: { LOG_LEVEL: "info", TOKEN_FILE: "/var/run/secrets/token" } }),
        role: k8s("rbac.authorization.k8s.io/v1", "Role", "api-gateway", {
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
        }),
        binding: k8s("rbac.authorization.k8s.io/v1", "RoleBinding", "api-gateway", {
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "api-gateway" },
            subjects: [{ kind: "ServiceAccount", name: "api-gateway", namespace: NS }],
        }),
        pg: k8s("acid.zalan.do/v1", "postgresql", "kubechat-db", { spec: { numberOfInstances: 3 } }),
        eks: aws("aws:eks/cluster:Cluster", "prod", {
            roleArn: "(known after apply)",
            vpcConfig: { subnetIds: ["(known after apply)"], endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
            encryptionConfig: { provider: { keyArn: "(known after apply)" }, resources: ["secrets"] },
            enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        }),
        kms: aws("aws:kms/key:Key", "eks-secrets", { enableKeyRotation: true }),
        lt: aws("aws:ec2/launchTemplate:LaunchTemplate", "nodes", {
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 50, volumeType: "gp3" } }],
            metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
        }),
        bucket: aws("aws:s3/bucket:Bucket", "backups", { bucket: "kubechat-backups" }),
        sse: aws("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backups-sse", {
            bucket: "kubechat-backups", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
        }),
        versioning: aws("aws:s3/bucketVersioning:BucketVersioning", "backups-versioning", {
            bucket: "kubechat-backups", versioningConfiguration: { status: "Enabled" },
        }),
        pab: aws("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backups-pab", {
            bucket: "kubechat-backups", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
        }),
    };
}
export type Fixture = ReturnType<typeof fixture> & Record<string, PolicyResource>;

export const OPTS: RunnerOptions = { approvedRegistries: [REGISTRY], persistent: true, zones: 3 };

export function run(f: Record<string, PolicyResource>, opts: RunnerOptions = OPTS): Violation[] {
    return runPolicies(Object.values(f), opts);
}

export const describeViolations = (vs: Violation[]) => vs.map((v) => `${v.policy}: ${v.message}`).join("\n");

/** Secret-shaped values for the content detectors. Built from parts so the repository holds no secret-shaped literal; none is a real credential. */
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
export const SECRET_SAMPLES = {
    PEM: (label: string) => `-----BEGIN ${label}-----\nMIIEowIBAAKCAQEA${"Qk".repeat(30)}\n-----END ${label}-----\n`,
    AWS_ID: "AKIA" + "IOSFODNN7EXAMPLE",
    AWS_STS_ID: "ASIA" + "Y34FZKBOKMUTVV7A",
    AWS_SECRET: "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
    AZURE_KEY: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw" + "==",
    JWT_TOKEN: `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url({ sub: "system:serviceaccount:x:y", exp: 1 })}.c2lnbmF0dXJlLWJ5dGVz`,
};
