/** The `chatsessions.kubechat.ai` CustomResourceDefinition (pure spec). */
import type * as k8s from "@pulumi/kubernetes";

export const CHAT_SESSION_GROUP = "kubechat.ai";
export const CHAT_SESSION_PLURAL = "chatsessions";

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: "string", description, ...extra });
const int = (description: string, minimum = 0) => ({ type: "integer", format: "int32", minimum, description });

/** Structural schema: every field typed, no unknown fields preserved. */
export function chatSessionSchema(): k8s.types.input.apiextensions.v1.JSONSchemaProps {
    return {
        type: "object",
        properties: {
            apiVersion: { type: "string" },
            kind: { type: "string" },
            metadata: { type: "object" },
            spec: {
                type: "object",
                required: ["userId", "model"],
                properties: {
                    userId: str("Owner of the session", { minLength: 1 }),
                    model: str("Language model serving the session", { minLength: 1 }),
                    systemPrompt: str("Instructions prepended to the conversation"),
                    maxTokens: int("Token budget per response", 1),
                    ttlSeconds: int("Idle time after which the session is closed", 1),
                },
            },
            status: {
                type: "object",
                properties: {
                    phase: str("Lifecycle phase", { enum: ["Pending", "Active", "Idle", "Closed", "Failed"] }),
                    messageCount: int("Messages exchanged"),
                    lastActivityTime: str("Last message time", { format: "date-time" }),
                    observedGeneration: { type: "integer", format: "int64", description: "Generation the status reflects" },
                    conditions: {
                        type: "array",
                        description: "Standard conditions",
                        items: {
                            type: "object",
                            required: ["type", "status"],
                            properties: {
                                type: str("Condition type"),
                                status: str("True, False or Unknown", { enum: ["True", "False", "Unknown"] }),
                                reason: str("Machine-readable reason"),
                                message: str("Human-readable message"),
                                lastTransitionTime: str("Last change", { format: "date-time" }),
                            },
                        },
                    },
                },
            },
        },
    };
}

/** `spec` of the CRD: namespaced, v1alpha1 served and stored, status subresource, printer columns. */
export function chatSessionCrdSpec(): k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec {
    return {
        group: CHAT_SESSION_GROUP,
        scope: "Namespaced",
        names: { plural: CHAT_SESSION_PLURAL, singular: "chatsession", kind: "ChatSession", listKind: "ChatSessionList", shortNames: ["cs"] },
        versions: [{
            name: "v1alpha1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: chatSessionSchema() },
            subresources: { status: {} },
            additionalPrinterColumns: [
                { name: "User", type: "string", jsonPath: ".spec.userId" },
                { name: "Model", type: "string", jsonPath: ".spec.model" },
                { name: "Phase", type: "string", jsonPath: ".status.phase" },
                { name: "Messages", type: "integer", jsonPath: ".status.messageCount" },
                { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
            ],
        }],
    };
}
