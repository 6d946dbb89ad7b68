/** RBAC of services that read the Kubernetes API (pure rules; no wildcards). */
import type * as k8s from "@pulumi/kubernetes";
import { CHAT_SESSION_GROUP, CHAT_SESSION_PLURAL } from "./crd";

const READ = ["get", "list", "watch"];

/**
 * ClusterRole rules, exactly the seed's: read pods/services/configmaps and deployments/replicasets;
 * manage chatsessions. The CRD has a status subresource, so writes to `.status` would need
 * `chatsessions/status` too — the seed does not grant it, and neither do we.
 */
export function apiReaderRules(): k8s.types.input.rbac.v1.PolicyRule[] {
    return [
        { apiGroups: [""], resources: ["pods", "services", "configmaps"], verbs: READ },
        { apiGroups: ["apps"], resources: ["deployments", "replicasets"], verbs: READ },
        { apiGroups: [CHAT_SESSION_GROUP], resources: [CHAT_SESSION_PLURAL], verbs: [...READ, "create", "update", "patch", "delete"] },
    ];
}

/** ServiceAccount name of a service. */
export function serviceAccountName(service: string): string {
    return `kubechat-${service}`;
}
