import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { EksInfo } from "../aws/types";

export type { EksInfo };

/**
 * The cluster layer every workload component builds on, identical in shape on-prem and on EKS.
 * Every Kubernetes resource is created with `provider`.
 */
export interface ClusterLayer {
    kind: "onprem" | "eks";
    /** For everything that runs pods: on EKS it waits for the node groups (and so is destroyed before them). */
    provider: k8s.Provider;
    /**
     * For objects that run no pods (namespaces, CRD-only charts): usable as soon as the API server
     * is, so they install while the nodes come up. On-prem it is `provider`.
     */
    controlPlaneProvider: k8s.Provider;
    /** StorageClass for persistent volumes ("" = the cluster default). */
    storageClass: string;
    /** Service type for the ingress gateway / Ingress controller exposure. */
    ingressServiceType: "LoadBalancer" | "NodePort" | "ClusterIP";
    /** Failure zones the nodes span. */
    zones: number;
    /** Where the Kubernetes API server listens, for NetworkPolicy egress (empty = unknown: any address on the API ports). */
    apiServerCidrs: string[];
    /**
     * What persistent volumes need before they can bind (on EKS: the gp3 StorageClass, which waits for
     * the EBS CSI add-on). Stateful workloads `dependsOn` these: created after the driver, destroyed
     * before it, while everything else starts as soon as the nodes are up.
     */
    storageReady: pulumi.Resource[];
    /**
     * What VerticalPodAutoscaler objects wait for: the cluster's VPA release, which installs their CRD
     * and admission webhook.
     */
    vpaReady: pulumi.Resource[];
    /** Present only on EKS. */
    eks?: EksInfo;
}
