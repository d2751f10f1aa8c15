/**
 * The Cloud NAT of private GCE clusters (kops's gcemodel NetworkModelBuilder): a Cloud Router
 * `nat-<safe cluster>` with one NAT for the Private subnets kops-ts creates, none for public
 * clusters, user-given subnets or `egress: External`; in a shared network, in the user's network.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newCluster, type NewClusterOptions } from '../../../src/cloudup/new-cluster.js';
import type { Cluster, InstanceGroup } from '../../../src/model/api/types.js';
import { completeCluster } from '../../../src/model/completion.js';
import { buildGceTasks } from '../../../src/model/gce/index.js';
import { GCE_NAME_PATTERN, routerName } from '../../../src/model/gce/names.js';
import { validateCluster } from '../../../src/model/validation.js';
import { buildGraph } from '../../../src/tasks/graph.js';
import { sshPublicKeyFingerprint } from '../../../src/statestore/ssh.js';
import { GCE_KINDS, type GceInstanceTemplateDesired, type GceRouterDesired } from '../../../src/tasks/gce/types.js';
import { isRef, type Task, type Val } from '../../../src/tasks/types.js';

const KEY = readFileSync(new URL('../../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const PRIVATE: NewClusterOptions = { name: 'priv.example.com', zones: ['us-central1-a'], project: 'my-project', topology: 'private' };

function tasksOf(opts: NewClusterOptions, edit?: (c: Cluster, igs: InstanceGroup[]) => void): Task[] {
  const built = newCluster(opts);
  const c = completeCluster(built.cluster, built.instanceGroups);
  edit?.(c.cluster, c.instanceGroups);
  return buildGceTasks({ ...c, sshPublicKeys: [{ key: KEY, fingerprint: sshPublicKeyFingerprint(KEY) }] });
}

const routers = (tasks: readonly Task[]) => tasks.filter((t) => t.kind === GCE_KINDS.router) as Task<GceRouterDesired>[];
const refName = (v: Val) => (isRef(v) ? `${v.kind}/${v.name}.${v.output}` : v);

describe('GCE Cloud NAT (model)', () => {
  it('create cluster --cloud gce --topology private writes Private subnets that validate clean', () => {
    const built = newCluster(PRIVATE);
    expect(built.cluster.spec.subnets?.map((s) => s.type)).toEqual(['Private']);
    const c = completeCluster(built.cluster, built.instanceGroups);
    expect(validateCluster(c.cluster, c.instanceGroups).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a private cluster gets one router nat-<safe cluster> in its network and region, with kops\'s NAT for its subnets', () => {
    const tasks = tasksOf(PRIVATE);
    const [r, ...more] = routers(tasks);
    expect(more).toEqual([]);
    expect(r?.name).toBe('nat-priv-example-com');
    expect(r?.name).toBe(routerName('priv.example.com'));
    const d = r!.desired;
    expect(d.region).toBe('us-central1');
    expect(refName(d.network)).toBe('Network/priv-example-com.selfLink');
    expect(d.nat.name).toBe(d.name);
    expect(d.nat.natIpAllocateOption).toBe('AUTO_ONLY');
    expect(d.nat.sourceSubnetworkIpRangesToNat).toBe('LIST_OF_SUBNETWORKS');
    expect(d.nat.subnetworks.map(refName)).toEqual(['Subnet/us-central1-priv-example-com.selfLink']);
    // ...and the router is part of a complete graph (its refs name existing tasks).
    expect(buildGraph(tasks)).toBeDefined();
    // The groups' MIGs are created once the NAT exists (their instances need it at boot).
    const migs = tasks.filter((t) => t.kind === GCE_KINDS.instanceGroupManager);
    expect(migs.length).toBeGreaterThan(0);
    for (const mig of migs) expect(mig.dependsOn?.map(refName), mig.name).toEqual(['Router/nat-priv-example-com.id']);
    // The instances it serves have no external IP.
    const templates = tasks.filter((t) => t.kind === GCE_KINDS.instanceTemplate) as Task<GceInstanceTemplateDesired>[];
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) expect(t.desired.externalIp).toBe(false);
  });

  it('a public cluster gets no router, and its MIGs wait for none', () => {
    const tasks = tasksOf({ ...PRIVATE, name: 'pub.example.com', topology: 'public' });
    expect(routers(tasks)).toEqual([]);
    for (const mig of tasks.filter((t) => t.kind === GCE_KINDS.instanceGroupManager)) expect(mig.dependsOn).toBeUndefined();
  });

  it('lists only the Private subnets, and leaves out one with egress: External (which validates on GCE) or none at all', () => {
    const two = (c: Cluster) => {
      const first = c.spec.subnets![0]!;
      c.spec.subnets = [first, { ...first, name: 'extra', cidr: '10.0.32.0/20', type: 'Private' }, { ...first, name: 'open', cidr: '10.0.48.0/20', type: 'Public' }];
    };
    expect(routers(tasksOf(PRIVATE, two))[0]?.desired.nat.subnetworks.map(refName)).toEqual(['Subnet/us-central1-priv-example-com.selfLink', 'Subnet/extra-priv-example-com.selfLink']);
    const external = tasksOf(PRIVATE, (c) => {
      two(c);
      c.spec.subnets![1]!.egress = 'External';
    });
    expect(routers(external)[0]?.desired.nat.subnetworks.map(refName)).toEqual(['Subnet/us-central1-priv-example-com.selfLink']);
    expect(routers(tasksOf(PRIVATE, (c) => (c.spec.subnets![0]!.egress = 'External')))).toEqual([]);

    const built = newCluster(PRIVATE);
    built.cluster.spec.subnets![0]!.egress = 'External';
    const c = completeCluster(built.cluster, built.instanceGroups);
    expect(validateCluster(c.cluster, c.instanceGroups).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('refuses any other egress on GCE, naming the field and what is accepted', () => {
    const built = newCluster(PRIVATE);
    built.cluster.spec.subnets![0]!.egress = 'nat-0123456789abcdef0';
    const c = completeCluster(built.cluster, built.instanceGroups);
    const errors = validateCluster(c.cluster, c.instanceGroups).filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'InvalidEgress' });
    expect(JSON.stringify(errors[0])).toContain('spec.subnets[0].egress');
    expect(JSON.stringify(errors[0])).toContain('only External');
  });

  it('a shared network with subnets kops-ts creates: the router in the user\'s network, as kops does; user-given subnets: none', () => {
    const inShared = tasksOf(PRIVATE, (c) => (c.spec.networkID = 'host-project/shared-vpc'));
    const [r] = routers(inShared);
    expect(refName(r!.desired.network)).toBe('Network/shared-vpc.selfLink');
    expect(inShared.find((t) => t.kind === GCE_KINDS.network)?.shared).toBe(true);
    expect(r!.shared).toBeUndefined();

    const sharedSubnets = tasksOf(PRIVATE, (c) => {
      c.spec.networkID = 'host-project/shared-vpc';
      c.spec.subnets = [{ ...c.spec.subnets![0]!, id: 'shared-subnet' }];
    });
    expect(routers(sharedSubnets)).toEqual([]);
  });

  it('a long cluster name gives a router name cut with a hash, a valid GCE name, stable', () => {
    const long = 'a-private-cluster-whose-name-is-long-enough-to-be-cut-by-kops.example.com';
    const name = routerName(long);
    expect(name.length).toBe(63);
    expect(name).toMatch(GCE_NAME_PATTERN);
    expect(name.startsWith('nat-')).toBe(true);
    expect(routerName(long)).toBe(name);
    expect(routerName(long.replace('.com', '.org'))).not.toBe(name);
    expect(routers(tasksOf({ ...PRIVATE, name: long }))[0]?.name).toBe(name);
  });
});
