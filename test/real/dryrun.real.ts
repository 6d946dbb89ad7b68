/**
 * (a) Every object of every stack against a real kube-apiserver: the CRDs that the rendered charts ship
 * are installed for real, then each object the plan writes (manifests/) and each object the charts
 * render (rendered/) is server-side applied with --dry-run=server, so admission, structural schemas,
 * pruning, CEL rules, defaulting and field validation (Strict) all run. Any rejection fails the test with
 * the object, the field and the API server's message.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ManifestObject, objectsUnder, planOf } from "./plans";
import { realCluster } from "./hooks";

const STACKS = ["dev", "staging", "prod"];
/** Placeholders the offline plan writes for values it cannot know (scripts/lib/plan.ts). */
const PLACEHOLDERS = ["(known after apply)", "[secret]"];

function id(o: any): string {
    const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : "";
    return `${o.kind} ${ns}${o.metadata?.name}`;
}

function hasPlaceholder(v: unknown): boolean {
    if (typeof v === "string") return PLACEHOLDERS.includes(v);
    if (Array.isArray(v)) return v.some(hasPlaceholder);
    if (v !== null && typeof v === "object") return Object.values(v).some(hasPlaceholder);
    return false;
}

/** Writes objects as one YAML file each under dir (kubectl reads them with -R). */
function writeObjects(dir: string, objs: ManifestObject[]): void {
    fs.mkdirSync(dir, { recursive: true });
    objs.forEach((o, i) => fs.writeFileSync(path.join(dir, `${String(i).padStart(5, "0")}.yaml`), YAML.stringify(o.object)));
}

/** kubectl's per-object errors, each tied back to the object it names. */
function rejections(stderr: string): string[] {
    return stderr
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("Error from server") || l.startsWith("error:"));
}

describe("real API server: server-side dry-run of every object (test:real a)", function () {
    this.timeout(20 * 60 * 1000);

    for (const stack of STACKS) {
        it(`${stack}: the API server accepts every plan and chart object`, function () {
            const cluster = realCluster();
            const p = planOf(stack);
            const own = objectsUnder(p, "manifests");
            const rendered = objectsUnder(p, "rendered");
            assert.ok(own.length > 0, `plan of ${stack} wrote no manifests`);
            const all = [...own, ...rendered];

            // CRDs first, for real (the charts' CRDs, and any the program writes), then wait until served.
            const crds = all.filter((o) => o.object.kind === "CustomResourceDefinition");
            const work = fs.mkdtempSync(path.join(cluster.dir, `${stack}-`));
            if (crds.length > 0) {
                writeObjects(path.join(work, "crds"), crds);
                cluster.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=kubechat-real", "-R", "-f", path.join(work, "crds")]);
                cluster.kubectl(["wait", "--for=condition=Established", "--timeout=120s", ...crds.map((c) => `crd/${c.object.metadata.name}`)]);
            }
            // Namespaced objects need their namespace to exist, even in a dry run: create those namespaces.
            const namespaces = new Set<string>();
            for (const o of all) {
                if (o.object.kind === "Namespace") namespaces.add(o.object.metadata.name);
                else if (o.object.metadata?.namespace) namespaces.add(o.object.metadata.namespace);
            }
            const nsDocs = [...namespaces].sort().map((n) => ({ file: "", object: { apiVersion: "v1", kind: "Namespace", metadata: { name: n } } }));
            writeObjects(path.join(work, "namespaces"), nsDocs);
            cluster.kubectl(["apply", "--server-side", "--field-manager=kubechat-real-ns", "-R", "-f", path.join(work, "namespaces")]);

            const unknown = all.filter((o) => hasPlaceholder(o.object));
            const checked = all.filter((o) => !hasPlaceholder(o.object));
            writeObjects(path.join(work, "objects"), checked);
            const r = cluster.kubectl(
                ["apply", "--server-side", "--dry-run=server", "--force-conflicts", "--field-manager=kubechat-real", "--validate=strict", "-R", "-f", path.join(work, "objects"), "-o", "name"],
                { allowFail: true },
            );
            const accepted = r.stdout.split("\n").filter((l) => l.trim() !== "").length;
            const errors = rejections(r.stderr);
            console.log(
                `      ${stack}: ${own.length} plan objects, ${rendered.length} rendered chart objects, ${crds.length} CRDs installed; ` +
                    `${accepted} accepted by a server-side dry run, ${errors.length} rejected, ${unknown.length} not sent (values known only after apply: ${unknown.map((o) => id(o.object)).join(", ") || "none"})`,
            );
            if (rendered.length === 0) console.log(`      ${stack}: no rendered chart output in this plan (out/${stack}/rendered/ absent)`);
            assert.deepStrictEqual(errors, [], `${stack}: the API server rejected objects:\n${errors.join("\n")}`);
            assert.strictEqual(r.code, 0, `kubectl apply exited ${r.code}: ${r.stderr}`);
            assert.strictEqual(accepted, checked.length, `${stack}: ${checked.length} objects sent, ${accepted} accepted`);
        });
    }
});
