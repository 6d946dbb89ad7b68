/** The rendered/ directory of a plan: every object of every rendered release as YAML, secrets masked. */
import * as path from "path";
import { jsyaml } from "../js-yaml";
import { SECRET } from "../model";
import { RenderedObject, RenderedRelease } from "../render/releases";
import { OutputFiles, safeName as safe } from "./files";

/**
 * A rendered object's YAML as written to disk: Helm's own text, except a Secret's values, which are
 * written as "[secret]" like our own objects' (base64-encoded under `data`, so the object stays one the
 * API server accepts). A chart may generate a secret at render time, such as Grafana's admin password:
 * not the one the cluster gets, but no password belongs in the plan.
 */
export function renderedText({ object, text }: RenderedObject): string {
    if (object.kind !== "Secret" || !(object.data || object.stringData)) return text;
    const masked = (m: unknown, value: string) => (m && typeof m === "object" ? Object.fromEntries(Object.keys(m).map((k) => [k, value])) : m);
    const source = /^#\s*Source:.*$/m.exec(text)?.[0];
    return `${source ? `${source}\n` : ""}${jsyaml.dump({
        ...object,
        ...(object.data ? { data: masked(object.data, Buffer.from(SECRET).toString("base64")) } : {}),
        ...(object.stringData ? { stringData: masked(object.stringData, SECRET) } : {}),
    })}`;
}

/** Write `<dir>/<release>/<Kind>-<name>.yaml` for every object of a rendered release (namespace added on a clash); returns how many. */
export function writeRendered(r: RenderedRelease, dir: string, files: OutputFiles): number {
    const rdir = path.join(dir, safe(r.release.name));
    const used = new Set<string>();
    for (const rendered of r.objects) {
        const { object } = rendered;
        let file = `${safe(object.kind)}-${safe(String(object.metadata?.name ?? "unnamed"))}`;
        if (used.has(file)) file += `.${safe(String(object.metadata?.namespace ?? r.release.namespace))}`;
        const base = file;
        for (let i = 2; used.has(file); i++) file = `${base}-${i}`;
        used.add(file);
        files.add(path.join(rdir, `${file}.yaml`), renderedText(rendered));
    }
    return r.objects.length;
}
