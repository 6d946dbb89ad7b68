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
import { ManifestObject, objectsUnder, planOf } from "./plans";
import { realCluster } from "./hooks";

const STACKS = ["dev", "staging", "prod"];
/** Placeholders the offline plan writes for values it cannot know (planner/program/runtime.ts). */
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

/** Writes objects as one file each under dir (kubectl reads them with -R); file name -> object. */
function writeObjects(dir: string, objs: ManifestObject[]): Map<string, ManifestObject> {
    fs.mkdirSync(dir, { recursive: true });
    const files = new Map<string, ManifestObject>();
    objs.forEach((o, i) => {
        // JSON: kubectl reads YAML as 1.1, where a plain Off or yes would turn into a boolean.
        const name = `${String(i).padStart(5, "0")}.json`;
        fs.writeFileSync(path.join(dir, name), JSON.stringify(o.object));
        files.set(name, o);
    });
    return files;
}

/**
 * kubectl's per-object errors: the API server's rejections (object, field and message in its text) and
 * kinds it does not serve (a custom resource whose CRD no chart ships), with the file's object named.
 */
function rejections(stderr: string, files: Map<string, ManifestObject>): string[] {
    return stderr
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("Error from server") || l.startsWith("error:") || l.startsWith("resource mapping not found"))
        .map((l) => {
            const f = /from "([^"]+)"/.exec(l)?.[1];
            const o = f ? files.get(path.basename(f)) : undefined;
            const note = o && hasPlaceholder(o.object) ? " [holds a value known only after apply]" : "";
            return o ? `${id(o.object)} (${o.file})${note}: ${l.replace(/ from "[^"]+"/, "")}` : l;
        });
}

/** Server-side dry-run apply of objects (their CRDs and namespaces installed first, for real). */
function dryRun(label: string, all: ManifestObject[]): { accepted: number; errors: string[]; crds: number; code: number } {
    const cluster = realCluster();
    const work = fs.mkdtempSync(path.join(cluster.dir, `${label}-`));
    // CRDs first, for real (the charts' CRDs, and any the program writes), then wait until served.
    const crds = all.filter((o) => o.object.kind === "CustomResourceDefinition");
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
    if (namespaces.size > 0) {
        const nsDocs = [...namespaces].sort().map((n) => ({ file: "", object: { apiVersion: "v1", kind: "Namespace", metadata: { name: n } } }));
        writeObjects(path.join(work, "namespaces"), nsDocs);
        cluster.kubectl(["apply", "--server-side", "--field-manager=kubechat-real-ns", "-R", "-f", path.join(work, "namespaces")]);
    }
    // Every object, CRDs included (validation of their own schemas); field validation Strict.
    const files = writeObjects(path.join(work, "objects"), all);
    const r = cluster.kubectl(
        ["apply", "--server-side", "--dry-run=server", "--force-conflicts", "--field-manager=kubechat-real", "--validate=strict", "-R", "-f", path.join(work, "objects"), "-o", "name"],
        { allowFail: true },
    );
    const accepted = r.stdout.split("\n").filter((l) => l.trim() !== "").length;
    return { accepted, errors: rejections(r.stderr, files), crds: crds.length, code: r.code };
}

describe("real API server: server-side dry-run of every object (test:real a)", function () {
    this.timeout(20 * 60 * 1000);

    it("a rejected object is reported with its object, field and message (the check can fail)", function () {
        const deployment = objectsUnder(planOf("dev"), "manifests").find((o) => o.object.kind === "Deployment");
        assert.ok(deployment, "dev plan has a Deployment");
        const broken = structuredClone(deployment.object);
        broken.spec.replicaz = 2;
        broken.spec.template.spec.containers[0].image = "";
        const r = dryRun("broken", [{ file: deployment.file, object: broken }]);
        assert.strictEqual(r.accepted, 0);
        assert.strictEqual(r.errors.length, 1, r.errors.join("\n"));
        assert.match(r.errors[0], new RegExp(`${broken.metadata.namespace}/${broken.metadata.name}\\b.*Deployment`));
        assert.match(r.errors[0], /spec\.replicaz/);
    });

    for (const stack of STACKS) {
        it(`${stack}: the API server accepts every plan and chart object`, function () {
            const p = planOf(stack);
            const own = objectsUnder(p, "manifests");
            const rendered = objectsUnder(p, "rendered");
            assert.ok(own.length > 0, `plan of ${stack} wrote no manifests`);
            const all = [...own, ...rendered];
            const unknown = all.filter((o) => hasPlaceholder(o.object));
            const r = dryRun(stack, all);
            console.log(
                `      ${stack}: ${own.length} plan objects, ${rendered.length} rendered chart objects, ${r.crds} CRDs installed; ` +
                    `${r.accepted} accepted by a server-side dry run, ${r.errors.length} rejected; with a value known only after apply: ${unknown.map((o) => id(o.object)).join(", ") || "none"}`,
            );
            assert.ok(rendered.length > 0, `plan of ${stack} rendered no chart`);
            assert.deepStrictEqual(r.errors, [], `${stack}: the API server rejected objects:\n${r.errors.join("\n")}`);
            assert.strictEqual(r.code, 0, `kubectl apply exited ${r.code}`);
            assert.strictEqual(r.accepted, all.length, `${stack}: ${all.length} objects sent, ${r.accepted} accepted`);
        });
    }
});
