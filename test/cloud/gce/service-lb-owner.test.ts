/**
 * The rule tying cloud-provider-gcp's Service load balancer resources to a cluster
 * (src/cloud/gce/service-lb-owner.ts), on listings as Compute returns them: what is taken, what is
 * left alone, and what is kept and reported because another cluster's resource shares it.
 */
import { describe, expect, it } from 'vitest';
import { ownedServiceLoadBalancers, type ServiceLbInput } from '../../../src/cloud/gce/service-lb-owner.js';

const V1 = 'https://www.googleapis.com/compute/v1/projects/p';
const NET = `${V1}/global/networks/c-example-com`;
const TAG = 'c-example-com-k8s-io-role-node';
const LB = 'a0123456789abcdef0123456789abcde';
const LB2 = 'a1111111111111111111111111111111';
const NODES = 'k8s-0123456789abcdef-node';
const inst = (n: string) => `${V1}/zones/us-central1-a/instances/${n}`;
const svc = (s: string) => JSON.stringify({ 'kubernetes.io/service-name': s });
const check = (n: string) => `${V1}/global/httpHealthChecks/${n}`;
const pool = (name: string, instances: string[], checks = [check(NODES)], s = 'default/web') => ({ name, id: `${name}-id`, selfLink: `${V1}/regions/us-central1/targetPools/${name}`, description: svc(s), instances, healthChecks: checks });
const rule = (name: string, target: string, s = 'default/web') => ({ name, id: `${name}-id`, description: svc(s), target: `${V1}/regions/us-central1/targetPools/${target}` });
const fw = (name: string, description: string, o: { network?: string; tags?: string[] } = {}) => ({ name, id: `${name}-id`, description, network: o.network ?? NET, targetTags: o.tags ?? [TAG] });

function input(over: Partial<ServiceLbInput>): ServiceLbInput {
  return {
    instances: new Set(['us-central1-a/n1', 'us-central1-a/n2']),
    networks: new Set(['projects/p/global/networks/c-example-com']),
    tags: new Set([TAG, 'c-example-com-k8s-io-role-control-plane']),
    pools: [],
    rules: [],
    checks: [],
    firewalls: [],
    addresses: [],
    ...over,
  };
}
const owned = (i: ServiceLbInput) => ownedServiceLoadBalancers(i).owned.map((x) => `${x.kind} ${x.name}`).sort();

describe('ownedServiceLoadBalancers', () => {
  it("takes a load balancer over the cluster's instances: rule, pool, nodes check, firewall rules, a leftover address", () => {
    const i = input({
      pools: [pool(LB, [inst('n1'), inst('n2')])],
      rules: [rule(LB, LB)],
      checks: [{ name: NODES, id: '1', selfLink: check(NODES), description: svc(NODES) }],
      firewalls: [fw(`k8s-fw-${LB}`, JSON.stringify({ 'kubernetes.io/service-name': 'default/web', 'kubernetes.io/service-ip': '1.2.3.4' })), fw(`${NODES}-http-hc`, JSON.stringify({ 'kubernetes.io/cluster-id': '0123456789abcdef' }))],
      addresses: [{ name: LB, id: '2', description: svc('default/web') }],
    });
    expect(owned(i)).toEqual(
      [`ServiceAddress ${LB}`, `ServiceFirewallRule ${NODES}-http-hc`, `ServiceFirewallRule k8s-fw-${LB}`, `ServiceForwardingRule ${LB}`, `ServiceHTTPHealthCheck ${NODES}`, `ServiceTargetPool ${LB}`].sort(),
    );
    expect(ownedServiceLoadBalancers(i).kept).toEqual([]);
  });

  it('leaves a pool with no instance of the cluster, an empty pool, and the rules to them', () => {
    const i = input({ pools: [pool(LB, [inst('theirs')]), pool(LB2, [])], rules: [rule(LB, LB), rule(LB2, LB2)] });
    expect(owned(i)).toEqual([]);
  });

  it("keeps and reports a pool that holds the cluster's and another instance; its rule stays", () => {
    const r = ownedServiceLoadBalancers(input({ pools: [pool(LB, [inst('n1'), inst('theirs')])], rules: [rule(LB, LB)] }));
    expect(r.owned).toEqual([]);
    expect(r.kept).toEqual([{ what: `TargetPool ${LB} (Service default/web)`, why: expect.stringContaining('us-central1-a/theirs') }]);
  });

  it("keeps a health check another cluster's pool also uses, reported; takes the cluster's pool", () => {
    const r = ownedServiceLoadBalancers(input({ pools: [pool(LB, [inst('n1')]), pool(LB2, [inst('theirs')])], checks: [{ name: NODES, selfLink: check(NODES), description: svc(NODES) }] }));
    expect(r.owned.map((x) => `${x.kind} ${x.name}`)).toEqual([`ServiceTargetPool ${LB}`]);
    expect(r.kept).toEqual([{ what: `HTTPHealthcheck ${NODES}`, why: expect.stringContaining(LB2) }]);
  });

  it('takes an unused check only with its own firewall rule the cluster owns', () => {
    const checks = [{ name: NODES, selfLink: check(NODES), description: svc(NODES) }];
    expect(owned(input({ checks }))).toEqual([]);
    const hcFw = fw(`${NODES}-http-hc`, JSON.stringify({ 'kubernetes.io/cluster-id': '0123456789abcdef' }));
    expect(owned(input({ checks, firewalls: [hcFw] }))).toEqual([`ServiceFirewallRule ${NODES}-http-hc`, `ServiceHTTPHealthCheck ${NODES}`]);
  });

  it("leaves firewall rules on another network, with another cluster's tag, without tags, or not described as the controller does", () => {
    const d = svc('default/web');
    const firewalls = [
      fw(`k8s-fw-${LB}`, d, { network: `${V1}/global/networks/other` }),
      fw(`k8s-fw-${LB2}`, d, { tags: [TAG, 'other-example-com-k8s-io-role-node'] }),
      fw(`k8s-${LB}-http-hc`, d, { tags: [] }),
      fw(`k8s-fw-${LB2}-deny`, 'made by hand'),
      fw(`${NODES}-http-hc`, JSON.stringify({ 'kubernetes.io/cluster-id': 'fedcba9876543210' })),
      fw('k8s-fw-not-a-service', d),
    ];
    expect(owned(input({ firewalls }))).toEqual([]);
    expect(owned(input({ firewalls: [fw(`k8s-fw-${LB2}-deny`, d)] }))).toEqual([`ServiceFirewallRule k8s-fw-${LB2}-deny`]);
  });

  it("takes an address only named as one of the cluster's load balancers and for the same Service", () => {
    const base = { pools: [pool(LB, [inst('n1')])], rules: [rule(LB, LB)] };
    expect(owned(input({ ...base, addresses: [{ name: LB, description: svc('other/svc') }, { name: LB2, description: svc('default/web') }, { name: 'user-ip', description: svc('default/web') }] }))).toEqual([
      `ServiceForwardingRule ${LB}`,
      `ServiceTargetPool ${LB}`,
    ]);
  });
});
