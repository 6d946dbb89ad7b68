/**
 * Unknown fields in built-in kinds. The validators kubernetes-models ships check types, enums and
 * required fields but accept any extra property, which the API server would prune (or, with strict
 * field validation, reject). The same package ships one TypeScript interface per Kubernetes OpenAPI
 * definition, generated from that schema; this walks an object against those declarations, read with
 * the TypeScript parser (no type checking, each file parsed once, only the files an object reaches):
 *
 * - an interface lists the fields of an object; any other key is unknown;
 * - `{ [key: string]: T }` is a map (the schema's `additionalProperties`): any key, values of T;
 * - an interface without fields (`JSON`, `RawExtension`, `JSONSchemaPropsOrBool`: the schema's
 *   `x-kubernetes-preserve-unknown-fields` and free-form types), `any`, `unknown` and `object` take anything;
 * - `Array<T>` / `T[]` are lists of T; strings, numbers, booleans and literal unions are leaves (their
 *   types and enums are the validators' job).
 *
 * What was read is kept in node_modules/.cache (per package versions), so a plan loads neither the
 * TypeScript parser nor the declarations again.
 */
import * as fs from "fs";
import * as path from "path";
import type * as TS from "typescript";

let tsLib: typeof TS | undefined;
/** The TypeScript parser, loaded only when a declaration has to be read (it takes ~0.3 s to load). */
const tsParser = (): typeof TS => (tsLib ??= require("typescript") as typeof TS);

type Shape =
    | { t: "any" }
    | { t: "leaf" }
    | { t: "array"; items: Shape }
    | { t: "map"; values: Shape }
    | { t: "object"; props: Record<string, Shape> }
    | { t: "ref"; file: string; name: string }
    | { t: "union"; of: Shape[] };

const ANY: Shape = { t: "any" };
const LEAF: Shape = { t: "leaf" };

interface ParsedFile {
    /** Local name -> module specifier and the name it is exported under there. */
    imports: Map<string, { from: string; name: string }>;
    interfaces: Map<string, TS.InterfaceDeclaration>;
    aliases: Map<string, TS.TypeAliasDeclaration>;
    /** Exported name -> local name (`export type { IX as IIoK8s...X }`). */
    exports: Map<string, string>;
}

const files = new Map<string, ParsedFile>();

function parse(file: string): ParsedFile {
    let p = files.get(file);
    if (p) return p;
    const ts = tsParser();
    const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    p = { imports: new Map(), interfaces: new Map(), aliases: new Map(), exports: new Map() };
    for (const st of src.statements) {
        if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
            const b = st.importClause?.namedBindings;
            if (b && ts.isNamedImports(b)) {
                for (const e of b.elements) p.imports.set(e.name.text, { from: st.moduleSpecifier.text, name: (e.propertyName ?? e.name).text });
            }
        } else if (ts.isInterfaceDeclaration(st)) p.interfaces.set(st.name.text, st);
        else if (ts.isTypeAliasDeclaration(st)) p.aliases.set(st.name.text, st);
        else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
            for (const e of st.exportClause.elements) p.exports.set(e.name.text, (e.propertyName ?? e.name).text);
        }
    }
    files.set(file, p);
    return p;
}

/** The declaration file a module specifier of `from` points at (relative `./X.js`, or a package path). */
function moduleFile(from: string, spec: string): string {
    if (spec.startsWith(".")) return path.resolve(path.dirname(from), spec.replace(/\.js$/, "") + ".d.ts");
    const parts = spec.split("/");
    const pkg = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    const rest = parts.slice(pkg.split("/").length).join("/");
    const dir = path.dirname(require.resolve(`${pkg}/package.json`, { paths: [path.dirname(from)] }));
    return path.join(dir, rest === "" ? "index" : rest) + ".d.ts";
}

function shapeOf(node: TS.TypeNode, file: string): Shape {
    const ts = tsParser();
    switch (node.kind) {
        case ts.SyntaxKind.AnyKeyword:
        case ts.SyntaxKind.UnknownKeyword:
        case ts.SyntaxKind.ObjectKeyword:
            return ANY;
        case ts.SyntaxKind.StringKeyword:
        case ts.SyntaxKind.NumberKeyword:
        case ts.SyntaxKind.BooleanKeyword:
        case ts.SyntaxKind.LiteralType:
            return LEAF;
    }
    if (ts.isParenthesizedTypeNode(node)) return shapeOf(node.type, file);
    if (ts.isArrayTypeNode(node)) return { t: "array", items: shapeOf(node.elementType, file) };
    if (ts.isUnionTypeNode(node)) {
        const of = node.types.map((x) => shapeOf(x, file));
        return of.every((s) => s.t === "leaf") ? LEAF : { t: "union", of };
    }
    if (ts.isTypeLiteralNode(node)) return membersShape(node.members, file);
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
        const name = node.typeName.text;
        const args = node.typeArguments ?? [];
        if (name === "Array" && args.length === 1) return { t: "array", items: shapeOf(args[0], file) };
        if (name === "Record" && args.length === 2) return { t: "map", values: shapeOf(args[1], file) };
        return { t: "ref", file, name };
    }
    // Anything this reader does not know is taken to allow everything: no false alarms.
    return ANY;
}

function propName(n: TS.PropertyName): string | undefined {
    const ts = tsParser();
    return ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n) ? n.text : undefined;
}

function membersShape(members: TS.NodeArray<TS.TypeElement>, file: string): Shape {
    const ts = tsParser();
    const props: Record<string, Shape> = {};
    let values: Shape | undefined;
    for (const m of members) {
        if (ts.isPropertySignature(m) && m.type) {
            const n = propName(m.name);
            if (n !== undefined) props[n] = shapeOf(m.type, file);
        } else if (ts.isIndexSignatureDeclaration(m)) values = shapeOf(m.type, file);
    }
    const empty = Object.keys(props).length === 0;
    if (values) return empty ? { t: "map", values } : ANY;
    return empty ? ANY : { t: "object", props };
}

/** Shapes by `<declaration file>#<name>`; null: no such kind. Persisted (see `load`). */
let resolved = new Map<string, Shape | null>();
let dirty = false;
let cache: { file: string; id: string } | undefined;

/** Read what earlier runs resolved, when it was made from the same package directory and versions. */
function load(packageDir: string): void {
    if (cache) return;
    const version = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version as string;
    let machinery = "";
    try {
        machinery = version(path.dirname(require.resolve("@kubernetes-models/apimachinery/package.json", { paths: [packageDir] })));
    } catch {
        // Resolved from the declarations when needed.
    }
    cache = {
        file: path.join(path.dirname(packageDir), ".cache", "kubechat-schema", "builtin-fields.json"),
        id: JSON.stringify([packageDir, version(packageDir), machinery]),
    };
    try {
        const c = JSON.parse(fs.readFileSync(cache.file, "utf8"));
        if (c.id === cache.id) resolved = new Map(Object.entries(c.shapes));
    } catch {
        // No cache yet: declarations are read as objects need them.
    }
}

function save(): void {
    if (!dirty || !cache) return;
    dirty = false;
    try {
        fs.mkdirSync(path.dirname(cache.file), { recursive: true });
        fs.writeFileSync(cache.file, JSON.stringify({ id: cache.id, shapes: Object.fromEntries(resolved) }));
    } catch {
        // A cache that cannot be written only costs reading the declarations next time.
    }
}

/** The shape a name stands for in a file (following imports and export aliases). */
function resolve(file: string, name: string, depth = 0): Shape {
    const key = `${file}#${name}`;
    const hit = resolved.get(key);
    if (hit) return hit;
    if (depth > 20 || !fs.existsSync(file)) return ANY;
    const p = parse(file);
    const ts = tsParser();
    let out: Shape = ANY;
    const iface = p.interfaces.get(name);
    const alias = p.aliases.get(name);
    if (iface) {
        out = membersShape(iface.members, file);
        // The only interface the generated declarations extend is TypeMeta (apiVersion, kind), and
        // every such interface lists those two fields itself; anything else is taken to allow everything.
        if ((iface.heritageClauses ?? []).some((h) => h.types.some((t) => !ts.isIdentifier(t.expression) || t.expression.text !== "TypeMeta"))) out = ANY;
    } else if (alias) out = shapeOf(alias.type, file);
    else if (p.exports.has(name) && p.exports.get(name) !== name) out = resolve(file, p.exports.get(name)!, depth + 1);
    else if (p.imports.has(name)) {
        const imp = p.imports.get(name)!;
        try {
            out = resolve(moduleFile(file, imp.from), imp.name, depth + 1);
        } catch {
            out = ANY;
        }
    }
    resolved.set(key, out);
    dirty = true;
    return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function walk(shape: Shape, value: unknown, at: string, errors: string[]): void {
    if (shape.t === "ref") return walk(resolve(shape.file, shape.name), value, at, errors);
    if (shape.t === "array") {
        if (Array.isArray(value)) value.forEach((x, i) => walk(shape.items, x, `${at}/${i}`, errors));
    } else if (shape.t === "map") {
        if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(shape.values, v, `${at}/${k}`, errors);
    } else if (shape.t === "object") {
        if (!isPlainObject(value)) return;
        for (const [k, v] of Object.entries(value)) {
            const s = Object.prototype.hasOwnProperty.call(shape.props, k) ? shape.props[k] : undefined;
            if (s) walk(s, v, `${at}/${k}`, errors);
            else errors.push(`${at}/${k}: unknown field (the API server would prune it)`);
        }
    } else if (shape.t === "union") {
        // The first reading without unknown fields wins; with none, the first one's findings are reported.
        let first: string[] | undefined;
        for (const s of shape.of) {
            const e: string[] = [];
            walk(s, value, at, e);
            if (e.length === 0) return;
            first ??= e;
        }
        errors.push(...(first ?? []));
    }
}

/**
 * Fields of `object` that the declaration `I<kind>` in `<packageDir>/<apiVersion>/<kind>.d.ts` does not
 * have, as `/path: unknown field ...`; undefined when the package declares no such kind.
 */
export function unknownFields(packageDir: string, object: { apiVersion: string; kind: string }): string[] | undefined {
    load(packageDir);
    const file = path.join(packageDir, object.apiVersion, `${object.kind}.d.ts`);
    const key = `${file}#I${object.kind}`;
    if (!resolved.has(key) && !fs.existsSync(file)) {
        resolved.set(key, null);
        dirty = true;
    }
    const top = resolved.get(key) === null ? undefined : resolve(file, `I${object.kind}`);
    const errors: string[] = [];
    if (top) walk(top, object, "", errors);
    save();
    return top ? errors : undefined;
}
