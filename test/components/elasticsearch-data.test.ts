import * as assert from "assert";
import { object, planStack } from "../harness";

describe("Elasticsearch in the stacks", () => {
    it("zone-aware on EKS (prod), not on-prem (staging)", async () => {
        const prod = object(await planStack("prod"), "Elasticsearch", "kubechat");
        assert.strictEqual(prod.metadata.annotations["eck.k8s.elastic.co/downward-node-labels"], "topology.kubernetes.io/zone");
        assert.strictEqual(prod.spec.nodeSets[0].config["cluster.routing.allocation.awareness.attributes"], "k8s_node_name,zone");
        const staging = object(await planStack("staging"), "Elasticsearch", "kubechat");
        assert.strictEqual(staging.metadata.annotations?.["eck.k8s.elastic.co/downward-node-labels"], undefined);
        assert.strictEqual(staging.spec.nodeSets[0].config["ingest.geoip.downloader.enabled"], false);
    });
});
