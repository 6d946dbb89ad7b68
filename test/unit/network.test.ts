import * as assert from "assert";
import { apiServerEgress, endpointAddress, gitEgress, gitEndpoint, objectStoreEgress, objectStoreProblem } from "../../components/network";

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

    it("Git is reached at the repository's port: HTTPS 443, HTTP 80, SSH 22 (scp-like or ssh://, its own port when given)", () => {
        assert.deepStrictEqual(gitEndpoint("https://git.corp/r.git"), { host: "git.corp", port: 443 });
        assert.deepStrictEqual(gitEndpoint("http://git.corp:3000/r.git"), { host: "git.corp", port: 3000 });
        assert.deepStrictEqual(gitEndpoint("git@git.corp:team/r.git"), { host: "git.corp", port: 22 });
        assert.deepStrictEqual(gitEndpoint("ssh://git@git.corp:2222/r.git"), { host: "git.corp", port: 2222 });
        assert.deepStrictEqual(gitEgress("git@git.corp:team/r.git", ["10.40.0.0/24"]), { to: [{ ipBlock: { cidr: "10.40.0.0/24" } }], ports: [{ protocol: "TCP", port: 22 }] });
        assert.deepStrictEqual(gitEgress("ssh://git@10.1.2.3/r.git", []), { to: [{ ipBlock: { cidr: "10.1.2.3/32" } }], ports: [{ protocol: "TCP", port: 22 }] });
        assert.throws(() => gitEgress("https://git.corp/r.git", []), /gitops\.repoCidrs is required when gitops\.repoURL names a host outside the cluster \(git\.corp\)/);
    });
});
