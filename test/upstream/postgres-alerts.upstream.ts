/**
 * The Postgres HA alerts evaluated by Prometheus itself (`npm run test:upstream`): `promtool test rules`
 * (Debian's prometheus package, installed when missing) runs the prod plan's rules over series shaped
 * like what the failover drill reads from the same sources (docs/ha.md): Patroni's /metrics gauges
 * (`patroni_failsafe_mode_is_active`, `patroni_primary`, labels `scope`/`name` plus the PodMonitor's
 * `namespace`/`pod`) and the exporter's `kubechat_syncrep_oldest_wait_seconds`, with the values the
 * drill measured (a standby stalling 2 s every 5 s averaged ~0.4 s; healthy ~0.002 s).
 * Annotations are left out: these cases are about the expressions and their `for`.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ensurePromtool } from "./promtool";
import { planStack } from "../harness";

const NS = "kubechat-data";
type Series = { series: string; values: string };

/** A Patroni gauge of member `i` of the prod cluster. */
function patroni(metric: string, i: number, values: string): Series {
    return { series: `${metric}{namespace="${NS}",pod="kubechat-db-${i}",scope="kubechat-db",name="kubechat-db-${i}",job="${NS}/postgres"}`, values };
}

/** The exporter's age of the oldest commit waiting for synchronous standbys on member `i`. */
function syncrep(i: number, values: string): Series {
    return { series: `kubechat_syncrep_oldest_wait_seconds{namespace="${NS}",pod="kubechat-db-${i}",job="${NS}/postgres"}`, values };
}

/** 30 s scrapes of a member whose commits wait for a standby that stalls 2 s every 5 s: 0..2 s, averaging 0.4 s. */
const STALLING = Array.from({ length: 60 }, (_, k) => [0, 0.8, 0, 1.2, 0][k % 5]).join(" ");
const HEALTHY = "0.002x60";

describe("Postgres HA alerts under promtool test rules", function () {
    this.timeout(900_000);
    let dir = "";
    let rules: Record<string, any> = {};
    before(async () => {
        ensurePromtool();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-alerts-"));
        const plan = await planStack("prod");
        const pr = plan.resources.find((r) => r.inputs?.kind === "PrometheusRule" && r.inputs.metadata.name === "kubechat-alerts")!.inputs;
        for (const r of pr.spec.groups.flatMap((g: any) => g.rules)) rules[r.alert] = { alert: r.alert, expr: r.expr, for: r.for, labels: r.labels };
        for (const a of ["KubeChatPostgresFailsafeActive", "KubeChatPostgresNoPrimary", "KubeChatPostgresSyncStandbySlow"]) assert.ok(rules[a], `the prod plan has ${a}`);
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    /** promtool's verdict on `rule` over `input` (sampled every `interval`), expecting `expected` alert labels at each eval time. */
    const run = (rule: any, interval: string, input: Series[], cases: { at: string; expected: Record<string, string>[] }[]) => {
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups: [{ name: "pg", rules: [rule] }] }));
        fs.writeFileSync(path.join(dir, "test.yaml"), stringify({
            rule_files: ["rules.yaml"], evaluation_interval: interval,
            tests: [{
                interval, input_series: input,
                alert_rule_test: cases.map((c) => ({ eval_time: c.at, alertname: rule.alert, exp_alerts: c.expected.map((l) => ({ exp_labels: { ...l, ...rule.labels } })) })),
            }],
        }));
        return spawnSync("promtool", ["test", "rules", "test.yaml"], { cwd: dir, encoding: "utf8" });
    };
    const ok = (r: ReturnType<typeof run>) => assert.strictEqual(r.status, 0, r.stdout + r.stderr);

    it("KubeChatPostgresFailsafeActive: fires a minute after the leader reports failsafe mode, not before, not without it", () => {
        const rule = rules.KubeChatPostgresFailsafeActive;
        // 30 s scrapes: the leader (member 0) runs on failsafe from 2m30s (the API server is down); replicas report 0.
        const input = [patroni("patroni_failsafe_mode_is_active", 0, "0x4 1x10"), patroni("patroni_failsafe_mode_is_active", 1, "0x15"), patroni("patroni_failsafe_mode_is_active", 2, "0x15")];
        ok(run(rule, "30s", input, [{ at: "3m", expected: [] }, { at: "4m", expected: [{}] }]));
        ok(run(rule, "30s", input.map((s) => ({ ...s, values: "0x15" })), [{ at: "4m", expected: [] }]));
    });

    it("KubeChatPostgresNoPrimary: silent through a 30 s failover, fires when no member has been primary for a minute", () => {
        const rule = rules.KubeChatPostgresNoPrimary;
        // 15 s scrapes: member 0 primary until 4m45s, member 1 primary from 5m30s (a 30 s failover).
        const failover = [patroni("patroni_primary", 0, "1x19 0x20"), patroni("patroni_primary", 1, "0x21 1x18"), patroni("patroni_primary", 2, "0x39")];
        ok(run(rule, "15s", failover, [{ at: "5m15s", expected: [] }, { at: "6m", expected: [] }]));
        // The DCS outage + member loss: the leader demotes itself at 5m and nobody is primary until the API returns.
        const refused = [patroni("patroni_primary", 0, "1x19 0x20"), patroni("patroni_primary", 1, "0x39")];
        ok(run(rule, "15s", refused, [{ at: "5m45s", expected: [] }, { at: "6m30s", expected: [{}] }]));
    });

    it("KubeChatPostgresSyncStandbySlow: fires for the member whose commits wait on a stalling standby, not for a healthy one", () => {
        const rule = rules.KubeChatPostgresSyncStandbySlow;
        const input = [syncrep(0, STALLING), syncrep(1, HEALTHY)];
        // The 10-minute average passes 0.1 s within a few scrapes, then `for` 5m.
        ok(run(rule, "30s", input, [{ at: "4m", expected: [] }, { at: "20m", expected: [{ pod: "kubechat-db-0" }] }]));
        ok(run(rule, "30s", [syncrep(0, HEALTHY), syncrep(1, HEALTHY)], [{ at: "20m", expected: [] }]));
    });

    it("the harness tells the cases apart: the slow-standby threshold at the stalling member's own average no longer fires", () => {
        const rule = rules.KubeChatPostgresSyncStandbySlow;
        const raised = { ...rule, expr: rule.expr.replace(/> [0-9.]+$/, "> 0.5") };
        assert.notStrictEqual(raised.expr, rule.expr);
        const r = run(raised, "30s", [syncrep(0, STALLING), syncrep(1, HEALTHY)], [{ at: "20m", expected: [{ pod: "kubechat-db-0" }] }]);
        assert.notStrictEqual(r.status, 0, "promtool must report the missing alert");
    });
});
