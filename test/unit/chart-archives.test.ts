/** The vendored chart archives and their checks (planner/render/charts.ts, npm run charts:pull). */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { archiveProblem, chartMeta, readSums, verifiedChartSource, vendoredCharts } from "../../planner/render/charts";
import { ROOT } from "../../planner/root";

const CHARTS_DIR = vendoredCharts(ROOT);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-archives-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of charts/ to damage. */
function copyOfCharts(name: string): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(CHARTS_DIR)) fs.copyFileSync(path.join(CHARTS_DIR, f), path.join(dir, f));
    return dir;
}

describe("chart archives", () => {
    const sums = readSums(path.join(CHARTS_DIR, "SHA256SUMS"));

    it("each vendored archive's own Chart.yaml names the chart and version its file name says", () => {
        for (const f of sums.keys()) {
            const m = chartMeta(fs.readFileSync(path.join(CHARTS_DIR, f)));
            assert.strictEqual(`${m.name}-${m.version}.tgz`, f);
            assert.strictEqual(archiveProblem(path.join(CHARTS_DIR, f), m.name, m.version, sums, "SHA256SUMS"), undefined);
        }
    });

    it("a truncated archive, random bytes, another chart under the name, a missing file: each named with why", () => {
        const dir = copyOfCharts("damaged");
        const kps = path.join(dir, "kube-prometheus-stack-88.0.0.tgz");
        fs.writeFileSync(kps, fs.readFileSync(kps).subarray(0, 20000));
        fs.writeFileSync(path.join(dir, "velero-12.0.0.tgz"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
        fs.copyFileSync(path.join(CHARTS_DIR, "fluentd-0.5.3.tgz"), path.join(dir, "fluent-bit-0.54.0.tgz"));
        fs.rmSync(path.join(dir, "jaeger-4.11.1.tgz"));
        const want = [["kube-prometheus-stack", "88.0.0"], ["velero", "12.0.0"], ["fluent-bit", "0.54.0"], ["jaeger", "4.11.1"], ["istiod", "1.28.0"]].map(([chart, version]) => ({ chart, version }));
        assert.throws(() => verifiedChartSource(ROOT, { charts: dir }, want), (e: Error) => {
            assert.strictEqual(e.name, "UsageError");
            const lines = e.message.split("\n");
            const held = fs.readdirSync(dir).filter((f) => f.endsWith(".tgz")).length;
            assert.strictEqual(lines[0], `chart archives in ${dir} (--charts) (${held} .tgz file(s) there, 5 needed):`);
            assert.deepStrictEqual(lines.slice(1).map((l) => l.split(":")[0].trim()), ["fluent-bit-0.54.0.tgz", "jaeger-4.11.1.tgz", "kube-prometheus-stack-88.0.0.tgz", "velero-12.0.0.tgz"]);
            assert.match(lines[1], /sha256 \w+… differs from .*SHA256SUMS.*; its Chart\.yaml is fluentd 0\.5\.3, not fluent-bit 0\.54\.0$/);
            assert.match(lines[2], /: missing$/);
            // The start of the archive still holds Chart.yaml: the digest is what catches the cut.
            assert.match(lines[3], /sha256 \w+… differs from .*SHA256SUMS \(880f306563c0…\): damaged, or not the verified archive$/);
            assert.match(lines[4], /not a readable chart archive \(incorrect header check\)$/);
            return true;
        });
    });

    it("an archive renamed to another chart's name is caught by its Chart.yaml even where SHA256SUMS was written over it", () => {
        const dir = path.join(tmp, "renamed");
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(CHARTS_DIR, "fluentd-0.5.3.tgz"), path.join(dir, "fluent-bit-0.54.0.tgz"));
        fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${sums.get("fluentd-0.5.3.tgz")}  fluent-bit-0.54.0.tgz\n`);
        assert.throws(() => verifiedChartSource(ROOT, { charts: dir }, [{ chart: "fluent-bit", version: "0.54.0" }]), /fluent-bit-0\.54\.0\.tgz: its Chart\.yaml is fluentd 0\.5\.3, not fluent-bit 0\.54\.0$/);
    });

    it("a folder without SHA256SUMS is checked against the repository's; one not listed there is named", () => {
        const dir = path.join(tmp, "nosums");
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(CHARTS_DIR, "fluentd-0.5.3.tgz"), path.join(dir, "fluentd-0.5.3.tgz"));
        assert.strictEqual(verifiedChartSource(ROOT, { charts: dir }, [{ chart: "fluentd", version: "0.5.3" }]).dir, dir);
        fs.writeFileSync(path.join(dir, "SHA256SUMS"), "");
        assert.throws(() => verifiedChartSource(ROOT, { charts: dir }, [{ chart: "fluentd", version: "0.5.3" }]), /fluentd-0\.5\.3\.tgz: not listed in .*nosums\/SHA256SUMS$/);
    });

    it("SHA256SUMS lines that are not `<sha256>  <file>`, or a file listed twice, are errors naming the line", () => {
        const f = path.join(tmp, "SUMS");
        fs.writeFileSync(f, `${"a".repeat(64)}  x.tgz\n\nnot a sum\n`);
        assert.throws(() => readSums(f), new RegExp(`${f}:3: not a "<sha256>  <file>" line`));
        fs.writeFileSync(f, `${"a".repeat(64)}  x.tgz\n${"b".repeat(64)} *x.tgz\n`);
        assert.throws(() => readSums(f), new RegExp(`${f}:2: x\\.tgz is listed twice`));
    });

    it("charts:pull checks every pinned archive and names archives no pin uses (charts/ itself: nothing)", () => {
        const { folderProblems } = require("../../planner/render/chart-folder") as typeof import("../../planner/render/chart-folder");
        assert.deepStrictEqual(folderProblems(ROOT, CHARTS_DIR), []);
        const dir = copyOfCharts("pull");
        fs.writeFileSync(path.join(dir, "vpa-5.0.0.tgz"), "");
        fs.copyFileSync(path.join(CHARTS_DIR, "vpa-5.0.0.tgz"), path.join(dir, "vpa-4.0.0.tgz"));
        const problems = folderProblems(ROOT, dir);
        assert.strictEqual(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^vpa-5\.0\.0\.tgz: sha256 .* differs .*; not a readable chart archive \(unexpected end of file\)$/);
        assert.strictEqual(problems[1], "vpa-4.0.0.tgz: no pin in components/catalog.ts uses it");
    });
});
