/**
 * `delete cluster` on GCE removes what cloud-provider-gcp's service controller made for the
 * cluster's `type: LoadBalancer` Services, and nothing of another cluster's. A cluster is built
 * with `update --yes` on the fake Compute API; then, as the controller would (names, descriptions,
 * links: providers/gce/gce_loadbalancer_external.go), two Services' load balancers of this cluster
 * (one on the shared nodes health check, one `externalTrafficPolicy: Local` with its own check and
 * a static address left over) and, in the same project and region, another cluster's Service
 * load balancer over its own instances, an empty pool and a rule to it, a pool holding both
 * clusters' nodes (kept and reported), and a user's address.
 */
import { describe, expect, it } from 'vitest';
import { clusterLabelValue } from '../../src/model/gce/labels.js';
import { networkName, safeClusterName, tagForRole } from '../../src/model/gce/names.js';
import { gceOperatorPermissions } from '../../src/tasks/gce/permissions.js';
import { computeRest, useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-svclb';
const ZONE = 'us-central1-a';
const REGION = 'us-central1';
const CLUSTER = 'svc.example.com';
const OTHER = 'other.example.com';
const OTHER_SAFE = safeClusterName(OTHER);
const V1 = 'https://www.googleapis.com/compute/v1';

const fake = useFakeGceCompute(PROJECT);
const rest = computeRest(fake, PROJECT);
const state = ['--state', tempStore().url];

const COLLECTIONS = ['networks', 'subnetworks', 'firewalls', 'httpHealthChecks', 'targetPools', 'forwardingRules', 'addresses', 'instanceGroupManagers', 'instanceTemplates', 'instances'];
const everything = (): string[] => COLLECTIONS.flatMap((c) => fake.all(PROJECT, c).map((r) => `${c}/${String(r.name)}#${String(r.id)}`)).sort();

/** The controller's load balancer name for a Service UID: `a` + the UID's hex digits, cut to 32. */
const lbName = (uid: string): string => `a${uid.replace(/-/g, '')}`.slice(0, 32);
const service = (name: string): string => JSON.stringify({ 'kubernetes.io/service-name': name });
/** The controller's sources for its firewall rules (gce.go's L4 load balancer source ranges). */
const LB_SOURCES = ['130.211.0.0/22', '35.191.0.0/16', '209.85.152.0/22', '209.85.204.0/22'];

interface Lb {
  readonly uid: string;
  readonly svc: string;
  readonly instances: readonly string[];
  readonly network: string;
  readonly tag: string;
  /** The health check: the cluster's nodes check (its link), or `local` (one named as the load balancer). */
  readonly check: string | 'local';
  readonly keepAddress?: boolean;
}

/** One Service's load balancer, created in the controller's order: address, firewall, check, pool, rule. */
async function controllerLb(lb: Lb): Promise<string> {
  const name = lbName(lb.uid);
  await rest('POST', `regions/${REGION}/addresses`, { name, description: service(lb.svc) });
  const ip = String((await rest('GET', `regions/${REGION}/addresses/${name}`)).address);
  await rest('POST', 'global/firewalls', {
    name: `k8s-fw-${name}`,
    description: JSON.stringify({ 'kubernetes.io/service-name': lb.svc, 'kubernetes.io/service-ip': ip }),
    network: lb.network,
    sourceRanges: ['0.0.0.0/0'],
    destinationRanges: [ip],
    targetTags: [lb.tag],
    allowed: [{ IPProtocol: 'tcp', ports: ['80'] }],
  });
  let check = lb.check;
  if (check === 'local') {
    await rest('POST', 'global/firewalls', {
      name: `k8s-${name}-http-hc`,
      description: JSON.stringify({ 'kubernetes.io/service-name': lb.svc, 'kubernetes.io/service-ip': ip }),
      network: lb.network,
      sourceRanges: LB_SOURCES,
      targetTags: [lb.tag],
      allowed: [{ IPProtocol: 'tcp', ports: ['31234'] }],
    });
    await rest('POST', 'global/httpHealthChecks', { name, description: service(name), port: 31234, requestPath: '/healthz' });
    check = `${V1}/projects/${PROJECT}/global/httpHealthChecks/${name}`;
  }
  await rest('POST', `regions/${REGION}/targetPools`, { name, description: service(lb.svc), instances: lb.instances, healthChecks: [check], sessionAffinity: 'NONE' });
  await rest('POST', `regions/${REGION}/forwardingRules`, { name, description: service(lb.svc), IPAddress: ip, IPProtocol: 'TCP', portRange: '80-80', target: `${V1}/projects/${PROJECT}/regions/${REGION}/targetPools/${name}` });
  // The static address is released once the rule holds the IP, unless a failed run left it.
  if (!lb.keepAddress) await rest('DELETE', `regions/${REGION}/addresses/${name}`);
  return name;
}

/** A cluster's shared nodes health check `k8s-<id>-node` and its firewall rule; the check's link. */
async function nodesCheck(clusterId: string, network: string, tag: string): Promise<string> {
  await rest('POST', 'global/firewalls', {
    name: `k8s-${clusterId}-node-http-hc`,
    description: JSON.stringify({ 'kubernetes.io/cluster-id': clusterId }),
    network,
    sourceRanges: LB_SOURCES,
    targetTags: [tag],
    allowed: [{ IPProtocol: 'tcp', ports: ['10256'] }],
  });
  await rest('POST', 'global/httpHealthChecks', { name: `k8s-${clusterId}-node`, description: service(`k8s-${clusterId}-node`), port: 10256, requestPath: '/healthz' });
  return `${V1}/projects/${PROJECT}/global/httpHealthChecks/k8s-${clusterId}-node`;
}

const nodesOf = (label: string, tag: string): string[] =>
  fake
    .all(PROJECT, 'instances')
    .filter((i) => (i.labels as Record<string, string>)['k8s-io-cluster-name'] === label && ((i.tags as { items?: string[] }).items ?? []).includes(tag))
    .map((i) => i.selfLink as string);

describe("GCE delete cluster: the cloud controller's Service load balancers", () => {
  const ours = { web: lbName('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'), local: lbName('11112222-3333-4444-5555-666677778888') };
  const theirs = {
    lb: lbName('99990000-aaaa-bbbb-cccc-ddddeeeeffff'),
    empty: lbName('abcdabcd-abcd-abcd-abcd-abcdabcdabcd'),
    userAddress: lbName('12121212-3434-5656-7878-909090909090'),
    mixed: lbName('56565656-7878-9090-1212-343434343434'),
  };
  let decoys: string[] = [];

  it('a cluster with two Services; beside it another cluster\'s Service, an empty pool, a pool of both clusters\' nodes and a user\'s address', async () => {
    await cliOk(['create', 'cluster', '--name', CLUSTER, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--ssh-public-key', KEY, ...state]);
    await cliOk(['update', 'cluster', '--name', CLUSTER, '--yes', ...state]);
    const network = `${V1}/projects/${PROJECT}/global/networks/${networkName(CLUSTER)}`;
    const tag = tagForRole(CLUSTER, 'Node');
    const nodes = nodesOf(clusterLabelValue(CLUSTER), tag);
    expect(nodes.length).toBeGreaterThan(0);
    const cluster = new Set(everything());

    // Another cluster: its own network, a group of its instances, its nodes check and a Service.
    const otherNet = `${V1}/projects/${PROJECT}/global/networks/${OTHER_SAFE}`;
    const otherTag = tagForRole(OTHER, 'Node');
    await rest('POST', 'global/networks', { name: OTHER_SAFE, autoCreateSubnetworks: false });
    await rest('POST', 'global/instanceTemplates', {
      name: `nodes-${OTHER_SAFE}`,
      properties: { machineType: 'e2-medium', labels: { 'k8s-io-cluster-name': OTHER_SAFE }, tags: { items: [otherTag] }, networkInterfaces: [{ network: otherNet }] },
    });
    await rest('POST', `zones/${ZONE}/instanceGroupManagers`, { name: `a-nodes-${OTHER_SAFE}`, baseInstanceName: 'nodes', instanceTemplate: `${V1}/projects/${PROJECT}/global/instanceTemplates/nodes-${OTHER_SAFE}`, targetSize: 2 });
    const otherNodes = nodesOf(OTHER_SAFE, otherTag);
    expect(otherNodes).toHaveLength(2);
    const otherCheck = await nodesCheck('fedcba9876543210', otherNet, otherTag);
    await controllerLb({ uid: '99990000-aaaa-bbbb-cccc-ddddeeeeffff', svc: 'default/web', instances: otherNodes, network: otherNet, tag: otherTag, check: otherCheck });
    // A pool of the controller's shape with no instance (nothing ties it to a cluster) and its rule.
    await rest('POST', `regions/${REGION}/targetPools`, { name: theirs.empty, description: service('default/idle'), healthChecks: [otherCheck] });
    await rest('POST', `regions/${REGION}/forwardingRules`, { name: theirs.empty, description: service('default/idle'), target: `${V1}/projects/${PROJECT}/regions/${REGION}/targetPools/${theirs.empty}` });
    // A user's static address with the controller's name shape and description.
    await rest('POST', `regions/${REGION}/addresses`, { name: theirs.userAddress, description: service('default/reserved') });
    // A pool holding one of this cluster's nodes and one of the other's: not this cluster's alone.
    await rest('POST', `regions/${REGION}/targetPools`, { name: theirs.mixed, description: service('default/mixed'), instances: [nodes[0]!, otherNodes[0]!], healthChecks: [otherCheck] });
    decoys = everything().filter((r) => !cluster.has(r));
    expect(decoys.filter((r) => /^(targetPools|forwardingRules|addresses|httpHealthChecks|firewalls)\//.test(r))).toHaveLength(9);

    // This cluster's Services, made by its controller (cluster id 0123456789abcdef).
    const check = await nodesCheck('0123456789abcdef', network, tag);
    expect(await controllerLb({ uid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', svc: 'default/web', instances: nodes, network, tag, check })).toBe(ours.web);
    expect(await controllerLb({ uid: '11112222-3333-4444-5555-666677778888', svc: 'shop/front', instances: nodes, network, tag, check: 'local', keepAddress: true })).toBe(ours.local);
    expect(fake.get(PROJECT, `regions/${REGION}`, 'targetPools', ours.web)?.instances).toEqual([...nodes].sort());
  });

  it('delete cluster without --yes lists exactly the cluster\'s load balancer resources, and changes nothing', async () => {
    const before = everything();
    const listing = await cliOk(['delete', 'cluster', '--name', CLUSTER, ...state]);
    const rows = listing.split('\n').map((l) => l.trim().split(/\s+/)).filter((r) => r.length === 3);
    const lbRows = rows.filter(([, name]) => /^(a[0-9a-f]{31}|k8s-.*)$/.test(name ?? '')).map(([type, name]) => `${type} ${name}`).sort();
    expect(lbRows).toEqual(
      [
        `Address ${ours.local}`,
        `FirewallRule k8s-${ours.local}-http-hc`,
        'FirewallRule k8s-0123456789abcdef-node-http-hc',
        `FirewallRule k8s-fw-${ours.local}`,
        `FirewallRule k8s-fw-${ours.web}`,
        `ForwardingRule ${ours.local}`,
        `ForwardingRule ${ours.web}`,
        `HTTPHealthcheck ${ours.local}`,
        'HTTPHealthcheck k8s-0123456789abcdef-node',
        `TargetPool ${ours.local}`,
        `TargetPool ${ours.web}`,
      ].sort(),
    );
    for (const n of [...Object.values(theirs), 'fedcba9876543210']) expect(listing).not.toContain(n);
    expect(everything()).toEqual(before);
  });

  it("delete cluster --yes with a user's internal load balancer on the network: with the declared permissions everything else goes in order, the network and subnet are blocked and it is named", async () => {
    const network = `${V1}/projects/${PROJECT}/global/networks/${networkName(CLUSTER)}`;
    const subnet = fake.all(PROJECT, 'subnetworks').find((x) => x.network === network)!;
    await rest('POST', `regions/${REGION}/forwardingRules`, { name: 'user-ilb', loadBalancingScheme: 'INTERNAL', network, subnetwork: subnet.selfLink, allPorts: true });
    // With exactly the operator's declared permissions (the fake refuses any other with Google's 403).
    fake.permissions = new Set(gceOperatorPermissions());
    const r = await cli(['delete', 'cluster', '--name', CLUSTER, '--yes', '--count', '1', '--interval', '1ms', ...state]).finally(() => {
      fake.permissions = undefined;
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('forbidden');
    // The shared pool is reported as never deleted, with why.
    expect(r.stderr).toMatch(new RegExp(`never deleted:[\\s\\S]*TargetPool ${theirs.mixed} \\(Service default/mixed\\): it holds this cluster's instances and ${ZONE}/nodes-`));
    const ilb = `ForwardingRule projects/${PROJECT}/regions/${REGION}/forwardingRules/user-ilb`;
    expect(r.stderr).toContain(`Network ${networkName(CLUSTER)}: it is used by ${ilb}`);
    expect(r.stderr).toContain(`Subnet ${String(subnet.name)}: it is used by ${ilb}`);
    // In order, in one pass: no delete refused for what still uses it (forwarding rule before
    // pool, pool before its check, all before the network), and the pools before the instances.
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.includes('will retry') && !/^(Network|Subnet):/.test(l))).toEqual([]);
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix) && l.endsWith('\tok'));
    const pool = at('TargetPool:');
    expect(pool).toBeGreaterThan(at('ForwardingRule:'));
    expect(at('HTTPHealthcheck:')).toBeGreaterThan(pool);
    expect(at('Instance:')).toBeGreaterThan(pool);
    expect(fake.names(PROJECT, 'global', 'networks')).toContain(networkName(CLUSTER));
    await rest('DELETE', `regions/${REGION}/forwardingRules/user-ilb`);
  });

  it('delete cluster --yes, with exactly the declared permissions, then removes the network; every decoy stays, ids unchanged', async () => {
    fake.permissions = new Set(gceOperatorPermissions());
    try {
      const r = await cli(['delete', 'cluster', '--name', CLUSTER, '--yes', ...state]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('will retry');
    } finally {
      fake.permissions = undefined;
    }
    expect(fake.names(PROJECT, 'global', 'networks')).toEqual([OTHER_SAFE]);
    expect(everything()).toEqual(decoys);
    expect(everything().filter((r) => Object.values(ours).some((n) => r.includes(n)) || r.includes('0123456789abcdef'))).toEqual([]);
  });
});
