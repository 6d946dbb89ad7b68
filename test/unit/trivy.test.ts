import * as assert from "assert";
import { Catalog } from "../../components/catalog";
import { trivyImages, trivyValues } from "../../components/security/trivy";
import { registryEgress } from "../../components/system-egress";

describe("Trivy Operator values (pure)", () => {
    it("every image and artifact from the catalog, split as the chart's registry/repository values want them", () => {
        const up = trivyValues(trivyImages(new Catalog())) as any;
        assert.deepStrictEqual(up.image, { registry: "mirror.gcr.io", repository: "aquasec/trivy-operator" });
        assert.deepStrictEqual([up.trivy.dbRegistry, up.trivy.dbRepository, up.trivy.javaDbRegistry, up.trivy.javaDbRepository],
            ["mirror.gcr.io", "aquasec/trivy-db", "mirror.gcr.io", "aquasec/trivy-java-db"]);
        const down = trivyValues(trivyImages(new Catalog({ registry: "reg.corp:5000/kc" }))) as any;
        assert.deepStrictEqual(down.trivy.image, { registry: "reg.corp:5000/kc", repository: "aquasec/trivy", tag: "0.72.0" });
        assert.deepStrictEqual(down.nodeCollector, { registry: "reg.corp:5000/kc", repository: "aquasecurity/node-collector", tag: "0.3.1" });
        assert.deepStrictEqual(down.policiesBundle, { registry: "reg.corp:5000/kc", repository: "aquasec/trivy-checks", tag: 1 });
        assert.strictEqual(down.trivy.dbRegistry, "reg.corp:5000/kc");
    });

    it("scan jobs reach the registries: configured CIDRs, or any public address; HTTPS and the mirror's own port", () => {
        assert.deepStrictEqual(registryEgress(["10.50.0.0/24"], "reg.corp:5000/kc"), { to: [{ ipBlock: { cidr: "10.50.0.0/24" } }], ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 5000 }] });
        const open = registryEgress([], "");
        assert.deepStrictEqual(open.ports, [{ protocol: "TCP", port: 443 }]);
        assert.strictEqual((open.to as any)[0].ipBlock.cidr, "0.0.0.0/0");
        assert.ok((open.to as any)[0].ipBlock.except.includes("10.0.0.0/8"));
    });
});
