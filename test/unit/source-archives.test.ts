/** The vendored Go sources the module proxy refuses (sources/): each archive is the one SHA256SUMS names. */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../planner/root";

const DIR = path.join(ROOT, "sources");

describe("vendored source archives (sources/)", () => {
    const lines = fs.readFileSync(path.join(DIR, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.split(/\s+/));

    it("SHA256SUMS lists every archive in the folder, and each matches its sum", () => {
        const archives = fs.readdirSync(DIR).filter((f) => f.endsWith(".tar.gz")).sort();
        assert.deepStrictEqual(lines.map(([, f]) => f).sort(), archives);
        for (const [sum, f] of lines) assert.strictEqual(crypto.createHash("sha256").update(fs.readFileSync(path.join(DIR, f))).digest("hex"), sum, f);
    });

    it("the versions the toolchain builds from them are the ones vendored", () => {
        const versions = fs.readFileSync(path.join(ROOT, "test", "real", "tools", "versions.sh"), "utf8");
        const walg = /WALG_VERSION="\$\{KUBECHAT_REAL_WALG_VERSION:-(v[0-9.]+)\}"/.exec(versions)?.[1];
        assert.ok(walg, "versions.sh names WAL-G's version");
        assert.ok(lines.some(([, f]) => f === `wal-g-${walg}-src.tar.gz`), `sources/ has no wal-g-${walg}-src.tar.gz`);
    });
});
