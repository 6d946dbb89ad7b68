/**
 * Composition root: load and validate the stack config, map it to the components' args, build the platform, export its outputs.
 * Invalid config stops here, before any resource is registered.
 */
import { loadStackConfig } from "./components/config";
import { platformArgs } from "./components/platform-args";
import { KubeChatPlatform } from "./components/platform";
import { EksCluster } from "./components/cluster/eks";

const platform = new KubeChatPlatform("kubechat", platformArgs(loadStackConfig()));

export const clusterKind = platform.clusterKind;
export const namespaces = platform.namespaces;
/** EKS only (undefined on-prem): kubeconfig (secret), cluster name and the IRSA OIDC provider ARN. */
const eks = platform.cluster instanceof EksCluster ? platform.cluster : undefined;
export const kubeconfig = eks?.kubeconfig;
export const clusterName = eks?.clusterName;
export const oidcProviderArn = eks?.oidcProviderArn;
/** Ingress gateway Service (`<namespace>/<name>`) whose external address the API host must resolve to; absent without the mesh. */
export const ingressService = platform.mesh ? platform.mesh.gatewayNamespace.apply((ns) => `${ns}/${platform.mesh!.ingressServiceName}`) : undefined;
/** Postgres connection for clients (pooler host, port, database, credentials Secret in the app namespace) — never a password. */
export const database = platform.postgres && {
    host: platform.postgres.host, port: platform.postgres.port, database: platform.postgres.database,
    credentialsSecretName: platform.postgres.credentialsSecretName,
};
/** What a Postgres point-in-time restore (a `clone` into a new cluster) names: source cluster, its uid (WAL-G's path) and the WAL bucket. */
export const postgresClone = platform.postgres && {
    cluster: platform.postgres.clusterName, uid: platform.postgres.clusterUid, bucket: platform.postgres.backupBucket,
};
/** Buckets holding backups (WAL-G/logical and Velero); empty when a part is off. */
export const backupBuckets = { postgres: platform.postgres?.backupBucket ?? "", velero: platform.backup?.bucketName ?? "" };
/** Everything an air-gapped install must mirror: images (with registry) and charts (with version). */
export const airgap = platform.catalog.airgapList();
