/**
 * The drills' Python imports each other's modules through `sys.path.insert(0, os.path.join(<this file's
 * directory>, ...))`; a folder move breaks that only when the drill runs (test:dr, minutes into CI).
 * Every such path must name a folder holding the module imported right after it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

function pythonFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : pythonFiles(p);
        return e.name.endsWith(".py") ? [p] : [];
    });
}

describe("drill scripts: Python import paths name folders that exist", () => {
    const files = pythonFiles(path.join(ROOT, "test"));

    it("finds the drills", () => assert.ok(files.length >= 2, files.join(", ")));

    for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        const inserts = [...text.matchAll(/sys\.path\.insert\(0, os\.path\.join\(os\.path\.dirname\(os\.path\.abspath\(__file__\)\), ([^)]*)\)\)\n(?:.*\n)*?import (\w+)/g)];
        for (const m of inserts) {
            it(`${path.relative(ROOT, file)}: import ${m[2]} from ${m[1]}`, () => {
                const parts = [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
                const dir = path.join(path.dirname(file), ...parts);
                assert.ok(fs.existsSync(path.join(dir, `${m[2]}.py`)), `${path.relative(ROOT, dir)}/${m[2]}.py does not exist`);
            });
        }
    }
});
