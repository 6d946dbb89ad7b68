/** `helm template` output as objects, each with its YAML text and the template it came from. */
import { jsyaml } from "../js-yaml";
import { CACHE_FROM, parseCached } from "./parse-cache";
import { RenderedObject } from "./releases";

/**
 * Parse `helm template` output into objects with their template source. A document with a duplicated
 * key (a chart template that writes a value twice) is read with the last value winning, as Kubernetes'
 * YAML-to-JSON decoding does, and reported in `problems`.
 */
export function parseRendered(stdout: string, problems: string[] = []): RenderedObject[] {
    const out: RenderedObject[] = [];
    for (const doc of stdout.split(/^---\s*$/m)) {
        let object: any;
        try {
            object = doc.length >= CACHE_FROM ? parseCached(doc) : jsyaml.load(doc);
        } catch (e) {
            object = jsyaml.load(doc, { json: true });
            const src = /^#\s*Source:\s*(\S+)/m.exec(doc)?.[1] ?? "";
            problems.push(`${src}: ${String((e as Error).message).split("\n")[0]}`);
        }
        if (object === null || typeof object !== "object" || typeof object.kind !== "string") continue;
        const src = /^#\s*Source:\s*(\S+)/m.exec(doc)?.[1] ?? "";
        if (object.kind.endsWith("List") && Array.isArray(object.items)) {
            for (const item of object.items) out.push({ object: item, text: jsyaml.dump(item), source: src });
        } else out.push({ object, text: doc.replace(/^\n+/, ""), source: src });
    }
    return out;
}
