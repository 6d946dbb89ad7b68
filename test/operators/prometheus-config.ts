/**
 * What the Prometheus operator generated, read back (pure): its configuration made runnable by a
 * Prometheus on 127.0.0.1 beside the simulated cluster, the scrape targets that Prometheus reports
 * counted per pod and port, the alerts of the generated rule files, and the alert names the docs promise.
 */
import * as YAML from "yaml";

export interface LocalConfigOptions {
    /** kubeconfig every kubernetes_sd_config reads instead of the in-cluster service account. */
    kubeconfig: string;
    /** Folder holding one sub-folder per rule ConfigMap, as the StatefulSet mounts them under RULES_MOUNT. */
    rulesDir: string;
    /** Root under which the pod's mounted files (service-account CA and token, TLS assets) are mirrored. */
    filesRoot: string;
    /** The `$(VAR)` references the config reloader expands from the pod's environment (POD_NAME, SHARD). */
    env: Record<string, string>;
}

export interface LocalConfig {
    /** The configuration to load. */
    text: string;
    /** One line per change made, for the report. */
    rewrites: string[];
    /** Absolute in-pod paths the configuration reads (each mirrored under filesRoot by the caller). */
    podFiles: string[];
}

/** Where the operator's StatefulSet mounts the rule ConfigMaps (prometheus-operator pkg/prometheus). */
export const RULES_MOUNT = "/etc/prometheus/rules/";

type Node = Record<string, unknown>;

/** The scrape and Alertmanager discovery blocks of a configuration (the only places kubernetes_sd_configs live). */
function sdBlocks(cfg: Node): { where: string; block: Node }[] {
    const scrapes = (cfg.scrape_configs as Node[] | undefined) ?? [];
    const ams = ((cfg.alerting as Node | undefined)?.alertmanagers as Node[] | undefined) ?? [];
    return [
        ...scrapes.map((b) => ({ where: `job ${String(b.job_name)}`, block: b })),
        ...ams.map((b, i) => ({ where: `alertmanagers[${i}]`, block: b })),
    ];
}

/**
 * The generated configuration as the pod's Prometheus would read it, with only what ties it to the pod
 * changed: the reloader's `$(VAR)` expansion, service discovery through `kubeconfig` (in the pod it is
 * the in-cluster service account: the same API objects, seen with the same RBAC when the kubeconfig
 * impersonates that account), the rule globs and the mounted files moved under local folders.
 * Relabelings, selectors and every other setting are left byte for byte as generated.
 */
export function localPrometheusConfig(generated: string, o: LocalConfigOptions): LocalConfig {
    const rewrites: string[] = [];
    const expanded = generated.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_m, v: string) => {
        if (!(v in o.env)) throw new Error(`generated configuration references $(${v}), which the test does not set`);
        return o.env[v];
    });
    for (const v of Object.keys(o.env)) if (generated.includes(`$(${v})`)) rewrites.push(`$(${v}) -> ${o.env[v]} (the config reloader's expansion)`);
    // YAML 1.1 both ways, as Prometheus' yaml.v2 reads it (an unquoted `on` or `yes` is a boolean there).
    const cfg = YAML.parse(expanded, { version: "1.1" }) as Node;

    let sd = 0;
    for (const { where, block } of sdBlocks(cfg)) {
        for (const k of (block.kubernetes_sd_configs as Node[] | undefined) ?? []) {
            if (k.api_server !== undefined || k.kubeconfig_file !== undefined) throw new Error(`${where}: kubernetes_sd_config already names an API server`);
            k.kubeconfig_file = o.kubeconfig;
            sd++;
        }
    }
    if (sd > 0) rewrites.push(`kubernetes_sd_configs (${sd}): kubeconfig_file ${o.kubeconfig} instead of the in-cluster service account`);

    const rules = (cfg.rule_files as string[] | undefined) ?? [];
    cfg.rule_files = rules.map((r) => {
        if (!r.startsWith(RULES_MOUNT)) throw new Error(`rule file ${r} is not under ${RULES_MOUNT}`);
        return o.rulesDir.replace(/\/$/, "") + "/" + r.slice(RULES_MOUNT.length);
    });
    if (rules.length > 0) rewrites.push(`rule_files (${rules.length}): ${RULES_MOUNT} -> ${o.rulesDir}/`);

    const podFiles = new Set<string>();
    const walk = (n: unknown): void => {
        if (Array.isArray(n)) return n.forEach(walk);
        if (!n || typeof n !== "object") return;
        for (const [k, v] of Object.entries(n as Node)) {
            if (typeof v === "string" && k.endsWith("_file") && k !== "kubeconfig_file" && v.startsWith("/")) {
                podFiles.add(v);
                (n as Node)[k] = o.filesRoot.replace(/\/$/, "") + v;
            } else walk(v);
        }
    };
    const { rule_files: _ruleFiles, ...rest } = cfg;
    walk(rest);
    if (podFiles.size > 0) rewrites.push(`mounted files (${podFiles.size}) mirrored under ${o.filesRoot}: ${[...podFiles].sort().join(", ")}`);
    return { text: YAML.stringify(cfg, { version: "1.1" }), rewrites, podFiles: [...podFiles].sort() };
}

/** A target of Prometheus' /api/v1/targets. */
export interface ApiTarget {
    discoveredLabels: Record<string, string>;
    labels?: Record<string, string>;
    scrapePool: string;
    scrapeUrl?: string;
}

export interface ScrapedEndpoint {
    /** `namespace/pod:port` for a pod, else `host:port/path` (kubelets, the API server). */
    key: string;
    /** The scrape pools (jobs) scraping it, one entry per target. */
    pools: string[];
    urls: string[];
}

/** The (pod, port) every active target scrapes; a key with more than one target is a pod scraped twice. */
export function scrapedEndpoints(active: ApiTarget[]): ScrapedEndpoint[] {
    const byKey = new Map<string, ScrapedEndpoint>();
    for (const t of active) {
        if (!t.scrapeUrl) throw new Error(`active target of ${t.scrapePool} without scrapeUrl`);
        const u = new URL(t.scrapeUrl);
        const port = u.port || (u.protocol === "https:" ? "443" : "80");
        const pod = t.discoveredLabels.__meta_kubernetes_pod_name;
        const key = pod ? `${t.discoveredLabels.__meta_kubernetes_namespace}/${pod}:${port}` : `${u.hostname}:${port}${u.pathname}`;
        const e = byKey.get(key) ?? { key, pools: [], urls: [] };
        e.pools.push(t.scrapePool);
        e.urls.push(t.scrapeUrl);
        byKey.set(key, e);
    }
    return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** Active targets per scrape pool. */
export function targetsPerPool(active: ApiTarget[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of active) out[t.scrapePool] = (out[t.scrapePool] ?? 0) + 1;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

interface RuleFile { groups?: { name: string; rules?: { alert?: string; record?: string }[] }[] }

/** Groups, rules and alert names of rule files (the data of the operator's rule ConfigMaps). */
export function ruleContents(files: string[]): { groups: number; rules: number; alerts: string[] } {
    let groups = 0;
    let rules = 0;
    const alerts = new Set<string>();
    for (const text of files) {
        for (const g of (YAML.parse(text) as RuleFile | null)?.groups ?? []) {
            groups++;
            for (const r of g.rules ?? []) {
                rules++;
                if (r.alert) alerts.add(r.alert);
            }
        }
    }
    return { groups, rules, alerts: [...alerts].sort() };
}

/**
 * The alerts the docs name: every `KubeChat<Name>` word that is not an identifier of the TypeScript
 * sources (`declared`: the component class KubeChatPlatform), and the chart's alerts the docs call
 * always-firing (`Watchdog`, `InfoInhibitor` in docs/observability.md).
 */
export function documentedAlerts(docs: { file: string; text: string }[], declared: Set<string>): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const add = (name: string, file: string) => {
        const files = out.get(name) ?? [];
        if (!files.includes(file)) files.push(file);
        out.set(name, files);
    };
    for (const { file, text } of docs) {
        for (const m of text.matchAll(/\bKubeChat[A-Z][A-Za-z0-9]*\b/g)) if (!declared.has(m[0])) add(m[0], file);
        for (const m of text.replace(/\s+/g, " ").matchAll(/always-firing((?: ?(?:and|,)? ?`[A-Za-z0-9]+`)+)/g)) {
            for (const n of m[1].matchAll(/`([A-Za-z0-9]+)`/g)) add(n[1], file);
        }
    }
    return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
