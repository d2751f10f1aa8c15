/**
 * The acted-on audit's cases for an instance group's extra volumes and mounts (acted-on-fields.test.ts
 * spreads them into its ACTED table): `volumes` are the launch template's mappings after the root
 * (kops's defaults filled in), `volumeMounts` the mount script in the user-data.
 */
import { expect } from 'vitest';
import type { InstanceGroupVolume, VolumeMount } from '../../src/model/api/types.js';
import type { AuditSpec } from './acted-on-spot.js';

type Case = { edit: (s: AuditSpec) => void; changes: string[] };

export function volumeCases(nodes: string, lt: string): Record<string, Case> {
  const node = (s: AuditSpec) => s.igs.find((g) => g.metadata.name === nodes)!;
  const volume = (v: Partial<InstanceGroupVolume>, mapped: string): Case => ({
    edit: (s) => (node(s).spec.volumes = [{ device: '/dev/xvdd', size: 100, ...v }]),
    changes: [`~ ${lt} volumes: (none) -> [{"deviceName":"/dev/xvdd",${mapped}}]`],
  });
  const gp3 = '"type":"gp3","iops":3000,"throughput":125';
  const mount = (m: Partial<VolumeMount>, line: string): Case => ({
    edit: (s) => (node(s).spec.volumeMounts = [{ device: '/dev/md0', filesystem: 'ext4', path: '/data', ...m }]),
    changes: [expect.stringMatching(new RegExp(`^~ ${lt} userData: ".*" -> ".*\\\\n    ${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\\\n- path: `))] as unknown as string[],
  });
  return {
    'InstanceGroup spec.volumes[].device': volume({}, `"size":100,${gp3},"encrypted":true,"deleteOnTermination":true`),
    'InstanceGroup spec.volumes[].size': volume({ size: 500 }, `"size":500,${gp3},"encrypted":true,"deleteOnTermination":true`),
    'InstanceGroup spec.volumes[].type': volume({ type: 'st1', size: 500 }, '"size":500,"type":"st1","encrypted":true,"deleteOnTermination":true'),
    'InstanceGroup spec.volumes[].iops': volume({ type: 'io2', iops: 5000 }, '"size":100,"type":"io2","iops":5000,"encrypted":true,"deleteOnTermination":true'),
    'InstanceGroup spec.volumes[].throughput': volume({ throughput: 500 }, '"size":100,"type":"gp3","iops":3000,"throughput":500,"encrypted":true,"deleteOnTermination":true'),
    'InstanceGroup spec.volumes[].encrypted': volume({ encrypted: false }, `"size":100,${gp3},"encrypted":false,"deleteOnTermination":true`),
    'InstanceGroup spec.volumes[].key': volume({ key: 'alias/data' }, `"size":100,${gp3},"encrypted":true,"kmsKeyId":"alias/data","deleteOnTermination":true`),
    'InstanceGroup spec.volumes[].deleteOnTermination': volume({ deleteOnTermination: false }, `"size":100,${gp3},"encrypted":true,"deleteOnTermination":false`),
    'InstanceGroup spec.volumeMounts[].device': mount({}, "mount_volume '/dev/md0' 'ext4' '/data' '0' 'nofail,defaults'"),
    'InstanceGroup spec.volumeMounts[].filesystem': mount({ filesystem: 'xfs' }, "mount_volume '/dev/md0' 'xfs' '/data' '0' 'nofail,defaults'"),
    'InstanceGroup spec.volumeMounts[].formatOptions[]': mount({ formatOptions: ['-E', 'lazy_itable_init=0'] }, "mount_volume '/dev/md0' 'ext4' '/data' '0' 'nofail,defaults' '-E' 'lazy_itable_init=0'"),
    'InstanceGroup spec.volumeMounts[].mountOptions[]': mount({ mountOptions: ['noatime'] }, "mount_volume '/dev/md0' 'ext4' '/data' '0' 'nofail,noatime'"),
    'InstanceGroup spec.volumeMounts[].path': mount({ path: '/var/lib/containerd' }, "mount_volume '/dev/md0' 'ext4' '/var/lib/containerd' '0' 'nofail,defaults'"),
  };
}
