#!/usr/bin/env python3
"""Disaster-recovery drill, the data half (docs/restore.md): a real S3-compatible object store
(Versity's gateway), WAL-G and Patroni + Postgres on 127.0.0.1, configured only from the stack's
settings as test/dr/config.ts prints them (the WAL-G pod environment, archive_timeout, base-backup
schedule and retention, logical-backup settings), translated the way the operator and Spilo do.

1. The store gets the stack's bucket(s) and a generated access key (the `objectStore` Secret's keys).
2. A source cluster (the stack's members, scope = the cluster name, a fresh uid) archives WAL with
   `wal-g wal-push` and takes a base backup with `wal-g backup-push` after a bulk load (Spilo's
   postgres_backup.sh); writers record every acknowledged id with its time (the ledger).
3. Point in time: writers pause; the target is the middle of the pause.
4. More WAL (a second bulk insert) fills segments, so everything before it is archived; then a tail of
   writes that only archive_timeout (or a full segment) would archive, and total loss: every member
   killed, its data and the DCS deleted.
5. Restores from the store, each a new cluster bootstrapped as Spilo clones (test/dr/clone.py): the
   lost cluster at "now" (runbook case 3) and the PITR target into `<cluster>-r1` (case 2).
6. Logical backup: the operator's logical-backup job (pg_dumpall | pigz | aws s3 cp -) against the
   restored cluster, loaded into a new empty cluster; row counts and checksums per table.

Writes the raw observations as JSON (--out); test/dr/report.ts judges them. Every process is started
here (as `postgres` when run as root, the store as root under `timeout`), stopped by PID.
"""
import argparse
import datetime
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ha"))
import drill as ha  # noqa: E402  the failover drill's process handling, etcd and Patroni members
import psycopg2  # noqa: E402

HOST = ha.HOST
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
T0 = time.monotonic()
# The operator chart 2.0.0's defaults the stack leaves alone (values.yaml configLogicalBackup).
LOGICAL_BACKUP_PROVIDER = "s3"
LOGICAL_BACKUP_S3_BUCKET_PREFIX = "spilo"
# Rows of about 270 bytes in the bulk tables (7 hex digests + tuple overhead).
BULK_ROW_BYTES = 270
WRITERS = 2
WRITE_PAUSE = 0.02


def log(msg):
    print(f"dr: [{time.monotonic() - T0:5.0f}s] {msg}", flush=True)


def rfc3339(epoch):
    """The operator's clone timestamp form: RFC 3339 with an explicit offset."""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat(timespec="microseconds")


from spilo_env import DrError, operator_pod_env, spilo_walg_env, store_credentials  # noqa: E402  the pod environment and Spilo's WAL-G translation


# --- the object store ---------------------------------------------------------------------------
class ObjectStore:
    """Versity S3 gateway, posix backend, on 127.0.0.1 with one root account (the stack's key pair)."""

    def __init__(self, dr, binary, region):
        self.dr, self.binary, self.region = dr, binary, region
        self.port = ha.free_port()
        self.dir = os.path.join(dr.work, "store")
        self.versions = os.path.join(dr.work, "store-versions")
        self.access = "DR" + secrets.token_hex(9).upper()
        self.secret = secrets.token_urlsafe(30)
        self.proc = None

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.versions, exist_ok=True)
        # Keys through the environment, not the command line (`ps` shows arguments). Buckets are
        # versioned as the stacks' are (posix backend: old versions under --versioning-dir).
        env = {**os.environ, "ROOT_ACCESS_KEY_ID": self.access, "ROOT_SECRET_ACCESS_KEY": self.secret}
        self.proc = self.dr.procs.start(
            ["timeout", "--kill-after=10", str(int(self.dr.budget) + 300), self.binary, "--region", self.region,
             "--port", f"{HOST}:{self.port}", "posix", "--versioning-dir", self.versions, self.dir],
            os.path.join(self.dr.work, "store.log"), env=env, as_root=True, deathsig=signal.SIGTERM)
        self.dr.ha.wait(lambda: self.dr.aws(["s3api", "list-buckets"], check=False).returncode == 0, 30, "object store up")

    def create_bucket(self, bucket):
        self.dr.aws(["s3api", "create-bucket", "--bucket", bucket])
        self.dr.aws(["s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled"])
        return json.loads(self.dr.aws(["s3api", "get-bucket-versioning", "--bucket", bucket]).stdout or "{}").get("Status")

    def credentials(self):
        """The keys of the stack's object-store Secret (pod_environment_secret / the logical-backup job's)."""
        return store_credentials(self.access, self.secret)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            ha.Procs.signal_pids(ha.Procs.descendants(self.proc.pid), signal.SIGKILL)


# --- clusters -----------------------------------------------------------------------------------
class DrMember(ha.Member):
    """A failover-drill member with the DR cluster's scope, WAL archiving and bootstrap method."""

    def __init__(self, dr, idx, cluster):
        super().__init__(dr.ha, idx)
        self.cluster = cluster

    def write_config(self):
        super().write_config()
        with open(self.conf) as f:
            conf = json.load(f)
        self.cluster.customize(conf, self)
        with open(self.conf, "w") as f:
            json.dump(conf, f)


class Cluster:
    def __init__(self, dr, scope, members, clone=None):
        self.dr, self.scope, self.clone = dr, scope, clone
        self.uid = str(uuid.uuid4())  # the `postgresql` object's metadata.uid: part of the WAL path
        dr.next_member += 10
        self.members = [DrMember(dr, dr.next_member + i, self) for i in range(members)]
        self.env = dr.pod_env(scope, self.uid, clone)
        self.envdir = dr.write_envdir(f"env-{scope}", spilo_walg_env(self.env))
        self.clone_envdir = dr.write_envdir(f"env-clone-{scope}", spilo_walg_env(self.env, "CLONE_")) if clone else None
        self.timing = os.path.join(dr.work, f"{scope}-clone.json")

    def customize(self, conf, member):
        d = self.dr
        conf["scope"] = self.scope
        # Spilo's bootstrap DCS template: archive_mode on; archive_command `envdir <env> wal-g wal-push "%p"`.
        conf["bootstrap"]["dcs"]["postgresql"]["parameters"]["archive_mode"] = "on"
        conf["postgresql"]["parameters"]["archive_command"] = f'{d.bin}/envdir "{self.envdir}" {d.bin}/wal-g wal-push "%p"'
        if self.clone:
            # Spilo's clone_with_wale method with its recovery_conf (restore_command.sh runs wal-g wal-fetch).
            recovery = {
                "restore_command": f'{d.bin}/envdir "{self.clone_envdir}" {d.bin}/wal-g wal-fetch "%f" "%p"',
                "recovery_target_timeline": "latest",
                "recovery_target_action": "promote",
                "recovery_target_time": self.clone["timestamp"],
            }
            conf["bootstrap"]["method"] = "clone_with_wale"
            conf["bootstrap"]["clone_with_wale"] = {"command": " ".join(shlex.quote(a) for a in [
                f"{d.bin}/envdir", self.clone_envdir, sys.executable, f"{d.bin}/clone.py",
                f"--recovery-target-time={self.clone['timestamp']}", "--recovery-conf", json.dumps(recovery),
                "--walg", f"{d.bin}/wal-g", "--pg-bin", d.pg_bin, "--port", str(member.pg_port), "--socket-dir", d.work,
                "--timing", self.timing])}

    def start(self, timeout):
        d = self.dr
        d.ha.members = self.members
        for m in self.members:
            m.write_config()
        d.ha.chown_work()
        t = time.monotonic()
        self.members[0].start()
        d.ha.wait(lambda: self.members[0].is_primary() and d.can_write(self.members[0]), timeout, f"{self.scope}: a writable primary")
        first = time.monotonic() - t
        for m in self.members[1:]:
            m.start()
        if len(self.members) > 1:
            d.ha.sync_count = d.ha.cfg["dcs"].get("synchronous_node_count", 0) if d.ha.cfg["dcs"].get("synchronous_mode") else 0
            d.ha.wait(d.ha.healthy, 120, f"{self.scope}: {len(self.members)} members streaming")
        return first

    @property
    def leader(self):
        return next(m for m in self.members if m.is_primary())

    def kill(self):
        for m in self.members:
            m.kill()

    def query(self, sql, args=None, member=None, dbname="postgres"):
        m = member or self.leader
        conn = psycopg2.connect(host=HOST, port=m.pg_port, user="postgres", dbname=dbname, connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()


# --- the drill ----------------------------------------------------------------------------------
class Dr:
    def __init__(self, a):
        with open(a.config) as f:
            self.stacks = json.load(f)
        self.s = self.stacks[a.stack]
        if not self.s["backups"]:
            raise DrError(f"{a.stack}: postgres.backups is off: nothing to restore from")
        self.a, self.work, self.pg_bin, self.budget = a, a.work, a.pg_bin, a.budget
        eff = os.path.join(a.work, "effective.json")
        with open(eff, "w") as f:
            json.dump(self.s["patroni"], f)
        self.ha = ha.Drill(argparse.Namespace(config=eff, work=a.work, pg_bin=a.pg_bin, patroni=a.patroni, budget=a.budget,
                                              dcs="etcd", etcd_bin=None, apiserver_bin=None, scenarios=""))
        self.procs = self.ha.procs
        self.next_member = 0
        self.bin = os.path.join(a.work, "bin")
        self.pgversion = subprocess.run([os.path.join(a.pg_bin, "postgres"), "--version"], capture_output=True, text=True,
                                        check=True).stdout.split()[2].split(".")[0]
        self.store = ObjectStore(self, a.versitygw, self.s["target"]["region"])
        self.lock = threading.Lock()
        self.acked = []  # (id, ack epoch)
        self.next_id = 0
        self.inflight = 0
        self.writing = threading.Event()
        self.stop = threading.Event()
        self.clusters = []
        self.raw = {"stack": a.stack, "settings": {k: self.s[k] for k in ("cluster", "members", "volumeSize", "volumeGiB",
                    "archiveTimeoutSeconds", "baseBackupSchedule", "pitrDays", "target", "walgEnv", "logicalBackup")}}

    # --- helpers ----------------------------------------------------------------------------------
    def as_postgres(self):
        run_as = self.ha.run_as
        if not run_as:
            return None
        def pre():
            os.setgroups([])
            os.setgid(run_as.pw_gid)
            os.setuid(run_as.pw_uid)
        return pre

    def aws(self, args, check=True, stdin=None, stdout=None, env=None, region=True):
        e = {**os.environ, "AWS_ACCESS_KEY_ID": self.store.access, "AWS_SECRET_ACCESS_KEY": self.store.secret,
             "AWS_EC2_METADATA_DISABLED": "true", **(env or {})}
        argv = [self.a.aws] + args + ["--endpoint-url", self.store.url] + (["--region", self.store.region] if region else [])
        return subprocess.run(argv, env=e, check=check, stdin=stdin, stdout=stdout if stdout is not None else subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=300)

    def walg(self, envdir, args, env=None, timeout=600):
        """WAL-G as Spilo's cron runs it: `envdir <env> wal-g ...`, as the postgres user."""
        return subprocess.run([f"{self.bin}/envdir", envdir, f"{self.bin}/wal-g"] + args, env={**os.environ, **(env or {})},
                              preexec_fn=self.as_postgres(), capture_output=True, text=True, timeout=timeout)

    def write_envdir(self, name, env):
        d = os.path.join(self.work, name)
        os.makedirs(d, exist_ok=True)
        for k, v in env.items():
            with open(os.path.join(d, k), "w") as f:
                f.write(v)
        return d

    def pod_env(self, scope, uid, clone):
        """What a Spilo pod of cluster `scope` sees: the stack's WAL-G ConfigMap, the object-store Secret, the
        operator's own variables (SCOPE, PGVERSION, WAL_S3_BUCKET, WAL_BUCKET_SCOPE_*) and, for a clone,
        the operator's clone environment. The stack's endpoint (a Service in the cluster) is the drill's store."""
        env = operator_pod_env(self.s, scope, uid, self.pgversion, clone)
        for k in ("AWS_ENDPOINT", "CLONE_AWS_ENDPOINT"):
            if k in env:
                env[k] = self.store.url
        env.update(self.store.credentials())
        if not self.s["target"]["endpoint"]:
            # EKS: no endpoint in the stack (AWS S3). The drill can only point WAL-G at its store after Spilo's
            # translation, which keeps the SSE-KMS settings (see sse_probe); that deviation is reported.
            raise DrError(f"{self.a.stack}: an EKS stack (AWS S3, SSE-KMS) has no S3-compatible endpoint; run an on-prem stack (DR_STACK=staging)")
        return env

    def can_write(self, m):
        try:
            conn = psycopg2.connect(host=HOST, port=m.pg_port, user="postgres", dbname="postgres", connect_timeout=2)
            with conn.cursor() as cur:
                cur.execute("SELECT NOT pg_is_in_recovery()")
                ok = cur.fetchone()[0]
            conn.close()
            return ok
        except Exception:
            return False

    def install_tools(self):
        os.makedirs(self.bin, exist_ok=True)
        shutil.copy(self.a.walg, f"{self.bin}/wal-g")
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "clone.py"), f"{self.bin}/clone.py")
        with open(f"{self.bin}/envdir", "w") as f:
            # daemontools' envdir, which Spilo's archive, restore and backup commands run under.
            f.write('#!/bin/sh\nd="$1"; shift\nfor f in "$d"/*; do export "$(basename "$f")=$(cat "$f")"; done\nexec "$@"\n')
        for n in ("wal-g", "envdir", "clone.py"):
            os.chmod(f"{self.bin}/{n}", 0o755)

    # --- workload ---------------------------------------------------------------------------------
    def writer(self, cluster):
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = psycopg2.connect(host=HOST, port=cluster.leader.pg_port, user="postgres", dbname="postgres", connect_timeout=3)
                    conn.autocommit = True
                with self.lock:
                    if not self.writing.is_set():
                        i = None
                    else:
                        self.next_id += 1
                        i = self.next_id
                        self.inflight += 1
                if i is None:
                    time.sleep(0.01)
                    continue
                try:
                    with conn.cursor() as cur:
                        cur.execute("INSERT INTO dr_ledger(id) VALUES (%s)", (i,))
                    t = time.time()
                    with self.lock:
                        self.acked.append((i, t))
                finally:
                    with self.lock:
                        self.inflight -= 1
            except Exception:
                if conn:
                    conn.close()
                conn = None
                time.sleep(0.1)
            time.sleep(WRITE_PAUSE)

    def write_for(self, seconds):
        """Writes for `seconds`, then waits until no INSERT is in flight: every write is either acknowledged
        before this returns or never started, so a time after it separates the writes cleanly."""
        self.writing.set()
        time.sleep(seconds)
        with self.lock:
            self.writing.clear()
        self.ha.wait(lambda: self.inflight == 0, 30, "the writers' last INSERTs")

    def bulk(self, cluster, table, mib):
        rows = int(mib * 1048576 / BULK_ROW_BYTES)
        t = time.monotonic()
        # Hex digests: about as incompressible for WAL-G's lz4 as typical row data, unlike repeated characters.
        digests = " || ".join(f"md5((g * {k})::text)" for k in (1, 2, 3, 5, 7, 11, 13))
        cluster.query(f"CREATE TABLE {table} AS SELECT g AS id, {digests} AS payload FROM generate_series(1, %s) g", (rows,))
        return time.monotonic() - t

    def checksums(self, cluster, member=None):
        """Row count and an order-independent checksum (sum of row hashes) of every table in `public`."""
        out = {}
        for (t,) in cluster.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", member=member):
            n, s = cluster.query(f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text FROM {t} t", member=member)[0]
            out[t] = {"rows": n, "checksum": s}
        return out

    def ledger_ids(self, cluster):
        return sorted(r[0] for r in cluster.query("SELECT id FROM dr_ledger"))

    def archived(self, cluster):
        return cluster.query("SELECT last_archived_wal, failed_count, last_failed_wal FROM pg_stat_archiver")[0]

    def wait_archived(self, cluster, timeout=120):
        """Until every complete WAL segment is in the store (the one being written is not)."""
        current = cluster.query("SELECT pg_walfile_name(pg_current_wal_lsn())")[0][0]
        def done():
            last, failed, _ = self.archived(cluster)
            return last is not None and last[8:] >= self._prev_segment(current)[8:]
        self.ha.wait(done, timeout, f"WAL before {current} archived")

    @staticmethod
    def _prev_segment(name):
        tl, log_, seg = name[:8], int(name[8:16], 16), int(name[16:], 16)
        return f"{tl}{log_:08X}{seg - 1:08X}" if seg else f"{tl}{log_ - 1:08X}000000FF"

    # --- steps ------------------------------------------------------------------------------------
    def base_backup(self, cluster):
        """Spilo's postgres_backup.sh on the primary: `wal-g backup-push <PGDATA>` under the WAL-G envdir."""
        m = cluster.leader
        t = time.monotonic()
        r = self.walg(cluster.envdir, ["backup-push", m.data], env={"PGHOST": self.work, "PGPORT": str(m.pg_port), "PGUSER": "postgres"})
        if r.returncode != 0:
            raise DrError(f"wal-g backup-push failed: {r.stderr[-2000:]}")
        return time.monotonic() - t

    def total_loss(self, cluster):
        """Every member (Patroni, postmaster, backends) killed at once, then its data and the DCS deleted."""
        t = time.time()
        cluster.kill()
        self.ha.dcs.stop()
        for m in cluster.members:
            shutil.rmtree(m.data, ignore_errors=True)
        shutil.rmtree(os.path.join(self.work, "etcd"), ignore_errors=True)
        return t

    def restore(self, source, timestamp, cluster_name=None):
        """A new cluster from the store, as the operator creates it for the `spec.clone` {cluster, uid,
        timestamp} the program makes of the runbook's settings (postgres.cloneFromCluster, cloneFromUid,
        cloneTimestamp and, for case 2, clusterName), validated as `pulumi up` would."""
        argv = ["node", "-r", "ts-node/register/transpile-only", "test/dr/config.ts", "--clone", self.a.stack, source.scope, source.uid, timestamp]
        r = subprocess.run(argv + ([cluster_name] if cluster_name else []), cwd=ROOT, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise DrError(f"the program refused the restore settings: {r.stderr.strip()}")
        planned = json.loads(r.stdout)
        c = Cluster(self, planned["cluster"], 1, clone=planned["clone"])
        self.clusters.append(c)
        seconds = c.start(self.a.restore_timeout)
        with open(c.timing) as f:
            timing = json.load(f)
        size = c.query("SELECT sum(pg_database_size(datname))::bigint FROM pg_database")[0][0]
        return c, {"seconds": seconds, "bytes": size, "cluster": planned["cluster"], "clone": planned["clone"], **timing}

    def logical_backup(self, cluster, source_uid):
        """The operator's logical-backup job (logical-backup/dump.sh of operator 2.0.0): pg_dumpall | pigz |
        aws s3 cp - s3://<bucket>/<prefix>/<scope><suffix>/logical_backups/<epoch>.sql.gz, with
        --expected-size (database size / 5), --endpoint-url, --region and --sse when set."""
        lb = self.s["logicalBackup"]
        key = f"{LOGICAL_BACKUP_S3_BUCKET_PREFIX}/{self.s['cluster']}/{source_uid}/logical_backups/{int(time.time())}.sql.gz"
        size = cluster.query("select sum(pg_database_size(datname)::numeric) from pg_database;")[0][0]
        args = [f"--expected-size={int(size) // 5}"]
        if lb.get("logical_backup_s3_sse"):
            args.append(f"--sse={lb['logical_backup_s3_sse']}")
        m = cluster.leader
        env = {**os.environ, "PGHOST": HOST, "PGPORT": str(m.pg_port), "PGUSER": "postgres", "PGDATABASE": "postgres"}
        t = time.monotonic()
        dump = subprocess.Popen([os.path.join(self.pg_bin, "pg_dumpall")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        pigz = subprocess.Popen(["pigz"], stdin=dump.stdout, stdout=subprocess.PIPE)
        dump.stdout.close()
        up = self.aws(["s3", "cp", "-", f"s3://{lb['logical_backup_s3_bucket']}/{key}"] + args, check=False, stdin=pigz.stdout)
        pigz.stdout.close()
        rcs = (dump.wait(), pigz.wait(), up.returncode)
        if any(rcs):
            raise DrError(f"logical backup failed (pg_dumpall, pigz, aws s3 cp exit {rcs}): {dump.stderr.read()[-500:]} {up.stderr[-500:]}")
        head = json.loads(self.aws(["s3api", "head-object", "--bucket", lb["logical_backup_s3_bucket"], "--key", key]).stdout)
        return {"key": key, "bytes": head["ContentLength"], "seconds": time.monotonic() - t}

    def logical_restore(self, cluster, bucket, key):
        """Into an empty cluster: aws s3 cp <object> - | pigz -d | psql (the dump recreates roles that exist)."""
        m = cluster.leader
        get = subprocess.Popen([self.a.aws, "s3", "cp", f"s3://{bucket}/{key}", "-", "--endpoint-url", self.store.url, "--region", self.store.region],
                               env={**os.environ, "AWS_ACCESS_KEY_ID": self.store.access, "AWS_SECRET_ACCESS_KEY": self.store.secret,
                                    "AWS_EC2_METADATA_DISABLED": "true"}, stdout=subprocess.PIPE)
        unz = subprocess.Popen(["pigz", "-d"], stdin=get.stdout, stdout=subprocess.PIPE)
        get.stdout.close()
        t = time.monotonic()
        psql = subprocess.run([os.path.join(self.pg_bin, "psql"), "-X", "-q", "-h", HOST, "-p", str(m.pg_port), "-U", "postgres", "-d", "postgres"],
                              stdin=unz.stdout, capture_output=True, text=True)
        unz.stdout.close()
        if get.wait() or unz.wait():
            raise DrError("logical restore: download or decompression failed")
        errors = [l for l in psql.stderr.splitlines() if "ERROR" in l]
        return {"seconds": time.monotonic() - t, "psqlErrors": errors}

    def sse_probe(self):
        """Prod's SSE-KMS settings against the store: one object written by WAL-G with the EKS stack's env."""
        out = {}
        for name, st in self.stacks.items():
            env = st.get("walgEnv") or {}
            if env.get("WALG_S3_SSE") != "aws:kms":
                continue
            bucket = st["target"]["bucket"]
            self.store.create_bucket(bucket)
            ph = {**env, **self.store.credentials(), "SCOPE": st["cluster"], "PGVERSION": self.pgversion,
                  "WAL_S3_BUCKET": st["operatorWalBucket"], "WAL_BUCKET_SCOPE_SUFFIX": "/" + str(uuid.uuid4()), "WAL_BUCKET_SCOPE_PREFIX": ""}
            w = spilo_walg_env(ph)
            # Only here: the endpoint after Spilo's translation (with one, Spilo would turn SSE off).
            w.update(AWS_ENDPOINT=self.store.url, AWS_S3_FORCE_PATH_STYLE="true")
            d = self.write_envdir(f"env-sse-{name}", w)
            probe = os.path.join(self.work, "000000010000000000000001")
            with open(probe, "wb") as f:
                f.write(os.urandom(1 << 16))
            self.ha.chown_work()
            r = self.walg(d, ["wal-push", probe], timeout=60)
            key = w["WALG_S3_PREFIX"].split("/", 3)[3] + "/wal_005/000000010000000000000001.lz4"
            head = self.aws(["s3api", "head-object", "--bucket", bucket, "--key", key], check=False)
            stored = json.loads(head.stdout) if head.returncode == 0 else {}
            out[name] = {"bucket": bucket, "WALG_S3_SSE": w.get("WALG_S3_SSE"), "WALG_S3_SSE_KMS_ID": w.get("WALG_S3_SSE_KMS_ID"),
                         "walPushExit": r.returncode, "stored": head.returncode == 0,
                         "storedServerSideEncryption": stored.get("ServerSideEncryption"), "storedKmsKeyId": stored.get("SSEKMSKeyId")}
            log(f"SSE-KMS probe ({name}): wal-push with WALG_S3_SSE=aws:kms exit {r.returncode}; the store kept the object "
                f"{'with' if stored.get('ServerSideEncryption') else 'WITHOUT'} server-side encryption ({stored.get('ServerSideEncryption')})")
        return out

    # --- run --------------------------------------------------------------------------------------
    def run(self):
        s, a = self.s, self.a
        log(f"stack {a.stack}: cluster {s['cluster']}, {s['members']} members, archive_timeout {s['archiveTimeoutSeconds']}s, "
            f"base backup '{s['baseBackupSchedule']}' keeping {s['walgEnv'].get('BACKUP_NUM_TO_RETAIN')}, Postgres {self.pgversion}")
        self.install_tools()
        self.ha.chown_work()
        self.store.start()
        bucket = s["target"]["bucket"]
        versioning = self.store.create_bucket(bucket)
        log(f"object store {self.store.url}: bucket {bucket} (versioning {versioning})")
        self.raw["store"] = {"bucket": bucket, "versioning": versioning}
        self.raw["sseProbe"] = self.sse_probe()

        # Source cluster, bulk data, base backup.
        self.ha.dcs.start()
        src = Cluster(self, s["cluster"], s["members"])
        self.clusters.append(src)
        src.start(120)
        log(f"source cluster up: {src.scope} uid {src.uid}, {len(src.members)} members; WAL to {spilo_walg_env(src.env)['WALG_S3_PREFIX']}")
        src.query("CREATE TABLE dr_ledger (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())")
        load = self.bulk(src, "dr_bulk", a.bulk_mib)
        push = self.base_backup(src)
        db_bytes = src.query("SELECT sum(pg_database_size(datname))::bigint FROM pg_database")[0][0]
        log(f"bulk load {a.bulk_mib} MiB in {load:.0f}s; base backup of {db_bytes / 2**20:.0f} MiB in {push:.0f}s")
        listing = json.loads(self.walg(src.envdir, ["backup-list", "--json"]).stdout)
        self.raw["baseBackup"] = {"seconds": push, "databaseBytes": db_bytes, "backups": [b["backup_name"] for b in listing]}

        for _ in range(WRITERS):
            threading.Thread(target=self.writer, args=(src,), daemon=True).start()
        self.write_for(a.phase)
        pause_start = time.time()
        time.sleep(2.0)
        pitr_target = pause_start + 1.0
        self.write_for(a.phase)
        # More WAL than one segment: the segments holding everything so far fill and are archived.
        self.bulk(src, "dr_bulk2", 48)
        # Their checksums now: the first full read sets hint bits, which (wal_log_hints, for pg_rewind) writes
        # WAL; read during the tail it would fill segments and archive the tail too.
        source_bulk = {k: v for k, v in self.checksums(src).items() if k.startswith("dr_bulk")}
        # The commit of dr_bulk2 (and the hint-bit WAL of that read) may still sit in the segment being
        # written, which only archive_timeout would archive: close it, as archive_timeout firing now would,
        # so the bulk tables are in the store and the loss below is the tail's writes alone. Without this
        # the restored cluster lacked dr_bulk2 in some runs.
        src.query("SELECT pg_switch_wal()")
        self.wait_archived(src)
        archived_at = time.time()
        last, failed, last_failed = self.archived(src)
        log(f"archived up to {last} ({failed} failures); now {a.tail:.0f}s of writes that only archive_timeout would archive")
        self.write_for(a.tail)
        last, _, _ = self.archived(src)
        last_archived_time = src.query("SELECT extract(epoch FROM last_archived_time)::float8 FROM pg_stat_archiver")[0][0]
        self.stop.set()
        loss_at = self.total_loss(src)
        with self.lock:
            acked = list(self.acked)
        log(f"total loss: {len(acked)} acknowledged writes; every member, its data and the DCS gone")
        self.raw["ledger"] = acked
        self.raw["archivedAt"] = archived_at
        self.raw["lastArchivedBeforeLoss"] = {"wal": last, "at": last_archived_time}
        self.raw["lossAt"] = loss_at
        self.raw["sourceBulk"] = source_bulk

        # Case 3: the whole cluster lost; restore at "now" (the runbook's cloneTimestamp), same name, new uid.
        self.ha.dcs = ha.EtcdDcs(self.ha)
        self.ha.dcs.start()
        now_ts = rfc3339(time.time())
        restored, info = self.restore(src, now_ts)
        ids = self.ledger_ids(restored)
        sums = self.checksums(restored)
        log(f"case 3 restore ({now_ts}): writable after {info['seconds']:.1f}s (fetch {info['fetchSeconds']:.1f}s, recovery "
            f"{info['recoverySeconds']:.1f}s, target reached: {info['targetReached']}), {info['bytes'] / 2**20:.0f} MiB, {len(ids)} ledger rows")
        self.raw["totalLoss"] = {"cloneTimestamp": now_ts, "restore": info, "restoredIds": ids,
                                 "restoredBulk": {k: v for k, v in sums.items() if k.startswith("dr_bulk")}}

        # Logical backup of the restored cluster (the job runs against a member of the cluster).
        lb = self.logical_backup(restored, restored.uid)
        log(f"logical backup: s3://{s['logicalBackup']['logical_backup_s3_bucket']}/{lb['key']} ({lb['bytes'] / 2**20:.1f} MiB, {lb['seconds']:.0f}s)")
        restored.kill()

        # Case 2: point in time, into a new cluster name.
        pitr, pinfo = self.restore(src, rfc3339(pitr_target), "db-r1")
        pids = self.ledger_ids(pitr)
        log(f"case 2 restore to {rfc3339(pitr_target)} as {pinfo['cluster']}: {len(pids)} ledger rows, target reached: {pinfo['targetReached']}")
        self.raw["pitr"] = {"target": pitr_target, "cloneTimestamp": rfc3339(pitr_target), "restore": pinfo, "restoredIds": pids}
        pitr.kill()

        # The logical dump into an empty cluster.
        empty = Cluster(self, f"{s['cluster']}-logical", 1)
        self.clusters.append(empty)
        empty.start(120)
        lr = self.logical_restore(empty, s["logicalBackup"]["logical_backup_s3_bucket"], lb["key"])
        loaded = self.checksums(empty)
        log(f"logical restore in {lr['seconds']:.0f}s, {len(lr['psqlErrors'])} psql errors")
        self.raw["logical"] = {"backup": lb, "restore": lr, "source": sums, "restored": loaded}
        empty.kill()
        self.raw["elapsedSeconds"] = time.monotonic() - T0

    def cleanup(self):
        self.stop.set()
        self.store.stop()
        # The failover drill's cleanup: every member of every cluster and the DCS killed by PID, all reaped.
        self.ha.members = [m for c in self.clusters for m in c.members]
        self.ha.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="test/dr/config.ts output for every stack")
    ap.add_argument("--stack", required=True)
    ap.add_argument("--pg-bin", required=True)
    ap.add_argument("--patroni", required=True)
    ap.add_argument("--walg", required=True)
    ap.add_argument("--versitygw", required=True)
    ap.add_argument("--aws", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget", type=float, default=float(os.environ.get("DR_BUDGET") or 600))
    ap.add_argument("--bulk-mib", type=float, default=float(os.environ.get("DR_BULK_MIB") or 256))
    ap.add_argument("--phase", type=float, default=8, help="seconds of writes before and after the PITR pause")
    ap.add_argument("--tail", type=float, default=8, help="seconds of writes after the last archived segment")
    ap.add_argument("--restore-timeout", type=float, default=300)
    a = ap.parse_args()
    d = Dr(a)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    rc = 1
    try:
        d.run()
        rc = 0
    except (DrError, ha.DrillError) as e:
        print(f"dr: FAILED: {e}")
        for c in d.clusters:
            for m in c.members:
                print(f"--- {c.scope}/{m.name}: last log lines")
                os.system(f"tail -n 30 {m.log}")
    except KeyboardInterrupt:
        print("dr: interrupted")
    finally:
        d.cleanup()
        d.raw["completed"] = rc == 0
        with open(a.out, "w") as f:
            json.dump(d.raw, f)
    sys.exit(rc)


if __name__ == "__main__":
    main()
