/**
 * The policy pack's entry point (package.json `main`) when it runs from its TypeScript source, as
 * `pulumi up --policy-pack policies` does in a checkout.
 *
 * @pulumi/pulumi's run-policy-pack registers ts-node with `typeCheck: true`, whatever the pack's
 * tsconfig says, so every `pulumi preview`, `up`, `refresh` and `destroy` would type-check the whole
 * pack before its first rule runs: about 3 s of CPU per command on this project's 2-core machines, for
 * what `npm test` (tsc --noEmit) already checks. Here each of the pack's .ts files is transpiled on its
 * own instead (TypeScript's transpileModule: syntax only, no type information), before ts-node sees it.
 * Without a TypeScript compiler beside the pack (a pack installed with production dependencies only)
 * it falls back to the ts-node hook the runner registered. The offline bundle ships the pack compiled
 * (its package.json names index.js), so this file is not used there.
 */
"use strict";
const fs = require("fs");
const path = require("path");

let ts;
try {
    ts = require("typescript");
} catch {
    ts = undefined;
}

if (ts) {
    const packDir = __dirname + path.sep;
    // ts-node's hook (what run-policy-pack registered) for anything else, or plain JavaScript loading.
    const fallback = require.extensions[".ts"] ?? require.extensions[".js"];
    const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true };
    require.extensions[".ts"] = function (module, filename) {
        if (!filename.startsWith(packDir) || filename.includes(`${path.sep}node_modules${path.sep}`)) return fallback(module, filename);
        const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), { fileName: filename, compilerOptions, reportDiagnostics: false });
        module._compile(out.outputText, filename);
    };
}

module.exports = require("./index.ts");
