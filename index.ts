/**
 * Composition root: load and validate the stack config, build the platform, export its outputs.
 * Invalid config stops here, before any resource is registered.
 */
import { loadStackConfig } from "./components/config";
import { KubeChatPlatform } from "./components/platform";

const config = loadStackConfig();
const platform = new KubeChatPlatform("kubechat", { config });

export const clusterKind = platform.clusterKind;
export const namespaces = platform.namespaces;
/** Everything an air-gapped install must mirror: images (with registry) and charts (with version). */
export const airgap = platform.catalog.airgapList();
