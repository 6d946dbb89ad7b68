/**
 * The kubernetes-models schemas of built-in kinds, bundled. Each kind in that package is an ES module
 * chain (the model, its validator, every schema the validator references): importing the twenty-odd
 * kinds a plan meets loads about 250 modules and costs about 150 ms, while one CommonJS bundle of the
 * same code loads in about 30 ms. The bundle holds the kinds that earlier commands needed
 * (node_modules/.cache/kubechat-schema/, per package version). A kind it lacks is imported from the
 * package as before and noted; `updateModelBundle` then bundles the kinds noted so far with esbuild
 * (a dev dependency, ~0.15 s) for the next command. The code is the package's own, unchanged.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../root";

export const MODELS_PACKAGE = "kubernetes-models";

const packageVersion = (): string => JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", MODELS_PACKAGE, "package.json"), "utf8")).version;

/** Where the bundle of this package version lives. */
export function bundleFile(root = ROOT): string {
    return path.join(root, "node_modules", ".cache", "kubechat-schema", `${MODELS_PACKAGE}-${packageVersion()}.js`);
}

let loaded: Record<string, unknown> | undefined;
/** Kinds imported from the package because the bundle lacked them. */
const missing = new Set<string>();

/** The bundled model of `apiVersion/Kind` (undefined when the bundle lacks it or there is none). */
export function bundledModel(apiVersion: string, kind: string): unknown {
    if (!loaded) {
        try {
            loaded = (require(bundleFile()) as { models: Record<string, unknown> }).models;
        } catch {
            loaded = {};
        }
    }
    return loaded[`${apiVersion}/${kind}`];
}

/** A kind of the package the bundle lacked (it was imported from the package instead). */
export function noteMissingModel(apiVersion: string, kind: string): void {
    missing.add(`${apiVersion}/${kind}`);
}

/** Bundle the kinds the bundle had and those noted missing, when any were (returns whether it did). */
export function updateModelBundle(file = bundleFile()): boolean {
    if (missing.size === 0) return false;
    const kinds = [...new Set([...Object.keys(loaded ?? {}), ...missing])].sort();
    const lines = kinds.map((k, i) => `import { ${k.split("/").pop()} as m${i} } from "${MODELS_PACKAGE}/${k}";`);
    lines.push(`export const models = { ${kinds.map((k, i) => `${JSON.stringify(k)}: m${i}`).join(", ")} };`);
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        require("esbuild").buildSync({
            stdin: { contents: lines.join("\n"), resolveDir: ROOT, sourcefile: "models.mjs" },
            bundle: true, format: "cjs", platform: "node", target: "node22", outfile: tmp, logLevel: "silent",
        });
        fs.renameSync(tmp, file);
        missing.clear();
        return true;
    } catch {
        // Without a bundle the package's modules are imported one by one: slower, the same models.
        return false;
    }
}
