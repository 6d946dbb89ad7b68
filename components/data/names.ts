/**
 * Names, ports and labels of what the Zalando operator creates for a cluster, and the fixed names the
 * platform gives the operator (service account, WAL-G ConfigMap, volume). Pure.
 */
import { PostgresSettings } from "./settings";

/** Spilo runs Postgres as this uid/gid; the fsGroup gives it write access to the volume and TLS files. */
export const SPILO_UID = 101;
export const SPILO_GID = 103;
/** Service account of the Postgres pods (and the logical-backup CronJob); IRSA binds to it on EKS. */
export const POD_SERVICE_ACCOUNT = "postgres-pod";
/** Name of the WAL-G pod environment ConfigMap in the data namespace. */
export const WALG_CONFIGMAP = "postgres-pod-env";
export const POSTGRES_PORT = 5432;
export const PATRONI_PORT = 8008;
/** Kinds whose objects only the operator and WAL-G may recreate (Velero never backs them up). */
export const WALG_OWNED_KINDS = ["postgresqls.acid.zalan.do", "operatorconfigurations.acid.zalan.do", "postgresteams.acid.zalan.do"] as const;
/**
 * `application` label values the operator (and Patroni, for its DCS ConfigMaps) puts on everything it
 * creates for a cluster: members, their StatefulSet, volumes, Services, PDBs and Secrets (`spilo`), the
 * logical-backup CronJob's pods and the poolers.
 */
export const WALG_OWNED_POD_APPS = ["spilo", "spilo-logical-backup", "db-connection-pooler"] as const;
/** The Spilo data volume (the StatefulSet's volumeClaimTemplate). */
export const PGDATA_VOLUME = "pgdata";

/** Cluster name as the operator requires it: `<teamId>-<clusterName>`. */
export function postgresClusterName(pg: Pick<PostgresSettings, "teamId" | "clusterName">): string {
    return `${pg.teamId}-${pg.clusterName}`;
}

/** The login role for the app: a `<namespace>.<user>` role makes the operator write its Secret into the app namespace. */
export function appRoleName(appNamespace: string, user: string): string {
    return `${appNamespace}.${user}`;
}

/** Name of the operator-generated credentials Secret (keys `username`, `password`) in the app namespace. */
export function credentialsSecretName(appNamespace: string, user: string, cluster: string): string {
    return `${appRoleName(appNamespace, user)}.${cluster}.credentials.postgresql.acid.zalan.do`;
}

/** The operator-generated superuser Secret of a cluster (in the data namespace). */
export function superuserSecretName(cluster: string): string {
    return `postgres.${cluster}.credentials.postgresql.acid.zalan.do`;
}

/** Labels the operator puts on the Postgres member pods. */
export function memberPodLabels(cluster: string): Record<string, string> {
    return { application: "spilo", "cluster-name": cluster };
}

/** Labels the operator puts on the PgBouncer pods. */
export function poolerPodLabels(cluster: string): Record<string, string> {
    return { application: "db-connection-pooler", "connection-pooler": `${cluster}-pooler` };
}

