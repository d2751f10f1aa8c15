/**
 * What AWS cannot change in place once a cluster is applied (kops's CannotChangeField): the VPC's
 * CIDR, a subnet's CIDR and zone, checked against the last applied spec; shared networks and
 * subnets, new subnets, and GCE are not.
 */
import { describe, expect, it } from 'vitest';
import { completeCluster } from '../../src/model/completion.js';
import type { Cluster } from '../../src/model/api/types.js';
import { validateCluster } from '../../src/model/validation.js';
import { errorLines, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];

/** The spec as the last update applied it (completed), and a copy to change. */
function applied(): { previous: Cluster; next: Cluster } {
  const previous = completeCluster(userCluster(ZONES), userIGs(ZONES)).cluster;
  return { previous, next: structuredClone(previous) };
}

const errors = (next: Cluster, previous: Cluster) => errorLines(validateCluster(next, userIGs(ZONES), { previous })).filter((l) => l.includes('cannot change once'));

describe('changes AWS cannot make in place', () => {
  it("refuse a new VPC CIDR, and a subnet's new CIDR or zone, naming what it was", () => {
    const { previous, next } = applied();
    const s0 = previous.spec.subnets![0]!;
    next.spec.networkCIDR = '10.0.0.0/16';
    next.spec.additionalNetworkCIDRs = [previous.spec.networkCIDR!];
    next.spec.subnets![0]!.cidr = '10.0.0.0/20';
    next.spec.subnets![1]!.zone = 'us-east-1c';
    expect(errors(next, previous)).toEqual([
      `spec.networkCIDR: the VPC's CIDR cannot change once the cluster is applied: it is ${previous.spec.networkCIDR} (AWS cannot change it in place, nor delete the VPC while the cluster uses it)`,
      `spec.subnets[0].cidr: subnet ${s0.name}'s CIDR cannot change once the cluster is applied: it is ${s0.cidr} (AWS cannot change it in place, nor delete the subnet while instances use it)`,
      `spec.subnets[1].zone: subnet ${previous.spec.subnets![1]!.name}'s zone cannot change once the cluster is applied: it is us-east-1b (AWS cannot change it in place, nor delete the subnet while instances use it)`,
    ]);
  });

  it('allow the same spec, a new subnet, a renamed one, and a first apply', () => {
    const { previous, next } = applied();
    expect(errors(next, previous)).toEqual([]);
    next.spec.subnets![0]!.name = 'renamed-us-east-1a';
    next.spec.subnets![0]!.cidr = '172.20.224.0/20';
    expect(errors(next, previous)).toEqual([]);
    expect(errorLines(validateCluster(next, userIGs(ZONES))).filter((l) => l.includes('cannot change once'))).toEqual([]);
  });

  it('leave shared VPCs and subnets alone: AWS says what they are', () => {
    const { previous, next } = applied();
    previous.spec.subnets![0]!.id = 'subnet-0abc';
    next.spec.subnets![0]!.id = 'subnet-0abc';
    next.spec.subnets![0]!.cidr = '172.20.224.0/20';
    expect(errors(next, previous)).toEqual([]);
  });
});
