/**
 * The platform the operators reconcile: per stack, one simulated cluster (test/apply/sim-cluster.ts) to
 * which a real `pulumi up` applied the stack, shared by every check of `npm run test:operators` and
 * stopped by the root hook. The operators themselves run out of cluster (each check starts its own);
 * the in-cluster Deployments stay as the charts made them, their KWOK pods standing in for the process.
 */
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

/** The stack applied by `pulumi up` to its own simulated cluster (once per run). */
export function platform(stack: string): Promise<StackOnCluster> {
    let p = platforms.get(stack);
    if (!p) {
        p = (async () => {
            const on = await stackOnSimCluster(stack, 75 * 60);
            const r = await stackOp(stack, "up", on.args, on.cluster.env);
            console.log(`      ${stack}: pulumi up ${r.ok ? "ok" : "FAILED"} in ${r.seconds.toFixed(0)}s, ${r.urns.length} resources`);
            if (!r.ok) {
                await on.stop();
                throw new Error(failure(r));
            }
            return on;
        })();
        platforms.set(stack, p);
    }
    return p;
}

export const mochaHooks = {
    async afterAll(this: Mocha.Context) {
        this.timeout(2 * 60 * 1000);
        for (const p of platforms.values()) await p.then((on) => on.stop(), () => undefined);
        platforms.clear();
    },
};
