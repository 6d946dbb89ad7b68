/**
 * The metric source of the canary analysis, for real: Debian's Prometheus (the `prometheus` package
 * test:upstream installs) on 127.0.0.1, scraping each app pod's `istio_requests_total` (served by a
 * small exporter in this process from mesh-traffic.ts) with the target labels the Prometheus Operator
 * gives a ServiceMonitor's targets (`namespace`, `service`, `pod`, `job`, `endpoint`, and each of the
 * ServiceMonitor's `podTargetLabels` from the pod), at the ServiceMonitor's own interval. The
 * AnalysisTemplate's PromQL is evaluated by Prometheus itself.
 *
 * The controller asks the in-cluster address of the template (`PROMETHEUS_URL`). Its Prometheus client
 * uses Go's `http.ProxyFromEnvironment`, so the controller runs with `HTTP_PROXY` pointing at the proxy
 * here, which passes requests for exactly that host and port to this Prometheus and refuses any other
 * (client-go never proxies the API server: Go does not proxy loopback addresses). Every query is kept.
 */
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { freePort, startProcess, stopProcess } from "../../real/cluster";
import { PodCounters, ServiceView, TrafficProfile, advance, exposition } from "./mesh-traffic";

export interface ScrapedService {
    view: ServiceView;
    profile: TrafficProfile;
    /** Pod labels copied to target labels (the ServiceMonitor's `podTargetLabels`). */
    podTargetLabels: string[];
}

export interface QueryRecord {
    at: number;
    host: string;
    query: string;
    status: number;
    /** The instant vector's values (NaN as "NaN"). */
    values: string[];
}

const promLabel = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, "_");

export class MetricSource {
    readonly queries: QueryRecord[] = [];
    readonly refused: string[] = [];
    private counters: PodCounters = new Map();
    private services = new Map<string, ScrapedService>();
    private servers: http.Server[] = [];
    private prom?: ChildProcess;
    private ticker?: NodeJS.Timeout;
    private last = Date.now();
    exporterPort = 0;
    promPort = 0;
    proxyPort = 0;

    /** `inClusterUrl`: the address the AnalysisTemplate names; `scrapeInterval`: the ServiceMonitor's. */
    constructor(private dir: string, private inClusterUrl: string, private scrapeInterval: string, private lifetimeSeconds: number) {}

    async start(): Promise<void> {
        fs.mkdirSync(this.dir, { recursive: true });
        this.exporterPort = await freePort();
        this.promPort = await freePort();
        this.proxyPort = await freePort();
        this.servers.push(await listen(this.exporterPort, (req, res) => {
            const m = /^\/pods\/([^/]+)\/([^/?]+)/.exec(req.url ?? "");
            const svc = m ? [...this.services.values()].find((s) => s.view.service === decodeURIComponent(m[1])) : undefined;
            if (!m || !svc) return void res.writeHead(404).end();
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition(svc.view.service, svc.view.namespace, this.counters.get(decodeURIComponent(m[2]))));
        }));
        this.servers.push(await listen(this.proxyPort, (req, res) => this.proxy(req, res)));
        this.writeTargets();
        const config = path.join(this.dir, "prometheus.yml");
        fs.writeFileSync(config, [
            "global:", `  scrape_interval: ${this.scrapeInterval}`, `  evaluation_interval: ${this.scrapeInterval}`,
            "scrape_configs:", "- job_name: servicemonitor-pods", `  scrape_interval: ${this.scrapeInterval}`,
            "  file_sd_configs:", `  - files: [${JSON.stringify(path.join(this.dir, "targets.json"))}]`, "    refresh_interval: 5s", "",
        ].join("\n"));
        this.prom = startProcess("prometheus", this.lifetimeSeconds, "prometheus", [`--config.file=${config}`,
            `--storage.tsdb.path=${path.join(this.dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${this.promPort}`, "--log.level=warn"], this.dir);
        const deadline = Date.now() + 60000;
        while (!(await get(`http://127.0.0.1:${this.promPort}/-/ready`).then((r) => r.status === 200, () => false))) {
            if (Date.now() > deadline || this.prom.exitCode !== null) throw new Error(`Prometheus did not start:\n${this.logTail()}`);
            await new Promise((r) => setTimeout(r, 500));
        }
        this.last = Date.now();
        this.ticker = setInterval(() => this.tick(), 1000);
    }

    logTail(): string {
        const f = path.join(this.dir, "prometheus.log");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").slice(-20).join("\n") : "";
    }

    /** The cluster's current view of a service, with its traffic profile (targets follow its pods). */
    update(s: ScrapedService): void {
        const before = JSON.stringify(this.targets());
        this.services.set(s.view.service, s);
        if (JSON.stringify(this.targets()) !== before) this.writeTargets();
    }

    setProfile(service: string, profile: TrafficProfile): void {
        const s = this.services.get(service);
        if (s) s.profile = profile;
    }

    /** An instant query against this Prometheus (for the test's own checks). */
    async query(q: string): Promise<string[]> {
        const r = await get(`http://127.0.0.1:${this.promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
        return (JSON.parse(r.body).data?.result ?? []).map((x: { value: [number, string] }) => x.value[1]);
    }

    async stop(): Promise<void> {
        if (this.ticker) clearInterval(this.ticker);
        // Prometheus first: its scrapes hold keep-alive connections to the exporter.
        if (this.prom) await stopProcess(this.prom);
        for (const s of this.servers) {
            const closed = new Promise((r) => s.close(() => r(undefined)));
            s.closeAllConnections();
            await closed;
        }
    }

    private tick(): void {
        const now = Date.now();
        const seconds = (now - this.last) / 1000;
        this.last = now;
        for (const s of this.services.values()) advance(this.counters, s.view, s.profile, seconds);
    }

    private targets(): object[] {
        const out: object[] = [];
        for (const s of this.services.values()) {
            for (const p of s.view.pods) {
                const labels: Record<string, string> = {
                    __metrics_path__: `/pods/${encodeURIComponent(s.view.service)}/${encodeURIComponent(p.name)}`,
                    namespace: s.view.namespace, service: s.view.service, pod: p.name, job: s.view.service, endpoint: "http",
                };
                for (const l of s.podTargetLabels) if (p.labels[l] !== undefined) labels[promLabel(l)] = p.labels[l];
                out.push({ targets: [`127.0.0.1:${this.exporterPort}`], labels });
            }
        }
        return out;
    }

    private writeTargets(): void {
        // Written whole and renamed, so Prometheus never reads half a file.
        const f = path.join(this.dir, "targets.json");
        fs.writeFileSync(`${f}.tmp`, JSON.stringify(this.targets()));
        fs.renameSync(`${f}.tmp`, f);
    }

    private proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
        let target: URL;
        try {
            target = new URL(req.url ?? "");
        } catch {
            this.refused.push(`not a proxy request: ${req.url}`);
            return void res.writeHead(400).end();
        }
        const wanted = new URL(this.inClusterUrl);
        if (target.host !== wanted.host) {
            this.refused.push(target.host);
            return void res.writeHead(502).end(`only ${wanted.host} is reachable here\n`);
        }
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            const form = new URLSearchParams(body.toString());
            const query = target.searchParams.get("query") ?? form.get("query") ?? "";
            // Without accept-encoding Prometheus answers uncompressed, so the answer can be read here and passed on as it is.
            const { "accept-encoding": _gzip, ...headers } = req.headers;
            const up = http.request({ host: "127.0.0.1", port: this.promPort, method: req.method, path: target.pathname + target.search, headers: { ...headers, host: `127.0.0.1:${this.promPort}` } }, (r) => {
                const out: Buffer[] = [];
                r.on("data", (c) => out.push(c));
                r.on("end", () => {
                    const raw = Buffer.concat(out);
                    const text = raw.toString();
                    let values: string[] = [];
                    try {
                        values = (JSON.parse(text).data?.result ?? []).map((x: { value: [number, string] }) => x.value[1]);
                    } catch { /* not a query answer */ }
                    if (target.pathname.endsWith("/query")) this.queries.push({ at: Date.now(), host: target.host, query, status: r.statusCode ?? 0, values });
                    res.writeHead(r.statusCode ?? 502, r.headers).end(raw);
                });
            });
            up.on("error", (e) => res.writeHead(502).end(String(e)));
            up.end(body);
        });
    }
}

function listen(port: number, handler: http.RequestListener): Promise<http.Server> {
    return new Promise((resolve, reject) => {
        const s = http.createServer(handler);
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve(s));
    });
}

function get(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get(url, (r) => {
            let body = "";
            r.on("data", (c) => (body += c));
            r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}
