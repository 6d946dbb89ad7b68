/**
 * The one stack-config loader: it decodes a stack's values (decode.ts), validates them against the
 * schema (schema.ts) and the cross-key rules (cross-checks.ts), and hands the typed config to
 * `platformArgs`. Invalid settings give one ConfigError listing every `kubechat:<key>: reason`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../errors";
import { crossChecks } from "./cross-checks";
import { coerceScalars, decodeStackValues } from "./decode";
import { issueProblems } from "./messages";
import { CONFIG_NAMESPACE, PlatformConfig, StackConfig, configSchema } from "./schema";

export * from "./schema";
export { crossChecks } from "./cross-checks";
export { STRING_KEYS, coerceScalars, decodeStackValues } from "./decode";
export { keysAt, nearestKey } from "./messages";
export { ConfigError };

// The SDK's own test for "was this key set with --secret" (what Config.get uses to warn); it is
// marked internal in the typings, hence the typed require.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** The schema alone (with its scalar coercion), without the cross-key rules; throws a ConfigError. */
export function parseSchema(raw: Record<string, unknown>): PlatformConfig {
    const input = coerceScalars(configSchema, raw);
    const result = configSchema.safeParse(input);
    if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => issueProblems(issue, input)));
    return result.data;
}

/**
 * Validate raw `kubechat:*` values (already JSON-decoded) and return the typed config, or throw one
 * ConfigError listing every problem. `secretKeys` are the fully-qualified keys Pulumi marks secret;
 * `providers` the stack's settings of other namespaces (`aws:region`), checked against ours.
 */
export function parseConfig(raw: Record<string, unknown>, project: string, stack: string, secretKeys: string[] = [], providers: Record<string, string> = {}): StackConfig {
    const c = parseSchema(raw);
    const problems: string[] = [];
    problems.push(...crossChecks(c), ...providerProblems(c, providers));
    const isSecret = (key: string) => secretKeys.includes(`${CONFIG_NAMESPACE}:${key}`);
    const kubeconfigIsContents = c.kubeconfig.includes("\n") || c.kubeconfig.trimStart().startsWith("apiVersion");
    if (kubeconfigIsContents && !isSecret("kubeconfig")) problems.push(`${CONFIG_NAMESPACE}:kubeconfig: kubeconfig contents must be set as a secret (pulumi config set --secret)`);
    for (const key of ["objectStoreAccessKeyId", "objectStoreSecretAccessKey"] as const) {
        if (c[key] !== "" && !isSecret(key)) problems.push(`${CONFIG_NAMESPACE}:${key}: must be set as a secret (pulumi config set --secret)`);
    }
    if (problems.length > 0) throw new ConfigError(problems);

    const out: StackConfig = { ...c, project, stack };
    if (kubeconfigIsContents) out.kubeconfigSecret = pulumi.secret(c.kubeconfig);
    if (c.objectStoreAccessKeyId !== "" && c.objectStoreSecretAccessKey !== "") {
        out.objectStoreCredentials = { accessKeyId: pulumi.secret(c.objectStoreAccessKeyId), secretAccessKey: pulumi.secret(c.objectStoreSecretAccessKey) };
    }
    // Secret values never travel further in plain form.
    out.kubeconfig = kubeconfigIsContents ? "" : c.kubeconfig;
    out.objectStoreAccessKeyId = "";
    out.objectStoreSecretAccessKey = "";
    return out;
}

/**
 * The program's AWS provider is explicit and takes its region from eks.region; `aws:region` only
 * configures Pulumi's default provider, which the program never uses. A stack that sets both must
 * say the same region, so no reader takes the other for the one in effect.
 */
export function providerProblems(c: PlatformConfig, providers: Record<string, string>): string[] {
    const awsRegion = providers["aws:region"];
    if (c.cluster.kind !== "eks" || awsRegion === undefined || awsRegion === c.eks.region) return [];
    return [`aws:region: ${awsRegion} differs from ${CONFIG_NAMESPACE}:eks.region ${c.eks.region}, the region the program deploys to; remove aws:region or set it to ${c.eks.region}`];
}

/**
 * Validate a stack's values as Pulumi hands them to the program (fully-qualified key -> string):
 * what the running program, `npm run gen:config` and the tests all call.
 */
export function parseStackValues(all: Record<string, string>, project: string, stack: string, secretKeys: string[] = []): StackConfig {
    const { raw, providers } = decodeStackValues(all);
    return parseConfig(raw, project, stack, secretKeys, providers);
}

/** Read the whole `kubechat:` namespace from the running Pulumi program and validate it. */
export function loadStackConfig(): StackConfig {
    const all = pulumi.runtime.allConfig();
    // Pulumi applies Pulumi.yaml's declared types and defaults to the project's own namespace only.
    if (pulumi.getProject() !== CONFIG_NAMESPACE) {
        throw new ConfigError([`Pulumi.yaml: the project must be named ${CONFIG_NAMESPACE} (not ${pulumi.getProject()}): its declared config schema applies to ${CONFIG_NAMESPACE}:* keys only then`]);
    }
    return parseStackValues(all, pulumi.getProject(), pulumi.getStack(), Object.keys(all).filter((k) => isConfigSecret(k)));
}
