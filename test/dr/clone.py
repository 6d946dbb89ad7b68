#!/usr/bin/env python3
"""Patroni bootstrap method of the disaster-recovery drill: what Spilo does for a `postgresql` with
`spec.clone` (the operator's CLONE_METHOD=CLONE_WITH_WALE), run under the clone environment (envdir).

1. bootstrap/clone_with_wale.py: the newest base backup taken before the recovery target time
   (`wal-g backup-list`), then `wal-g backup-fetch <datadir> <backup>`. Spilo parses the text listing;
   this reads `backup-list --json` (the same backups and times).
2. bootstrap/maybe_pg_upgrade.py (perform_pitr): Postgres recovers with the clone's recovery settings
   (Spilo's template: restore_command `wal-g wal-fetch`, recovery_target_time, timeline latest, action
   promote) until it is promoted. Postgres 13+ refuses to promote when the WAL ends before the target
   ("recovery ended before configured recovery target was reached": a target of "now"); Spilo then
   clears the targets and recovers again, so the clone ends at the end of the archived WAL. Same here.
   Spilo leaves the promoted Postgres running for Patroni to adopt; this stops it cleanly instead and
   Patroni starts it without recovery settings (the same data directory either way).

Patroni appends --scope and --datadir. Writes the backup chosen, the fetch and recovery seconds and
whether the target was reached to --timing (JSON).
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

UNREACHED = "recovery ended before configured recovery target was reached"


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def choose_backup(backups, target):
    """The newest backup whose time is before the target (Spilo: `last_modified < recovery_target_time`)."""
    before = [b for b in backups if parse_time(b["time"]) < target]
    if not before:
        raise SystemExit(f"clone: no base backup before {target.isoformat()} (have {[b['backup_name'] for b in backups]})")
    return max(before, key=lambda b: parse_time(b["time"]))["backup_name"]


def recover(a, settings, log):
    """Starts Postgres in targeted recovery and waits until it is promoted (True) or exits (False)."""
    open(os.path.join(a.datadir, "recovery.signal"), "w").close()
    # The fetched postgresql.conf is the source member's (Patroni's): its port, socket and hba/ident paths.
    # Spilo's members share one PGDATA path; the drill's do not, so they are set for this data directory.
    opts = [f"-c port={a.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={a.socket_dir}",
            f"-c hba_file={a.datadir}/pg_hba.conf", f"-c ident_file={a.datadir}/pg_ident.conf"]
    opts += [f"-c {k}={v}" for k, v in settings.items()]
    # pg_ctl quotes nothing: one -o per setting keeps values with spaces (the restore_command) intact.
    argv = [os.path.join(a.pg_bin, "pg_ctl"), "start", "-D", a.datadir, "-l", log, "-w", "-t", "30"]
    for o in opts:
        argv += ["-o", o.replace("=", "='", 1) + "'"]
    subprocess.call(argv)
    psql = [os.path.join(a.pg_bin, "psql"), "-h", a.socket_dir, "-p", str(a.port), "-U", "postgres", "-d", "postgres", "-XAtc", "SELECT pg_is_in_recovery()"]
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        if not os.path.exists(os.path.join(a.datadir, "postmaster.pid")):
            return False
        r = subprocess.run(psql, capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip() == "f":
            return True
        time.sleep(0.2)
    raise SystemExit(f"clone: recovery not done after {a.timeout}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recovery-target-time", required=True)
    ap.add_argument("--recovery-conf", required=True, help="JSON: the clone's recovery settings (Spilo's template)")
    ap.add_argument("--walg", required=True)
    ap.add_argument("--pg-bin", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--socket-dir", required=True)
    ap.add_argument("--timing", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--scope", required=True)
    ap.add_argument("--datadir", required=True)
    a = ap.parse_args()
    target = parse_time(a.recovery_target_time)
    if target.tzinfo is None:
        raise SystemExit("clone: recovery target time must contain a timezone")
    listing = subprocess.run([a.walg, "backup-list", "--json"], check=True, capture_output=True, text=True).stdout
    backup = choose_backup(json.loads(listing), target)
    print(f"clone: {a.scope}: backup-fetch {backup} into {a.datadir} (target {a.recovery_target_time})", flush=True)
    t = time.monotonic()
    if subprocess.call([a.walg, "backup-fetch", a.datadir, backup]) != 0:
        raise SystemExit("clone: wal-g backup-fetch failed")
    fetched = time.monotonic()
    settings = json.loads(a.recovery_conf)
    log = os.path.join(os.path.dirname(a.timing), f"{a.scope}-recovery.log")
    reached = recover(a, settings, log)
    if not reached:
        with open(log, errors="replace") as f:
            tail = f.read()[-4000:]
        if UNREACHED not in tail:
            raise SystemExit(f"clone: recovery failed:\n{tail}")
        print("clone: the WAL ended before the target: recovering again without a target (as Spilo does)", flush=True)
        settings = {k: v for k, v in settings.items() if not k.startswith("recovery_target_") or k == "recovery_target_timeline"}
        if not recover(a, settings, log):
            raise SystemExit("clone: recovery without a target failed")
    subprocess.check_call([os.path.join(a.pg_bin, "pg_ctl"), "stop", "-D", a.datadir, "-m", "fast", "-w"])
    with open(a.timing, "w") as f:
        json.dump({"backup": backup, "fetchSeconds": fetched - t, "recoverySeconds": time.monotonic() - fetched,
                   "targetReached": reached}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
