/**
 * GitOps mode: Argo CD owns the KubeChat app layer, Pulumi the platform under it. This component
 * creates what Argo CD needs to sync the app layer from Git — an AppProject limited to the app
 * namespace and the app layer's kinds, and one Application for the stack — and, when the repository
 * is private, labels the customer's credentials Secret so Argo CD uses it (its values never pass
 * through Pulumi). The manifests it registers as its output are exactly what `gitops:render` writes.
 *
 * Argo CD itself is installed by `ArgoCdInstall` (./install.ts) unless `gitops.installArgoCd` is false;
 * then an installation must exist in `kubechat:gitops.argocdNamespace` (with its CRDs) before `pulumi up`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { AppManifest } from "../app/objects";
import { GitOpsTarget, RESOURCES_FINALIZER, appProjectSpec, applicationSpec, gitopsLabels, gitopsManifest } from "./spec";

export const ARGOCD_APP_TYPE = "kubechat:gitops:ArgoCdApp";

/** Where Argo CD is and what it syncs (`kubechat:gitops`). */
export interface GitOpsSettings {
    /** Namespace of the Argo CD installation. */
    argocdNamespace: string;
    /** Git repository Argo CD syncs from. */
    repoURL: string;
    /** Directory in the repository holding this stack's app layer. */
    path: string;
    /** Branch, tag or commit to sync. */
    targetRevision: string;
    /** Existing Secret in the Argo CD namespace with the repository credentials ("" = public repository). */
    repoCredentialsSecret: string;
}

export interface ArgoCdAppArgs {
    /** Argo CD namespace, repository, path, revision, credentials Secret name. */
    gitops: GitOpsSettings;
    /** The stack name: the AppProject and Application are `kubechat-<stack>`. */
    stack: string;
    /** The app namespace (created by Pulumi): the Application's only destination. */
    appNamespace: string;
    /** The app layer's objects in declaration order (`KubeChat.manifests`). */
    manifests: pulumi.Input<AppManifest[]>;
    /** What the app layer waits for (namespace, CRD-installing releases, the mesh): the Application is created after them. */
    dependsOn: pulumi.Resource[];
    /** The Argo CD release when the platform installs it (its namespace and CRDs): every object here waits for it. */
    argocd?: pulumi.Resource;
    provider: k8s.Provider;
}

export class ArgoCdApp extends pulumi.ComponentResource {
    /** The manifests Argo CD syncs (sync waves annotated), in declaration order. */
    public readonly manifests: pulumi.Output<AppManifest[]>;
    public readonly applicationName: string;

    constructor(name: string, args: ArgoCdAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ARGOCD_APP_TYPE, name, {}, opts);
        const g = args.gitops;
        const child = { parent: this, provider: args.provider };
        const afterArgoCd = { ...child, dependsOn: args.argocd ? [args.argocd] : [] };
        const target: GitOpsTarget = {
            name: `kubechat-${args.stack}`, stack: args.stack, repoURL: g.repoURL, path: g.path, targetRevision: g.targetRevision, namespace: args.appNamespace,
        };
        this.applicationName = target.name;
        this.manifests = pulumi.output(args.manifests).apply((ms) => ms.map((m) => ({ name: m.name, object: gitopsManifest(m.object) })));
        const objects = this.manifests.apply((ms) => ms.map((m) => m.object));
        const metadata = { name: target.name, namespace: g.argocdNamespace, labels: gitopsLabels(), finalizers: [RESOURCES_FINALIZER] };

        const project = new k8s.apiextensions.CustomResource(`${name}-project`, {
            apiVersion: "argoproj.io/v1alpha1", kind: "AppProject", metadata, spec: objects.apply((o) => appProjectSpec(target, o)),
        }, afterArgoCd);
        const credentials = g.repoCredentialsSecret === "" ? [] : [new k8s.core.v1.SecretPatch(`${name}-repo-credentials`, {
            // Only the label is ours: Argo CD reads repositories from Secrets labelled so in its namespace.
            metadata: { name: g.repoCredentialsSecret, namespace: g.argocdNamespace, labels: { "argocd.argoproj.io/secret-type": "repository" } },
        }, afterArgoCd)];
        new k8s.apiextensions.CustomResource(`${name}-application`, {
            apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata, spec: objects.apply((o) => applicationSpec(target, o)),
        }, { ...child, dependsOn: [project, ...credentials, ...args.dependsOn, ...afterArgoCd.dependsOn] });

        this.registerOutputs({ manifests: this.manifests, applicationName: this.applicationName });
    }
}
