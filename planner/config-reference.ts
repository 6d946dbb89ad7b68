/**
 * The files generated from the config schema and the policies (`npm run gen:config`; a test fails when
 * any is out of date): the `config:` section of Pulumi.yaml, the config reference in
 * docs/configuration.md, policies/config/<stack>.json (the policy pack's settings of each stack) and
 * the rule table of policies/README.md.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigLeaf, configLeaves } from "../components/config/leaves";
import { parseStackValues } from "../components/config";
import { ROOT } from "./root";
import { knownStacks, readStackFile } from "./program/stack-file";
import { packConfig } from "./checks/policy-run";
import { allPolicies } from "../policies/runner";
import { renderRulesReadme } from "../policies/rule-table";

/** Parse a stack file's `kubechat:` values without running the program, as the program would. */
export function stackConfig(stack: string, file = path.join(ROOT, `Pulumi.${stack}.yaml`)) {
    const { config, secretKeys } = readStackFile(file);
    return parseStackValues(config, "kubechat", stack, secretKeys);
}

export function renderPackConfig(stack: string): string {
    return JSON.stringify(packConfig(stackConfig(stack)), null, 2) + "\n";
}

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

/** The config reference document, with the generated table between the markers. */
export const CONFIG_DOC = "docs/configuration.md";

export function renderConfigDoc(current: string): string {
    const a = current.indexOf(BEGIN);
    const b = current.indexOf(END);
    if (a < 0 || b < a) throw new Error(`${CONFIG_DOC} lacks the ${BEGIN} ... ${END} markers`);
    return current.slice(0, a + BEGIN.length) + "\n" + configReference() + "\n" + current.slice(b);
}

/** Rewrite every generated file from the schema, the stack files and the policies. */
export function regenerate(): void {
    const py = path.join(ROOT, "Pulumi.yaml");
    fs.writeFileSync(py, renderPulumiYaml(fs.readFileSync(py, "utf8")));
    const doc = path.join(ROOT, CONFIG_DOC);
    fs.writeFileSync(doc, renderConfigDoc(fs.readFileSync(doc, "utf8")));
    for (const stack of knownStacks()) fs.writeFileSync(path.join(ROOT, "policies", "config", `${stack}.json`), renderPackConfig(stack));
    const rules = path.join(ROOT, "policies", "README.md");
    fs.writeFileSync(rules, renderRulesReadme(fs.readFileSync(rules, "utf8"), allPolicies));
}
