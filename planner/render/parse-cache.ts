/**
 * Parsed rendered documents kept between renders and between plans: the same CRDs come out of every
 * render of a chart, and reading an earlier parse as JSON is many times faster than parsing the YAML.
 */
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
// js-yaml parses Helm's multi-megabyte output (CRDs) about four times faster than `yaml`.
import { jsyaml } from "../js-yaml";
import { ROOT } from "../root";

/** Large parsed documents by their text: the same CRDs come out of every render of a chart. Never mutated. */
const parsedDocs = new Map<string, unknown>();
/** Documents this long (CRDs, mostly) are also kept in memory. */
const KEEP_PARSED = 20000;
/** Documents shorter than this are parsed directly (a file read would cost more). */
export const CACHE_FROM = 400;
const PARSED_DIR = path.join(ROOT, "node_modules", ".cache", "kubechat-helm", "parsed");
/** The disk cache is trimmed to the newest half when it holds more files than this. */
const PARSED_FILES_MAX = 6000;

/** True when JSON gives the value back unchanged (YAML timestamps are Dates, `.inf` is no JSON number). */
export function jsonSafe(v: unknown): boolean {
    if (v === null || typeof v === "string" || typeof v === "boolean") return true;
    if (typeof v === "number") return Number.isFinite(v);
    if (Array.isArray(v)) return v.every(jsonSafe);
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(jsonSafe);
    return false;
}

/**
 * A document parsed: from memory (large ones), from the disk cache (JSON of an earlier parse of the
 * same text, named by the text's SHA-256: reading JSON is many times faster than parsing YAML), or
 * parsed now and kept. Throws as js-yaml does on a document it rejects (the caller handles that).
 */
export function parseCached(doc: string): unknown {
    const hit = parsedDocs.get(doc);
    if (hit !== undefined) return hit;
    const file = path.join(PARSED_DIR, `${crypto.createHash("sha256").update(doc).digest("hex")}.json`);
    let object: unknown;
    try {
        object = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        object = jsyaml.load(doc);
        // Only what JSON gives back unchanged (YAML timestamps become Dates, .inf is not JSON).
        if (jsonSafe(object)) try {
            fs.mkdirSync(PARSED_DIR, { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, JSON.stringify(object));
            fs.renameSync(tmp, file);
            parsedWritten++;
        } catch {
            // Only costs parsing the YAML again next time.
        }
    }
    if (doc.length > KEEP_PARSED) parsedDocs.set(doc, object);
    return object;
}

let parsedWritten = 0;

/**
 * Keep the parse cache bounded: documents with generated content (a chart's random password) add a
 * file per render. Past PARSED_FILES_MAX files the older half goes (a removed entry costs one parse).
 * Checked only after a render that added files.
 */
export function trimParseCache(dir = PARSED_DIR, max = PARSED_FILES_MAX): void {
    if (parsedWritten === 0 && dir === PARSED_DIR) return;
    parsedWritten = 0;
    try {
        const names = fs.readdirSync(dir);
        if (names.length <= max) return;
        const files = names.map((n) => ({ file: path.join(dir, n), t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
        for (const f of files.slice(0, files.length - Math.floor(max / 2))) fs.rmSync(f.file, { force: true });
    } catch {
        // A cache that cannot be trimmed only takes space.
    }
}
