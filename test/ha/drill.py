#!/usr/bin/env python3
"""Postgres failover drill: a DCS, 3 Patroni members and PgBouncer on 127.0.0.1, driven only by the
stack's effective Patroni configuration (cmd/ha-config.ts -> effectivePatroniConfig).

The DCS is etcd (`--dcs etcd`, the default) or what production runs (`--dcs kubernetes`): Patroni's
Kubernetes DCS against a real kube-apiserver (with its own etcd), configured as Spilo configures it from
the environment operator 2.0.0 gives its pods (ConfigMaps, labels, scope label, namespace).

A bounded write workload goes through PgBouncer and records every acknowledged id while faults are
injected one after another on one cluster. Asserts: no acknowledged id missing on any member; no
write stall longer than ttl + loop_wait + 5 s; a new leader within the same bound. Every process is
started here, runs as the `postgres` user when started as root, and is stopped by PID.
Run through `npm run test:ha` (test/ha/drill.sh installs what it needs).
"""
import argparse
import ctypes
import json
import os
import pwd
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg2

HOST = "127.0.0.1"
SCOPE = "kubechat-drill"
WRITERS = 4
WRITE_PAUSE = 0.02
LIBC = ctypes.CDLL("libc.so.6", use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def pg_seconds(value):
    """A Postgres duration setting ('60s', '1min', '5000' = ms) in seconds."""
    v = str(value).strip()
    for unit, f in (("ms", 0.001), ("min", 60), ("s", 1), ("h", 3600)):
        if v.endswith(unit):
            return float(v[:-len(unit)]) * f
    return float(v) / 1000


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

    def _preexec(self, as_root=False, deathsig=signal.SIGKILL):
        os.setsid()
        if self.run_as and not as_root:
            os.setgroups([])
            os.setgid(self.run_as.pw_gid)
            os.setuid(self.run_as.pw_uid)
        LIBC.prctl(PR_SET_PDEATHSIG, deathsig, 0, 0, 0)

    def start(self, argv, logfile, env=None, as_root=False, deathsig=signal.SIGKILL):
        """`as_root`: for binaries the postgres user cannot reach (the toolchain cache under /root).
        `deathsig`: what the process gets when the drill dies (SIGTERM for `timeout`, which passes it on)."""
        out = open(logfile, "ab")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             preexec_fn=lambda: self._preexec(as_root, deathsig), env=env, cwd="/")
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
            **self.drill.dcs.member_config(self),
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
        self.proc = self.drill.procs.start([self.drill.patroni, self.conf], self.log, env=self.drill.dcs.member_env())

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

    def metric(self, name):
        """A gauge from Patroni's /metrics (what the PodMonitor scrapes on 8008), or None."""
        status, body = self.api("/metrics")
        if status != 200:
            return None
        for line in body.decode().splitlines():
            if line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        return None

    def sync_standby_gauge(self):
        return self.metric("patroni_sync_standby")


class EtcdDcs:
    """etcd 3 (Debian's etcd-server), one member: the drill's default DCS."""
    name = "etcd"

    def __init__(self, drill):
        self.drill = drill
        self.port, self.peer = free_port(), free_port()
        self.proc = None

    def start(self):
        d = self.drill
        self.proc = d.procs.start([
            "etcd", "--name", "drill", "--data-dir", os.path.join(d.work, "etcd"),
            "--listen-client-urls", f"http://{HOST}:{self.port}", "--advertise-client-urls", f"http://{HOST}:{self.port}",
            "--listen-peer-urls", f"http://{HOST}:{self.peer}", "--initial-advertise-peer-urls", f"http://{HOST}:{self.peer}",
            "--initial-cluster", f"drill=http://{HOST}:{self.peer}", "--enable-v2=false",
        ], os.path.join(d.work, "etcd.log"))
        d.wait(lambda: d.http_ok(f"http://{HOST}:{self.port}/health"), 20, "etcd up")

    def prepare_members(self, members):
        pass

    def member_config(self, member):
        return {"etcd3": {"hosts": [f"{HOST}:{self.port}"]}}

    def check_state(self, leader):
        return "etcd"

    def member_env(self):
        return None

    def processes(self):
        return [self.proc] if self.proc else []

    def outage_start(self):
        Procs.signal_pids([self.proc.pid], signal.SIGKILL)
        self.proc.wait(5)

    def outage_end(self):
        self.start()

    def stop(self):
        for p in self.processes():
            if p.poll() is None:
                Procs.signal_pids(Procs.descendants(p.pid), signal.SIGKILL)


class KubeDcs:
    """Patroni's Kubernetes DCS, as production runs it: a real kube-apiserver (v1.33, with its own etcd,
    both built by test/real/tools/toolchain.sh) on 127.0.0.1 with a static token, and every member configured
    as Spilo's configure_spilo.py configures it from the environment operator 2.0.0 gives its pods
    (k8sres.go generateSpiloPodEnvVars; the chart's `kubernetes_use_configmaps: true`): leader, config,
    sync and failsafe state in ConfigMap annotations (no `use_endpoints`), member state in annotations of
    the member's own Pod, labels `application: spilo` + `cluster-name: <scope>`, role label `spilo-role`,
    the data namespace. Nothing schedules the Pods (no scheduler, kubelet or controller-manager): they stay
    Pending, which Patroni does not read; it only patches their annotations and role label."""
    name = "kubernetes"
    NAMESPACE = "kubechat-data"

    def __init__(self, drill, etcd_bin, apiserver_bin):
        self.drill = drill
        self.etcd_bin, self.apiserver_bin = etcd_bin, apiserver_bin
        self.dir = os.path.join(drill.work, "k8s")
        self.etcd_port, self.etcd_peer, self.api_port = free_port(), free_port(), free_port()
        self.token = secrets.token_hex(24)
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.ca = os.path.join(self.dir, "pki", "apiserver.crt")
        # Both end by themselves (timeout) even if the drill is SIGKILLed; SIGTERM reaches them through timeout.
        self.lifetime = int(drill.budget) + 300
        self.etcd = None
        self.apiserver = None
        self.last_error = None

    def _bounded(self, argv, log):
        return self.drill.procs.start(["timeout", "--kill-after=10", str(self.lifetime)] + argv,
                                      os.path.join(self.dir, log), as_root=True, deathsig=signal.SIGTERM)

    def start(self):
        d = self.drill
        os.makedirs(os.path.join(self.dir, "pki"), exist_ok=True)
        with open(os.path.join(self.dir, "tokens.csv"), "w") as f:
            f.write(f"{self.token},drill,drill,system:masters\n")
        subprocess.run(["openssl", "genrsa", "-out", os.path.join(self.dir, "sa.key"), "2048"], check=True, capture_output=True)
        self.etcd = self._bounded([
            self.etcd_bin, "--data-dir", os.path.join(self.dir, "etcd"),
            "--listen-client-urls", f"http://{HOST}:{self.etcd_port}", "--advertise-client-urls", f"http://{HOST}:{self.etcd_port}",
            "--listen-peer-urls", f"http://{HOST}:{self.etcd_peer}", "--initial-advertise-peer-urls", f"http://{HOST}:{self.etcd_peer}",
            "--initial-cluster", f"default=http://{HOST}:{self.etcd_peer}", "--unsafe-no-fsync",
        ], "etcd.log")
        d.wait(lambda: d.http_ok(f"http://{HOST}:{self.etcd_port}/health"), 30, "the API server's etcd up")
        self.start_apiserver(120)
        with open(self.kubeconfig, "w") as f:
            json.dump({
                "apiVersion": "v1", "kind": "Config", "current-context": "drill",
                "clusters": [{"name": "drill", "cluster": {"server": self.server, "certificate-authority": self.ca}}],
                "users": [{"name": "drill", "user": {"token": self.token}}],
                "contexts": [{"name": "drill", "context": {"cluster": "drill", "user": "drill"}}],
            }, f)
        d.wait(lambda: self.request("GET", "/api/v1/namespaces/default")[0] == 200, 60, "namespace default")

    @property
    def server(self):
        return f"https://{HOST}:{self.api_port}"

    def start_apiserver(self, timeout, ready=None):
        self.apiserver = self._bounded([
            self.apiserver_bin, "--etcd-servers", f"http://{HOST}:{self.etcd_port}",
            "--bind-address", HOST, "--advertise-address", HOST, "--secure-port", str(self.api_port),
            "--cert-dir", os.path.join(self.dir, "pki"), "--token-auth-file", os.path.join(self.dir, "tokens.csv"),
            "--authorization-mode", "RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", os.path.join(self.dir, "sa.key"),
            "--service-account-signing-key-file", os.path.join(self.dir, "sa.key"),
            "--service-cluster-ip-range", "10.96.0.0/16",
            "--endpoint-reconciler-type", "none", "--enable-priority-and-fairness=false",
        ], "kube-apiserver.log")
        try:
            self.drill.wait(ready or self.ready, timeout, "kube-apiserver ready")
        except DrillError:
            with open(os.path.join(self.dir, "kube-apiserver.log"), errors="replace") as f:
                tail = "".join(f.readlines()[-15:])
            raise DrillError("setup", f"kube-apiserver not ready after {timeout}s (last error: {self.last_error}); log tail:\n{tail}")

    def request(self, method, path, body=None, timeout=2):
        ctx = ssl.create_default_context(cafile=self.ca) if os.path.exists(self.ca) else None
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
                body = r.read()
                return r.status, json.loads(body) if r.headers.get_content_type() == "application/json" else body
        except urllib.error.HTTPError as e:
            return e.code, None
        except Exception as e:
            self.last_error = f"{type(e).__name__}: {e}"
            return None, None

    def ready(self):
        return os.path.exists(self.ca) and self.request("GET", "/readyz")[0] == 200

    def create(self, path, obj):
        status, _ = self.request("POST", path, obj)
        if status not in (200, 201, 409):
            raise DrillError("setup", f"kube-apiserver refused POST {path}: HTTP {status}")

    def prepare_members(self, members):
        ns = self.NAMESPACE
        self.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        # No controller-manager creates it; the ServiceAccount admission plugin wants it for every Pod.
        self.create(f"/api/v1/namespaces/{ns}/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}})
        for m in members:
            self.create(f"/api/v1/namespaces/{ns}/pods", {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": m.name, "labels": {**SPILO_LABELS, SPILO_SCOPE_LABEL: SCOPE}},
                "spec": {"automountServiceAccountToken": False, "containers": [{"name": "postgres", "image": self.drill.cfg["spiloImage"]}]},
            })
        self.drill.chown_work()

    def member_config(self, member):
        return {
            "namespace": self.NAMESPACE,
            "kubernetes": {
                "labels": SPILO_LABELS, "scope_label": SPILO_SCOPE_LABEL, "role_label": "spilo-role",
                # Spilo's role values (the operator's Services select spilo-role=master).
                "leader_label_value": "master", "standby_leader_label_value": "master",
                # The operator adds this with enable_pod_disruption_budget (on in this stack).
                "bootstrap_labels": {"critical-operation": "true"},
                # Spilo turns bypass_api_service on (Patroni reads the API servers' own addresses from the
                # `default/kubernetes` Endpoints and calls them directly). Not here: Endpoints may not hold a
                # loopback address, and with one API server both ways reach the same process.
                "bypass_api_service": False,
                "context": "drill",
            },
        }

    def member_env(self):
        return {**os.environ, "KUBECONFIG": self.kubeconfig}

    def check_state(self, leader):
        """Where the cluster state lives in the API: the ConfigMaps Patroni keeps (leader lock in
        `<scope>-leader`'s annotations) and the member Pods' annotations and role label."""
        ns, sel = self.NAMESPACE, urllib.parse.quote(f"{SPILO_SCOPE_LABEL}={SCOPE}")
        st, cms = self.request("GET", f"/api/v1/namespaces/{ns}/configmaps?labelSelector={sel}")
        st2, pods = self.request("GET", f"/api/v1/namespaces/{ns}/pods?labelSelector={sel}")
        if st != 200 or st2 != 200:
            raise DrillError("setup", f"cannot list the DCS objects: HTTP {st}/{st2}")
        maps = {c["metadata"]["name"]: c["metadata"].get("annotations", {}) for c in cms["items"]}
        lock = maps.get(f"{SCOPE}-leader", {}).get("leader")
        roles = {p["metadata"]["name"]: p["metadata"]["labels"].get("spilo-role") for p in pods["items"]}
        phases = sorted({p["status"].get("phase", "?") for p in pods["items"]})
        with_status = sum(1 for p in pods["items"] if "status" in p["metadata"].get("annotations", {}))
        if lock != leader.name or roles.get(leader.name) != "master" or with_status != len(pods["items"]):
            raise DrillError("setup", f"unexpected DCS state: leader annotation {lock!r}, pod roles {roles}, "
                                      f"{with_status} pods with a status annotation")
        return (f"ConfigMaps {', '.join(sorted(maps))}; leader lock {lock} in {SCOPE}-leader; "
                f"pod roles {roles}; pods {'/'.join(phases)}")

    def processes(self):
        return [p for p in (self.etcd, self.apiserver) if p]

    def outage_start(self):
        """The API server dies (its etcd keeps the state, as a control-plane outage would)."""
        Procs.signal_pids(Procs.descendants(self.apiserver.pid), signal.SIGKILL)
        self.apiserver.wait(10)

    def outage_end(self):
        """Back when the restarted API server first serves the data namespace (what Patroni reads), which
        is before /readyz reports every post-start hook done."""
        self.start_apiserver(120, lambda: os.path.exists(self.ca) and self.request("GET", f"/api/v1/namespaces/{self.NAMESPACE}", timeout=1)[0] == 200)

    def stop(self):
        for p in self.processes():
            if p.poll() is None:
                Procs.signal_pids(Procs.descendants(p.pid), signal.SIGKILL)


# What operator 2.0.0 puts in KUBERNETES_LABELS / KUBERNETES_SCOPE_LABEL (chart defaults cluster_labels, cluster_name_label).
SPILO_LABELS = {"application": "spilo"}
SPILO_SCOPE_LABEL = "cluster-name"


class Drill:
    def __init__(self, args):
        with open(args.config) as f:
            self.cfg = json.load(f)
        self.work = args.work
        self.pg_bin = args.pg_bin
        self.patroni = args.patroni
        self.budget = args.budget
        self.deadline = now() + args.budget
        self.run_as = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.procs = Procs(self.run_as)
        dcs = self.cfg["dcs"]
        self.bound = self.cfg["bounds"]["maxWriteStallSeconds"]
        self.leader_bound = self.cfg["bounds"]["maxLeaderChangeSeconds"]
        self.ttl = dcs["ttl"]
        self.sync_count = dcs.get("synchronous_node_count", 0) if dcs.get("synchronous_mode") else 0
        self.bouncer_port = free_port()
        self.dcs = KubeDcs(self, args.etcd_bin, args.apiserver_bin) if args.dcs == "kubernetes" else EtcdDcs(self)
        self.scenarios = args.scenarios
        # PgBouncer's server_login_retry: the operator's template value unless a scenario changes it.
        self.login_retry = self.cfg["pooler"]["perPod"]["server_login_retry"]
        self.members = [Member(self, i) for i in range(self.cfg["members"])]
        self.reaper_stop = threading.Event()
        threading.Thread(target=self.procs.reaper, args=(self.reaper_stop,), daemon=True).start()
        self.bouncer = None
        self.leader = None
        self.lock = threading.Lock()
        self.acked = {}  # id -> ack time
        self.ack_times = []
        self.latencies = []  # (ack time, seconds the INSERT took)
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

    def kill_orphans(self):
        owned = {os.getpid()}
        for m in self.members:
            owned.update(m.pids())
        for p in self.dcs.processes() + [self.bouncer]:
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
            f"server_login_retry = {self.login_retry}",
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
                    self.latencies.append((t, t - start))
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

    def observe(self, t0, until, min_gauge, tick=None, limit=None):
        """Until `until()` holds or `limit` (default the bound + 10 s) passes; tracks the Patroni
        sync-standby gauge and calls `tick()` on every round."""
        end = t0 + (self.bound + 10 if limit is None else limit)
        while now() < end:
            self.check_budget()
            min_gauge[0] = min(min_gauge[0], self.gauge_sum())
            if tick:
                tick()
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

    def record(self, name, t0, t1, leader_change=None, note="", expect_leader_change=False, min_gauge=None, stall_bounded=True,
               problems=None):
        stall = self.stall_since(t0, t1)
        errs = self.errors_between(t0, t1)
        problems = list(problems or [])
        if stall_bounded and stall > self.bound:
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

    def statement_timeout_probe(self, out):
        """While commits wait for a frozen synchronous standby: one INSERT straight to the primary in a
        session with statement_timeout 1 s. Postgres disarms the statement timeout before it commits
        (postgres.c finish_xact_command), so the timeout never cuts a commit's wait for the standbys: the
        INSERT is acknowledged only when Patroni drops the frozen standby, without a WARNING."""
        t = now()
        try:
            conn = psycopg2.connect(host=HOST, port=self.leader.pg_port, user="postgres", dbname="postgres", connect_timeout=2)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SET statement_timeout = '1s'")
                cur.execute("INSERT INTO drill(id) VALUES (-1)")
            out["acked_after"] = now() - t
            out["warning"] = any("synchronous replication" in n for n in conn.notices)
            conn.close()
        except Exception as e:
            out["error"] = f"{type(e).__name__}: {str(e).strip()[:80]}"

    def scenario_freeze(self):
        v = self.member(self.sync_standbys()[0])
        gauge = [99.0]
        probe = {}
        t0 = now()
        v.freeze()
        try:
            time.sleep(0.5)
            th = threading.Thread(target=self.statement_timeout_probe, args=(probe,), daemon=True)
            th.start()
            # Watched past the bound (up to wal_sender_timeout + a minute), so a failure says how long it took.
            self.observe(t0, lambda: self.flowing(t0, 1), gauge,
                         limit=max(self.bound + 10, pg_seconds(self.cfg["postgresql"]["parameters"].get("wal_sender_timeout", "60s")) + 60))
            th.join(5)
        finally:
            t1 = now()
            v.thaw()
        problems = []
        if not (probe.get("acked_after", 0) > 3 and not probe.get("warning")):
            problems.append(f"a statement_timeout of 1 s cut the commit's wait for the standby, unlike docs/ha.md says: {probe}")
        note = f"{v.name} frozen {t1 - t0:.0f}s; a statement_timeout=1s INSERT: " + \
            (f"acked after {probe['acked_after']:.1f}s{' with the sync-rep WARNING' if probe.get('warning') else ''}" if "acked_after" in probe
             else probe.get("error", "no answer"))
        ok = self.record("replica freeze (SIGSTOP)", t0, t1, note=note, min_gauge=gauge[0], problems=problems)
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

    def failsafe_tick(self, seen):
        """Records when the leader first reports patroni_failsafe_mode_is_active 1 (KubeChatPostgresFailsafeActive's input)."""
        def tick():
            if seen[0] is None and self.leader and self.leader.metric("patroni_failsafe_mode_is_active") == 1:
                seen[0] = now()
        return tick

    def scenario_dcs_outage(self):
        gauge = [99.0]
        failsafe = [None]
        outage = self.ttl + 5
        t0 = now()
        self.dcs.outage_start()
        self.observe(t0, lambda: now() - t0 >= outage, gauge, self.failsafe_tick(failsafe))
        self.dcs.outage_end()
        t1 = now()
        lc = self.leader_change_after(t0)
        problems = []
        if self.cfg["dcs"].get("failsafe_mode"):
            if self.errors_between(t0, t1) > 0:
                problems.append("writes failed although failsafe_mode is on")
            if failsafe[0] is None:
                problems.append("the leader never reported patroni_failsafe_mode_is_active 1")
        note = ("leader kept" if lc is None else "leader changed") + \
            (f"; failsafe active after {failsafe[0] - t0:.0f}s" if failsafe[0] else "; failsafe never active")
        ok = self.record(f"DCS ({self.dcs.name}) outage {t1 - t0:.0f}s", t0, t1, lc, note, min_gauge=gauge[0], problems=problems)
        self.heal("DCS outage")
        return ok

    def scenario_dcs_outage_member_loss(self):
        """The DCS goes down, then a synchronous standby dies. Without the DCS Patroni cannot take the dead
        standby out of synchronous_standby_names, so commits block; the leader's next failsafe check cannot
        reach that member, so it demotes itself and stays read-only until the DCS is back (Patroni's
        failsafe FAQ). Asserts that documented behaviour, that the leader reported failsafe mode before
        the loss (the alert's input), and that writes resume within the bound once the DCS returns."""
        gauge = [99.0]
        failsafe = [None]
        victim = self.member(self.sync_standbys()[0])
        outage = self.ttl + 10
        t0 = now()
        self.dcs.outage_start()
        self.observe(t0, lambda: failsafe[0] is not None, gauge, self.failsafe_tick(failsafe))
        tk = now()
        victim.kill()
        # KubeChatPostgresNoPrimary's input: sum(patroni_primary) over the members still running.
        no_primary = [None]

        def primary_tick():
            vals = [m.metric("patroni_primary") for m in self.members if m is not victim]
            if no_primary[0] is None and None not in vals and sum(vals) == 0:
                no_primary[0] = now()
        self.observe(tk, lambda: now() - t0 >= outage, gauge, primary_tick, limit=outage + 5)
        t_restart = now()
        self.dcs.outage_end()
        t_back = now()
        self.observe(t_back, lambda: self.flowing(t_back, 0.5), gauge)
        t2 = now()
        with self.lock:
            during = [t for t in self.ack_times if tk + 2 <= t <= t_restart]
            after = [t for t in self.ack_times if t > t_restart]
        resumed = after[0] - t_back if after else None
        problems = []
        if failsafe[0] is None:
            problems.append("the leader never reported patroni_failsafe_mode_is_active 1 during the outage")
        if no_primary[0] is None:
            problems.append("the members never reported sum(patroni_primary) 0 while writes were refused")
        if during:
            problems.append(f"{len(during)} writes acknowledged during the outage after the member loss (docs/ha.md says none are)")
        if resumed is None or resumed > self.bound:
            problems.append(f"writes did not resume within {self.bound}s after the DCS returned")
        note = (f"DCS down {t_back - t0:.0f}s (restart took {t_back - t_restart:.0f}s), " +
                (f"failsafe active after {failsafe[0] - t0:.0f}s, " if failsafe[0] else "")) + \
            f"{victim.name} killed at +{tk - t0:.0f}s, no primary from +{(no_primary[0] or tk) - t0:.0f}s; writes back {max(0.0, resumed):.1f}s after the DCS answered" \
            if resumed is not None else "writes never came back"
        ok = self.record(f"DCS ({self.dcs.name}) outage + sync replica kill -9", tk, t2, self.leader_change_after(tk), note,
                         min_gauge=gauge[0], stall_bounded=False, problems=problems)
        victim.start()
        self.heal("DCS outage + member loss")
        return ok

    def syncrep_sample(self):
        """The exporter's kubechat_sync* queries on the leader: {metric: max over rows} (0 without rows)."""
        out = {}
        try:
            conn = psycopg2.connect(host=HOST, port=self.leader.pg_port, user="postgres", dbname="postgres", connect_timeout=1)
            conn.autocommit = True
            with conn.cursor() as cur:
                for name, q in self.cfg["exporter"]["queries"].items():
                    cur.execute(q["query"])
                    cols = [c.name for c in cur.description]
                    rows = cur.fetchall()
                    for g in q["gauges"]:
                        out[f"{name}_{g}"] = max([float(r[cols.index(g)]) for r in rows] or [0.0])
            conn.close()
        except Exception:
            return None
        return out

    def scenario_slow_standby(self):
        """One synchronous standby stalls 2 s every 5 s (SIGSTOP/SIGCONT of the member). Measures commit
        latency and throughput against the seconds before, and samples the exporter query behind
        KubeChatPostgresSyncStandbySlow on the leader: asserts the alert's expression (average over the
        window) stays under its threshold while healthy and goes over it during the slowdown, and that
        the synchronous set never changes (so KubeChatPostgresSyncStandbysMissing cannot notice)."""
        victim = self.member(self.sync_standbys()[0])
        alert = self.cfg["exporter"]["slowStandbyAlert"]
        metric, threshold = alert["metric"], alert["thresholdSeconds"]
        window = 20.0
        samples_before, samples_during = [], []
        tb = now()
        while now() - tb < window / 2:
            self.check_budget()
            x = self.syncrep_sample()
            if x:
                samples_before.append(x)
            time.sleep(0.25)
        gauge = [99.0]
        t0 = now()
        stop = threading.Event()

        def staller():
            while not stop.is_set() and now() - t0 < window:
                victim.freeze()
                stop.wait(2)
                victim.thaw()
                stop.wait(3)
        th = threading.Thread(target=staller, daemon=True)
        th.start()
        try:
            while now() - t0 < window:
                self.check_budget()
                # The synchronous set as the leader sees it (the frozen member cannot answer for itself).
                status, body = self.leader.api("/cluster")
                if status == 200:
                    gauge[0] = min(gauge[0], sum(1 for m in json.loads(body).get("members", []) if m.get("role") == "sync_standby"))
                x = self.syncrep_sample()
                if x:
                    samples_during.append(x)
                time.sleep(0.25)
        finally:
            stop.set()
            th.join(5)
            victim.thaw()
        t1 = now()
        with self.lock:
            before = sorted(l for t, l in self.latencies if tb <= t <= t0)
            during = sorted(l for t, l in self.latencies if t0 <= t <= t1)
        rate_before, rate_during = len(before) / (t0 - tb), len(during) / (t1 - t0)
        avg = lambda xs: sum(xs) / len(xs) if xs else float("nan")
        series = lambda samples, m: [x[m] for x in samples]
        # Every sampled metric, for docs/ha.md: which of them shows the slowdown, and by how much.
        for m in sorted(samples_during[0] if samples_during else {}):
            log(f"slow standby: {m} avg {avg(series(samples_before, m)):.3f} max {max(series(samples_before, m) or [0]):.3f} before; "
                f"avg {avg(series(samples_during, m)):.3f} max {max(series(samples_during, m) or [0]):.3f} during")
        before_m, during_m = avg(series(samples_before, metric)), avg(series(samples_during, metric))
        problems = []
        if not before_m < threshold:
            problems.append(f"{metric} averaged {before_m:.3f} while healthy (alert threshold {threshold})")
        if not during_m > threshold:
            problems.append(f"{metric} averaged only {during_m:.3f} during the slowdown (alert threshold {threshold})")
        if gauge[0] < self.sync_count:
            problems.append(f"the synchronous set shrank to {gauge[0]:.0f}")
        note = (f"{victim.name} stalls 2s/5s: slowest commit {max(before or [0]):.2f}s -> {max(during or [0]):.2f}s, "
                f"commits > 1s {sum(1 for x in before if x > 1)} -> {sum(1 for x in during if x > 1)}, "
                f"{rate_before:.0f} -> {rate_during:.0f} commits/s; {metric} avg {before_m:.3f} -> {during_m:.3f}")
        ok = self.record("slow sync standby (2s stall every 5s)", t0, t1, note=note, min_gauge=gauge[0], problems=problems)
        self.heal("slow sync standby")
        return ok

    def scenario_switchover(self, login_retry=None):
        """A planned switchover (what the operator asks Patroni for on a rolling update) to a synchronous
        standby; `login_retry` replaces PgBouncer's server_login_retry first (reloaded with SIGHUP)."""
        label = "planned switchover"
        if login_retry is not None:
            self.login_retry = login_retry
            self.repoint(self.leader)
            label += f" (server_login_retry {login_retry}s)"
        else:
            label += f" (server_login_retry {self.login_retry}s)"
        old = self.leader
        candidate = self.member(self.sync_standbys()[0])
        gauge = [99.0]
        t0 = now()
        req = urllib.request.Request(f"http://{HOST}:{old.api_port}/switchover", method="POST",
                                     data=json.dumps({"leader": old.name, "candidate": candidate.name}).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read().decode()
        except urllib.error.HTTPError as e:
            raise DrillError(label, f"switchover refused: HTTP {e.code} {e.read().decode()}")
        self.observe(t0, lambda: self.leader_change_after(t0) is not None and self.flowing(t0, 1), gauge)
        t1 = now()
        ok = self.record(label, t0, t1, self.leader_change_after(t0), f"{old.name} -> {candidate.name}: {body.strip()[:40]}",
                         True, gauge[0])
        self.heal(label)
        if login_retry is not None:
            self.login_retry = self.cfg["pooler"]["perPod"]["server_login_retry"]
            self.repoint(self.leader)
        return ok

    # --- run -------------------------------------------------------------------------------------
    def setup(self):
        t = now()
        os.makedirs(self.work, exist_ok=True)
        self.chown_work()
        self.dcs.start()
        self.dcs.prepare_members(self.members)
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
        log(f"DCS state: {self.dcs.check_state(self.leader)}")
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
        if self.bouncer and self.bouncer.poll() is None:
            Procs.signal_pids([self.bouncer.pid], signal.SIGKILL)
        self.dcs.stop()
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
        catalog = {
            "leader-kill": self.scenario_leader_kill,
            "replica-rejoin-crash": self.scenario_replica_kill_then_rejoin_crash,
            "both-replicas-kill": lambda: self.scenario_replica_kill(2, "both replicas kill -9"),
            "replica-freeze": self.scenario_freeze,
            "dcs-outage": self.scenario_dcs_outage,
            "dcs-outage-member-loss": self.scenario_dcs_outage_member_loss,
            "slow-standby": self.scenario_slow_standby,
            "switchover": self.scenario_switchover,
            # The same switchover with PgBouncer retrying its server login every second: what the operator's
            # fixed server_login_retry = 5 costs (docs/ha.md).
            "switchover-login-retry-1": lambda: self.scenario_switchover(1),
        }
        names = SCENARIO_SETS.get(self.scenarios, self.scenarios.split(","))
        unknown = [n for n in names if n not in catalog]
        if unknown:
            raise DrillError("setup", f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(catalog)}")
        log(f"DCS {self.dcs.name}; scenarios: {', '.join(names)}")
        failed = None
        for s in (catalog[n] for n in names):
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


# Default scenario lists per DCS (`--scenarios`, or a comma-separated list of names).
SCENARIO_SETS = {
    # npm run test:ha: within CI's time budget.
    "etcd": "leader-kill,replica-rejoin-crash,both-replicas-kill,replica-freeze,dcs-outage",
    # npm run test:ha -- --dcs kubernetes: production's DCS, and the faults docs/ha.md reports from it.
    "kubernetes": "leader-kill,replica-rejoin-crash,replica-freeze,dcs-outage,dcs-outage-member-loss,slow-standby,"
                  "switchover,switchover-login-retry-1",
}
SCENARIO_SETS = {k: v.split(",") for k, v in SCENARIO_SETS.items()}


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
    ap.add_argument("--dcs", choices=["etcd", "kubernetes"], default="etcd")
    ap.add_argument("--etcd-bin", help="etcd for the API server (--dcs kubernetes)")
    ap.add_argument("--apiserver-bin", help="kube-apiserver (--dcs kubernetes)")
    ap.add_argument("--scenarios", help="a set name (etcd, kubernetes) or comma-separated scenario names; default: the DCS's set")
    ap.add_argument("--budget", type=float, help="seconds of drill time (HA_BUDGET; default 225, 480 with --dcs kubernetes)")
    args = ap.parse_args()
    args.scenarios = args.scenarios or args.dcs
    if args.budget is None:
        args.budget = float(os.environ.get("HA_BUDGET") or (480 if args.dcs == "kubernetes" else 225))
    if args.dcs == "kubernetes" and not (args.etcd_bin and args.apiserver_bin):
        ap.error("--dcs kubernetes needs --etcd-bin and --apiserver-bin")
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
