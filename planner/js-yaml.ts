/**
 * js-yaml with the types this project uses (the package ships none). It parses several times faster
 * than `yaml`, which stays where its extras are needed: YAML 1.1 output (manifests) and error
 * positions (stack files).
 */
export interface JsYamlSchema {
    readonly __schema: unique symbol;
}

export const jsyaml = require("js-yaml") as {
    load(text: string, opts?: { json?: boolean; schema?: JsYamlSchema }): unknown;
    dump(v: unknown): string;
    /** YAML 1.2 core types only (no timestamps or merge keys), as Pulumi and `yaml` read them. */
    CORE_SCHEMA: JsYamlSchema;
};
