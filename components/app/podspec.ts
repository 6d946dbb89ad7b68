/**
 * THE pod-spec adapter: every KubeChat workload's pod spec is built here, through kubernetesx's
 * `PodBuilder`, so hardening (non-root, read-only root filesystem, dropped capabilities, seccomp,
 * probes, draining, spreading) is written once and applied to every service alike.
 *
 * kubernetesx is archived: it derives the container name from the image (wrong for images with
 * paths such as `registry/kubechat/api-gateway`), so the name is always passed explicitly, and its
 * output is post-processed (see `tidy`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as kx from "@pulumi/kubernetesx";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** Non-root UID/GID every KubeChat container runs as. */
export const RUN_AS = 1000;

/** What one service's pod needs; everything comes from its ServiceConfig plus the platform wiring. */
export interface PodSpecInput {
    /** Container name (the service name): explicit, never derived from the image. */
    name: string;
    /** Full image reference `registry/repository:tag` (from the catalog). */
    image: string;
    /** Container port, named `http`. */
    port: number;
    serviceAccountName: string;
    /** Mount the ServiceAccount token only for services that call the Kubernetes API. */
    automountServiceAccountToken: boolean;
    resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
    readinessPath: string;
    livenessPath: string;
    terminationGraceSeconds: number;
    /** preStop pause (0 = none). */
    preStopSleepSeconds: number;
    /** Labels that select this service's pods (used by spreading and anti-affinity). */
    selectorLabels: Record<string, string>;
    /** Environment (plain values and secretKeyRefs only). */
    env: EnvVar[];
}

/** Container and pod security context shared by every KubeChat pod (Pod Security `restricted`). */
export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        runAsGroup: RUN_AS,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * The PodBuilder arguments (plain data, no resources): pure so tests can assert every field.
 *
 * - preStop uses the native `sleep` action (Kubernetes >= 1.30, GA in 1.32) rather than
 *   `exec: sleep`: KubeChat images may be distroless (no shell, no sleep binary).
 * - Zone spreading uses `topologySpreadConstraints` with `ScheduleAnyway`: a single-zone cluster
 *   (dev) or a zone outage must not leave replicas Pending, while the scheduler still balances
 *   zones when it can. Required zone anti-affinity is never used (it caps replicas at the zone count).
 */
export function podBuilderArgs(i: PodSpecInput): kx.types.PodSpec {
    const probe = (path: string, initialDelaySeconds: number, periodSeconds: number) => ({
        httpGet: { path, port: i.port },
        initialDelaySeconds,
        periodSeconds,
    });
    const container: kx.types.Container = {
        name: i.name,
        image: i.image,
        ports: [{ name: "http", containerPort: i.port, protocol: "TCP" }],
        env: i.env,
        resources: {
            requests: { cpu: i.resources.cpuRequest, memory: i.resources.memoryRequest },
            limits: { cpu: i.resources.cpuLimit, memory: i.resources.memoryLimit },
        },
        readinessProbe: probe(i.readinessPath, 5, 10),
        livenessProbe: probe(i.livenessPath, 30, 30),
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        ...(i.preStopSleepSeconds > 0 ? { lifecycle: { preStop: { sleep: { seconds: i.preStopSleepSeconds } } } } : {}),
    };
    return {
        containers: [container],
        serviceAccountName: i.serviceAccountName,
        automountServiceAccountToken: i.automountServiceAccountToken,
        terminationGracePeriodSeconds: i.terminationGraceSeconds,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            seccompProfile: { type: "RuntimeDefault" },
        },
        volumes: [{ name: "tmp", emptyDir: {} }],
        topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: i.selectorLabels },
        }],
        affinity: {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                    weight: 100,
                    podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: i.selectorLabels } },
                }],
            },
        },
    };
}

/**
 * kubernetesx always emits `initContainers: []` and empty `env`/`ports`/`volumeMounts` lists, and
 * turns mount objects into `subPath: undefined`. Drop what is empty so the object is exactly what
 * we declare (and what the API server stores), with no noise in diffs or policy input.
 */
export function tidy(spec: any): PodSpec {
    const clean = (o: Record<string, any>) => Object.fromEntries(Object.entries(o)
        .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
    const containers = (list: any[] | undefined) => (list ?? []).map((c) => clean({
        ...c,
        volumeMounts: (c.volumeMounts ?? []).map((m: any) => clean(m)),
    }));
    return clean({ ...spec, containers: containers(spec.containers), initContainers: containers(spec.initContainers) }) as PodSpec;
}

/** The pod spec of one service, built by kubernetesx's PodBuilder and tidied. */
export function podSpec(i: PodSpecInput): pulumi.Output<PodSpec> {
    return new kx.PodBuilder(podBuilderArgs(i)).podSpec.apply(tidy);
}
