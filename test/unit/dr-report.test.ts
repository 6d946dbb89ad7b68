import * as assert from "assert";
import { DrRaw, SEED_RTO_SECONDS, StackDr, buildReport, judgeLoss, judgePitr, unexpectedRestoreErrors } from "../dr/report";
import { cloneSettings, drSettings } from "../dr/config";

// A drill run as test/dr/dr.py reports it: 10 writes a second from t=1000, the PITR pause between
// t=1010 and t=1012, the last archived segment at t=1020, the loss at t=1028.
function ledger(): [number, number][] {
    const out: [number, number][] = [];
    let id = 0;
    for (let t = 1000; t < 1028; t += 0.1) {
        if (t >= 1010 && t < 1012) continue;
        out.push([++id, +t.toFixed(1)]);
    }
    return out;
}
const ids = (l: [number, number][], pred: (t: number) => boolean) => l.filter(([, t]) => pred(t)).map(([id]) => id);
const table = { rows: 3, checksum: "42" };

function raw(over: Partial<DrRaw> = {}): DrRaw {
    const l = ledger();
    const restore = { seconds: 30, bytes: 2 ** 29, fetchSeconds: 10, recoverySeconds: 15, targetReached: true, backup: "base_1" };
    return {
        stack: "staging", completed: true, settings: { archiveTimeoutSeconds: 900 }, ledger: l, lossAt: 1028, archivedAt: 1020,
        sourceBulk: { dr_bulk: table },
        totalLoss: { cloneTimestamp: "now", restore: { ...restore, targetReached: false }, restoredIds: ids(l, (t) => t < 1020), restoredBulk: { dr_bulk: table } },
        pitr: { target: 1011, cloneTimestamp: "t", restore, restoredIds: ids(l, (t) => t < 1011) },
        logical: {
            backup: { key: "k", bytes: 1, seconds: 1 }, restore: { seconds: 1, psqlErrors: ['psql:<stdin>:14: ERROR:  role "postgres" already exists'] },
            source: { dr_ledger: table, dr_bulk: table }, restored: { dr_ledger: table, dr_bulk: table },
        },
        ...over,
    };
}
const stacks: Record<string, StackDr> = {
    dev: { backups: false, volumeSize: "5Gi", volumeGiB: 5, archiveTimeoutSeconds: 900 },
    staging: { backups: true, volumeSize: "20Gi", volumeGiB: 20, archiveTimeoutSeconds: 900 },
};

describe("test:dr report (test/dr/report.ts): the checks can fail", () => {
    it("a clean run passes: the unarchived tail is lost, RPO within archive_timeout, PITR exact, logical equal", () => {
        const r = buildReport(raw(), stacks);
        assert.deepStrictEqual(r.failures, []);
        assert.strictEqual(r.lostAckedWrites, 80);
        assert.ok(Math.abs(r.rpoSeconds - 8) < 0.01, `rpo ${r.rpoSeconds}`);
        assert.strictEqual(r.pitrExact, true);
        assert.strictEqual(r.logicalBackup.equal, true);
        assert.strictEqual(r.restoreSecondsPerGiB, 60);
        assert.strictEqual(r.rtoEstimate.staging.seconds, 1200);
        assert.strictEqual(r.rtoEstimate.dev.seconds, null);
        assert.strictEqual(r.veleroRestored, null);
        assert.deepStrictEqual(r.runbookStepsRun, []);
    });

    it("a lost write older than restored ones is a hole, and fails", () => {
        const r = raw();
        r.totalLoss.restoredIds = r.totalLoss.restoredIds.filter((id) => id !== 5);
        const rep = buildReport(r, stacks);
        assert.strictEqual(rep.totalLoss.lostBeforeRestored, 1);
        assert.ok(rep.failures.some((f) => /older than restored ones/.test(f)), rep.failures.join("\n"));
        assert.ok(rep.failures.some((f) => /RPO|archive_timeout/.test(f)) === false || rep.rpoSeconds > 900);
    });

    it("losing more than archive_timeout of acknowledged writes fails", () => {
        const r = raw({ settings: { archiveTimeoutSeconds: 5 } });
        const rep = buildReport(r, stacks);
        assert.ok(rep.failures.some((f) => /more than archive_timeout \(5s\)/.test(f)), rep.failures.join("\n"));
    });

    it("a PITR restore with a write after the target (a wrong target) is not exact, and fails", () => {
        const r = raw();
        r.pitr.restoredIds = ids(r.ledger, (t) => t < 1012.5);
        const rep = buildReport(r, stacks);
        assert.strictEqual(rep.pitrExact, false);
        assert.ok(rep.failures.some((f) => /writes after the target restored/.test(f)), rep.failures.join("\n"));
        const short = judgePitr(r.ledger, ids(r.ledger, (t) => t < 1009), 1011);
        assert.strictEqual(short.exact, false);
        assert.strictEqual(short.missing.length, 10);
    });

    it("a logical restore with a different checksum or a missing table fails; only existing roles are tolerated", () => {
        const r = raw();
        r.logical.restored = { dr_ledger: { rows: 3, checksum: "43" } };
        const rep = buildReport(r, stacks);
        assert.strictEqual(rep.logicalBackup.equal, false);
        assert.ok(rep.failures.some((f) => /dr_bulk, dr_ledger/.test(f)), rep.failures.join("\n"));
        assert.deepStrictEqual(unexpectedRestoreErrors(['ERROR:  role "replicator" already exists', "ERROR:  relation \"x\" does not exist"]), ["ERROR:  relation \"x\" does not exist"]);
    });

    it("an RTO over 4 hours for a stack's declared size is reported against the target (a warning)", () => {
        const r = raw();
        r.totalLoss.restore.seconds = (SEED_RTO_SECONDS / 20) * 1.1 / 2; // 0.5 GiB restored: 792 s/GiB, x 20 GiB > 4 h
        const rep = buildReport(r, stacks);
        assert.strictEqual(rep.rtoEstimate.staging.withinTarget, false);
        assert.ok(rep.warnings.some((w) => /RTO: staging \(20Gi\) estimated 4.4 h/.test(w)), rep.warnings.join("\n"));
        assert.deepStrictEqual(buildReport(raw(), stacks).warnings, []);
    });

    it("no loss at all has an RPO of 0; a drill that did not complete fails", () => {
        const l = ledger();
        assert.deepStrictEqual(judgeLoss(l, l.map(([id]) => id), 1028), { ackedWrites: l.length, lostAckedWrites: 0, rpoSeconds: 0, lostBeforeRestored: 0, unacknowledgedRestored: 0 });
        assert.ok(buildReport(raw({ completed: false }), stacks).failures.some((f) => /did not complete/.test(f)));
    });
});

describe("test:dr settings (test/dr/config.ts): read from the program for each stack", () => {
    it("staging: the on-prem store of Pulumi.staging.yaml, SSE left to the store; prod: the EKS bucket with SSE-KMS", () => {
        const staging = drSettings("staging");
        assert.strictEqual(staging.walgEnv?.AWS_ENDPOINT, staging.target?.endpoint);
        assert.strictEqual(staging.walgEnv?.WALG_S3_SSE, undefined);
        assert.strictEqual(staging.walgEnv?.BACKUP_NUM_TO_RETAIN, String(staging.pitrDays + 1));
        assert.strictEqual(staging.logicalBackup.logical_backup_s3_bucket, staging.target?.bucket);
        const prod = drSettings("prod");
        assert.strictEqual(prod.walgEnv?.WALG_S3_SSE, "aws:kms");
        assert.match(prod.target?.bucket ?? "", /-pg-wal-\d{12}-/);
        assert.strictEqual(drSettings("dev").walgEnv, null);
    });

    it("the runbook's restore settings become the clone the drill restores, and bad ones are refused as pulumi up would", () => {
        const uid = "0f4c7a2e-1b2c-4d5e-8f90-123456789abc";
        assert.deepStrictEqual(cloneSettings("staging", "kubechat-db", uid, "2026-11-29T10:00:00.5+00:00", "db-r1"),
            { cluster: "kubechat-db-r1", clone: { cluster: "kubechat-db", uid, timestamp: "2026-11-29T10:00:00.5+00:00" } });
        assert.strictEqual(cloneSettings("staging", "kubechat-db", uid, "2026-11-29T10:00:00+00:00").cluster, "kubechat-db");
        assert.throws(() => cloneSettings("staging", "kubechat-db", uid, "2026-11-29 10:00"), /postgres.cloneTimestamp: must be RFC 3339/);
    });
});
