/** What both apply checks share: the tools they need, the stack secrets they set, the report and failure text. */
import * as crypto from "crypto";
import * as path from "path";
import { ROOT } from "./stacks";
import type { StackRunResult } from "../real/tools/pulumi-stack";
import { mergeReport } from "../real/tools/report-file";

export const REPORT = path.join(ROOT, "out", "real", "apply-report.json");

/** The toolchain parts a simulated cluster and a real `pulumi up` need (test/real/tools/toolchain.sh). */
export const SIM_TOOLS = ["ETCD", "KUBE_APISERVER", "KUBE_CONTROLLER_MANAGER", "KUBE_SCHEDULER", "KWOK", "LOCAL_PATH_PROVISIONER", "KUBECTL", "PULUMI", "K8S_PROVIDER"];

/** Merges `fields` into the stack's entry of out/real/apply-report.json. */
export function recordStack(stack: string, fields: object): void {
    mergeReport(REPORT, ["stacks", stack], fields);
}

/** A failed operation: the CLI's last lines and each resource's error. */
export function failure(r: StackRunResult): string {
    const errs = r.errors.map((e) => `  ${e.urn}: ${e.message.split("\n").slice(0, 6).join(" | ")}`).join("\n");
    return `${r.op} failed: ${r.error?.split("\n").slice(-15).join("\n")}\n${errs}`;
}

/** For a stack with an object store: its keys as README's staging section sets them (`pulumi config set --secret`). */
export function objectStoreSecretArgs(configText: string): string[] {
    if (!/objectStore:/.test(configText)) return [];
    return ["--secret", `kubechat:objectStoreAccessKeyId=${crypto.randomBytes(8).toString("hex")}`, "--secret", `kubechat:objectStoreSecretAccessKey=${crypto.randomBytes(16).toString("hex")}`];
}
