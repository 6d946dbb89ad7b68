/**
 * What the apply test needs to know of each stack: the nodes it intends, the StorageClasses it names,
 * the kubeconfig contexts, and, for prod, the config that points its Kubernetes layers at an existing
 * cluster (pure, apart from reading the stack files).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_NAMESPACE, decodeStackValues, parseConfig } from "../../components/config";
import { NodeIntent, SimNode, simulatedNodes } from "./nodes";

export const ROOT = path.resolve(__dirname, "..", "..");

export function stackFileText(stack: string, root = ROOT): string {
    return fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8");
}

/** The `kubechat:` values of a stack file, without the namespace prefix, decoded as the program decodes them. */
export function rawConfig(text: string): Record<string, unknown> {
    const cfg = (YAML.parse(text)?.config ?? {}) as Record<string, unknown>;
    // As Pulumi hands them to the program: strings as they are, everything else as JSON.
    const values = Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return decodeStackValues(values).raw;
}

export function nodeIntent(stack: string, text: string): NodeIntent {
    const c = parseConfig(rawConfig(text), CONFIG_NAMESPACE, stack);
    return {
        clusterKind: c.cluster.kind,
        zones: c.cluster.zones,
        laptop: c.cluster.kind === "onprem" && c.cluster.zones === 1,
        eks: c.cluster.kind === "eks" ? { availabilityZones: c.eks.availabilityZones, nodeGroups: c.eks.nodeGroups } : undefined,
    };
}

/**
 * prod's Kubernetes layers on an existing cluster: the stack file with `cluster.kind: onprem` and the
 * EKS-only settings taken out (no VPC, EKS, node groups, IRSA, buckets or KMS key: the AWS layer is
 * what this leaves untested). The object store of the backups is an S3-compatible endpoint with
 * credentials in a Secret, as on-prem stacks have it; StorageClass `gp3`, the class prod's volumes
 * use on EKS. Everything else (replicas, HA, Postgres, mesh, delivery, observability, alert routing,
 * backups, policies) is prod's own.
 */
export function prodOnExistingCluster(text: string, context: string): string {
    const doc = YAML.parse(text) as { config: Record<string, unknown> };
    const cfg = doc.config;
    const eks = cfg[`${CONFIG_NAMESPACE}:eks`] as { availabilityZones?: string[]; region?: string; clusterName?: string } | undefined;
    const zones = eks?.availabilityZones?.length ?? 3;
    delete cfg[`${CONFIG_NAMESPACE}:eks`];
    delete cfg["aws:region"];
    const cluster = cfg[`${CONFIG_NAMESPACE}:cluster`] as Record<string, unknown>;
    cfg[`${CONFIG_NAMESPACE}:cluster`] = {
        ...cluster,
        kind: "onprem",
        context,
        storageClass: "gp3",
        loadBalancer: true,
        zones,
        apiServerCidrs: ["127.0.0.1/32"],
        nodeCidrs: ["192.0.2.0/24"],
    };
    cfg[`${CONFIG_NAMESPACE}:objectStore`] = {
        endpoint: "https://minio.storage.svc.cluster.local:9000",
        region: eks?.region ?? "us-east-1",
        forcePathStyle: true,
        credentialsSecret: "kubechat-object-store",
    };
    const pg = cfg[`${CONFIG_NAMESPACE}:postgres`] as Record<string, unknown>;
    cfg[`${CONFIG_NAMESPACE}:postgres`] = { ...pg, backupBucket: "kubechat-prod-pg-wal" };
    const backup = cfg[`${CONFIG_NAMESPACE}:backup`] as Record<string, unknown>;
    cfg[`${CONFIG_NAMESPACE}:backup`] = { ...backup, bucket: "kubechat-prod-velero", snapshotVolumes: false };
    return `# prod's Kubernetes layers on an existing cluster (test/apply/stacks.ts)\n${YAML.stringify(doc)}`;
}

/** The StorageClasses a stack's volumes name (`cluster.storageClass`, or gp3 for EKS). */
export function storageClasses(stack: string, text: string): string[] {
    const c = parseConfig(rawConfig(text), CONFIG_NAMESPACE, stack);
    return [c.cluster.storageClass || (c.cluster.kind === "eks" ? "gp3" : "standard")];
}

export interface ApplyStack {
    stack: string;
    /** The stack file the test applies (prod: its on-existing-cluster variant). */
    configText: string;
    nodes: SimNode[];
    storageClasses: string[];
    context: string;
    persistent: boolean;
    /** The stack file's own `cluster.kind` (prod: eks, though applied here as an existing cluster). */
    clusterKind: NodeIntent["clusterKind"];
}

export function applyStack(stack: string, root = ROOT): ApplyStack {
    const text = stackFileText(stack, root);
    const intent = nodeIntent(stack, text);
    const context = `kubechat-sim-${stack}`;
    const configText = intent.clusterKind === "eks" ? prodOnExistingCluster(text, context) : text;
    const c = parseConfig(rawConfig(configText), CONFIG_NAMESPACE, stack);
    return {
        stack,
        configText,
        nodes: simulatedNodes(intent),
        storageClasses: storageClasses(stack, configText),
        context: c.cluster.context || context,
        persistent: c.persistent,
        clusterKind: intent.clusterKind,
    };
}
