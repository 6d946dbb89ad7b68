import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../scripts/lib/plan";
import { renderPackConfig, renderPulumiYaml, renderConfigDoc, CONFIG_DOC } from "../../scripts/gen-config";

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

    it("Pulumi.yaml is the kubechat-platform nodejs project and its config section is generated from the schema", () => {
        assert.strictEqual(project.name, "kubechat-platform");
        assert.strictEqual(project.runtime.name, "nodejs");
        assert.ok(project.description);
        assert.strictEqual(renderPulumiYaml(read("Pulumi.yaml")), read("Pulumi.yaml"), "run: npm run gen:config");
    });

    it("every declaration has a Pulumi type, a description and a default of that type", () => {
        for (const [key, decl] of Object.entries<any>(project.config)) {
            assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), key);
            assert.ok(decl.description && decl.description.length > 10, `${key} description`);
            assert.strictEqual(typeOf(decl.default), decl.type === "string" ? "string" : decl.type, `${key} default`);
            if (decl.type === "array") assert.ok(decl.items?.type, `${key} items`);
        }
    });

    for (const stack of STACKS) {
        it(`every kubechat key in Pulumi.${stack}.yaml is declared with the matching type`, () => {
            const config = YAML.parse(read(`Pulumi.${stack}.yaml`)).config;
            const found: [string, unknown][] = [];
            for (const [k, v] of Object.entries(config)) {
                const [ns, name] = k.split(":");
                if (ns === "kubechat") leaves(v, name, found);
            }
            assert.ok(found.length > 10);
            for (const [key, value] of found) {
                const decl = project.config[key];
                assert.ok(decl, `kubechat:${key} is not declared in Pulumi.yaml`);
                assert.strictEqual(typeOf(value), decl.type, `kubechat:${key} is declared ${decl.type}`);
            }
        });
    }

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
