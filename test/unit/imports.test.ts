import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../planner/root";
import { importCycles, importGraph } from "../imports";

describe("import cycles", () => {
    it("the repository has none: program, policy pack, planner, commands and tests", () => {
        const graph = importGraph(ROOT);
        assert.ok(graph.size > 150 && graph.get("components/config/cross-checks.ts")!.includes("components/app/validate.ts") && graph.has("planner/model.ts") && graph.has("test/harness.ts"),
            "the graph must see every tree's relative imports");
        assert.ok(![...graph.keys()].some((f) => f.startsWith("node_modules/") || f.startsWith(".build/")), "installed packages and build output are not ours");
        const cycles = importCycles(graph).map((c) => `${c.example.join(" -> ")} (files: ${c.files.join(", ")})`);
        assert.deepStrictEqual(cycles, []);
    });

    it("finds a cycle through type-only imports, re-exports and index files, and nothing in an acyclic tree", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imports-"));
        try {
            const write = (f: string, text: string) => {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), text);
            };
            write("config.ts", 'import { rules } from "./app/rules";\nimport * as os from "os";\nexport const x = rules;\n');
            write("app/rules.ts", 'import {\n    helper,\n} from "../util";\nexport const rules = helper;\n');
            write("util/index.ts", 'export { other } from "./other";\nexport const helper = 1;\n');
            write("util/other.ts", "export const other = 2;\n");
            assert.deepStrictEqual(importGraph(dir).get("app/rules.ts"), ["util/index.ts"]);
            assert.deepStrictEqual(importCycles(importGraph(dir)), []);

            write("util/other.ts", 'import type { x } from "../config";\nexport const other: typeof x = 2;\n');
            assert.deepStrictEqual(importCycles(importGraph(dir)), [{
                files: ["app/rules.ts", "config.ts", "util/index.ts", "util/other.ts"],
                example: ["app/rules.ts", "util/index.ts", "util/other.ts", "config.ts", "app/rules.ts"],
            }]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("commands are thin ends", () => {
    const graph = importGraph(ROOT);
    const importers = (pred: (f: string) => boolean) => [...graph].flatMap(([f, deps]) => (pred(f) ? deps.filter((d) => d.startsWith("cmd/")).map((d) => `${f} -> ${d}`) : []));

    it("a command never imports another command", () => {
        assert.ok([...graph.keys()].filter((f) => f.startsWith("cmd/")).length >= 10);
        assert.deepStrictEqual(importers((f) => f.startsWith("cmd/")), []);
    });

    it("the planner, the program and the policy pack import no command (only tests call them)", () => {
        assert.deepStrictEqual(importers((f) => !f.startsWith("cmd/") && !f.startsWith("test/")), []);
    });
});

describe("components own their inputs", () => {
    /** Files under `dir` outside the loader (config.ts or config/) that import it, type-only imports included. */
    const inLoader = (f: string) => f === "config.ts" || f.startsWith("config/");
    const schemaImporters = (dir: string) => [...importGraph(dir)].filter(([f, deps]) => !inLoader(f) && deps.some(inLoader)).map(([f]) => f).sort();

    it("no component imports the config schema: only platform-args.ts maps it to their Args", () => {
        assert.deepStrictEqual(schemaImporters(path.join(ROOT, "components")), ["platform-args.ts"]);
    });

    it("sees type-only and multi-line imports of the schema", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imports-"));
        try {
            fs.writeFileSync(path.join(dir, "config.ts"), "export type C = { a: number };\n");
            fs.mkdirSync(path.join(dir, "app"));
            fs.writeFileSync(path.join(dir, "app", "a.ts"), 'import type {\n    C,\n} from "../config";\nexport const a: C = { a: 1 };\n');
            fs.writeFileSync(path.join(dir, "app", "b.ts"), 'export const b = 1;\n');
            assert.deepStrictEqual(schemaImporters(dir), ["app/a.ts"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("component files", () => {
    const files = [...importGraph(path.join(ROOT, "components")).keys()];

    it("none is over 400 lines: a file that long does several jobs", () => {
        const long = files.map((f) => [f, fs.readFileSync(path.join(ROOT, "components", f), "utf8").split("\n").length] as const).filter(([, n]) => n > 400);
        assert.deepStrictEqual(long, []);
    });

    it("the layers (folders) import each other in one direction only", () => {
        const folder = (f: string) => (f.includes("/") ? f.split("/")[0] : undefined);
        const edges = new Set<string>();
        for (const [f, deps] of importGraph(path.join(ROOT, "components"))) {
            for (const d of deps) if (folder(f) && folder(d) && folder(f) !== folder(d)) edges.add(`${folder(f)} -> ${folder(d)}`);
        }
        const both = [...edges].filter((e) => { const [a, b] = e.split(" -> "); return a < b && edges.has(`${b} -> ${a}`); });
        assert.ok(edges.size > 5, "the graph must see cross-folder imports");
        assert.deepStrictEqual(both, []);
    });

    it("each port the components share is written once, where its add-on is configured", () => {
        // OTLP gRPC/HTTP (Jaeger) and Fluentd's forward input.
        for (const port of ["4317", "4318", "24224"]) {
            const writers = files.filter((f) => new RegExp(`(?<![\\w.])${port}(?![\\w.])`).test(fs.readFileSync(path.join(ROOT, "components", f), "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "")));
            assert.strictEqual(writers.length, 1, `${port}: ${writers.join(", ")}`);
        }
    });

    it("pure files (values.ts, network.ts, validate.ts in a layer) create nothing (components/README.md)", () => {
        const pure = files.filter((f) => /^[^/]+\/(values|network|validate)\.ts$/.test(f));
        assert.ok(pure.length >= 8, pure.join(", "));
        const creating = pure.filter((f) => /new (k8s|aws|kx)\.|extends pulumi\.ComponentResource|new [A-Z]\w+\(`/.test(fs.readFileSync(path.join(ROOT, "components", f), "utf8")));
        assert.deepStrictEqual(creating, []);
    });
});
