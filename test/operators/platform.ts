/**
 * The platform the operators reconcile: per stack, one simulated cluster (test/apply/sim-cluster.ts) to
 * which a real `pulumi up` applied the stack, shared by every check of `npm run test:operators` and
 * stopped by the root hook. The operators themselves run out of cluster (each check starts its own);
 * the in-cluster Deployments stay as the charts made them, their KWOK pods standing in for the process.
 */
import * as fs from "fs";
import * as path from "path";
import { stackOp } from "../real/preview";
import { failure } from "../apply/report";
import { mergeReport } from "../real/tools/report-file";
import { StackOnCluster, stackOnSimCluster } from "../apply/platform";
import { ROOT } from "../apply/stacks";

export const OPERATORS_REPORT = path.join(ROOT, "out", "real", "operators-report.json");

/** Merges `fields` into one operator's section of out/real/operators-report.json. */
export function recordOperator(section: string, fields: object): void {
    mergeReport(OPERATORS_REPORT, [section], fields);
}

const platforms = new Map<string, Promise<StackOnCluster>>();

/**
 * A stack file the check writes from the stack's own (a setting no stack file has, such as another
 * delivery strategy, or shorter canary pauses): its `name` keeps it apart from the stack itself. The
 * offline plan in `planDir` stays the unchanged stack's.
 */
export interface PlatformVariant {
    name: string;
    edit(configText: string): string;
}

const key = (stack: string, variant?: PlatformVariant) => (variant ? `${stack}+${variant.name}` : stack);

/** The stack (or a variant of its stack file) applied by `pulumi up` to its own simulated cluster (once per run). */
export function platform(stack: string, variant?: PlatformVariant): Promise<StackOnCluster> {
    let p = platforms.get(key(stack, variant));
    if (!p) {
        p = (async () => {
            const on = await stackOnSimCluster(stack, 75 * 60);
            if (variant) {
                on.s = { ...on.s, configText: variant.edit(on.s.configText) };
                fs.writeFileSync(on.args[on.args.indexOf("--config-file") + 1], on.s.configText);
            }
            const r = await stackOp(stack, "up", on.args, on.cluster.env);
            console.log(`      ${key(stack, variant)}: pulumi up ${r.ok ? "ok" : "FAILED"} in ${r.seconds.toFixed(0)}s, ${r.urns.length} resources`);
            if (!r.ok) {
                await on.stop();
                throw new Error(failure(r));
            }
            return on;
        })();
        platforms.set(key(stack, variant), p);
    }
    return p;
}

/** Stops a platform before the run ends (a variant no other check uses), so its cluster stops loading the machine. */
export async function releasePlatform(stack: string, variant?: PlatformVariant): Promise<void> {
    const p = platforms.get(key(stack, variant));
    platforms.delete(key(stack, variant));
    if (p) await p.then((on) => on.stop(), () => undefined);
}

export const mochaHooks = {
    async afterAll(this: Mocha.Context) {
        this.timeout(2 * 60 * 1000);
        for (const p of platforms.values()) await p.then((on) => on.stop(), () => undefined);
        platforms.clear();
    },
};
