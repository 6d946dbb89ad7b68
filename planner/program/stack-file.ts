/**
 * The project and stack files as the Pulumi CLI reads them: Pulumi.yaml's name and config declarations,
 * a Pulumi.<stack>.yaml's values (secure values as placeholders), and which stacks exist. Loads no SDK.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
// js-yaml reads Pulumi.yaml's 26 KB several times faster than `yaml` (the stack file keeps `yaml` for its error positions).
import { jsyaml } from "../js-yaml";
import { ROOT } from "../root";
import { UsageError, configFileOf } from "../cli/args";

/** Pulumi.yaml: the project name and its `config:` declarations. */
export function projectFile(): { name: string; config: Record<string, unknown> } {
    const project = jsyaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"), { schema: jsyaml.CORE_SCHEMA }) as { name: string; config?: Record<string, unknown> };
    return { name: project.name, config: project.config ?? {} };
}

/** Read Pulumi.yaml's project name. */
export function projectName(): string {
    return projectFile().name;
}

export interface StackFile {
    /** Fully-qualified key -> value as Pulumi hands it to a program (strings raw, the rest JSON). */
    config: Record<string, string>;
    secretKeys: string[];
}

/** Marks `secure:` values: they cannot be decrypted offline, so the program sees a placeholder secret. */
function stripSecure(v: unknown, found: { secret: boolean }): unknown {
    if (Array.isArray(v)) return v.map((x) => stripSecure(x, found));
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (Object.keys(o).length === 1 && typeof o.secure === "string") {
            found.secret = true;
            return "(encrypted)";
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, stripSecure(x, found)]));
    }
    return v;
}

/** The stacks of the project: one Pulumi.<stack>.yaml each at the root. */
export function knownStacks(root = ROOT): string[] {
    return fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1] ?? []).sort();
}

/** The message for a stack with no Pulumi.<stack>.yaml: the stacks there are, and the other way in. */
export function unknownStack(stack: string, root = ROOT): string {
    return `no stack ${stack}: there is no Pulumi.${stack}.yaml (stacks: ${knownStacks(root).join(", ")}; or pass --config-file <path>)`;
}

/**
 * Where a YAML error really is. An unclosed flow collection (`[` or `{`) is noticed only where the
 * text after it stops fitting, a line or more later: point at the bracket that was never closed.
 */
export function yamlErrorAt(text: string, e: { code: string; message: string; pos: [number, number] }): { offset: number; note?: string } {
    if (!/^Flow (sequence|mapping)/.test(e.message)) return { offset: e.pos[0] };
    let depth = 0;
    for (let i = e.pos[0] - 1; i >= 0; i--) {
        const ch = text[i];
        if (ch === "]" || ch === "}") depth++;
        else if (ch === "[" || ch === "{") {
            if (depth === 0) return { offset: i, note: `"${ch}" opened here is never closed` };
            depth--;
        }
    }
    return { offset: e.pos[0] };
}

/** 1-based line and column of an offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
    const before = text.slice(0, offset).split("\n");
    return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** Parse a `Pulumi.<stack>.yaml`; YAML errors name the file and line. */
export function readStackFile(file: string): StackFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`cannot read config file ${file}`);
    }
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const at = yamlErrorAt(text, e);
        const { line, col } = lineCol(text, at.offset);
        // The whole message: it ends with the offending lines and a caret under the position where the parser stopped.
        throw new UsageError(`${file}:${line}:${col}: invalid YAML: ${at.note ? `${at.note}; ` : ""}${e.message.trimEnd()}`);
    }
    const data = doc.toJS() ?? {};
    if (typeof data !== "object" || Array.isArray(data)) throw new UsageError(`${file}: expected a mapping with a config: section`);
    const raw = data.config ?? {};
    if (typeof raw !== "object" || Array.isArray(raw)) throw new UsageError(`${file}: config: must be a mapping`);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(raw)) {
        const found = { secret: false };
        const v = stripSecure(value, found);
        config[key] = typeof v === "string" ? v : JSON.stringify(v);
        if (found.secret) secretKeys.push(key);
    }
    return { config, secretKeys };
}


/** The stack's config file: the one given, or Pulumi.<stack>.yaml at the project root; it must exist. */
export function stackConfigFile(stack: string, given?: string): string {
    const file = configFileOf(ROOT, stack, given);
    if (!fs.existsSync(file)) throw new UsageError(given ? `--config-file ${given}: no such file` : unknownStack(stack));
    return file;
}
