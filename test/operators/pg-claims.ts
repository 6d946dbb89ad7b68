/**
 * What docs/ha.md, docs/restore.md and `npm run ha:config` promise about the objects the Zalando operator
 * creates for our `postgresql` resource, read from those texts (never copied here), next to what the
 * operator created in the simulated cluster. Pure: `postgresClaims` returns every claim with its source,
 * the expected and the actual value; a claim whose doc sentence is gone fails as a mismatch too.
 */

export interface Claim {
    what: string;
    /** Where the expected value comes from (doc file, ha:config, the stack config). */
    source: string;
    expected: unknown;
    actual: unknown;
}

export function mismatches(claims: Claim[]): string[] {
    return claims.filter((c) => JSON.stringify(c.expected) !== JSON.stringify(c.actual))
        .map((c) => `${c.what} (${c.source}): expected ${JSON.stringify(c.expected)}, the operator made ${JSON.stringify(c.actual)}`);
}

/** The first capture of `re` in a doc, or a marker that makes the claim fail when the sentence is gone. */
export function docValue(text: string, re: RegExp, doc: string): string {
    const m = re.exec(text);
    return m ? m[1] : `<no match for ${re} in ${doc}>`;
}

/** `<value> s` / `<n> MiB` and the like as the docs write them, to a number. */
export function docNumber(s: string): number | string {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(MiB|s)?\s*$/.exec(s);
    if (!m) return s;
    return Number(m[1]) * (m[2] === "MiB" ? 1024 * 1024 : 1);
}

/** `on`/`off` in the docs' tables, true/false in Patroni's configuration. */
const onOff = (s: string): boolean | string => (s === "on" ? true : s === "off" ? false : s);

/** PgBouncer's ini as the pooler image's entrypoint writes it: the template with the pod's environment substituted. */
export function renderPgBouncerIni(template: string, env: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    let section = "";
    for (const raw of template.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("#") || line.startsWith(";")) continue;
        const s = /^\[(.+)\]$/.exec(line);
        if (s) { section = s[1]; continue; }
        const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
        if (section === "pgbouncer" && kv) out[kv[1]] = kv[2].replace(/\$([A-Z_]+)/g, (_, v: string) => env[v] ?? `$${v}`);
    }
    return out;
}

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } };
type Container = { name: string; image: string; env?: Env[]; envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[] };
type PodSpec = { containers: Container[]; serviceAccountName?: string; topologySpreadConstraints?: unknown[]; volumes?: { name: string; secret?: { secretName: string } }[] };
type Meta = { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
export interface K8sObj { kind?: string; metadata: Meta; spec?: any; status?: any; data?: Record<string, string> }

export interface PostgresObjects {
    postgresql: K8sObj;
    statefulSet?: K8sObj;
    pods: K8sObj[];
    /** Node name -> zone label. */
    nodeZones: Record<string, string>;
    services: K8sObj[];
    endpoints: K8sObj[];
    pdbs: K8sObj[];
    poolerDeployments: K8sObj[];
    poolerPods: K8sObj[];
    /** Secrets in the data and app namespaces: metadata and the names of their keys only. */
    secrets: { metadata: Meta; keys: string[] }[];
    cronJobs: K8sObj[];
    pvcs: K8sObj[];
    podServiceAccount?: K8sObj;
    /** `database:owner` of every database in the (stand-in) Postgres after the operator's SQL. */
    databases?: string[];
    /** The WAL-G environment ConfigMap the stack created (the operator hands its keys to the members). */
    walgConfigMap?: K8sObj;
}

export interface StackExpectations {
    stack: string;
    /** `kubechat:cluster.zones`. */
    zones: number;
    appNamespace: string;
    /** `kubechat:postgres.poolerMaxDbConnections`. */
    poolerMaxDbConnections: number;
    /** The backup target of the stack: bucket, region, on-prem endpoint and credentials Secret, or EKS's IRSA role. */
    backup?: { bucket: string; region: string; endpoint?: string; credentialsSecret?: string; roleArn?: string };
    /** The service account the stack names for the members (IRSA binds to it). */
    podServiceAccount: string;
}

function envOf(c: Container | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of c?.env ?? []) {
        if (e.valueFrom?.secretKeyRef) out[e.name] = `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
        else if (e.valueFrom?.configMapKeyRef) out[e.name] = `configmap:${e.valueFrom.configMapKeyRef.name}/${e.valueFrom.configMapKeyRef.key}`;
        // The API leaves `value` out when it is empty.
        else if (!e.valueFrom) out[e.name] = e.value ?? "";
    }
    return out;
}

const podSpec = (o: K8sObj | undefined): PodSpec | undefined => o?.spec?.template?.spec;
const container = (s: PodSpec | undefined, name?: string) => (name ? s?.containers.find((c) => c.name === name) : s?.containers[0]);

/** Every claim, for one stack. `ha` is `npm run ha:config -- <stack>`'s JSON. */
export function postgresClaims(o: PostgresObjects, ha: any, docs: { ha: string; restore: string }, poolerTemplate: string, s: StackExpectations): Claim[] {
    const claims: Claim[] = [];
    const add = (what: string, source: string, expected: unknown, actual: unknown) => claims.push({ what, source, expected, actual });
    const cluster = o.postgresql.metadata.name;
    const sts = o.statefulSet;
    const spilo = container(podSpec(sts), "postgres");
    const spiloEnv = envOf(spilo);

    // Members: docs/ha.md's count, ha:config's, the StatefulSet and its running pods.
    const docMembers = Number(docValue(docs.ha, /Postgres runs as (\d+) Patroni members/, "docs/ha.md"));
    add("StatefulSet replicas", "docs/ha.md 'runs as N Patroni members'", docMembers, sts?.spec?.replicas);
    add("StatefulSet replicas", "ha:config members", ha.members, sts?.spec?.replicas);
    add("member pods running", "ha:config members", ha.members, o.pods.filter((p) => p.status?.phase === "Running").length);
    // Spread: one member per zone while there are at least as many zones as members.
    const zones = new Set(o.pods.map((p) => o.nodeZones[p.spec?.nodeName ?? ""] ?? "<no zone>"));
    add("zones the members run in", "kubechat:cluster.zones, ha:config members", Math.min(s.zones, ha.members), zones.size);
    add("Spilo image", "docs/ha.md Settings table", docValue(docs.ha, /\| Spilo image \| `([^`]+)`/, "docs/ha.md"), spilo?.image);
    add("Spilo image", "ha:config spiloImage", ha.spiloImage, spilo?.image);
    add("Postgres major (PGVERSION)", "ha:config postgresMajor", ha.postgresMajor, spiloEnv.PGVERSION);

    // Patroni's bootstrap configuration, as the operator writes it into SPILO_CONFIGURATION.
    let spiloConf: any = {};
    try { spiloConf = JSON.parse(spiloEnv.SPILO_CONFIGURATION ?? "{}"); } catch { /* compared as missing below */ }
    const dcs = spiloConf.bootstrap?.dcs ?? {};
    // The operator writes Patroni's boolean switches only when they are on (`if patroni.SynchronousModeStrict`):
    // one it leaves out runs at Patroni's default, off.
    const dcsValue = (k: string, like: unknown) => dcs[k] ?? (typeof like === "boolean" ? false : undefined);
    for (const [k, v] of Object.entries(ha.dcs as Record<string, unknown>)) add(`Patroni ${k}`, "ha:config dcs", v, dcsValue(k, v));
    const ttlRow = /\| `ttl` \/ `loop_wait` \/ `retry_timeout` \| (\d+) \/ (\d+) \/ (\d+) s \|/.exec(docs.ha);
    ["ttl", "loop_wait", "retry_timeout"].forEach((k, i) => add(`Patroni ${k}`, "docs/ha.md Settings table", ttlRow ? Number(ttlRow[i + 1]) : "<row gone from docs/ha.md>", dcs[k]));
    add("Patroni maximum_lag_on_failover", "docs/ha.md Settings table", docNumber(docValue(docs.ha, /\| `maximum_lag_on_failover` \| ([^(|]+?) \(/, "docs/ha.md")), dcs.maximum_lag_on_failover);
    add("Patroni failsafe_mode", "docs/ha.md Settings table", onOff(docValue(docs.ha, /\| `failsafe_mode` \| (\w+) \|/, "docs/ha.md")), dcsValue("failsafe_mode", true));
    const sync = /\| `synchronous_mode` \/ `synchronous_node_count` \/ `synchronous_mode_strict` \| (\w+) \/ min\((\d+), instances − 1\) \/ (\w+) \|/.exec(docs.ha);
    add("Patroni synchronous_mode", "docs/ha.md Settings table", sync ? onOff(sync[1]) : "<row gone>", dcsValue("synchronous_mode", true));
    add("Patroni synchronous_node_count", "docs/ha.md Settings table", sync ? Math.min(Number(sync[2]), ha.members - 1) : "<row gone>", dcs.synchronous_node_count);
    add("Patroni synchronous_mode_strict", "docs/ha.md Settings table", sync ? onOff(sync[3]) : "<row gone>", dcsValue("synchronous_mode_strict", true));
    // Postgres parameters the `postgresql` spec sets (the rest of ha:config's are Spilo's own defaults).
    const written = { ...(spiloConf.postgresql?.parameters ?? {}), ...(dcs.postgresql?.parameters ?? {}) };
    for (const k of Object.keys(o.postgresql.spec?.postgresql?.parameters ?? {})) add(`Postgres ${k}`, "ha:config postgresql.parameters", ha.postgresql.parameters[k], written[k]);
    add("Postgres wal_sender_timeout", "docs/ha.md Settings table", docNumber(docValue(docs.ha, /\| `wal_sender_timeout` \| (\d+ s) /, "docs/ha.md")), docNumber(String(written.wal_sender_timeout ?? "").replace(/s$/, " s")));
    add("Postgres archive_timeout", "docs/restore.md Backups", docNumber(docValue(docs.restore, /`archive_timeout` (\d+ s)/, "docs/restore.md")), docNumber(String(written.archive_timeout ?? "") + " s"));

    // Services and Endpoints: the primary's Service (its Endpoints are the operator's; Patroni fills them),
    // the replicas' Service, and the pooler Service the app connects to (docs/restore.md's host).
    const svc = (name: string) => o.services.find((x) => x.metadata.name === name);
    add("primary Service", "operator naming", cluster, svc(cluster)?.metadata.name);
    add("primary Endpoints (created by the operator, filled by Patroni)", "operator naming", cluster, o.endpoints.find((e) => e.metadata.name === cluster)?.metadata.name);
    add("replica Service selects spilo-role=replica", "operator naming", "replica", svc(`${cluster}-repl`)?.spec?.selector?.["spilo-role"]);
    const host = docValue(docs.restore, /through PgBouncer\s*\(`([^`]+)`/, "docs/restore.md");
    const [hostSvc, hostNs] = host.split(".");
    add("pooler Service the app connects to", "docs/restore.md PgBouncer host", `${hostSvc}.${hostNs}`, o.services.some((x) => x.metadata.name === hostSvc && x.metadata.namespace === hostNs && x.spec?.selector?.["connection-pooler"] === hostSvc) ? `${hostSvc}.${hostNs}` : `no Service ${hostSvc} selecting the pooler in ${hostNs}`);

    // PodDisruptionBudget: the members' own (the program enables it).
    add("PodDisruptionBudget of the primary", "enable_pod_disruption_budget: true (components/data/operator.ts)", 1,
        o.pdbs.filter((p) => p.spec?.selector?.matchLabels?.["cluster-name"] === cluster && p.spec?.selector?.matchLabels?.["spilo-role"] === "master").map((p) => p.spec.minAvailable)[0]);

    // The pooler: instances, image, and PgBouncer's settings as the image's template renders them.
    const pooler = o.poolerDeployments.find((d) => d.metadata.name === hostSvc);
    const poolerSpec = podSpec(pooler);
    add("pooler Deployments", "one per role with enableConnectionPooler (master)", [hostSvc], o.poolerDeployments.map((d) => d.metadata.name));
    add("pooler instances", "ha:config pooler.instances", ha.pooler.instances, pooler?.spec?.replicas);
    add("pooler pods running", "ha:config pooler.instances", ha.pooler.instances, o.poolerPods.filter((p) => p.status?.phase === "Running").length);
    add("PgBouncer image", "docs/ha.md Settings table", docValue(docs.ha, /\| PgBouncer image \| `([^`]+)`/, "docs/ha.md"), container(poolerSpec)?.image);
    const ini = renderPgBouncerIni(poolerTemplate, envOf(container(poolerSpec)));
    for (const [k, v] of Object.entries(ha.pooler.perPod as Record<string, unknown>)) {
        if (k in ini) add(`PgBouncer ${k}`, "ha:config pooler.perPod, rendered from the pooler template", v, typeof v === "number" ? Number(ini[k]) : ini[k]);
        // Not in the template: PgBouncer's own default runs, which docs/ha.md states.
        else add(`PgBouncer ${k} (not in the template: PgBouncer's default)`, "ha:config pooler.perPod vs docs/ha.md Settings table", v,
            docNumber(docValue(docs.ha, new RegExp(`\\| PgBouncer \`${k}\` \\| (\\d+ s) \\(PgBouncer's default\\)`), "docs/ha.md")));
    }
    add("PgBouncer server_login_retry", "docs/ha.md Settings table", docNumber(docValue(docs.ha, /\| PgBouncer `server_login_retry` \| (\d+ s),/, "docs/ha.md")), Number(ini.server_login_retry));
    add("PgBouncer pool_mode", "docs/restore.md 'transaction mode'", docValue(docs.restore, /, (\w+) mode, at least/, "docs/restore.md"), ini.pool_mode);
    const perPodApp = Number(ini.default_pool_size) + Number(ini.reserve_pool_size);
    add("server connections for the app across the pooler pods, at least poolerMaxDbConnections", "docs/restore.md + kubechat:postgres.poolerMaxDbConnections",
        true, (pooler?.spec?.replicas ?? 0) * perPodApp >= s.poolerMaxDbConnections);
    const userlistSuffix = docValue(docs.ha, /the `<pooler>-([\w-]+)` Secret the operator creates/, "docs/ha.md");
    const mounted = (poolerSpec?.volumes ?? []).map((v) => v.secret?.secretName).filter((n): n is string => !!n);
    add("PgBouncer's password file Secret", "docs/ha.md Settings table", `${hostSvc}-${userlistSuffix}`, mounted.find((n) => n.startsWith(`${hostSvc}-`)));
    add("PgBouncer's password file Secret exists", "docs/ha.md Settings table", true, o.secrets.some((x) => mounted.includes(x.metadata.name) && x.keys.includes("userlist.txt")));

    // Credentials: the app's in the app namespace (the runbook's name), never anything but username/password.
    const runbook = /kubectl -n (\S+) wait --for=create \S+ secret\/(\S+\.credentials\.postgresql\.acid\.zalan\.do)/.exec(docs.restore);
    const docDefaults = { appNs: "kubechat-system", cluster: "kubechat-db" };
    const wanted = runbook ? { ns: runbook[1].replace(docDefaults.appNs, s.appNamespace), name: runbook[2].split(docDefaults.appNs).join(s.appNamespace).replace(docDefaults.cluster, cluster) } : undefined;
    const appSecret = wanted && o.secrets.find((x) => x.metadata.namespace === wanted.ns && x.metadata.name === wanted.name);
    add("app credentials Secret", "docs/restore.md case 1 runbook", wanted ? `${wanted.ns}/${wanted.name}` : "<runbook line gone>", appSecret ? `${appSecret.metadata.namespace}/${appSecret.metadata.name}` : undefined);
    add("app credentials Secret keys", "components/data/postgres.ts credentialsSecretName (keys username, password)", ["password", "username"], appSecret?.keys.slice().sort());

    // The operator's SQL: every database of the spec, owned by its role (docs/restore.md: the app's role and Secret are the operator's).
    for (const [db, owner] of Object.entries((o.postgresql.spec?.databases ?? {}) as Record<string, string>)) {
        add(`database ${db} owned by ${owner}`, "the postgresql spec's databases", `${db}:${owner}`, o.databases?.find((d) => d.startsWith(`${db}:`)));
    }

    // Velero leaves out every object labelled application = one of these (docs/restore.md).
    const apps = (docValue(docs.restore, /every object labelled\s+`application` = ([^(]+)\(/, "docs/restore.md").match(/`([^`]+)`/g) ?? []).map((x) => x.replace(/`/g, ""));
    const labelled = (what: string, objs: { metadata: Meta }[], tmplLabels?: (o: any) => Record<string, string> | undefined) => {
        const off = objs.filter((x) => !apps.includes((tmplLabels ? tmplLabels(x) : x.metadata.labels)?.application ?? "")).map((x) => `${x.metadata.namespace ?? ""}/${x.metadata.name}`);
        add(`${what} carry an 'application' label Velero leaves out`, "docs/restore.md Velero exclusions", [], off);
    };
    labelled("StatefulSet", sts ? [sts] : []);
    labelled("member pods", o.pods);
    labelled("member volumes (PVCs)", o.pvcs);
    labelled("Services", o.services);
    labelled("operator Secrets (data and app namespace)", o.secrets);
    labelled("pooler Deployments", o.poolerDeployments);
    labelled("pooler pods", o.poolerPods);
    labelled("logical-backup CronJob pods", o.cronJobs, (c) => c.spec?.jobTemplate?.spec?.template?.metadata?.labels);

    // Logical backups: one daily CronJob, pruned after the documented days, to the stack's bucket.
    const cron = o.cronJobs[0];
    const cronSpec: PodSpec | undefined = cron?.spec?.jobTemplate?.spec?.template?.spec;
    const cronEnv = envOf(container(cronSpec));
    add("logical-backup CronJobs", "docs/restore.md 'a daily pg_dump CronJob'", s.backup ? 1 : 0, o.cronJobs.length);
    if (s.backup) {
        add("logical-backup schedule is daily", "docs/restore.md 'a daily pg_dump CronJob'", true, /^\d+ \d+ \* \* \*$/.test(cron?.spec?.schedule ?? ""));
        add("logical-backup retention", "docs/restore.md 'pruned after N days by the job'", `${docValue(docs.restore, /pruned after (\d+) days by the job/, "docs/restore.md")} days`, cronEnv.LOGICAL_BACKUP_S3_RETENTION_TIME);
        add("logical-backup bucket", "stack config backup bucket", s.backup.bucket, cronEnv.LOGICAL_BACKUP_S3_BUCKET);
        add("logical-backup region", "stack config backup region", s.backup.region, cronEnv.LOGICAL_BACKUP_S3_REGION);
        add("logical-backup endpoint", "stack config objectStore.endpoint (EKS: none)", s.backup.endpoint ?? "", cronEnv.LOGICAL_BACKUP_S3_ENDPOINT);
        add("logical-backup service account", "stack's pod service account (IRSA binds to it)", s.podServiceAccount, cronSpec?.serviceAccountName);
        const keyEnv = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
        const keysFrom = s.backup.credentialsSecret ? keyEnv.map((k) => `secret:${s.backup!.credentialsSecret}/${k}`) : [undefined, undefined];
        add("logical-backup object-store keys", "stack config (on-prem: from the credentials Secret; EKS: none, IRSA)", keysFrom, keyEnv.map((k) => cronEnv[k]));
        // WAL-G in the members: the stack's WAL-G ConfigMap and credentials reach the Spilo container.
        add("members' WAL_S3_BUCKET", "stack config backup bucket", s.backup.bucket, spiloEnv.WAL_S3_BUCKET);
        for (const [k, v] of Object.entries(o.walgConfigMap?.data ?? {})) add(`members' ${k} (WAL-G ConfigMap)`, "the stack's WAL-G environment ConfigMap", v, spiloEnv[k]);
        if (s.backup.endpoint) add("members' object-store endpoint", "docs/restore.md 'On-prem WAL-G writes to the S3-compatible endpoint in kubechat:objectStore'", s.backup.endpoint, spiloEnv.AWS_ENDPOINT);
        add("members' object-store keys", "stack config (on-prem: from the credentials Secret; EKS: none, IRSA)", keysFrom, keyEnv.map((k) => spiloEnv[k]));
    }
    // IRSA: the operator annotates the pod service account from irsa_role_arn (docs/restore.md: "set through the operator's irsa_role_arn").
    add("members' service account", "stack's pod service account", s.podServiceAccount, podSpec(sts)?.serviceAccountName);
    add("IRSA role on the pod service account", "docs/restore.md 'IRSA role ... set through the operator's irsa_role_arn' (on-prem: none)",
        s.backup?.roleArn ?? null, o.podServiceAccount?.metadata.annotations?.["eks.amazonaws.com/role-arn"] ?? null);
    return claims;
}
