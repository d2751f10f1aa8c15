/** AWS names fitted to their limits as kops fits them (pkg/truncate): at every limit, at it and one over. */
import { describe, expect, it } from 'vitest';
import { AWS_NAME_LIMITS, fitAwsName, kopsHashString, truncateName, type AwsNameKind } from '../../../src/tasks/aws/truncate.js';
import { autoscalingGroupName, iamName, launchTemplateName, securityGroupName, sshKeyName } from '../../../src/model/aws/names.js';
import { AwsModelContext } from '../../../src/model/aws/context.js';
import { API_VERSION, type Cluster, type InstanceGroup } from '../../../src/model/api/types.js';

/** A DNS-like string of exactly `n` characters ending in `suffix`. */
const ofLength = (n: number, suffix = '.example.com') => `${'a'.repeat(n - suffix.length)}${suffix}`;

describe('truncateName (kops truncate.TruncateString)', () => {
  it.each(Object.entries(AWS_NAME_LIMITS) as [AwsNameKind, number][])('%s: %i characters fit as they are; one more is cut and hashed', (kind, limit) => {
    const at = ofLength(limit);
    expect(fitAwsName(kind, at)).toBe(at);
    const over = ofLength(limit + 1);
    const fitted = fitAwsName(kind, over);
    expect(fitted).toHaveLength(limit);
    expect(fitted).toBe(`${over.slice(0, limit - 7)}-${kopsHashString(over)}`);
    // Stable: a pure function of the whole name.
    expect(fitAwsName(kind, over)).toBe(fitted);
    // Two names that differ only past the cut still differ.
    const other = `${over.slice(0, -1)}n`;
    expect(fitAwsName(kind, other)).not.toBe(fitted);
    expect(fitAwsName(kind, other)).toHaveLength(limit);
  });

  it('always adds the hash when told to (kops: load balancers and target groups), as kops computes it', () => {
    // kops's own output for GetResourceName32("mycluster", "bastion").
    expect(truncateName('bastion-mycluster', 32, { alwaysHash: true })).toBe('bastion-mycluster-vnrjie');
    expect(truncateName('bastion-mycluster', 32)).toBe('bastion-mycluster');
    expect(truncateName('x'.repeat(40), 32, { hashLength: 3 })).toBe(`${'x'.repeat(28)}-${kopsHashString('x'.repeat(40), 3)}`);
  });
});

function ig(name: string, role: InstanceGroup['spec']['role']): InstanceGroup {
  return { apiVersion: API_VERSION, kind: 'InstanceGroup', metadata: { name }, spec: { role } };
}

describe('kops names fitted to AWS limits', () => {
  it('IAM roles and instance profiles: 64', () => {
    const fits = ofLength(64 - 'masters.'.length);
    expect(iamName('masters', fits)).toBe(`masters.${fits}`);
    const over = ofLength(65 - 'masters.'.length);
    expect(iamName('masters', over)).toHaveLength(64);
    expect(iamName('masters', over)).toBe(truncateName(`masters.${over}`, 64));
  });

  it('launch templates: 128, autoscaling groups: 255, with the same untruncated base', () => {
    const cp = ig('control-plane-us-east-1a', 'ControlPlane');
    const base = 'control-plane-us-east-1a.masters.'.length;
    expect(launchTemplateName(cp, ofLength(128 - base))).toBe(`control-plane-us-east-1a.masters.${ofLength(128 - base)}`);
    expect(launchTemplateName(cp, ofLength(129 - base))).toHaveLength(128);
    // The group keeps the full name where the template is cut.
    expect(autoscalingGroupName(cp, ofLength(129 - base))).toBe(`control-plane-us-east-1a.masters.${ofLength(129 - base)}`);
    const nodes = ig('nodes', 'Node');
    expect(autoscalingGroupName(nodes, ofLength(255 - 6))).toHaveLength(255);
    expect(autoscalingGroupName(nodes, ofLength(256 - 6))).toBe(truncateName(`nodes.${ofLength(250)}`, 255));
  });

  it('security groups and key pairs: 255', () => {
    expect(securityGroupName('nodes', ofLength(249))).toBe(`nodes.${ofLength(249)}`);
    expect(securityGroupName('nodes', ofLength(250))).toHaveLength(255);
    const fp = '00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff';
    const base = 'kubernetes.'.length + 1 + fp.length;
    expect(sshKeyName(ofLength(255 - base), fp)).toBe(`kubernetes.${ofLength(255 - base)}-${fp}`);
    expect(sshKeyName(ofLength(256 - base), fp)).toHaveLength(255);
  });

  it('Name tags: a tag value, 256', () => {
    const cluster: Cluster = { apiVersion: API_VERSION, kind: 'Cluster', metadata: { name: 'c.example.com' }, spec: { subnets: [{ name: 'a', zone: 'us-east-1a', type: 'Public' }] } };
    const m = new AwsModelContext({ cluster, instanceGroups: [] });
    expect(m.tags('n'.repeat(256)).Name).toBe('n'.repeat(256));
    expect(m.tags('n'.repeat(257)).Name).toBe(truncateName('n'.repeat(257), 256));
    expect(m.tags('n'.repeat(257)).Name).toHaveLength(256);
  });
});
