/**
 * Rules that span several keys. Each area's rules live beside its component (`<area>/validate.ts`);
 * this file hands each its settings and names the keys. The one rule of its own is the list of what
 * reads the Kubernetes API on-prem, which spans every area.
 */
import { kubechatProblems, serviceSettingProblems } from "../app/validate";
import { objectStoreProblems } from "../object-store";
import { eksProblems, onPremAddressProblems } from "../cluster/validate";
import { validatePostgres } from "../data/validate";
import { ingressServiceType } from "../decisions";
import { gitopsProblems } from "../gitops/validate";
import { meshProblems } from "../mesh/validate";
import { observabilityProblems } from "../observability/validate";
import { CONFIG_NAMESPACE, PlatformConfig } from "./schema";

/** What reads the Kubernetes API in an on-prem stack (for the message that asks for its addresses). */
export function onPremApiReaders(c: PlatformConfig): string[] {
    const o = c.observability;
    return [
        "the VPA controllers",
        ...(c.mesh.enabled ? ["istiod"] : []),
        ...(o.metrics ? ["Prometheus"] : []),
        ...(o.logs ? ["Fluent Bit"] : []),
        ...((o.logs || (o.traces && o.traceStorage === "elasticsearch")) && o.elasticsearchUrl === "" ? ["the ECK operator"] : []),
        ...(c.backup.enabled ? ["Velero"] : []),
        ...(c.postgres.enabled ? ["Postgres (Patroni)"] : []),
        ...(c.delivery.strategy !== "rolling" ? ["Argo Rollouts"] : []),
        ...(c.gitops.enabled && c.gitops.installArgoCd ? ["Argo CD"] : []),
        ...(c.trivy.enabled ? ["the Trivy Operator"] : []),
        ...Object.entries(c.services).filter(([, s]) => s.readsKubernetesApi).map(([n]) => `services.${n}`),
    ];
}

/** Every cross-key problem, as `kubechat:<key>: reason`. Pure. */
export function crossChecks(c: PlatformConfig): string[] {
    const onPrem = c.cluster.kind === "onprem";
    const own = [
        ...serviceSettingProblems(c.services, c.delivery),
        ...(onPrem
            ? [
                ...onPremAddressProblems(c.cluster, onPremApiReaders(c), c.observability.metrics),
                ...objectStoreProblems({
                    objectStore: c.objectStore,
                    keysSet: c.objectStoreAccessKeyId !== "" && c.objectStoreSecretAccessKey !== "",
                    postgres: { on: c.postgres.enabled && c.postgres.backups, bucket: c.postgres.backupBucket },
                    velero: { on: c.backup.enabled, bucket: c.backup.bucket },
                }),
            ]
            : eksProblems(c.eks, c.cluster.zones)),
        ...meshProblems(c.mesh, { onPrem, serviceType: ingressServiceType(c.cluster), loadBalancer: c.cluster.loadBalancer }),
        ...observabilityProblems(c.observability, c.cluster.kind),
        ...gitopsProblems(c.gitops, c.app.namespace),
        ...validatePostgres(c.postgres),
    ].map((problem) => `${CONFIG_NAMESPACE}:${problem}`);
    // The platform installs Argo Rollouts whenever the strategy is not rolling.
    return [...own, ...kubechatProblems(c.services, c.delivery, c.mesh.enabled, c.delivery.strategy !== "rolling")];
}
