import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OutputFiles } from "../../planner/output/files";

/** Every file below `dir` with its content, by relative path. */
function tree(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else out[path.relative(dir, p)] = fs.readFileSync(p, "utf8");
        }
    };
    walk(dir);
    return out;
}

describe("OutputFiles", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-files-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("leaves the directory holding exactly this run's files and the kept entries, whatever was there", () => {
        const put = (rel: string, text = "old") => {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
        };
        put(".marker", "mine");
        put("same.yaml");
        put("stale.yaml");
        put("gone/deep/x.yaml");
        put("a"); // a file where this run needs a directory
        put("b/inner.yaml"); // a directory where this run writes a file
        fs.mkdirSync(path.join(dir, "empty"));
        const inode = fs.statSync(path.join(dir, "same.yaml")).ino;
        const files = new OutputFiles(dir, [".marker"]);
        files.add(path.join(dir, "same.yaml"), "new");
        files.add(path.join(dir, "a", "c.yaml"), "c");
        files.add(path.join(dir, "b"), "b");
        files.add(path.join(dir, "d", "e", "f.yaml"), "f");
        assert.strictEqual(fs.readFileSync(path.join(dir, "d", "e", "f.yaml"), "utf8"), "f", "written when added");
        assert.ok(fs.existsSync(path.join(dir, "stale.yaml")), "nothing removed before finish");
        files.finish();
        assert.deepStrictEqual(tree(dir), { ".marker": "mine", "same.yaml": "new", [path.join("a", "c.yaml")]: "c", b: "b", [path.join("d", "e", "f.yaml")]: "f" });
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), [".marker", "a", "b", "d", "same.yaml"], "no directory left empty");
        assert.strictEqual(fs.statSync(path.join(dir, "same.yaml")).ino, inode, "rewritten in place");
    });

    it("never writes through a link left in the directory", () => {
        const target = path.join(dir, "out");
        const outside = path.join(dir, "elsewhere");
        fs.mkdirSync(target);
        fs.mkdirSync(outside);
        fs.writeFileSync(path.join(outside, "keep.yaml"), "outside");
        fs.symlinkSync(outside, path.join(target, "sub"));
        fs.symlinkSync(path.join(outside, "keep.yaml"), path.join(target, "file.yaml"));
        const files = new OutputFiles(target);
        files.add(path.join(target, "sub", "keep.yaml"), "new");
        files.add(path.join(target, "file.yaml"), "new");
        files.finish();
        assert.strictEqual(fs.readFileSync(path.join(outside, "keep.yaml"), "utf8"), "outside");
        assert.ok(fs.lstatSync(path.join(target, "sub")).isDirectory());
        assert.ok(fs.lstatSync(path.join(target, "file.yaml")).isFile());
        assert.deepStrictEqual(tree(target), { [path.join("sub", "keep.yaml")]: "new", "file.yaml": "new" });
    });

    it("creates the directory when it does not exist, and refuses files outside it", () => {
        const target = path.join(dir, "new", "out");
        const files = new OutputFiles(target);
        files.add(path.join(target, "x.yaml"), "x");
        assert.throws(() => files.add(path.join(dir, "elsewhere.yaml"), "x"), /outside/);
        files.finish();
        assert.deepStrictEqual(tree(target), { "x.yaml": "x" });
        assert.ok(!fs.existsSync(path.join(dir, "elsewhere.yaml")));
    });
});
