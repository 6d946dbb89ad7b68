/** Istio ServiceEntries for the external dependencies the config declares (pure; `IstioMesh` creates them). */

/** An external dependency the config declares (object store, external Elasticsearch): a URL outside the cluster. */
export interface ExternalDependency {
    /** Short name for the ServiceEntry (`external-<name>`). */
    name: string;
    url: string;
}

/**
 * ServiceEntries for the declared external dependencies, so sidecars may reach them under
 * `REGISTRY_ONLY` — and nothing else outside the mesh. In-cluster Services (`*.svc`,
 * `*.svc.cluster.local`) are in the registry already and get none. An IP address gets a STATIC
 * entry under a synthetic host name; a host name is resolved by DNS.
 */
export function externalServiceEntries(deps: ExternalDependency[]): { name: string; spec: Record<string, unknown> }[] {
    const out: { name: string; spec: Record<string, unknown> }[] = [];
    for (const d of deps) {
        const u = new URL(d.url);
        const host = u.hostname;
        if (/\.svc(\.cluster\.local)?$/.test(host)) continue;
        const tls = u.protocol === "https:";
        const port = { number: u.port ? Number(u.port) : tls ? 443 : 80, name: tls ? "tls" : "http", protocol: tls ? "TLS" : "HTTP" };
        const ip = /^(\d{1,3}\.){3}\d{1,3}$/.test(host);
        out.push({
            name: `external-${d.name}`,
            spec: ip
                ? { hosts: [`${d.name}.external`], addresses: [`${host}/32`], ports: [port], location: "MESH_EXTERNAL", resolution: "STATIC", endpoints: [{ address: host }] }
                : { hosts: [host], ports: [port], location: "MESH_EXTERNAL", resolution: "DNS" },
        });
    }
    return out;
}
