/**
 * NetworkPolicies of the data namespace, planned as plain specs: default deny, then exactly the flows
 * the Postgres cluster needs. Namespaces are selected by `kubernetes.io/metadata.name` (they carry no
 * `name` label by default).
 */
import type * as k8s from "@pulumi/kubernetes";
import { DEFAULT_DENY, NetworkPolicyPlan, apiServerEgress, dnsEgress, inNamespace, tcp } from "../network";

type NetworkPolicyEgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
import { EXPORTER_PORT } from "./exporter";
import { PATRONI_PORT, POSTGRES_PORT, memberPodLabels, poolerPodLabels } from "./names";

export interface DataNetworkArgs {
    /** Postgres cluster name (`<teamId>-<clusterName>`). */
    cluster: string;
    /** Namespace whose pods may connect to the database (the app). */
    appNamespace: string;
    /** Labels of the operator pod. */
    operatorLabels: Record<string, string>;
    /**
     * Egress rule to the object store WAL-G and logical backups write to (`objectStoreEgress` on-prem;
     * AWS S3 has no fixed addresses: port 443 only); undefined = backups off.
     */
    objectStore?: NetworkPolicyEgressRule;
    /** Kubernetes API server CIDRs (`kubechat:cluster.apiServerCidrs`, the VPC on EKS). */
    apiServerCidrs: string[];
    /** Namespace Prometheus runs in (scrapes the exporter sidecars). */
    monitoringNamespace: string;
}

/** Labels of the logical-backup CronJob pods created by the operator. */
export function logicalBackupPodLabels(cluster: string): Record<string, string> {
    return { application: "spilo-logical-backup", "cluster-name": cluster };
}

/** The policies; `name` is the suffix of the NetworkPolicy name. */
export function dataNetworkPolicies(a: DataNetworkArgs): NetworkPolicyPlan[] {
    const members = { podSelector: { matchLabels: memberPodLabels(a.cluster) } };
    const poolers = { podSelector: { matchLabels: poolerPodLabels(a.cluster) } };
    const operator = { podSelector: { matchLabels: a.operatorLabels } };
    const logicalBackup = { podSelector: { matchLabels: logicalBackupPodLabels(a.cluster) } };
    const appPods = { ...inNamespace(a.appNamespace), podSelector: {} };
    const objectStore = a.objectStore === undefined ? [] : [a.objectStore];
    // Patroni uses the Kubernetes API as its DCS; the operator and the backup job read it too.
    const API_SERVER = apiServerEgress(a.apiServerCidrs);
    return [
        DEFAULT_DENY,
        { name: "allow-dns", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [dnsEgress("kube-system")] } },
        {
            name: "members",
            spec: {
                ...members,
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    // Clients: the app directly and the poolers; the logical backup runs pg_dump.
                    { from: [appPods, poolers, logicalBackup], ports: tcp(POSTGRES_PORT) },
                    // Replication and the Patroni REST API between members; the operator manages both.
                    { from: [members, operator], ports: tcp(POSTGRES_PORT, PATRONI_PORT) },
                    // Prometheus scrapes the exporter sidecar and Patroni's /metrics.
                    { from: [inNamespace(a.monitoringNamespace)], ports: tcp(EXPORTER_PORT, PATRONI_PORT) },
                ],
                egress: [{ to: [members], ports: tcp(POSTGRES_PORT, PATRONI_PORT) }, API_SERVER, ...objectStore],
            },
        },
        {
            name: "poolers",
            spec: {
                ...poolers,
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [appPods], ports: tcp(POSTGRES_PORT) }],
                egress: [{ to: [members], ports: tcp(POSTGRES_PORT) }],
            },
        },
        {
            name: "operator",
            spec: {
                ...operator,
                policyTypes: ["Ingress", "Egress"],
                egress: [{ to: [members], ports: tcp(POSTGRES_PORT, PATRONI_PORT) }, { to: [poolers], ports: tcp(POSTGRES_PORT) }, API_SERVER],
            },
        },
        ...(a.objectStore === undefined ? [] : [{
            name: "logical-backup",
            spec: {
                ...logicalBackup,
                policyTypes: ["Ingress", "Egress"],
                egress: [{ to: [members], ports: tcp(POSTGRES_PORT) }, API_SERVER, ...objectStore],
            },
        }]),
    ];
}
