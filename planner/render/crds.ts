/**
 * The API versions a plan's charts may use (`helm template --api-versions`): the CRDs the platform's
 * chart archives ship (read from the archives without rendering, cached by archive), its own CRDs, and
 * the aggregation API.
 */
import * as fs from "fs";
import * as path from "path";
import { Plan } from "../model";
import { readTgz } from "./archive";

/** The lines of one YAML block: those after `start` that are more indented than `indent`. */
function block(lines: string[], start: number, indent: number): number {
    let end = start + 1;
    while (end < lines.length && (lines[end].trim() === "" || lines[end].trimStart().startsWith("#") || lines[end].search(/\S/) > indent)) end++;
    return end;
}

const scalar = (v: string) => v.replace(/\s+#.*$/, "").trim().replace(/^["']|["']$/g, "");

/**
 * `group/version` and `group/version/Kind` of every served version of every CRD in a YAML text.
 * Read by indentation rather than parsed: chart templates are not YAML until rendered, and CRD schemas
 * are megabytes. Only `spec.group`, `spec.names.kind` and `spec.versions[].{name,served}` are read.
 * `renderPlan` checks the result against the CRDs Helm actually renders.
 */
export function crdApiVersions(text: string): string[] {
    const out = new Set<string>();
    for (const doc of text.split(/^---\s*$/m)) {
        if (!/^kind:\s*["']?CustomResourceDefinition["']?\s*$/m.test(doc)) continue;
        const lines = doc.split("\n");
        const specAt = lines.findIndex((l) => /^spec:\s*$/.test(l));
        if (specAt < 0) continue;
        const specEnd = block(lines, specAt, 0);
        const child = lines.slice(specAt + 1, specEnd).find((l) => /\S/.test(l) && !l.trimStart().startsWith("#"));
        const ind = child ? child.search(/\S/) : 2;
        const at = (key: string) => lines.findIndex((l, i) => i > specAt && i < specEnd && l.search(/\S/) === ind && l.slice(ind).startsWith(`${key}:`));
        const groupAt = at("group");
        const namesAt = at("names");
        const versionsAt = at("versions");
        if (groupAt < 0 || namesAt < 0 || versionsAt < 0) continue;
        const group = scalar(lines[groupAt].slice(ind + "group:".length));
        const kindLine = lines.slice(namesAt + 1, block(lines, namesAt, ind)).find((l) => /^\s+kind:/.test(l));
        const kind = kindLine ? scalar(kindLine.replace(/^\s+kind:/, "")) : "";
        const vEnd = block(lines, versionsAt, ind - 1);
        let item: { name?: string; served?: boolean } | undefined;
        let itemIndent = -1;
        const flush = () => {
            if (item?.name && item.served !== false) out.add(`${group}/${item.name}`).add(`${group}/${item.name}/${kind}`);
        };
        for (let i = versionsAt + 1; i < vEnd; i++) {
            const l = lines[i];
            const m = /^(\s*)- (.*)$/.exec(l);
            if (m && (itemIndent < 0 || m[1].length === itemIndent)) {
                flush();
                itemIndent = m[1].length;
                item = {};
                const kv = /^(\w+):\s*(.*)$/.exec(m[2]);
                if (kv?.[1] === "name") item.name = scalar(kv[2]);
                continue;
            }
            if (!item || l.search(/\S/) !== itemIndent + 2) continue;
            const kv = /^\s*(\w+):\s*(.*)$/.exec(l);
            if (kv?.[1] === "name") item.name = scalar(kv[2]);
            if (kv?.[1] === "served") item.served = scalar(kv[2]) !== "false";
        }
        flush();
    }
    return [...out];
}

/** The served CRD API versions an archive ships, cached on disk by archive path, size and time (a pure function of its bytes). */
function archiveApiVersions(archive: string, cacheFile: string | undefined, cache: Record<string, string[]>): string[] {
    const st = fs.statSync(archive);
    const key = `${archive}:${st.size}:${st.mtimeMs}`;
    if (cache[key]) return cache[key];
    const out: string[] = [];
    for (const [, content] of readTgz(archive, (n) => /\.ya?ml$/.test(n))) {
        const text = content.toString("utf8");
        if (text.includes("CustomResourceDefinition")) out.push(...crdApiVersions(text));
    }
    cache[key] = [...new Set(out)];
    if (cacheFile) {
        try {
            fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
            fs.writeFileSync(cacheFile, JSON.stringify(cache));
        } catch {
            // A cache that cannot be written only costs the scan next time.
        }
    }
    return cache[key];
}

/** API versions the platform installs: the CRDs in the charts it releases, its own CRDs, and the aggregation API. */
export function platformApiVersions(plan: Plan, archives: string[], root?: string): string[] {
    const set = new Set<string>(["apiregistration.k8s.io/v1"]);
    const cacheFile = root ? path.join(root, "node_modules", ".cache", "kubechat-helm", "crd-api-versions.json") : undefined;
    let cache: Record<string, string[]> = {};
    try {
        if (cacheFile) cache = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
    } catch {
        cache = {};
    }
    for (const a of archives) {
        if (fs.existsSync(a)) for (const v of archiveApiVersions(a, cacheFile, cache)) set.add(v);
    }
    for (const r of plan.resources) {
        const o = r.inputs;
        if (r.custom && o?.kind === "CustomResourceDefinition") {
            for (const v of o.spec?.versions ?? []) set.add(`${o.spec.group}/${v.name}`).add(`${o.spec.group}/${v.name}/${o.spec.names?.kind}`);
        }
    }
    return [...set].sort();
}
