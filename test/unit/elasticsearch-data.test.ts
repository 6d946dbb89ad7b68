/** The Elasticsearch parts of "data and backups": zone awareness on EKS, no GeoIP downloads (air-gap). */
import * as assert from "assert";
import { Catalog } from "../../components/catalog";
import { ZONE_LABEL, elasticsearch } from "../../components/observability/elasticsearch";

const sizing = { nodes: 3, storage: "50Gi", storageClass: "gp3", persistent: true };

describe("Elasticsearch: zone awareness and air-gap (unit)", () => {
    it("zone-aware: ECK copies the node's zone onto the pods, ES allocates copies across zones, pods spread over zones", () => {
        const es: any = elasticsearch(new Catalog(), "logging", { ...sizing, zoneAware: true });
        assert.deepStrictEqual(es.metadata.annotations, { "eck.k8s.elastic.co/downward-node-labels": ZONE_LABEL });
        const ns = es.spec.nodeSets[0];
        assert.strictEqual(ns.config["node.attr.zone"], "${ZONE}");
        assert.strictEqual(ns.config["cluster.routing.allocation.awareness.attributes"], "k8s_node_name,zone");
        const c = ns.podTemplate.spec.containers[0];
        assert.strictEqual(c.name, "elasticsearch");
        assert.deepStrictEqual(c.env, [{ name: "ZONE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['topology.kubernetes.io/zone']" } } }]);
        assert.deepStrictEqual(ns.podTemplate.spec.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.maxSkew]), [[ZONE_LABEL, 1]]);
    });
    it("not zone-aware (one zone, on-prem): no zone attribute that would be empty", () => {
        const es: any = elasticsearch(new Catalog(), "logging", sizing);
        assert.strictEqual(es.metadata.annotations, undefined);
        assert.strictEqual(es.spec.nodeSets[0].config["node.attr.zone"], undefined);
    });
    it("the GeoIP downloader is off everywhere (it would fetch databases from Elastic)", () => {
        for (const zoneAware of [true, false]) {
            assert.strictEqual((elasticsearch(new Catalog(), "logging", { ...sizing, zoneAware }) as any).spec.nodeSets[0].config["ingest.geoip.downloader.enabled"], false);
        }
    });
});
