/**
 * What the observability add-ons share (pure): release names, the namespace shape, image and
 * resource helpers, hardened security contexts.
 */
import { Catalog, ImageKey } from "../catalog";
import { PodSecurityLevel } from "../labels";
import { AddonNamespaceArgs } from "../release";

export type Resources = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };

/** Helm release names: Service names other engineers rely on are derived from them. */
export const RELEASES = {
    kubePrometheusStack: "kube-prometheus-stack",
    prometheusAdapter: "prometheus-adapter",
    fluentBit: "fluent-bit",
    fluentd: "fluentd",
    eckOperator: "eck-operator",
    jaeger: "jaeger",
} as const;

/** Pod Security level of a namespace's `enforce|audit|warn` labels. */
export type PssLevel = PodSecurityLevel;

/** An observability namespace: Pod Security `enforce` = `level`; `audit`/`warn` at `restricted` so gaps stay visible. */
export function observabilityNamespace(name: string, level: PssLevel): AddonNamespaceArgs {
    // Platform namespace: its components need cluster-wide reach (scraping every namespace, node
    // agents, operators talking to the API server), so the application default-deny rule does not
    // apply; the app namespaces admit monitoring/tracing traffic through their own policies.
    return { name, owner: name, podSecurity: level, reportPodSecurity: "restricted", system: true };
}

/** `{registry, repository, tag}` as most charts take an image. */
export function chartImage(catalog: Catalog, key: ImageKey): { registry: string; repository: string; tag: string } {
    const i = catalog.image(key);
    return { registry: i.registry, repository: i.repository, tag: i.tag };
}

/**
 * `chartImage` without the tag, for images whose chart renders the catalog's tag by itself (its own
 * default; test/stacks/rendered.test.ts holds every chart image to it): setting the tag would change
 * nothing (`npm run charts:unused`), while registry and repository carry the mirror override.
 */
export function chartImageDefaultTag(catalog: Catalog, key: ImageKey): { registry: string; repository: string } {
    const { registry, repository } = chartImage(catalog, key);
    return { registry, repository };
}

/** `fullImage` without the tag, for images whose chart renders the catalog's tag by itself (see `chartImageDefaultTag`). */
export function fullImageDefaultTag(catalog: Catalog, key: ImageKey): { repository: string } {
    return { repository: catalog.image(key).name };
}

/** `{repository: registry/path, tag}` for charts whose repository carries the registry. */
export function fullImage(catalog: Catalog, key: ImageKey): { repository: string; tag: string } {
    const i = catalog.image(key);
    return { repository: i.name, tag: i.tag };
}

export function resources(cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): Resources {
    return { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/** A ReadWriteOnce claim spec; `storageClass` "" = the cluster default. */
export function rwoClaim(storage: string, storageClass: string): Record<string, unknown> {
    return { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } }, ...(storageClass ? { storageClassName: storageClass } : {}) };
}

/** Container securityContext for Pod Security `restricted` (the pod sets the user). */
export function restrictedContainer(readOnlyRootFilesystem = true): Record<string, unknown> {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Pod securityContext for a non-root user. */
export function nonRootPod(uid: number): Record<string, unknown> {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}
