/**
 * The error invalid settings raise, shared by the config loader and the components that check their
 * own args, so a component need not import the config schema to report a problem.
 */
import * as pulumi from "@pulumi/pulumi";

/** Thrown for invalid stack config: lists every `kubechat:<path>: <reason>`; shown without a stack trace. */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: string[]) {
        super(`invalid stack configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}
