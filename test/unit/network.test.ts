import * as assert from "assert";
import { apiServerEgress, endpointAddress, objectStoreEgress, objectStoreProblem } from "../../components/network";

describe("NetworkPolicy building blocks: egress to known addresses only", () => {
    it("the API server is reached at its CIDRs on 443/6443, never at any address", () => {
        assert.deepStrictEqual(apiServerEgress(["192.168.5.15/32"]), {
            to: [{ ipBlock: { cidr: "192.168.5.15/32" } }],
            ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }],
        });
        assert.throws(() => apiServerEgress([]), /no API server CIDRs/);
    });

    it("an object store is reached at its endpoint only: an IP, an in-cluster Service's namespace, or configured CIDRs", () => {
        assert.deepStrictEqual(endpointAddress("https://minio:9000"), { host: "minio", port: 9000 });
        assert.deepStrictEqual(endpointAddress("https://s3.example.com"), { host: "s3.example.com", port: 443 });
        assert.deepStrictEqual(endpointAddress("http://s3.local"), { host: "s3.local", port: 80 });
        assert.deepStrictEqual(objectStoreEgress("http://10.1.2.3:9000", []), { to: [{ ipBlock: { cidr: "10.1.2.3/32" } }], ports: [{ protocol: "TCP", port: 9000 }] });
        assert.deepStrictEqual(objectStoreEgress("https://minio.storage.svc.cluster.local:9000", []), {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "storage" } }, podSelector: {} }],
            ports: [{ protocol: "TCP", port: 9000 }],
        });
        assert.deepStrictEqual(objectStoreEgress("https://s3.corp.example", ["10.9.0.0/24"]), { to: [{ ipBlock: { cidr: "10.9.0.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] });
        assert.match(objectStoreProblem("https://s3.corp.example", []) ?? "", /outside the cluster \(s3\.corp\.example\)/);
        assert.throws(() => objectStoreEgress("https://s3.corp.example", []), /objectStore\.cidrs/);
    });
});
