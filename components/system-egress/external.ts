/**
 * Egress to addresses outside the cluster that have no fixed address (registries, alert receivers):
 * the configured CIDRs, or any public address. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import { endpointAddress, inClusterNamespace, inNamespace, tcp } from "../network";

type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Addresses no external receiver may be: private networks (the cluster, the site) and link-local (instance metadata). */
export const NON_PUBLIC_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

/**
 * The Trivy scan jobs' egress to the registries: `cidrs` on HTTPS 443 and the mirror's own port; with
 * none, any public address (no fixed addresses: the registries of every scanned image), private and
 * link-local ranges excluded — an exemption the egress test names.
 */
export function registryEgress(cidrs: string[], registry: string): EgressRule {
    const port = /^[^/]+:(\d+)/.exec(registry)?.[1];
    const ports = [...new Set([443, ...(port ? [Number(port)] : [])])];
    const to = cidrs.length > 0 ? cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [{ ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_CIDRS } }];
    return { to, ports: tcp(...ports) };
}

/** The alert receivers that are enabled (the subset of `kubechat:observability.alerting` this needs). */
export interface ReceiverEgressInput {
    webhook: { enabled: boolean };
    slack: { enabled: boolean };
    pagerduty: { enabled: boolean };
    email: { enabled: boolean; smarthost: string };
    /** Addresses the receivers may be reached at (`kubechat:observability.alerting.egressCidrs`). */
    egressCidrs: string[];
}

/**
 * Alertmanager's egress to the enabled receivers. Webhook, Slack and PagerDuty URLs live in Secrets
 * the program never reads, and the SaaS endpoints have no fixed addresses: HTTPS (443) to
 * `egressCidrs`, or — when none are configured — to any public address (private and link-local
 * ranges excluded; an exemption the egress test names). E-mail goes to the smarthost's port, at its
 * address when it is an IP or an in-cluster Service, otherwise like the others.
 */
export function alertReceiverEgress(r: ReceiverEgressInput): EgressRule[] {
    const anyPublic = r.egressCidrs.length > 0
        ? r.egressCidrs.map((cidr) => ({ ipBlock: { cidr } }))
        : [{ ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_CIDRS } }];
    const rules: EgressRule[] = [];
    if (r.webhook.enabled || r.slack.enabled || r.pagerduty.enabled) rules.push({ to: anyPublic, ports: tcp(443) });
    if (r.email.enabled && r.email.smarthost !== "") {
        const { host, port } = endpointAddress(`smtp://${r.email.smarthost}`);
        const ns = inClusterNamespace(host);
        const to = /^(\d{1,3}\.){3}\d{1,3}$/.test(host) ? [{ ipBlock: { cidr: `${host}/32` } }] : ns !== undefined ? [{ ...inNamespace(ns), podSelector: {} }] : anyPublic;
        rules.push({ to, ports: tcp(port) });
    }
    return rules;
}
