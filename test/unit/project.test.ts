import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../planner/root";
import { renderPackConfig, renderPulumiYaml, renderConfigDoc, CONFIG_DOC } from "../../planner/config-reference";
import { applyProjectConfig, declarationProblems, qualify } from "../../planner/program/project-config";
import { CONFIG_NAMESPACE, parseConfig, parseStackValues } from "../../components/config";

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const STACKS = ["dev", "staging", "prod"];

/** Leaf paths of a nested stack value, as Pulumi resolves declared dotted keys (arrays are leaves). */
function leaves(v: unknown, prefix: string, out: [string, unknown][]): void {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        for (const [k, x] of Object.entries(v)) leaves(x, `${prefix}.${k}`, out);
    } else out.push([prefix, v]);
}

function typeOf(v: unknown): string {
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

describe("project files", () => {
    const project = YAML.parse(read("Pulumi.yaml"));

    it("Pulumi.yaml is the kubechat nodejs project and its config section is generated from the schema", () => {
        assert.strictEqual(project.name, "kubechat");
        assert.strictEqual(project.runtime.name, "nodejs");
        assert.ok(project.description);
        assert.strictEqual(renderPulumiYaml(read("Pulumi.yaml")), read("Pulumi.yaml"), "run: npm run gen:config");
    });

    it("the declared schema governs the namespace the loader reads: every declaration is in the project's namespace", () => {
        // Pulumi puts an unprefixed declared key into the project's namespace (workspace/config.go parseConfigKey).
        assert.strictEqual(project.name, CONFIG_NAMESPACE, "Pulumi.yaml name must be the loader's namespace");
        for (const key of Object.keys(project.config)) assert.strictEqual(qualify(project.name, key).namespace, CONFIG_NAMESPACE, key);
        assert.deepStrictEqual(declarationProblems(project.name, project.config), []);
    });

    it("every declaration has a Pulumi type, a description and a default of that type", () => {
        for (const [key, decl] of Object.entries<any>(project.config)) {
            assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), key);
            assert.ok(decl.description && decl.description.length > 10, `${key} description`);
            assert.strictEqual(typeOf(decl.default), decl.type === "string" ? "string" : decl.type, `${key} default`);
            if (decl.type === "array") assert.ok(decl.items?.type, `${key} items`);
        }
    });

    // Provider namespaces: the Pulumi providers the program depends on (@pulumi/aws -> aws:).
    const pkg = JSON.parse(read("package.json"));
    const providers = Object.keys(pkg.dependencies).filter((d) => d.startsWith("@pulumi/") && !["@pulumi/pulumi", "@pulumi/policy", "@pulumi/kubernetesx"].includes(d)).map((d) => d.slice("@pulumi/".length));

    for (const stack of STACKS) {
        it(`every key in Pulumi.${stack}.yaml is declared with the matching type, or belongs to a provider namespace`, () => {
            const config = YAML.parse(read(`Pulumi.${stack}.yaml`)).config;
            const found: [string, unknown][] = [];
            for (const [k, v] of Object.entries(config)) {
                const [ns, name] = k.split(":");
                if (ns === project.name) leaves(v, name, found);
                else assert.ok(providers.includes(ns), `${k}: neither declared in project ${project.name} nor a provider namespace (${providers.join(", ")})`);
            }
            assert.ok(found.length > 10);
            for (const [key, value] of found) {
                const decl = project.config[key];
                assert.ok(decl, `${project.name}:${key} is not declared in Pulumi.yaml`);
                assert.strictEqual(typeOf(value), decl.type, `${project.name}:${key} is declared ${decl.type}`);
            }
        });
    }

    it("every declared key is read by the loader: Pulumi's defaults applied to a stack reach the typed config", () => {
        // A minimal valid on-prem stack; everything else comes from the declared defaults, applied as the CLI does.
        const stack = {
            [`${project.name}:cluster`]: JSON.stringify({ apiServerCidrs: ["10.0.0.1/32"], nodeCidrs: ["10.0.0.0/24"] }),
            [`${project.name}:objectStore`]: JSON.stringify({ endpoint: "https://s3.example:9000", credentialsSecret: "creds", cidrs: ["10.9.0.0/24"] }),
            [`${project.name}:postgres`]: JSON.stringify({ backupBucket: "pg" }),
            [`${project.name}:backup`]: JSON.stringify({ bucket: "velero" }),
        };
        const load = (decls: Record<string, unknown>) => {
            const values = applyProjectConfig(project.name, decls, stack);
            for (const k of Object.keys(values)) assert.strictEqual(k.split(":")[0], CONFIG_NAMESPACE, `${k} lands outside the loader's namespace`);
            return parseStackValues(values, project.name, "test") as unknown as Record<string, any>;
        };
        const c = load(project.config);
        const at = (o: any, path: string) => path.split(".").reduce((x, p) => x?.[p], o);
        const set = ["cluster.apiServerCidrs", "cluster.nodeCidrs", "objectStore.endpoint", "objectStore.credentialsSecret", "objectStore.cidrs", "postgres.backupBucket", "backup.bucket"];
        for (const [key, decl] of Object.entries<any>(project.config)) {
            if (!set.includes(key)) assert.deepStrictEqual(at(c, key), decl.default, `${key}: the loaded value is not the declared default`);
        }
        // A changed declaration changes what the program gets (it is not the loader's own default talking).
        const changed = { ...project.config, "postgres.instances": { ...project.config["postgres.instances"], default: 5 } };
        assert.strictEqual(load(changed).postgres.instances, 5);
    });

    it("applies declared defaults the way the Pulumi CLI does (namespacing, paths, typed path values, provider values)", () => {
        const decls = {
            "a.b": { type: "integer", default: 3 },
            "a.c": { type: "string", default: "17" },
            "a.d": { type: "string", default: "0755" },
            "a.e": { type: "array", items: { type: "string" }, default: ["x"] },
            x: { type: "boolean", default: false },
            "aws:region": { value: "us-east-1" },
        };
        assert.deepStrictEqual(applyProjectConfig("p", decls, { "p:a": JSON.stringify({ b: 5 }), "other:k": "v" }), {
            "p:a": JSON.stringify({ b: 5, c: 17, d: "0755", e: ["x"] }),
            "p:x": "false",
            "aws:region": "us-east-1",
            "other:k": "v",
        });
        assert.deepStrictEqual(declarationProblems("p", { "aws:region": { type: "string", default: "us-east-1" }, ok: { type: "string", default: "" } }), [
            "aws:region: not namespaced by the project, so it may not declare a type",
            "aws:region: not namespaced by the project, so it may not declare a default (use value)",
        ]);
    });

    it("the loader turns path-set numbers back into strings where the schema wants a string", () => {
        const c = parseConfig({ cluster: { apiServerCidrs: ["10.0.0.1/32"], nodeCidrs: ["10.0.0.0/24"] }, objectStore: { endpoint: "http://minio.storage.svc:9000", credentialsSecret: "c" }, postgres: { backupBucket: "pg", version: 16, cpuLimit: 2 }, backup: { bucket: "v" } }, "kubechat", "t");
        assert.strictEqual(c.postgres.version, "16");
        assert.strictEqual(c.postgres.cpuLimit, "2");
    });

    for (const stack of STACKS) {
        it(`policies/config/${stack}.json (for pulumi preview --policy-pack) matches the ${stack} stack config`, () => {
            assert.strictEqual(read(`policies/config/${stack}.json`), renderPackConfig(stack), "run: npm run gen:config");
        });
    }

    it("the config reference (docs/configuration.md) is generated from the schema", () => {
        assert.strictEqual(renderConfigDoc(read(CONFIG_DOC)), read(CONFIG_DOC), "run: npm run gen:config");
        assert.match(read(CONFIG_DOC), /`kubechat:postgres\.instances`/);
    });

    it("node_modules holds exactly one copy of @pulumi/pulumi and of @pulumi/kubernetes", () => {
        const copies = (pkg: string) => {
            const found: string[] = [];
            const walk = (dir: string) => {
                const nm = path.join(dir, "node_modules");
                if (!fs.existsSync(nm)) return;
                for (const entry of fs.readdirSync(nm)) {
                    const scopes = entry.startsWith("@") ? fs.readdirSync(path.join(nm, entry)).map((e) => `${entry}/${e}`) : [entry];
                    for (const name of scopes) {
                        const p = path.join(nm, name);
                        if (name === pkg) found.push(p);
                        walk(p);
                    }
                }
            };
            walk(ROOT);
            return found;
        };
        assert.deepStrictEqual(copies("@pulumi/pulumi"), [path.join(ROOT, "node_modules/@pulumi/pulumi")]);
        assert.deepStrictEqual(copies("@pulumi/kubernetes"), [path.join(ROOT, "node_modules/@pulumi/kubernetes")]);
        assert.match(JSON.parse(read("node_modules/@pulumi/kubernetes/package.json")).version, /^4\./);
    });

    it("the runtime transpiles only (type-checking stays in npm test)", () => {
        const ts = JSON.parse(read("tsconfig.json"));
        assert.strictEqual(ts.compilerOptions.noCheck, true);
        assert.strictEqual(JSON.parse(read("tsconfig.check.json")).compilerOptions.noCheck, false);
    });
});
