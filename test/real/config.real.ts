/**
 * (c) Config through the real CLI: copies of a stack file with a wrong type or a typo'd key, and a wrong
 * type set with `pulumi config set --path`, must stop `pulumi preview` before any resource is
 * registered. The CLI type-checks every key Pulumi.yaml declares (pkg/workspace/config.go,
 * validateStackConfigValues, at the pinned Pulumi); it has no rule for undeclared keys, so a typo'd key
 * is rejected by the program's loader (strict schema in components/config/schema.ts) — both asserted by message.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./plans";
import { runPreview } from "./preview";

/** A copy of Pulumi.dev.yaml with `edit` applied to its config map. */
function stackCopy(dir: string, edit: (config: Record<string, any>) => void): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    edit(doc.config);
    const file = path.join(dir, "Pulumi.dev.yaml");
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

describe("real CLI: the project's config schema applies (test:real c)", function () {
    this.timeout(10 * 60 * 1000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubechat-real-config-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const cases: { name: string; args: () => string[]; error: RegExp }[] = [
        {
            name: "a wrong type in the stack file is rejected by the CLI (declared boolean)",
            args: () => ["--config-file", stackCopy(dir, (c) => (c["kubechat:persistent"] = "sometimes"))],
            error: /Stack 'dev' with configuration key 'persistent' must be of type 'boolean'/,
        },
        {
            name: "a wrong type inside a section is rejected by the CLI (declared integer cluster.zones)",
            args: () => ["--config-file", stackCopy(dir, (c) => (c["kubechat:cluster"].zones = "three"))],
            error: /Stack 'dev' with configuration key 'cluster\.zones' must be of type 'integer'/,
        },
        {
            name: "a wrong type set with `pulumi config set --path` is rejected by the CLI",
            args: () => ["--config-file", path.join(ROOT, "Pulumi.dev.yaml"), "--set", "kubechat:mesh.istiodReplicas=two"],
            error: /Stack 'dev' with configuration key 'mesh\.istiodReplicas' must be of type 'integer'/,
        },
        {
            name: "a typo'd key is rejected before any resource is registered (by the loader: the CLI has no unknown-key rule)",
            args: () => ["--config-file", stackCopy(dir, (c) => (c["kubechat:persistant"] = true))],
            error: /kubechat:persistant: unknown key/,
        },
        {
            name: "a typo'd key inside a section is rejected before any resource is registered",
            args: () => ["--config-file", stackCopy(dir, (c) => (c["kubechat:cluster"].zoens = 3))],
            error: /kubechat:cluster\.zoens: unknown key/,
        },
    ];

    for (const c of cases) {
        it(c.name, function () {
            const r = runPreview("dev", [...c.args(), "--no-policy"]);
            assert.strictEqual(r.ok, false, "preview succeeded");
            assert.match(r.error ?? "", c.error);
            const registered = r.urns.filter((u) => !u.includes("::pulumi:pulumi:Stack::"));
            assert.deepStrictEqual(registered, [], "resources were registered before the config was rejected");
        });
    }
});
