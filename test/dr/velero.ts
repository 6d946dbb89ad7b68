/**
 * What the Velero check of `npm run test:dr` (velero.dr.ts) needs besides the cluster: running the
 * stack's own Velero Deployment out of cluster, and comparing a namespace before and after a restore.
 *
 * - `outOfCluster` turns the `velero` container of the Deployment the chart made into a local command:
 *   its arguments, its environment (literal values, the pod's namespace, `envFrom` Secrets) and its
 *   Secret and emptyDir volumes (files in a temp dir, with every variable naming a mount path pointed
 *   there). Nothing is added but the kubeconfig, the plugin folder and loopback addresses for its
 *   own listeners.
 * - `comparable` is an object with what the API server or Velero set on a restore removed: `status`,
 *   the identity and bookkeeping fields of `metadata` (a generated name too, the EndpointSlice controller's
 *   change-time annotation), Velero's two restore labels, and a Service's
 *   cluster IPs (allocated anew; Velero clears them on purpose, its service restore action).
 */
import * as fs from "fs";
import * as path from "path";

type Json = Record<string, unknown>;
export interface KubeObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown }; [k: string]: unknown }

/** Labels Velero puts on everything it restores (pkg/restore: velero.io/backup-name, velero.io/restore-name). */
export const VELERO_RESTORE_LABELS = ["velero.io/backup-name", "velero.io/restore-name"];
/** Annotations a controller sets (the EndpointSlice controller's time of the last change it saw). */
export const SERVER_ANNOTATIONS = ["endpoints.kubernetes.io/last-change-trigger-time"];
/** Metadata the API server sets (identity, versions, timestamps, field owners). */
const SERVER_METADATA = ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

/**
 * `group/Kind/name` (the version aside: a list returns each kind at its preferred version). A name the
 * API server generated (`generateName`: a Service's EndpointSlices, which their controller makes again
 * for the restored Service) counts as server-set: such an object is keyed by its prefix, `<prefix>*`.
 */
export function objectKey(o: KubeObject): string {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "core";
    const generated = typeof o.metadata.generateName === "string" && o.metadata.generateName !== "";
    return `${group}/${o.kind}/${generated ? `${o.metadata.generateName}*` : o.metadata.name}`;
}

/** The object without what a restore may legitimately change (see the file comment). */
export function comparable(o: KubeObject): Json {
    const c = JSON.parse(JSON.stringify(o)) as Json & { metadata: Json; spec?: Json };
    delete c.status;
    delete c.apiVersion; // the key names the group; a list may serve another version
    for (const k of SERVER_METADATA) delete c.metadata[k];
    if (c.metadata.generateName) delete c.metadata.name;
    const labels = c.metadata.labels as Record<string, string> | undefined;
    if (labels) {
        for (const l of VELERO_RESTORE_LABELS) delete labels[l];
        if (Object.keys(labels).length === 0) delete c.metadata.labels;
    }
    const annotations = c.metadata.annotations as Record<string, string> | undefined;
    if (annotations) {
        for (const a of SERVER_ANNOTATIONS) delete annotations[a];
        if (Object.keys(annotations).length === 0) delete c.metadata.annotations;
    }
    const owners = c.metadata.ownerReferences as Json[] | undefined;
    if (owners) for (const r of owners) delete r.uid; // the owner is restored too, with a new uid
    if (o.kind === "Service" && c.spec && c.spec.clusterIP !== "None") {
        delete c.spec.clusterIP;
        delete c.spec.clusterIPs;
    }
    return c;
}

function canonical(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Json)[k])}`).join(",")}}`;
    return JSON.stringify(v);
}

export interface NamespaceDiff {
    before: number;
    after: number;
    missing: string[];
    extra: string[];
    /** Present on both sides but different (status and server-set metadata aside): key and the first differing paths. */
    changed: { key: string; paths: string[] }[];
}

function differingPaths(a: unknown, b: unknown, at = ""): string[] {
    if (canonical(a) === canonical(b)) return [];
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = [...new Set([...Object.keys(a as Json), ...Object.keys(b as Json)])].sort();
        return keys.flatMap((k) => differingPaths((a as Json)[k], (b as Json)[k], `${at}.${k}`));
    }
    return [at || "."];
}

/** Every object of `before` back in `after`, equal once status and server-set metadata are put aside. */
export function compareNamespace(before: KubeObject[], after: KubeObject[]): NamespaceDiff {
    // Several objects with one generated-name prefix: numbered in the order of their content.
    const keyed = (objs: KubeObject[]) => {
        const sorted = [...objs].sort((x, y) => canonical(comparable(x)).localeCompare(canonical(comparable(y))));
        const seen = new Map<string, number>();
        return new Map(sorted.map((o) => {
            const k = objectKey(o);
            const n = (seen.get(k) ?? 0) + 1;
            seen.set(k, n);
            return [n === 1 ? k : `${k}#${n}`, o] as [string, KubeObject];
        }));
    };
    const b = keyed(before);
    const a = keyed(after);
    const changed = [...b.keys()].filter((k) => a.has(k))
        .map((k) => ({ key: k, paths: differingPaths(comparable(b.get(k)!), comparable(a.get(k)!)).slice(0, 5) }))
        .filter((c) => c.paths.length > 0);
    return {
        before: b.size, after: a.size,
        missing: [...b.keys()].filter((k) => !a.has(k)).sort(),
        extra: [...a.keys()].filter((k) => !b.has(k)).sort(),
        changed,
    };
}

/** Does a `matchExpressions`-style `NotIn` selector (the Schedules' labelSelector) leave this object out? */
export function excludedBySelector(labels: Record<string, string> | undefined, selector: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }): boolean {
    return (selector.matchExpressions ?? []).some((e) => {
        const v = labels?.[e.key];
        switch (e.operator) {
            case "NotIn": return v !== undefined && (e.values ?? []).includes(v);
            case "In": return v === undefined || !(e.values ?? []).includes(v);
            case "Exists": return v === undefined;
            case "DoesNotExist": return v !== undefined;
            default: throw new Error(`selector operator ${e.operator} not handled`);
        }
    });
}

interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }
interface Container { name: string; image: string; command?: string[]; args?: string[]; env?: EnvVar[]; envFrom?: { secretRef?: { name: string } }[]; volumeMounts?: { name: string; mountPath: string }[] }
interface Volume { name: string; secret?: { secretName: string }; emptyDir?: object }
export interface DeploymentLike { metadata: { name: string; namespace: string }; spec: { template: { spec: { containers: Container[]; initContainers?: Container[]; volumes?: Volume[] } } } }

export interface LocalCommand {
    /** The container's arguments (after the binary). */
    args: string[];
    env: Record<string, string>;
    /** Mount path -> local folder, for the report. */
    mounts: Record<string, string>;
    image: string;
    initImages: string[];
}

/**
 * The container `name` of a Deployment as a local command: `readSecret(name)` returns a Secret's data
 * (decoded); Secret volumes are written under `dir`, emptyDirs made there, and each environment value
 * that starts with a mount path is pointed at the local folder. A volume of another kind fails (the
 * caller would otherwise run something the pod does not).
 */
export function outOfCluster(d: DeploymentLike, name: string, dir: string, readSecret: (name: string) => Record<string, string>,
    replace: Record<string, string> = {}): LocalCommand {
    const pod = d.spec.template.spec;
    const c = pod.containers.find((x) => x.name === name);
    if (!c) throw new Error(`Deployment ${d.metadata.name} has no container ${name}`);
    const mounts: Record<string, string> = {};
    for (const m of c.volumeMounts ?? []) {
        const v = (pod.volumes ?? []).find((x) => x.name === m.name);
        if (!v) throw new Error(`volume ${m.name} of ${d.metadata.name} not declared`);
        const local = replace[m.mountPath] ?? path.join(dir, m.name);
        if (replace[m.mountPath] === undefined) {
            fs.mkdirSync(local, { recursive: true, mode: 0o700 });
            if (v.secret) for (const [k, val] of Object.entries(readSecret(v.secret.secretName))) fs.writeFileSync(path.join(local, k), val, { mode: 0o600 });
            else if (!v.emptyDir) throw new Error(`volume ${m.name} of ${d.metadata.name}: only Secret and emptyDir volumes are run out of cluster`);
        }
        mounts[m.mountPath] = local;
    }
    const local = (value: string) => {
        const mp = Object.keys(mounts).sort((x, y) => y.length - x.length).find((p) => value === p || value.startsWith(`${p}/`));
        return mp === undefined ? value : mounts[mp] + value.slice(mp.length);
    };
    const env: Record<string, string> = {};
    for (const f of c.envFrom ?? []) if (f.secretRef) Object.assign(env, readSecret(f.secretRef.name));
    for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = local(e.value);
        else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[e.name] = d.metadata.namespace;
        else if (e.valueFrom?.secretKeyRef) env[e.name] = readSecret(e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key];
        else throw new Error(`env ${e.name} of ${d.metadata.name}: source not handled`);
    }
    // A volume at /tmp is the process's temporary folder (Go's os.TempDir reads TMPDIR).
    if (mounts["/tmp"] && env.TMPDIR === undefined) env.TMPDIR = mounts["/tmp"];
    return { args: c.args ?? [], env, mounts, image: c.image, initImages: (pod.initContainers ?? []).map((i) => i.image) };
}
