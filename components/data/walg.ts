/** WAL-G: where the backups go and the environment of every Spilo pod. Pure. */
import * as pulumi from "@pulumi/pulumi";
import { baseBackupsToRetain } from "./retention";
import { PostgresSettings } from "./settings";

/** Where WAL-G and the logical backups go. */
export interface BackupTarget {
    /** Bucket name. */
    bucket: string;
    /** Region the bucket (or the S3-compatible store) expects. */
    region: string;
    /** S3-compatible endpoint URL (on-prem); undefined on AWS S3. */
    endpoint?: string;
    /** Path-style addressing (S3-compatible stores). */
    forcePathStyle?: boolean;
    /** Secret in the data namespace with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (on-prem). */
    credentialsSecret?: string;
    /** IRSA role ARN for the Postgres pod service account (EKS). */
    roleArn?: pulumi.Input<string>;
    /** KMS key WAL-G encrypts WAL and base backups with (SSE-KMS, EKS). */
    kmsKeyArn?: pulumi.Input<string>;
}

/**
 * WAL-G environment of every Spilo pod (the operator's `pod_environment_configmap`). Plain settings
 * only: credentials come from `pod_environment_secret` (on-prem) or IRSA (EKS).
 */
export function walgEnv(pg: PostgresSettings, target: BackupTarget): Record<string, pulumi.Input<string>> {
    const env: Record<string, pulumi.Input<string>> = {
        USE_WALG_BACKUP: "true",
        USE_WALG_RESTORE: "true",
        CLONE_USE_WALG_RESTORE: "true",
        WAL_S3_BUCKET: target.bucket,
        // The bucket is ours alone: no per-scope prefix, so clones and restores find the WAL by cluster name.
        WAL_BUCKET_SCOPE_PREFIX: "",
        AWS_REGION: target.region,
        CLONE_AWS_REGION: target.region,
        BACKUP_SCHEDULE: pg.baseBackupSchedule,
        BACKUP_NUM_TO_RETAIN: String(baseBackupsToRetain(pg.pitrDays)),
    };
    if (target.kmsKeyArn !== undefined) {
        // Spilo defaults WALG_S3_SSE to AES256 (S3-managed keys), which overrides the bucket default:
        // name the stack's key so WAL and base backups are SSE-KMS encrypted with it.
        Object.assign(env, { WALG_S3_SSE: "aws:kms", WALG_S3_SSE_KMS_ID: target.kmsKeyArn });
    }
    if (target.endpoint) {
        const pathStyle = String(target.forcePathStyle ?? true);
        Object.assign(env, {
            AWS_ENDPOINT: target.endpoint,
            AWS_S3_FORCE_PATH_STYLE: pathStyle,
            CLONE_AWS_ENDPOINT: target.endpoint,
            CLONE_AWS_S3_FORCE_PATH_STYLE: pathStyle,
        });
    }
    return env;
}

