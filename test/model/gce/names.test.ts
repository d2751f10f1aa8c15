import { describe, expect, it } from 'vitest';
import {
  GCE_NAME_PATTERN, clusterPrefixedName, clusterSuffixedName, etcdDiskName, gceName, instanceGroupManagerName, isInstanceGroupManagerNameOf, networkName, safeClusterName, subnetName, tagForRole,
} from '../../../src/model/gce/names.js';
import { encodeGceLabel, etcdDiskLabels, instanceGroupLabels } from '../../../src/model/gce/labels.js';
import { splitCountAcrossZones, sourceImage, sshUserForImage } from '../../../src/model/gce/compute.js';
import { ig } from '../helpers.js';

const LONG = 'a-very-long-cluster-name-that-goes-on.and-on-and-on.example.company.internal';

describe("kops's GCE names", () => {
  it('names as kops does for a short cluster name', () => {
    const c = 'minimal.example.com';
    expect(safeClusterName(c)).toBe('minimal-example-com');
    expect(networkName(c)).toBe('minimal-example-com');
    expect(subnetName({ name: 'us-central1' }, c)).toBe('us-central1-minimal-example-com');
    expect(tagForRole(c, 'Node')).toBe('minimal-example-com-k8s-io-role-node');
    expect(tagForRole(c, 'ControlPlane')).toBe('minimal-example-com-k8s-io-role-control-plane');
    expect(instanceGroupManagerName(c, 'nodes-us-central1-a', 'us-central1-a')).toBe('a-nodes-us-central1-a-minimal-example-com');
    expect(etcdDiskName('a', 'main', c)).toBe('a-etcd-main-minimal-example-com');
    // Disk names start with a letter: a member named by a digit gets kops's `d`.
    expect(etcdDiskName('1', 'events', c)).toBe('d1-etcd-events-minimal-example-com');
  });

  it('fits a long cluster name into 63 characters with a stable hash, keeping the part kops keeps', () => {
    const names = [
      gceName('nodes', LONG), clusterSuffixedName('node-to-master', LONG), clusterPrefixedName('k8s-io-role-control-plane', LONG),
      instanceGroupManagerName(LONG, 'nodes-us-central1-a', 'us-central1-a'), etcdDiskName('a', 'events', LONG), networkName(LONG),
    ];
    for (const n of names) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(GCE_NAME_PATTERN);
    }
    expect(clusterSuffixedName('node-to-master', LONG).startsWith('node-to-master-a-very-long')).toBe(true);
    expect(clusterPrefixedName('k8s-io-role-node', LONG).endsWith('-k8s-io-role-node')).toBe(true);
    expect(gceName('nodes', LONG)).toBe(gceName('nodes', LONG));
    // Two names that share the cut prefix still differ (the hash is of the whole name).
    expect(gceName('nodes', `${LONG}x`)).not.toBe(gceName('nodes', LONG));
  });

  it("takes a shared network's name from networkID, with or without its project", () => {
    expect(networkName('c.example.com', 'shared-vpc')).toBe('shared-vpc');
    expect(networkName('c.example.com', 'host-project/shared-vpc')).toBe('shared-vpc');
    expect(subnetName({ name: 'us-central1', id: 'their-subnet' }, 'c.example.com')).toBe('their-subnet');
  });
});

describe("kops's GCE labels", () => {
  it('encodes as EncodeGCELabel and labels etcd disks with the member', () => {
    expect(encodeGceLabel('a/a')).toBe('a-2fa');
    expect(encodeGceLabel('Zz.9')).toBe('-5az-2e9');
    expect(etcdDiskLabels('x.example.com', 'main', 'b')).toEqual({ 'k8s-io-cluster-name': 'x-example-com', 'k8s-io-role-master': 'master', 'k8s-io-etcd-main': 'b-2fb' });
  });

  it('labels instances with the cluster, role and group after the user\'s labels, which cannot override them', () => {
    const g = ig('nodes', 'Node', ['us-central1'], { cloudLabels: { Team: 'Web Apps', 'k8s-io-cluster-name': 'spoof' } });
    expect(instanceGroupLabels('x.example.com', { env: 'prod' }, g)).toEqual({
      env: 'prod', team: 'web_apps', 'k8s-io-cluster-name': 'x-example-com', 'k8s-io-role-node': 'node', 'k8s-io-instance-group': 'nodes',
    });
  });
});

describe('GCE compute helpers', () => {
  it("splits a group's size over its zones as kops's SplitCountAcrossZones", () => {
    const z = ['us-central1-a', 'us-central1-b', 'us-central1-c'];
    expect([...splitCountAcrossZones(2, z).values()]).toEqual([1, 1, 0]);
    expect([...splitCountAcrossZones(5, z).values()]).toEqual([2, 2, 1]);
    expect([...splitCountAcrossZones(3, z.slice(0, 2)).values()]).toEqual([2, 1]);
    expect([...splitCountAcrossZones(0, z).values()]).toEqual([0, 0, 0]);
  });

  it("turns kops's image spellings into Compute API sources, and picks the SSH user as kops", () => {
    expect(sourceImage('ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20260615', 'p')).toBe('projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20260615');
    expect(sourceImage('ubuntu-os-cloud/family/ubuntu-2404-lts-amd64', 'p')).toBe('projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64');
    expect(sourceImage('my-image', 'p')).toBe('projects/p/global/images/my-image');
    expect(sourceImage('projects/x/global/images/y', 'p')).toBe('projects/x/global/images/y');
    expect(sshUserForImage('ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20260615')).toBe('ubuntu');
    expect(sshUserForImage('cos-cloud/cos-stable')).toBe('admin');
  });
});

describe('recognising the names the model gives (delete cluster\'s orphan search)', () => {
  const LONG = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.com';
  const OTHER = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.org';

  it('a MIG\'s name, cut with the hash of the whole name, is recognised from its base instance name and zone', () => {
    const name = instanceGroupManagerName(LONG, 'extra-nodes', 'us-central1-b');
    expect(name).toHaveLength(63);
    expect(isInstanceGroupManagerNameOf(name, LONG, 'extra-nodes', 'us-central1-b')).toBe(true);
    expect(isInstanceGroupManagerNameOf(name, OTHER, 'extra-nodes', 'us-central1-b')).toBe(false);
    expect(isInstanceGroupManagerNameOf(name, LONG, 'extra-nodes', 'us-central1-c')).toBe(false);
    expect(isInstanceGroupManagerNameOf(name, LONG, '', 'us-central1-b')).toBe(false);
  });
});
