/** Values of the `postgres-operator` chart. Pure. */
import { ResolvedImage } from "../catalog";
import { POD_SERVICE_ACCOUNT, SPILO_GID, SPILO_UID, WALG_CONFIGMAP } from "./names";
import { POOLER_RESOURCES, poolerSizing } from "./pooler";
import { logicalBackupRetention } from "./retention";
import { PostgresSettings } from "./settings";
import { BackupTarget } from "./walg";

export const OPERATOR_RESOURCES = { requests: { cpu: "100m", memory: "250Mi" }, limits: { cpu: "500m", memory: "500Mi" } };

/**
 * The service account the operator creates for the Postgres pods. No IRSA annotation here: operator
 * 2.0 writes `eks.amazonaws.com/role-arn` on it from its own `irsa_role_arn` setting when it creates it,
 * and on every cluster Sync (so a changed setting arrives with the operator restart the chart's
 * checksum/config brings), removing it when the setting is empty: the role is configured there
 * (`configAwsOrGcp`; shown by `npm run test:operators`, docs/real-tiers.md).
 */
export function podServiceAccountDefinition(): string {
    return JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: POD_SERVICE_ACCOUNT } });
}

export interface OperatorValuesArgs {
    pg: PostgresSettings;
    /** Data namespace (operator, cluster and WAL-G ConfigMap). */
    namespace: string;
    persistent: boolean;
    images: { operator: ResolvedImage; spilo: ResolvedImage; pooler: ResolvedImage; logicalBackup: ResolvedImage };
    /** Backup target; undefined when backups are off. */
    backup?: BackupTarget;
}

/** Values of the `postgres-operator` chart. */
export function operatorValues(a: OperatorValuesArgs): Record<string, unknown> {
    const { pg, backup } = a;
    const roleArn = backup?.roleArn;
    return {
        // Typed OperatorConfiguration CR instead of the legacy string-only ConfigMap.
        configTarget: "OperatorConfigurationCRD",
        image: { registry: a.images.operator.registry, repository: a.images.operator.repository, tag: a.images.operator.tag },
        podServiceAccount: { name: POD_SERVICE_ACCOUNT },
        resources: OPERATOR_RESOURCES,
        securityContext: {
            runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
        },
        configGeneral: { docker_image: a.images.spilo.ref },
        configKubernetes: {
            // The operator only manages clusters in the data namespace.
            watched_namespace: a.namespace,
            enable_pod_antiaffinity: true,
            // Preferred on hostname: required anti-affinity would cap members at the node/zone count
            // (one-zone dev); zones are spread by the CR's topologySpreadConstraints instead.
            pod_antiaffinity_preferred_during_scheduling: true,
            pod_antiaffinity_topology_key: "kubernetes.io/hostname",
            enable_pod_disruption_budget: true,
            enable_cross_namespace_secret: true,
            ...(backup ? { pod_environment_configmap: `${a.namespace}/${WALG_CONFIGMAP}` } : {}),
            ...(backup?.credentialsSecret ? { pod_environment_secret: backup.credentialsSecret } : {}),
            // The chart writes pod_service_account_name itself from podServiceAccount.name.
            pod_service_account_definition: podServiceAccountDefinition(),
            // Spilo as non-root; volumes writable through the fsGroup.
            spilo_runasuser: SPILO_UID,
            spilo_runasgroup: SPILO_GID,
            spilo_fsgroup: SPILO_GID,
            spilo_privileged: false,
            spilo_allow_privilege_escalation: false,
            // Persistent stacks keep the volumes when a cluster object is deleted.
            enable_persistent_volume_claim_deletion: !a.persistent,
        },
        ...(backup ? {
            configAwsOrGcp: { aws_region: backup.region, wal_s3_bucket: backup.bucket, ...(roleArn !== undefined ? { irsa_role_arn: roleArn } : {}) },
        } : {}),
        configLogicalBackup: {
            logical_backup_docker_image: a.images.logicalBackup.ref,
            logical_backup_schedule: pg.logicalBackupSchedule,
            ...(backup ? {
                logical_backup_s3_bucket: backup.bucket,
                logical_backup_s3_region: backup.region,
                logical_backup_s3_endpoint: backup.endpoint ?? "",
                // Empty: the bucket's default encryption (SSE-KMS with our key on EKS) applies.
                logical_backup_s3_sse: "",
                // The bucket lifecycle expires nothing current (see WAL_NONCURRENT_DAYS): the job prunes.
                logical_backup_s3_retention_time: logicalBackupRetention(pg.pitrDays),
                ...(backup.credentialsSecret ? { logical_backup_cronjob_environment_secret: backup.credentialsSecret } : {}),
            } : {}),
        },
        configConnectionPooler: {
            connection_pooler_image: a.images.pooler.ref,
            connection_pooler_mode: pg.poolerMode,
            connection_pooler_max_db_connections: poolerSizing(pg).operatorMaxDbConnections,
            connection_pooler_number_of_instances: pg.poolerInstances,
            connection_pooler_default_cpu_request: POOLER_RESOURCES.requests.cpu,
            connection_pooler_default_memory_request: POOLER_RESOURCES.requests.memory,
            connection_pooler_default_cpu_limit: POOLER_RESOURCES.limits.cpu,
            connection_pooler_default_memory_limit: POOLER_RESOURCES.limits.memory,
        },
    };
}

