/** validation-volumes.ts: spec.volumes and spec.volumeMounts, refused as EBS or the boot would; on GCE refused outright. */
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import { validateCluster } from '../../src/model/validation.js';
import type { InstanceGroupSpec, InstanceGroupVolume } from '../../src/model/api/types.js';
import { ig, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a'];

function diagnostics(spec: Partial<InstanceGroupSpec>, role: 'Node' | 'Master' = 'Node', cloud: 'aws' | 'gce' = 'aws') {
  const cluster = userCluster(ZONES);
  if (cloud === 'gce') {
    cluster.spec.cloudProvider = 'gce';
    cluster.spec.project = 'p';
    cluster.spec.subnets = [{ name: 'us-east1', region: 'us-east1', type: 'Public' }];
  }
  const g = ig('g', role, [cloud === 'gce' ? 'us-east1' : 'us-east-1a'], { minSize: 1, maxSize: 1, ...(cloud === 'gce' ? { zones: ['us-east1-b'] } : {}), ...spec });
  return validateCluster(cluster, [...userIGs(ZONES), g]).filter((d) => (d.path ?? '').startsWith('InstanceGroup/g'));
}
const lines = (spec: Partial<InstanceGroupSpec>, role: 'Node' | 'Master' = 'Node') =>
  diagnostics(spec, role).map((d) => `${d.severity} ${d.code} ${d.path}: ${d.summary}`);
const vol = (v: Partial<InstanceGroupVolume>): InstanceGroupVolume => ({ device: '/dev/xvdd', size: 100, ...v });
const P = 'InstanceGroup/g spec.volumes';
const M = 'InstanceGroup/g spec.volumeMounts';

describe('spec.volumes on AWS', () => {
  it("accepts kops's documented example and every EBS type within its limits", () => {
    expect(lines({ volumes: [vol({ encrypted: true, type: 'gp2' })], volumeMounts: [{ device: '/dev/xvdd', filesystem: 'ext4', path: '/var/lib/docker' }] })).toEqual([]);
    expect(lines({ volumes: [vol({ type: 'gp3', iops: 16000, throughput: 1000 }), vol({ device: '/dev/xvde', type: 'io2', size: 50, iops: 50000 }), vol({ device: '/dev/sdf', type: 'st1', size: 500 })] })).toEqual([]);
  });

  it('refuses a missing or duplicate device (sdX and xvdX are one name), the root device, a non-positive size', () => {
    expect(lines({ volumes: [vol({ device: undefined }), vol({ size: 0 }), vol({ device: '/dev/sdd', size: undefined }), vol({ device: '/dev/sda1' })] })).toEqual([
      `error MissingField ${P}[0].device: a volume needs a device name`,
      `error InvalidVolume ${P}[1].size: size 0 must be greater than 0`,
      `error InvalidVolume ${P}[2].size: a volume needs a size`,
      `error DuplicateDevice ${P}[2].device: device /dev/sdd is given to two volumes`,
      `error InvalidDevice ${P}[3].device: /dev/sda1 is the root device of the images kops-ts boots`,
    ]);
    expect(lines({ volumes: [vol({ device: 'xvdd' })] })).toEqual([`error InvalidDevice ${P}[0].device: "xvdd" is not a device path`]);
  });

  it("refuses the etcd volume's device on a control plane only", () => {
    expect(lines({ volumes: [vol({ device: '/dev/sdu' })] }, 'Master')).toEqual([`error InvalidDevice ${P}[0].device: /dev/sdu is where a control plane attaches its etcd volume`]);
    expect(lines({ volumes: [vol({ device: '/dev/sdu' })] })).toEqual([]);
  });

  it('refuses an unknown type, a throughput or key EBS would refuse; warns of IOPS kops drops', () => {
    const ds = diagnostics({ volumes: [vol({ type: 'gp4' })] });
    expect(ds.map((d) => [d.summary, d.hint])).toEqual([['"gp4" is not an EBS volume type', 'use one of gp3, gp2, io1, io2, st1, sc1, standard']]);
    expect(lines({ volumes: [vol({ type: 'gp2', iops: 500, throughput: 200 }), vol({ device: '/dev/xvde', encrypted: false, key: 'alias/x' }), vol({ device: '/dev/xvdf', key: '' })] })).toEqual([
      `warning VolumeFieldIgnored ${P}[0].iops: gp2 volumes have no provisioned IOPS; ignored, as kops ignores it`,
      `error InvalidVolume ${P}[0].throughput: only gp3 volumes take a throughput; EBS refuses one for gp2`,
      `error InvalidVolume ${P}[1].key: a KMS key is given for a volume that is not encrypted; EBS refuses it`,
      `error InvalidVolume ${P}[2].key: the KMS key is empty`,
    ]);
  });

  it("refuses values outside EBS's limits, with the kops defaults counted (gp3's 3000 IOPS bound its throughput)", () => {
    expect(lines({ volumes: [vol({ type: 'gp3', iops: 2000 }), vol({ device: '/dev/xvde', type: 'gp3', throughput: 1000 }), vol({ device: '/dev/xvdf', type: 'io1', size: 10, iops: 1000 }), vol({ device: '/dev/xvdg', type: 'st1', size: 20 })] })).toEqual([
      `error InvalidVolume ${P}[0].iops: 2000 IOPS is outside gp3's 3000 to 80000`,
      `error InvalidVolume ${P}[1].throughput: 1000 MiB/s is more than gp3 allows with 3000 IOPS (0.25 MiB/s per IOPS: 750)`,
      `error InvalidVolume ${P}[2].iops: 1000 IOPS is more than io1 allows on 10 GiB (50 per GiB: 500)`,
      `error InvalidVolume ${P}[3].size: 20 GiB is outside st1's 125 to 16384 GiB`,
    ]);
    expect(diagnostics({ volumes: [vol({ type: 'io1', size: 10, iops: 1000 })] })[0]?.hint).toBe('lower the IOPS, or make the volume at least 20 GiB');
  });

  it("applies the same limits to the root volume (after kops's raises)", () => {
    expect(lines({ rootVolumeType: 'gp3', rootVolumeSize: 20, rootVolumeIops: 90000 })).toEqual([`error InvalidVolume InstanceGroup/g spec.rootVolumeIops: root volume: 90000 IOPS is outside gp3's 3000 to 80000`]);
    expect(lines({ rootVolume: { type: 'gp3', size: 10, throughput: 1000 } })).toEqual([
      'error InvalidVolume InstanceGroup/g spec.rootVolume.throughput: root volume: 1000 MiB/s is more than gp3 allows with 3000 IOPS (0.25 MiB/s per IOPS: 750)',
    ]);
    expect(lines({ rootVolumeType: 'gp3', rootVolumeSize: 20, rootVolumeIops: 1000 }).filter((l) => l.startsWith('error'))).toEqual([]);
  });
});

describe('spec.volumeMounts on AWS', () => {
  it('refuses what cannot be formatted or mounted, naming each field', () => {
    expect(lines({ volumeMounts: [{}, { device: '/dev/md0', filesystem: 'btfs', path: 'data' }, { device: '/dev/md1', filesystem: 'zfs', path: '/', mountOptions: ['noatime,nodev', 'a b'] }] })).toEqual([
      `error MissingField ${M}[0].device: a mount needs the device to mount`,
      `error MissingField ${M}[0].filesystem: a mount needs the filesystem to format the device with when it is blank`,
      `error MissingField ${M}[0].path: a mount needs the path to mount the device at`,
      `error InvalidFilesystem ${M}[1].filesystem: kops lists "btfs", a misspelling with no mkfs behind it`,
      `error InvalidPath ${M}[1].path: "data" is not a path a device can be mounted at`,
      `error InvalidFilesystem ${M}[2].filesystem: "zfs" is not a filesystem kops-ts formats`,
      `error InvalidPath ${M}[2].path: "/" is not a path a device can be mounted at`,
      `error InvalidMountOption ${M}[2].mountOptions[0]: "noatime,nodev" is not one mount option`,
      `error InvalidMountOption ${M}[2].mountOptions[1]: "a b" is not one mount option`,
    ]);
  });

  it('refuses a device or path mounted twice; warns of an EBS-looking device that is none of the volumes', () => {
    const m = { filesystem: 'xfs' };
    expect(lines({ volumes: [vol({})], volumeMounts: [{ ...m, device: '/dev/xvdd', path: '/a' }, { ...m, device: '/dev/xvdd', path: '/a' }, { ...m, device: '/dev/xvde', path: '/b' }, { ...m, device: '/dev/nvme2n1', path: '/c' }] })).toEqual([
      `error DuplicateDevice ${M}[1].device: device /dev/xvdd is mounted twice`,
      `error DuplicatePath ${M}[1].path: two devices are mounted at /a`,
      `warning VolumeMountDevice ${M}[2].device: /dev/xvde is not the device of any of spec.volumes (/dev/xvdd); the boot waits 2 minutes for it to appear, then fails`,
    ]);
    // sdX names the volume xvdX: no warning.
    expect(lines({ volumes: [vol({})], volumeMounts: [{ ...m, device: '/dev/sdd', path: '/a' }] })).toEqual([]);
    // One mount point however it is spelt.
    expect(lines({ volumes: [vol({})], volumeMounts: [{ ...m, device: '/dev/xvdd', path: '/data' }, { ...m, device: '/dev/nvme2n1', path: '/data/' }] })).toEqual([
      `error DuplicatePath ${M}[1].path: two devices are mounted at /data`,
    ]);
    // ...and mounting it under both names mounts one volume twice.
    expect(lines({ volumes: [vol({})], volumeMounts: [{ ...m, device: '/dev/xvdd', path: '/a' }, { ...m, device: '/dev/sdd', path: '/b' }] })).toEqual([
      `error DuplicateDevice ${M}[1].device: device /dev/sdd is /dev/xvdd, already mounted (EC2 names one attachment both ways)`,
    ]);
  });

  it('reads both from a manifest with no warning (they are acted on)', () => {
    const yaml = `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  volumes:\n  - device: /dev/xvdd\n    size: 20\n    deleteOnTermination: false\n  volumeMounts:\n  - device: /dev/xvdd\n    filesystem: xfs\n    path: /data\n    formatOptions: [-f]\n`;
    const r = parseManifests(yaml, 'g.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.objects[0]?.spec).toMatchObject({ volumes: [{ device: '/dev/xvdd', size: 20, deleteOnTermination: false }], volumeMounts: [{ formatOptions: ['-f'] }] });
  });
});

describe('on GCE', () => {
  it('refuses both fields, naming them (kops has extra volumes on AWS only)', () => {
    const ds = diagnostics({ volumes: [vol({})], volumeMounts: [{ device: '/dev/xvdd', filesystem: 'ext4', path: '/data' }] }, 'Node', 'gce').filter((d) => d.code === 'UnsupportedField');
    expect(ds.map((d) => [d.severity, d.path, d.summary, d.hint])).toEqual([
      ['error', 'InstanceGroup/g spec.volumes', 'extra volumes are an AWS feature of kops; kops-ts does not make or mount them on gce', 'remove spec.volumes'],
      ['error', 'InstanceGroup/g spec.volumeMounts', 'extra volumes are an AWS feature of kops; kops-ts does not make or mount them on gce', 'remove spec.volumeMounts'],
    ]);
  });
});
