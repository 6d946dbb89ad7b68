/**
 * The relative import graph of a source tree and its cycles. Imports are read with TypeScript's own
 * pre-processor (`ts.preProcessFile`: every `import`, `export ... from`, `require` and dynamic import,
 * type-only ones included), so no extra parser is needed. Used by the test that keeps the repository
 * free of import cycles.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** File (relative to the root, `/`-separated) -> the files it imports under the same root. */
export type ImportGraph = Map<string, string[]>;

/** Directories that hold no source of ours: installed packages, build output, plans, hidden ones (.git, .build). */
const NOT_SOURCE = new Set(["node_modules", "out"]);

function tsFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return NOT_SOURCE.has(e.name) || e.name.startsWith(".") ? [] : tsFiles(p);
        return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
    });
}

/** The module file a relative specifier names (`./x` -> `x.ts` or `x/index.ts`), if it exists. */
function resolve(from: string, spec: string): string | undefined {
    const base = path.resolve(path.dirname(from), spec);
    return [base, `${base}.ts`, path.join(base, "index.ts")].find((f) => f.endsWith(".ts") && fs.existsSync(f));
}

/** Relative imports between the `.ts` files under `root` (imports leaving the tree are left out). */
export function importGraph(root: string): ImportGraph {
    const abs = path.resolve(root);
    const rel = (f: string) => path.relative(abs, f).split(path.sep).join("/");
    const graph: ImportGraph = new Map();
    for (const file of tsFiles(abs).sort()) {
        const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
        const targets = importedFiles
            .map((i) => i.fileName)
            .filter((s) => s.startsWith("."))
            .map((s) => resolve(file, s))
            .filter((f): f is string => f !== undefined && !path.relative(abs, f).startsWith(".."));
        graph.set(rel(file), [...new Set(targets.map(rel))]);
    }
    return graph;
}

/** Files that import each other, directly or through others, and one shortest loop among them. */
export interface ImportCycle {
    /** Every file of the strongly connected component, sorted. */
    files: string[];
    /** One loop `a -> b -> ... -> a` from the first file. */
    example: string[];
}

/** The graph's cycles: one per strongly connected component of more than one file (or a self-import). */
export function importCycles(graph: ImportGraph): ImportCycle[] {
    // Tarjan's strongly connected components (recursion depth is bounded by the tree's file count).
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    const visit = (v: string): void => {
        index.set(v, counter);
        low.set(v, counter++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(scc.sort());
        }
    };
    for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
    return components.map((files) => ({ files, example: cyclePath(graph, new Set(files), files[0]) }));
}

/** A shortest path from `start` back to itself inside one strongly connected component. */
function cyclePath(graph: ImportGraph, members: Set<string>, start: string): string[] {
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
        const v = queue.shift()!;
        for (const w of graph.get(v) ?? []) {
            if (!members.has(w)) continue;
            if (w === start) {
                const chain: string[] = [];
                for (let x = v; x !== start; x = previous.get(x)!) chain.unshift(x);
                return [start, ...chain, start];
            }
            if (!previous.has(w)) {
                previous.set(w, v);
                queue.push(w);
            }
        }
    }
    return [start, start];
}
