/**
 * Elasticsearch (pure): where logs and traces go (ECK in-cluster or an external endpoint), the ECK
 * operator values and the `Elasticsearch` and `Kibana` resources. Users and roles:
 * elasticsearch-auth.ts; ILM, templates and the setup Job: elasticsearch-setup.ts.
 */
import type * as k8s from "@pulumi/kubernetes";
import { EsSnapshotTarget, esSnapshotPodSettings } from "./es-snapshots";
import { Catalog } from "../catalog";
import { recommendedLabels } from "../labels";
import { EsUser, LOG_WRITER, esAuth } from "./elasticsearch-auth";
import { Resources, fullImageDefaultTag, nonRootPod, resources, restrictedContainer, rwoClaim } from "./common";

/** Name of the ECK `Elasticsearch` and `Kibana`; ECK derives Services and Secrets from it. */
export const ES_NAME = "kubechat";
/** Secret the operator creates in `logging` for an external Elasticsearch (keys `username`, `password`). */
export const EXTERNAL_ES_SECRET = "elasticsearch-credentials";
/** Log classes: index prefix and retention. Prefixes avoid `logs-*-*`, which ES 8 maps to data streams. */
export type LogClass = "app" | "system" | "audit";
export const LOG_INDEX_PREFIX: Record<LogClass, string> = { app: "kubechat-app", system: "kubechat-system", audit: "kubechat-audit" };
/** Where logs and traces go, and where the credentials live (never the credentials themselves). */
export interface EsTarget {
    /** `https://host:port`. */
    url: string;
    /** ECK in-cluster (CA from the ECK Secret) or external (system trust store). */
    inCluster: boolean;
    /** Secret in `logging` with the log writer's credentials (keys `usernameKey`, `passwordKey`). */
    secret: string;
    usernameKey: string;
    passwordKey: string;
    /**
     * ECK only: the built-in `elastic` user's Secret (key `elastic`), used by the es-setup Job alone for
     * what no writer may do (ILM policies, index templates, snapshot repository and SLM policy).
     */
    adminSecret?: string;
    /** Secret in `logging` with the HTTP CA as `ca.crt` (ECK only). */
    caSecret?: string;
}

export function esTarget(externalUrl: string, loggingNamespace: string): EsTarget {
    if (externalUrl !== "") {
        return { url: externalUrl.replace(/\/+$/, ""), inCluster: false, secret: EXTERNAL_ES_SECRET, usernameKey: "username", passwordKey: "password" };
    }
    return {
        url: `https://${ES_NAME}-es-http.${loggingNamespace}.svc:9200`,
        inCluster: true,
        // The log writer's file-realm user (elasticsearch-auth.ts), never the `elastic` superuser.
        secret: LOG_WRITER.secret,
        usernameKey: "username",
        passwordKey: "password",
        adminSecret: `${ES_NAME}-es-elastic-user`,
        caSecret: `${ES_NAME}-es-http-certs-public`,
    };
}

/** Where the es-setup Job reads its Elasticsearch credentials from (files `password` and, external, `username`). */
export const ES_CREDENTIALS_DIR = "/es-credentials";

/**
 * The es-setup Job's credentials as a Secret volume (never env, never a command line): ECK's `elastic`
 * user in-cluster (its Secret holds the password only, under key `elastic`), the operator's
 * credentials otherwise (`username` and `password` files).
 */
export function esAdminCredentials(es: EsTarget): { volume: k8s.types.input.core.v1.Volume; username?: string } {
    const volume = (secretName: string, items: { key: string; path: string }[]) => ({ name: "es-credentials", secret: { secretName, defaultMode: 0o440, items } });
    if (es.adminSecret) return { volume: volume(es.adminSecret, [{ key: "elastic", path: "password" }]), username: "elastic" };
    return { volume: volume(es.secret, [{ key: es.usernameKey, path: "username" }, { key: es.passwordKey, path: "password" }]) };
}

export interface EsSizing {
    nodes: number;
    storage: string;
    storageClass: string;
    /** Persistent stack: keep data volumes when the Elasticsearch is deleted. */
    persistent: boolean;
    /** Nodes in several zones (EKS): spread the pods over them and keep a shard's copies in different zones. Default false. */
    zoneAware?: boolean;
}

/** Node label ECK copies onto the Elasticsearch pods (as an annotation) for shard allocation awareness. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * Zone awareness the ECK 3.2 way: the operator copies the node's zone label onto each pod, the pod
 * reads it into `ZONE`, and Elasticsearch allocates a shard's copies across `zone` values (and nodes).
 */
export function esZoneAwareness(): { annotations: Record<string, string>; config: Record<string, unknown>; env: Record<string, unknown>[]; spread: Record<string, unknown> } {
    return {
        annotations: { "eck.k8s.elastic.co/downward-node-labels": ZONE_LABEL },
        config: { "node.attr.zone": "${ZONE}", "cluster.routing.allocation.awareness.attributes": "k8s_node_name,zone" },
        env: [{ name: "ZONE", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${ZONE_LABEL}']` } } }],
        spread: {
            maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": ES_NAME } },
        },
    };
}

/** ECK pod template override: the main container's resources and a `restricted` security context (Elastic images run as uid 1000). */
function elasticPodTemplate(container: string, res: Resources): Record<string, unknown> {
    return {
        metadata: { labels: recommendedLabels(ES_NAME, "logging") },
        spec: { securityContext: nonRootPod(1000), containers: [{ name: container, resources: res, securityContext: restrictedContainer() }] },
    };
}

/** An ECK resource named `ES_NAME`: version and image from the catalog entry of its Elastic product. */
function eckResource(catalog: Catalog, apiVersion: string, kind: string, image: "elasticsearch" | "kibana", namespace: string, spec: Record<string, unknown>): Record<string, unknown> {
    const img = catalog.image(image);
    return {
        apiVersion, kind,
        metadata: { name: ES_NAME, namespace, labels: recommendedLabels(ES_NAME, "logging") },
        spec: { version: img.tag, image: img.ref, ...spec },
    };
}

/**
 * The ECK `Elasticsearch`. `node.store.allow_mmap: false` avoids the privileged vm.max_map_count init
 * container; the GeoIP downloader is off (air-gap: it would call Elastic's endpoint for its databases).
 */
export function elasticsearch(catalog: Catalog, namespace: string, s: EsSizing, snapshots?: EsSnapshotTarget, users: EsUser[] = [LOG_WRITER]): Record<string, unknown> {
    const zone = s.zoneAware ? esZoneAwareness() : undefined;
    const snap = snapshots ? esSnapshotPodSettings(snapshots) : undefined;
    const pod: any = elasticPodTemplate("elasticsearch", resources("500m", "2Gi", "2", "2Gi"));
    const env = [...(zone?.env ?? []), ...(snap?.env ?? [])];
    if (env.length) pod.spec.containers[0].env = env;
    if (zone) pod.spec.topologySpreadConstraints = [zone.spread];
    if (snap) {
        pod.spec.serviceAccountName = snap.serviceAccountName;
        if (snap.volumes.length) {
            pod.spec.volumes = snap.volumes;
            pod.spec.containers[0].volumeMounts = snap.volumeMounts;
        }
    }
    const es: any = eckResource(catalog, "elasticsearch.k8s.elastic.co/v1", "Elasticsearch", "elasticsearch", namespace, {
        // Roles and users of the writers, declared (elasticsearch-auth.ts).
        auth: esAuth(users),
        volumeClaimDeletePolicy: s.persistent ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion",
        nodeSets: [{
            name: "default",
            count: s.nodes,
            config: { "node.store.allow_mmap": false, "ingest.geoip.downloader.enabled": false, ...zone?.config, ...snap?.config },
            podTemplate: pod,
            volumeClaimTemplates: [{ metadata: { name: "elasticsearch-data" }, spec: rwoClaim(s.storage, s.storageClass) }],
        }],
    });
    if (zone) es.metadata.annotations = zone.annotations;
    if (snap?.secureSettings.length) es.spec.secureSettings = snap.secureSettings;
    return es;
}

/**
 * Pulumi waits for the `Elasticsearch` until ECK reports it `Ready` (provider annotation
 * `pulumi.com/waitFor`): by then ECK has created the Secrets the writers use (`<name>-es-elastic-user`,
 * `<name>-es-http-certs-public`), so whatever depends on the resource starts against a working cluster
 * instead of waiting for it inside its own timeout.
 */
export const ES_READY_AWAIT = { "pulumi.com/waitFor": "jsonpath={.status.phase}=Ready" } as const;

/** `obj` with the ready-await annotation added to whatever annotations it has. */
export function awaitingReady<T extends Record<string, any>>(obj: T): T {
    return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, ...ES_READY_AWAIT } } };
}

/** The ECK `Kibana`, bound to the Elasticsearch by `elasticsearchRef`. */
export function kibana(catalog: Catalog, namespace: string): Record<string, unknown> {
    return eckResource(catalog, "kibana.k8s.elastic.co/v1", "Kibana", "kibana", namespace, {
        count: 1,
        elasticsearchRef: { name: ES_NAME },
        // Egress is closed (system-egress/): no usage telemetry, no news feed from elastic.co.
        config: { "telemetry.optIn": false, "telemetry.allowChangingOptInStatus": false, "newsfeed.enabled": false },
        podTemplate: elasticPodTemplate("kibana", resources("200m", "1Gi", "1", "1Gi")),
    });
}

/** eck-operator values: operator image and the registry Elastic images come from; manages `logging` only. */
export function eckOperatorValues(catalog: Catalog, namespace: string): Record<string, unknown> {
    return {
        image: fullImageDefaultTag(catalog, "eck-operator"),
        installCRDs: true,
        managedNamespaces: [namespace],
        config: { containerRegistry: catalog.image("elasticsearch").registry },
        resources: resources("100m", "150Mi", "1", "512Mi"),
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: restrictedContainer(),
    };
}

/** Index replicas: none on a single in-cluster node (a replica could never be allocated), otherwise one. */
export function indexReplicas(inCluster: boolean, nodes: number): number {
    return inCluster && nodes < 2 ? 0 : 1;
}
