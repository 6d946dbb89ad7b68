/** Where the real parts are: `test/real/tools/toolchain.sh --env` (the one place that knows versions and the cache). */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../../planner/root";

/** KEY=path of every tool; throws naming the first of `required` that is not built. */
export function toolchainEnv(required: string[]): Record<string, string> {
    const out = execFileSync("bash", [path.join(ROOT, "test", "real", "tools", "toolchain.sh"), "--env"], { encoding: "utf8" });
    const env: Record<string, string> = {};
    for (const line of out.split("\n")) {
        const i = line.indexOf("=");
        if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
    }
    for (const k of required) {
        if (!env[k] || !fs.existsSync(env[k])) throw new Error(`${k} not built (${env[k] || "no path"}): run test/real/tools/toolchain.sh`);
    }
    return env;
}
