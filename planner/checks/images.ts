/**
 * Every container image a set of Kubernetes objects makes a cluster pull, found in the objects
 * themselves rather than in a hand-kept list:
 *  - containers, init containers and ephemeral containers of any pod template (any kind, including
 *    custom resources that embed pod specs);
 *  - image fields of custom resources (`image`, `dockerImage`, `*_image`: Prometheus, Alertmanager,
 *    the Zalando OperatorConfiguration and postgresql);
 *  - images operators are configured to pull: the prometheus-operator's config reloader (its
 *    `--prometheus-config-reloader` flag), the Istio injector's proxy (hub/tag in its values, which
 *    also fill the gateway's `image: auto`), and Elasticsearch/Kibana by `version` under the ECK
 *    operator's `container-registry` (ECK's ImageRepository rule), and the Trivy Operator's scan and
 *    node-collector Jobs (its ConfigMaps).
 *
 * `artifactsOf` finds the OCI artifacts (not images) the cluster downloads: the Trivy scan jobs'
 * vulnerability and Java DBs and the checks bundle.
 */
import { jsyaml } from "../js-yaml";
import { IMAGES } from "../../components/catalog";

export interface FoundImage {
    image: string;
    /** `Kind namespace/name` of the object the image was found in. */
    object: string;
}

const BUILTIN_GROUPS = /^(v1|apps\/|batch\/|policy\/|rbac\.authorization\.k8s\.io\/|networking\.k8s\.io\/|autoscaling\/|storage\.k8s\.io\/|scheduling\.k8s\.io\/|admissionregistration\.k8s\.io\/|apiextensions\.k8s\.io\/|apiregistration\.k8s\.io\/|coordination\.k8s\.io\/|discovery\.k8s\.io\/|node\.k8s\.io\/|certificates\.k8s\.io\/)/;

/** True for kinds Kubernetes itself serves (no CRD). */
export function isBuiltIn(apiVersion: string): boolean {
    return BUILTIN_GROUPS.test(apiVersion);
}

export function objectLabel(o: any, defaultNamespace = ""): string {
    const ns = o?.metadata?.namespace ?? defaultNamespace;
    return `${o?.kind} ${ns ? `${ns}/` : ""}${o?.metadata?.name}`;
}

/** Images the Trivy Operator's Jobs run, from its ConfigMaps (chart 0.34.0: `trivy.repository`/`trivy.tag`, `node.collector.imageRef`). */
function trivyJobImages(o: any): string[] {
    const d = o?.kind === "ConfigMap" ? o.data : undefined;
    if (!d || typeof d !== "object") return [];
    return [
        ...(typeof d["trivy.repository"] === "string" && d["trivy.tag"] ? [`${d["trivy.repository"]}:${d["trivy.tag"]}`] : []),
        ...(typeof d["node.collector.imageRef"] === "string" ? [d["node.collector.imageRef"]] : []),
    ];
}

/**
 * OCI artifacts the Trivy scan jobs download: the DBs at their repositories from the ConfigMap, by the
 * schema tag Trivy asks for (not rendered anywhere: the catalog's, see components/catalog.ts), and the
 * checks bundle by its rendered reference.
 */
export function artifactsOf(objects: { object: any; namespace?: string }[]): FoundImage[] {
    const found: FoundImage[] = [];
    for (const { object: o, namespace: ns } of objects) {
        const d = o?.kind === "ConfigMap" ? o.data : undefined;
        if (!d || typeof d !== "object") continue;
        const add = (ref: string) => found.push({ image: ref, object: objectLabel(o, ns) });
        if (typeof d["trivy.dbRepository"] === "string") add(`${d["trivy.dbRepository"]}:${IMAGES["trivy-db"].tag}`);
        if (typeof d["trivy.javaDbRepository"] === "string") add(`${d["trivy.javaDbRepository"]}:${IMAGES["trivy-java-db"].tag}`);
        if (typeof d["policies.bundle.oci.ref"] === "string") add(d["policies.bundle.oci.ref"]);
    }
    return found;
}

/** Images in pod specs anywhere inside a value (`containers`, `initContainers`, `ephemeralContainers`). */
function podImages(v: unknown, out: string[]): void {
    if (Array.isArray(v)) v.forEach((x) => podImages(x, out));
    else if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        for (const key of ["containers", "initContainers", "ephemeralContainers"]) {
            if (Array.isArray(o[key])) for (const c of o[key] as any[]) if (typeof c?.image === "string") out.push(c.image);
        }
        for (const [k, x] of Object.entries(o)) if (k !== "containers" && k !== "initContainers" && k !== "ephemeralContainers") podImages(x, out);
    }
}

/** Image-valued fields of a custom resource. */
function customResourceImages(v: unknown, out: string[]): void {
    if (Array.isArray(v)) v.forEach((x) => customResourceImages(x, out));
    else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (typeof x === "string" && (k === "image" || k === "dockerImage" || /_image$/.test(k)) && x !== "") out.push(x);
            else customResourceImages(x, out);
        }
    }
}

/** Flag values of a container's command/args, `--name=value` or `--name value`. */
function flagValues(o: any, flag: string): string[] {
    const out: string[] = [];
    const scan = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(scan);
        else if (v !== null && typeof v === "object") {
            const c = v as Record<string, unknown>;
            for (const key of ["command", "args"]) {
                const list = Array.isArray(c[key]) ? (c[key] as unknown[]).map(String) : [];
                list.forEach((a, i) => {
                    if (a.startsWith(`${flag}=`)) out.push(a.slice(flag.length + 1));
                    else if (a === flag && list[i + 1]) out.push(list[i + 1]);
                });
            }
            Object.values(c).forEach(scan);
        }
    };
    scan(o);
    return out;
}

/** The sidecar proxy image the Istio injector configures (`global.hub`/`global.proxy.image`/`global.tag`). */
function istioProxyImage(o: any): string | undefined {
    if (o?.kind !== "ConfigMap" || typeof o.data?.values !== "string" || typeof o.data?.config !== "string") return undefined;
    let values: any;
    try {
        values = JSON.parse(o.data.values);
    } catch {
        return undefined;
    }
    const g = values?.global;
    if (!g?.hub || !g?.proxy?.image || g.tag === undefined) return undefined;
    const image = String(g.proxy.image);
    if (image.includes("/")) return image;
    return `${g.hub}/${image}:${g.tag}${g.variant ? `-${g.variant}` : ""}`;
}

/** ECK operator settings (`eck.yaml` of its ConfigMap) that decide Elastic Stack image names. */
interface EckSettings {
    registry: string;
    repository: string;
    suffix: string;
}

function eckSettings(o: any): EckSettings | undefined {
    if (o?.kind !== "ConfigMap" || typeof o.data?.["eck.yaml"] !== "string") return undefined;
    const cfg = (jsyaml.load(o.data["eck.yaml"]) ?? {}) as Record<string, unknown>;
    return {
        registry: String(cfg["container-registry"] ?? "docker.elastic.co"),
        repository: String(cfg["container-repository"] ?? ""),
        suffix: cfg["ubi-only"] === true ? "-ubi" : String(cfg["container-suffix"] ?? ""),
    };
}

const ECK_IMAGES: Record<string, string> = { Elasticsearch: "elasticsearch/elasticsearch", Kibana: "kibana/kibana" };

function eckImage(kind: string, version: string, s: EckSettings): string {
    let path = ECK_IMAGES[kind];
    if (s.repository) path = `${s.repository}/${path.split("/")[1]}`;
    // ECK appends -ubi only from 8.12 on (older 8.x: -ubi8), and 9.x images are UBI-based without it.
    let suffix = s.suffix;
    if (suffix === "-ubi") {
        const [major, minor] = version.split(".").map(Number);
        suffix = major >= 9 ? "" : major === 8 && minor < 12 ? "-ubi8" : "-ubi";
    }
    return `${s.registry}/${path}${suffix}:${version}`;
}

/**
 * Every image the objects make the cluster pull, with the object it was found in. `namespaceOf` gives
 * the namespace of objects Helm rendered without one.
 */
export function imagesOf(objects: { object: any; namespace?: string }[]): FoundImage[] {
    const found: FoundImage[] = [];
    const add = (image: string, o: any, ns?: string) => found.push({ image, object: objectLabel(o, ns) });
    let eck: EckSettings | undefined;
    const proxies: { image: string; o: any; ns?: string }[] = [];
    for (const { object: o, namespace } of objects) {
        const s = eckSettings(o);
        if (s) eck = s;
        const proxy = istioProxyImage(o);
        if (proxy) proxies.push({ image: proxy, o, ns: namespace });
    }
    for (const { object: o, namespace: ns } of objects) {
        // A CRD's schema mentions containers and images, but pulls nothing.
        if (!o || typeof o !== "object" || o.kind === "CustomResourceDefinition") continue;
        const pod: string[] = [];
        podImages(o, pod);
        // `image: auto` is the Istio injector's placeholder; the injector's proxy image replaces it.
        for (const img of pod) if (img !== "auto") add(img, o, ns);
        if (typeof o.apiVersion === "string" && !isBuiltIn(o.apiVersion)) {
            const cr: string[] = [];
            customResourceImages({ ...o, metadata: undefined, spec: stripPods(o.spec) }, cr);
            for (const img of cr) if (!pod.includes(img)) add(img, o, ns);
            if (ECK_IMAGES[o.kind] && typeof o.spec?.version === "string" && !o.spec?.image) {
                add(eckImage(o.kind, o.spec.version, eck ?? { registry: "docker.elastic.co", repository: "", suffix: "" }), o, ns);
            }
        }
        for (const img of flagValues(o, "--prometheus-config-reloader")) add(img, o, ns);
        for (const img of trivyJobImages(o)) add(img, o, ns);
    }
    for (const p of proxies) add(p.image, p.o, p.ns);
    return found;
}

/** A custom resource's spec without embedded pod specs (already counted as pod images). */
function stripPods(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(stripPods);
    if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (k === "containers" || k === "initContainers" || k === "ephemeralContainers") continue;
            out[k] = stripPods(x);
        }
        return out;
    }
    return v;
}

/** Distinct image references, sorted. */
export function imageSet(found: FoundImage[]): string[] {
    return [...new Set(found.map((f) => f.image))].sort();
}

/** Images not under `registry` (`host[:port][/path]`), each with the first object that pulls it. */
export function outsideRegistry(found: FoundImage[], registry: string): FoundImage[] {
    const prefix = `${registry.replace(/\/+$/, "")}/`;
    const seen = new Set<string>();
    return found.filter((f) => !f.image.startsWith(prefix) && !seen.has(f.image) && seen.add(f.image));
}
