/**
 * npm run ha:config -- [--spilo <repository:tag>] [stack ...]
 *
 * Prints, as JSON per stack, what Spilo/Patroni and PgBouncer run for that stack's Postgres
 * (`effectivePatroniConfig`): the failover drill (`npm run test:ha`) reads nothing else.
 * Exit codes: 0 ok; 2 unreadable or invalid stack file.
 */
import * as path from "path";
import { CONFIG_NAMESPACE, configSchema } from "../components/config";
import { effectivePatroniConfig } from "../components/data/patroni";
import { ROOT, readStackFile } from "./lib/plan";

function postgresOf(stack: string) {
    const { config } = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        const [ns, ...rest] = key.split(":");
        if (ns !== CONFIG_NAMESPACE) continue;
        let v: unknown = value;
        try {
            v = JSON.parse(value);
        } catch {
            // a plain string
        }
        raw[rest.join(":")] = v;
    }
    // Only the schema (defaults and types): the Postgres settings need none of the cross-stack checks.
    return configSchema.parse(raw).postgres;
}

const argv = process.argv.slice(2);
// --spilo <repository:tag>: the same stack with another Spilo image (the drill's old-Patroni check).
const at = argv.indexOf("--spilo");
const spiloRef = at >= 0 ? argv.splice(at, 2)[1] : undefined;
try {
    const spilo = spiloRef === undefined ? undefined : { repository: spiloRef.slice(0, spiloRef.lastIndexOf(":")), tag: spiloRef.slice(spiloRef.lastIndexOf(":") + 1) };
    const out: Record<string, unknown> = {};
    for (const s of argv.length ? argv : ["dev", "staging", "prod"]) out[s] = effectivePatroniConfig(postgresOf(s), spilo);
    console.log(JSON.stringify(out, null, 2));
} catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
}
