#!/usr/bin/env python3
"""Postgres failover drill: etcd, 3 Patroni members and PgBouncer on 127.0.0.1, driven only by the
stack's effective Patroni configuration (scripts/ha-config.ts -> effectivePatroniConfig).

A bounded write workload goes through PgBouncer and records every acknowledged id while faults are
injected one after another on one cluster. Asserts: no acknowledged id missing on any member; no
write stall longer than ttl + loop_wait + 5 s; a new leader within the same bound. Every process is
started here, runs as the `postgres` user when started as root, and is stopped by PID.
Run through `npm run test:ha` (scripts/ha/drill.sh installs what it needs).
"""
import argparse
import ctypes
import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import psycopg2

HOST = "127.0.0.1"
SCOPE = "kubechat-drill"
WRITERS = 4
WRITE_PAUSE = 0.02
LIBC = ctypes.CDLL("libc.so.6", use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def now():
    return time.monotonic()


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


T0 = time.monotonic()


def log(msg):
    print(f"drill: [{time.monotonic() - T0:5.0f}s] {msg}", flush=True)


class Procs:
    """Every process the drill starts, by PID; orphans (postmasters) are reparented to us (subreaper)."""

    def __init__(self, run_as):
        self.run_as = run_as
        self.started = []
        LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def _preexec(self):
        os.setsid()
        if self.run_as:
            os.setgroups([])
            os.setgid(self.run_as.pw_gid)
            os.setuid(self.run_as.pw_uid)
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def start(self, argv, logfile, env=None):
        out = open(logfile, "ab")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             preexec_fn=self._preexec, env=env, cwd="/")
        out.close()
        self.started.append(p)
        return p

    @staticmethod
    def descendants(pid):
        children = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out

    @staticmethod
    def signal_pids(pids, sig):
        for p in pids:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass

    def reaper(self, stop):
        """As subreaper we inherit the postmasters Patroni detaches; reap them as soon as they exit, or
        Patroni would wait on a zombie postmaster forever (before pg_rewind, for instance)."""
        mine = lambda: {p.pid for p in self.started}
        while not stop.is_set():
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    with open(f"/proc/{d}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[0] == "Z" and int(fields[1]) == os.getpid() and int(d) not in mine():
                    try:
                        os.waitpid(int(d), os.WNOHANG)
                    except ChildProcessError:
                        pass
            time.sleep(0.1)

    def reap(self):
        for p in self.started:
            p.poll()
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass


class Member:
    def __init__(self, drill, idx):
        self.drill = drill
        self.name = f"m{idx}"
        self.pg_port = free_port()
        self.api_port = free_port()
        self.data = os.path.join(drill.work, self.name)
        self.conf = os.path.join(drill.work, f"{self.name}.yml")
        self.log = os.path.join(drill.work, f"{self.name}.log")
        self.proc = None
        self.frozen = []

    def write_config(self):
        cfg = self.drill.cfg
        dcs = dict(cfg["dcs"])
        dcs["postgresql"] = {"use_pg_rewind": True, "use_slots": True, "parameters": cfg["postgresql"]["parameters"]}
        conf = {
            "scope": SCOPE,
            "name": self.name,
            "restapi": {"listen": f"{HOST}:{self.api_port}", "connect_address": f"{HOST}:{self.api_port}"},
            "etcd3": {"hosts": [f"{HOST}:{self.drill.etcd_port}"]},
            "bootstrap": {"dcs": dcs, "initdb": [{"encoding": "UTF8"}, "data-checksums"]},
            "postgresql": {
                "listen": f"{HOST}:{self.pg_port}",
                "connect_address": f"{HOST}:{self.pg_port}",
                "data_dir": self.data,
                "bin_dir": self.drill.pg_bin,
                "pgpass": os.path.join(self.drill.work, f"{self.name}.pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": "drill"},
                    "replication": {"username": "replicator", "password": "drill"},
                },
                "pg_hba": ["local all all trust", f"host all all {HOST}/32 trust", f"host replication all {HOST}/32 trust"],
                "parameters": {"unix_socket_directories": self.drill.work},
            },
        }
        with open(self.conf, "w") as f:
            json.dump(conf, f)  # JSON is YAML

    def start(self):
        self.proc = self.drill.procs.start([self.drill.patroni, self.conf], self.log)

    def pids(self):
        pids = []
        if self.proc and self.proc.poll() is None:
            pids += Procs.descendants(self.proc.pid)
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                pm = int(f.readline())
            if os.path.exists(f"/proc/{pm}"):
                pids += Procs.descendants(pm)
        except (OSError, ValueError):
            pass
        return sorted(set(pids))

    def kill(self):
        """A crashed pod: Patroni, the postmaster and every backend die at once (SIGKILL)."""
        Procs.signal_pids(self.pids(), signal.SIGKILL)
        deadline = now() + 5
        while self.pids() and now() < deadline:
            self.drill.procs.reap()
            time.sleep(0.05)
        self.proc = None
        # A backend forked while the kill went out is orphaned to us (subreaper): nothing of a crashed
        # pod survives it, so neither does anything here that no live member, etcd or PgBouncer owns.
        self.drill.kill_orphans()
        self.drill.procs.reap()

    def freeze(self):
        self.frozen = self.pids()
        Procs.signal_pids(self.frozen, signal.SIGSTOP)

    def thaw(self):
        Procs.signal_pids(self.frozen, signal.SIGCONT)
        self.frozen = []

    def api(self, path, timeout=0.5):
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.api_port}{path}", timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, b""
        except Exception:
            return None, b""

    def is_primary(self):
        return self.api("/primary")[0] == 200

    def sync_standby_gauge(self):
        status, body = self.api("/metrics")
        if status != 200:
            return None
        for line in body.decode().splitlines():
            if line.startswith("patroni_sync_standby{"):
                return float(line.rsplit(" ", 1)[1])
        return None


class Drill:
    def __init__(self, args):
        with open(args.config) as f:
            self.cfg = json.load(f)
        self.work = args.work
        self.pg_bin = args.pg_bin
        self.patroni = args.patroni
        self.deadline = now() + args.budget
        self.run_as = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.procs = Procs(self.run_as)
        dcs = self.cfg["dcs"]
        self.bound = self.cfg["bounds"]["maxWriteStallSeconds"]
        self.leader_bound = self.cfg["bounds"]["maxLeaderChangeSeconds"]
        self.ttl = dcs["ttl"]
        self.sync_count = dcs.get("synchronous_node_count", 0) if dcs.get("synchronous_mode") else 0
        self.etcd_port, self.etcd_peer = free_port(), free_port()
        self.bouncer_port = free_port()
        self.members = [Member(self, i) for i in range(self.cfg["members"])]
        self.reaper_stop = threading.Event()
        threading.Thread(target=self.procs.reaper, args=(self.reaper_stop,), daemon=True).start()
        self.etcd = None
        self.bouncer = None
        self.leader = None
        self.lock = threading.Lock()
        self.acked = {}  # id -> ack time
        self.ack_times = []
        self.errors = []  # times
        self.next_id = 0
        self.inflight = {}
        self.stop = threading.Event()
        self.leader_events = []  # (time, name)
        self.results = []

    # --- infrastructure -------------------------------------------------------------------------
    def check_budget(self):
        if now() > self.deadline:
            raise DrillError("time budget", "the drill ran out of its time budget")

    def chown_work(self):
        if self.run_as:
            for root, dirs, files in os.walk(self.work):
                for n in dirs + files:
                    os.chown(os.path.join(root, n), self.run_as.pw_uid, self.run_as.pw_gid)
            os.chown(self.work, self.run_as.pw_uid, self.run_as.pw_gid)

    def start_etcd(self):
        self.etcd = self.procs.start([
            "etcd", "--name", "drill", "--data-dir", os.path.join(self.work, "etcd"),
            "--listen-client-urls", f"http://{HOST}:{self.etcd_port}", "--advertise-client-urls", f"http://{HOST}:{self.etcd_port}",
            "--listen-peer-urls", f"http://{HOST}:{self.etcd_peer}", "--initial-advertise-peer-urls", f"http://{HOST}:{self.etcd_peer}",
            "--initial-cluster", f"drill=http://{HOST}:{self.etcd_peer}", "--enable-v2=false",
        ], os.path.join(self.work, "etcd.log"))
        self.wait(lambda: self.http_ok(f"http://{HOST}:{self.etcd_port}/health"), 20, "etcd up")

    def kill_orphans(self):
        owned = {os.getpid()}
        for m in self.members:
            owned.update(m.pids())
        for p in (self.etcd, self.bouncer):
            if p and p.poll() is None:
                owned.add(p.pid)
        orphans = [p for p in Procs.descendants(os.getpid()) if p not in owned and self.is_postgres(p)]
        Procs.signal_pids(orphans, signal.SIGKILL)

    @staticmethod
    def is_postgres(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().split(b"\0")[0].split(b"/")[-1].startswith(b"postgres")
        except OSError:
            return False

    def kill_etcd(self):
        Procs.signal_pids([self.etcd.pid], signal.SIGKILL)
        self.etcd.wait(5)

    @staticmethod
    def http_ok(url):
        try:
            with urllib.request.urlopen(url, timeout=0.5) as r:
                return r.status == 200
        except Exception:
            return False

    def bouncer_ini(self, leader):
        pp = self.cfg["pooler"]["perPod"]
        # min_pool_size stays commented out in the operator's pgbouncer.ini.tmpl.
        return "\n".join([
            "[databases]",
            f"postgres = host={HOST} port={leader.pg_port} dbname=postgres",
            "[pgbouncer]",
            f"listen_addr = {HOST}", f"listen_port = {self.bouncer_port}", "unix_socket_dir =",
            "auth_type = trust", f"auth_file = {self.work}/userlist.txt", "admin_users = postgres",
            f"pool_mode = {pp['pool_mode']}",
            f"default_pool_size = {pp['default_pool_size']}",
            f"reserve_pool_size = {pp['reserve_pool_size']}",
            f"max_db_connections = {pp['max_db_connections']}",
            f"max_client_conn = {pp['max_client_conn']}",
            f"query_wait_timeout = {pp['query_wait_timeout']}",
            f"server_login_retry = {pp['server_login_retry']}",
            f"idle_transaction_timeout = {pp['idle_transaction_timeout']}",
            "ignore_startup_parameters = extra_float_digits,options",
            f"logfile = {self.work}/pgbouncer.log", f"pidfile = {self.work}/pgbouncer.pid", "",
        ])

    def start_bouncer(self, leader):
        with open(f"{self.work}/userlist.txt", "w") as f:
            f.write('"postgres" "drill"\n')
        with open(f"{self.work}/pgbouncer.ini", "w") as f:
            f.write(self.bouncer_ini(leader))
        self.chown_work()
        self.bouncer = self.procs.start(["/usr/sbin/pgbouncer", f"{self.work}/pgbouncer.ini"], f"{self.work}/pgbouncer.out")
        self.wait(lambda: self.can_connect(self.bouncer_port), 10, "PgBouncer up")

    def repoint(self, leader):
        """What the operator's pooler Service does on failover: send new server connections to the new leader."""
        with open(f"{self.work}/pgbouncer.ini", "w") as f:
            f.write(self.bouncer_ini(leader))
        os.kill(self.bouncer.pid, signal.SIGHUP)

    @staticmethod
    def can_connect(port):
        try:
            psycopg2.connect(host=HOST, port=port, user="postgres", dbname="postgres", connect_timeout=1).close()
            return True
        except Exception:
            return False

    def wait(self, cond, timeout, what):
        end = now() + timeout
        while now() < end:
            self.check_budget()
            if cond():
                return
            time.sleep(0.1)
        raise DrillError("setup", f"timed out waiting for {what}")

    # --- cluster state ---------------------------------------------------------------------------
    def cluster(self):
        for m in self.members:
            status, body = m.api("/cluster")
            if status == 200:
                try:
                    return json.loads(body)
                except ValueError:
                    pass
        return None

    def healthy(self):
        c = self.cluster()
        if not c:
            return False
        ms = c.get("members", [])
        leaders = [m for m in ms if m.get("role") == "leader" and m.get("state") == "running"]
        streaming = [m for m in ms if m.get("role") in ("replica", "sync_standby") and m.get("state") == "streaming"]
        syncs = [m for m in ms if m.get("role") == "sync_standby" and m.get("state") == "streaming"]
        return len(ms) == len(self.members) and len(leaders) == 1 and len(streaming) == len(self.members) - 1 \
            and len(syncs) == self.sync_count

    def roles(self):
        c = self.cluster() or {}
        return {m["name"]: m.get("role") for m in c.get("members", [])}

    def member(self, name):
        return next(m for m in self.members if m.name == name)

    def pointer(self):
        """Re-points PgBouncer whenever another member becomes the running primary."""
        while not self.stop.is_set():
            for m in self.members:
                if m.is_primary():
                    if self.leader is not m:
                        with self.lock:
                            self.leader_events.append((now(), m.name))
                        self.leader = m
                        self.repoint(m)
                    break
            time.sleep(0.2)

    # --- workload --------------------------------------------------------------------------------
    def writer(self, k):
        conn = None
        while not self.stop.is_set():
            if conn is None:
                try:
                    conn = psycopg2.connect(host=HOST, port=self.bouncer_port, user="postgres", dbname="postgres", connect_timeout=3)
                    conn.autocommit = True
                except Exception:
                    with self.lock:
                        self.errors.append(now())
                    time.sleep(0.2)
                    continue
            with self.lock:
                self.next_id += 1
                i = self.next_id
            start = now()
            self.inflight[k] = start
            try:
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO drill(id) VALUES (%s)", (i,))
                t = now()
                with self.lock:
                    self.acked[i] = t
                    self.ack_times.append(t)
            except Exception:
                with self.lock:
                    self.errors.append(now())
                try:
                    conn.close()
                except Exception:
                    pass
                conn = None
                time.sleep(0.1)
            finally:
                self.inflight[k] = None
            time.sleep(WRITE_PAUSE)

    def stall_since(self, t0, t1):
        """Longest interval in [t0, t1] without an acknowledged write (a write blocked or failing that long)."""
        with self.lock:
            acks = [t for t in self.ack_times if t0 <= t <= t1]
        points = [t0] + acks + [t1]
        return max(b - a for a, b in zip(points, points[1:]))

    def flowing(self, t0, settle):
        with self.lock:
            last = self.ack_times[-1] if self.ack_times else 0
        return last > t0 + settle and now() - last < 0.5

    def errors_between(self, t0, t1):
        with self.lock:
            return sum(1 for t in self.errors if t0 <= t <= t1)

    def leader_change_after(self, t0):
        with self.lock:
            ev = [t for t, _ in self.leader_events if t > t0]
        return ev[0] - t0 if ev else None

    def gauge_sum(self):
        return sum(x for x in (m.sync_standby_gauge() for m in self.members if not m.frozen) if x is not None)

    def observe(self, t0, until, min_gauge):
        """Until `until()` holds or the bound (+10 s) passes; tracks the Patroni sync-standby gauge."""
        end = t0 + self.bound + 10
        while now() < end:
            self.check_budget()
            min_gauge[0] = min(min_gauge[0], self.gauge_sum())
            if until():
                return True
            time.sleep(0.2)
        return False

    def heal(self, what):
        t = now()
        end = t + 60
        while now() < end:
            self.check_budget()
            if self.healthy() and self.flowing(now() - 1, 0):
                log(f"healed after '{what}' in {now() - t:.0f}s")
                return
            time.sleep(0.2)
        raise DrillError(what, f"cluster did not heal within 60 s after '{what}': {self.roles()}")

    def record(self, name, t0, t1, leader_change=None, note="", expect_leader_change=False, min_gauge=None):
        stall = self.stall_since(t0, t1)
        errs = self.errors_between(t0, t1)
        problems = []
        if stall > self.bound:
            problems.append(f"writes blocked {stall:.1f}s > {self.bound}s")
        if expect_leader_change and (leader_change is None or leader_change > self.leader_bound):
            problems.append(f"no new leader within {self.leader_bound}s")
        self.results.append({
            "scenario": name, "leader": leader_change, "stall": stall, "errors": errs,
            "gauge": min_gauge, "note": note, "ok": not problems, "problems": problems,
        })
        log(f"{name}: stall {stall:.1f}s, errors {errs}" + (f", new leader {leader_change:.1f}s" if leader_change else "")
            + (f" — FAIL: {'; '.join(problems)}" if problems else ""))
        return not problems

    # --- faults ----------------------------------------------------------------------------------
    def sync_standbys(self):
        return [n for n, r in self.roles().items() if r == "sync_standby"]

    def scenario_leader_kill(self):
        old = self.leader
        gauge = [99.0]
        t0 = now()
        old.kill()
        self.observe(t0, lambda: self.leader_change_after(t0) is not None and self.flowing(t0, 1), gauge)
        t1 = now()
        ok = self.record("leader kill -9", t0, t1, self.leader_change_after(t0), f"{old.name} killed", True, gauge[0])
        old.start()
        self.heal("leader kill -9")
        return ok

    def wait_in_sync_names(self, name, timeout):
        end = now() + timeout
        conn = None
        while now() < end:
            self.check_budget()
            try:
                if conn is None:
                    conn = psycopg2.connect(host=HOST, port=self.leader.pg_port, user="postgres", dbname="postgres", connect_timeout=2)
                    conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute("SELECT current_setting('synchronous_standby_names')")
                    names = cur.fetchone()[0]
                if name in names.replace('"', " ").replace(",", " ").replace("(", " ").replace(")", " ").split():
                    conn.close()
                    return True
            except Exception:
                conn = None
            time.sleep(0.02)
        return False

    def scenario_replica_kill(self, count, label):
        """`count` synchronous standbys killed at once."""
        victims = [self.member(n) for n in self.sync_standbys()[:count]]
        gauge = [99.0]
        t0 = now()
        for v in victims:
            v.kill()
        self.observe(t0, lambda: self.flowing(t0, 1), gauge)
        t1 = now()
        ok = self.record(label, t0, t1, note="+".join(v.name for v in victims) + " killed", min_gauge=gauge[0])
        for v in victims:
            v.start()
        self.heal(label)
        return ok

    def scenario_freeze(self):
        v = self.member(self.sync_standbys()[0])
        gauge = [99.0]
        t0 = now()
        v.freeze()
        try:
            self.observe(t0, lambda: self.flowing(t0, 1), gauge)
        finally:
            t1 = now()
            v.thaw()
        ok = self.record("replica freeze (SIGSTOP)", t0, t1, note=f"{v.name} frozen {t1 - t0:.0f}s", min_gauge=gauge[0])
        self.heal("replica freeze")
        return ok

    def scenario_replica_kill_then_rejoin_crash(self):
        """One sync replica killed; restarted; killed again right after it is back in the synchronous set."""
        v = self.member(self.sync_standbys()[0])
        gauge = [99.0]
        t0 = now()
        v.kill()
        self.observe(t0, lambda: self.flowing(t0, 1), gauge)
        t1 = now()
        ok = self.record("one sync replica kill -9", t0, t1, note=f"{v.name} killed", min_gauge=gauge[0])
        v.start()
        # Killed the moment the leader's Postgres names it in synchronous_standby_names again: before
        # Patroni has counted it as synchronous (a crash-looping pod dies at any point of its rejoin).
        if not self.wait_in_sync_names(v.name, 60):
            raise DrillError("replica crash after rejoining the sync set", f"{v.name} never rejoined the synchronous set")
        gauge = [99.0]
        t0 = now()
        v.kill()
        self.observe(t0, lambda: self.flowing(t0, 1), gauge)
        t1 = now()
        ok = self.record("replica crash right after rejoining sync set", t0, t1, note=f"{v.name} killed again once back in the set",
                         min_gauge=gauge[0]) and ok
        v.start()
        self.heal("replica crash after rejoining the sync set")
        return ok

    def scenario_dcs_outage(self):
        gauge = [99.0]
        outage = self.ttl + 5
        t0 = now()
        self.kill_etcd()
        self.observe(t0, lambda: now() - t0 >= outage, gauge)
        t1 = now()
        self.start_etcd()
        lc = self.leader_change_after(t0)
        ok = self.record(f"DCS (etcd) outage {outage}s", t0, t1, lc, "leader kept" if lc is None else "leader changed", min_gauge=gauge[0])
        if self.errors_between(t0, t1) > 0 and self.cfg["dcs"].get("failsafe_mode"):
            self.results[-1]["ok"] = False
            self.results[-1]["problems"].append("writes failed although failsafe_mode is on")
            ok = False
        self.heal("DCS outage")
        return ok

    # --- run -------------------------------------------------------------------------------------
    def setup(self):
        t = now()
        os.makedirs(self.work, exist_ok=True)
        self.chown_work()
        self.start_etcd()
        for m in self.members:
            m.write_config()
        self.chown_work()
        self.members[0].start()
        # The others wait for the leader's bootstrap, then take a base backup from it.
        self.wait(lambda: self.http_ok(f"http://{HOST}:{self.members[0].api_port}/liveness"), 30, "first member up")
        for m in self.members[1:]:
            m.start()
        self.wait(self.healthy, 90, f"{len(self.members)} members with {self.sync_count} synchronous standbys")
        self.leader = next(m for m in self.members if m.is_primary())
        conn = psycopg2.connect(host=HOST, port=self.leader.pg_port, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE drill (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())")
        conn.close()
        self.start_bouncer(self.leader)
        # The KubeChatPostgresSyncStandbysMissing alert sums Patroni's patroni_sync_standby gauge: a healthy
        # cluster must report exactly the configured count, or the alert would fire (or never fire).
        self.wait(lambda: self.gauge_sum() == self.sync_count, 15, f"patroni_sync_standby to sum to {self.sync_count}")
        log(f"cluster up in {now() - t:.0f}s: {self.roles()}, patroni_sync_standby sum {self.gauge_sum():.0f}")

    def verify_no_loss(self):
        self.stop.set()
        time.sleep(0.5)
        with self.lock:
            acked = set(self.acked)
        lost = {}
        end = now() + 30
        for m in self.members:
            while True:
                try:
                    conn = psycopg2.connect(host=HOST, port=m.pg_port, user="postgres", dbname="postgres", connect_timeout=2)
                    with conn.cursor() as cur:
                        cur.execute("SELECT id FROM drill")
                        have = {r[0] for r in cur.fetchall()}
                    conn.close()
                except Exception:
                    have = set()
                missing = acked - have
                if not missing or now() > end:
                    lost[m.name] = len(missing)
                    break
                time.sleep(0.5)  # a replica still replaying
        return len(acked), lost

    def table(self, acked, lost):
        rows = [("scenario", "new leader", "write stall", "errors", "min sync standbys", "detail", "result")]
        for r in self.results:
            rows.append((r["scenario"], f"{r['leader']:.1f}s" if r["leader"] is not None else "-", f"{r['stall']:.1f}s", str(r["errors"]),
                         "-" if r["gauge"] is None else f"{r['gauge']:.0f}/{self.sync_count}", r["note"],
                         "ok" if r["ok"] else "FAIL: " + "; ".join(r["problems"])))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for i, row in enumerate(rows):
            print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
            if i == 0:
                print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        print(f"acknowledged writes: {acked}; missing per member: " + ", ".join(f"{k} {v}" for k, v in lost.items()))

    def cleanup(self):
        self.stop.set()
        for m in self.members:
            if m.frozen:
                m.thaw()
            Procs.signal_pids(m.pids(), signal.SIGKILL)
        for p in (self.bouncer, self.etcd):
            if p and p.poll() is None:
                Procs.signal_pids([p.pid], signal.SIGKILL)
        for p in self.procs.started:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.procs.reap()

    def run(self):
        c = self.cfg
        log(f"{c['spiloImage']} (Patroni {c['patroniVersion']}), {c['members']} members, "
            f"ttl {c['dcs']['ttl']}s loop_wait {c['dcs']['loop_wait']}s, synchronous_node_count {self.sync_count}, "
            f"failsafe_mode {c['dcs'].get('failsafe_mode')}; bound {self.bound}s")
        self.setup()
        threading.Thread(target=self.pointer, daemon=True).start()
        for k in range(WRITERS):
            threading.Thread(target=self.writer, args=(k,), daemon=True).start()
        self.wait(lambda: self.flowing(now() - 2, 0), 20, "writes through PgBouncer")
        scenarios = [
            self.scenario_leader_kill,
            self.scenario_replica_kill_then_rejoin_crash,
            lambda: self.scenario_replica_kill(2, "both replicas kill -9"),
            self.scenario_freeze,
            self.scenario_dcs_outage,
        ]
        failed = None
        for s in scenarios:
            if not s() and failed is None:
                failed = self.results[-1]["scenario"]
                break
        acked, lost = self.verify_no_loss()
        self.table(acked, lost)
        lost_any = {k: v for k, v in lost.items() if v}
        passed = sum(1 for r in self.results if r["ok"])
        failures = len(self.results) - passed + (1 if lost_any else 0)
        print(f"drill: {passed} passed, {failures} failed")
        if failed:
            print(f"drill: FAILED in scenario '{failed}'")
        if lost_any:
            print(f"drill: FAILED: acknowledged writes missing: {lost_any}")
        return 0 if not failures else 1


class DrillError(Exception):
    def __init__(self, scenario, message):
        super().__init__(message)
        self.scenario = scenario


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--pg-bin", required=True)
    ap.add_argument("--patroni", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--budget", type=float, default=float(os.environ.get("HA_BUDGET", "225")))
    args = ap.parse_args()
    d = Drill(args)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    rc = 1
    try:
        rc = d.run()
    except DrillError as e:
        if d.results:
            d.table(len(d.acked), {})
        print(f"drill: 0 passed, 1 failed\ndrill: FAILED in scenario '{e.scenario}': {e}")
        for m in d.members:
            print(f"--- {m.name}: processes and last log lines")
            pids = ",".join(str(p) for p in m.pids())
            if pids:
                os.system(f"ps -o pid,ppid,stat,etime,wchan:20,args -p {pids}")
            os.system(f"tail -n 40 {m.log}")
        os.system(f"ps -o pid,ppid,stat,etime,wchan:20,args --ppid {os.getpid()}")
    except KeyboardInterrupt:
        print("drill: interrupted")
    finally:
        d.cleanup()
    sys.exit(rc)


if __name__ == "__main__":
    main()
