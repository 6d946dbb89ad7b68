/**
 * Alert routing against Alertmanager's own configuration loader (`npm run test:upstream`): the harness in
 * ./alertmanager-config loads the configuration with github.com/prometheus/alertmanager v0.33.1 (the
 * kube-prometheus-stack 88.0.0 default) and reports the receivers, routes and credential files it read.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../components/config";
import { alertmanagerConfig } from "../../components/observability/alerting";
import { minimalOnPremConfig, planStack, release } from "../harness";

interface Loaded { error?: string; receivers: string[]; routes: { receiver: string; matchers: string[]; continue: boolean }[]; inhibitRules: number; files: string[] }

describe("alert routing under Alertmanager v0.33.1's configuration loader", function () {
    this.timeout(900_000);
    let dir = "";
    let bin = "";
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-config-"));
        bin = path.join(dir, "alertmanager-config");
        execFileSync("go", ["build", "-o", bin, "."], { cwd: path.join(__dirname, "alertmanager-config"), stdio: ["ignore", "inherit", "inherit"] });
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });
    const load = (cfg: unknown): Loaded => JSON.parse(execFileSync(bin, [], { input: JSON.stringify(cfg) }).toString());

    it("loads a configuration with all four receivers, every credential read from a mounted Secret file", () => {
        const raw = {
            ...minimalOnPremConfig(),
            observability: {
                alerting: {
                    webhook: { enabled: true, secretName: "am", secretKey: "url" },
                    slack: { enabled: true, secretName: "am", channel: "#ops" },
                    pagerduty: { enabled: true, secretName: "am" },
                    email: { enabled: true, to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", username: "am", secretName: "smtp" },
                },
            },
        };
        const r = load(alertmanagerConfig(parseConfig(raw, "p", "s").observability.alerting));
        assert.strictEqual(r.error, undefined, r.error);
        assert.deepStrictEqual(r.receivers, ["null", "webhook", "slack", "pagerduty", "email"]);
        assert.deepStrictEqual(r.files.sort(), [
            "/etc/alertmanager/secrets/am/api-url", "/etc/alertmanager/secrets/am/routing-key", "/etc/alertmanager/secrets/am/url", "/etc/alertmanager/secrets/smtp/smtp-password",
        ]);
        assert.strictEqual(r.inhibitRules, 3);
    });

    it("loads the prod plan's configuration: pager for criticals, Slack for both, Watchdog silenced", async () => {
        const values = release(await planStack("prod"), "kube-prometheus-stack").inputs.values;
        const r = load(values.alertmanager.config);
        assert.strictEqual(r.error, undefined, r.error);
        assert.deepStrictEqual(r.routes, [
            { receiver: "null", matchers: ['alertname=~"Watchdog|InfoInhibitor"'], continue: false },
            { receiver: "slack", matchers: ['severity=~"critical|warning"'], continue: true },
            { receiver: "pagerduty", matchers: ['severity=~"critical"'], continue: true },
        ]);
        // Every file a receiver reads is in a Secret the Alertmanager pods mount.
        for (const f of r.files) assert.ok(values.alertmanager.alertmanagerSpec.secrets.includes(f.split("/")[4]), f);
    });

    it("the loader rejects what it must: a receiver without its credential", () => {
        const r = load({ route: { receiver: "pd" }, receivers: [{ name: "pd", pagerduty_configs: [{}] }] });
        assert.match(r.error ?? "", /routing key/);
    });
});
