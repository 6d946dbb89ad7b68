/**
 * npm run gen:config — rewrites the `config:` section of Pulumi.yaml and the config reference in
 * README.md from components/config.ts. A test fails when either is out of date.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { configLeaves, ConfigLeaf } from "./lib/config-doc";
import { ROOT } from "./lib/plan";

export function pulumiYamlConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    for (const l of configLeaves()) {
        const enumNote = l.values ? ` One of: ${l.values.join(", ")}.` : "";
        const decl: Record<string, unknown> = { type: l.type, description: `${l.description}.${enumNote}`.replace(/\.\./g, ".") };
        if (l.items) decl.items = { type: l.items };
        decl.default = l.default;
        config[l.key] = decl;
    }
    return config;
}

export function renderPulumiYaml(current: string): string {
    const doc = YAML.parseDocument(current);
    doc.set("config", pulumiYamlConfig());
    return doc.toString({ lineWidth: 0 });
}

const fmt = (v: unknown) => (typeof v === "string" ? (v === "" ? '`""`' : `\`${v}\``) : `\`${JSON.stringify(v)}\``);

export function configReference(): string {
    const rows = configLeaves().map((l: ConfigLeaf) =>
        `| \`kubechat:${l.key}\` | ${l.type}${l.items ? ` of ${l.items}` : ""} | ${fmt(l.default)} | ${l.description}${l.values ? ` (${l.values.join(" \\| ")})` : ""} |`);
    return ["| key | type | default | description |", "|---|---|---|---|", ...rows].join("\n");
}

export const BEGIN = "<!-- config-reference:begin -->";
export const END = "<!-- config-reference:end -->";

export function renderReadme(current: string): string {
    const a = current.indexOf(BEGIN);
    const b = current.indexOf(END);
    if (a < 0 || b < a) return current;
    return current.slice(0, a + BEGIN.length) + "\n" + configReference() + "\n" + current.slice(b);
}

if (require.main === module) {
    const py = path.join(ROOT, "Pulumi.yaml");
    fs.writeFileSync(py, renderPulumiYaml(fs.readFileSync(py, "utf8")));
    const readme = path.join(ROOT, "README.md");
    if (fs.existsSync(readme)) fs.writeFileSync(readme, renderReadme(fs.readFileSync(readme, "utf8")));
    console.log("Pulumi.yaml and README.md config reference regenerated");
}
