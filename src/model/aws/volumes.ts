/**
 * An instance group's extra EBS volumes (`spec.volumes`) as its launch template maps them, after
 * the root volume, with kops's defaults (pkg/model/awsmodel/autoscalinggroup.go): gp3; gp3 gets
 * 3000 IOPS and 125 MiB/s unless given, io1/io2 100 IOPS, other types no IOPS; encrypted, with
 * `key` when given; deleted on termination. Pure; validation-volumes.ts has already refused what
 * EBS would.
 */
import type { InstanceGroupSpec, InstanceGroupVolume } from '../api/types.js';
import type { ExtraVolume } from '../../tasks/aws/launch-template.js';
import type { VolumeMountInput } from '../../bootstrap/volume-mounts.js';

export function extraVolumes(s: InstanceGroupSpec): ExtraVolume[] {
  return (s.volumes ?? []).map((v) => {
    const { iops, throughput } = effectiveVolumeRates(v);
    const encrypted = v.encrypted ?? true;
    return {
      deviceName: v.device ?? '',
      size: v.size ?? 0,
      type: v.type ?? 'gp3',
      ...(iops !== undefined ? { iops } : {}),
      ...(throughput !== undefined ? { throughput } : {}),
      encrypted,
      ...(encrypted && v.key ? { kmsKeyId: v.key } : {}),
      deleteOnTermination: v.deleteOnTermination ?? true,
    };
  });
}

/** `/dev/sdX` and `/dev/xvdX` are one mapping name to EC2. */
export function sameMapping(a: string, b: string): boolean {
  const norm = (d: string) => d.replace(/^\/dev\/xvd/, '/dev/sd');
  return norm(a) === norm(b);
}

/** The group's mounts for its node bootstrap; a device of its `volumes` is an EBS volume (NVMe on Nitro). */
export function volumeMountInputs(s: InstanceGroupSpec): VolumeMountInput[] {
  const ebs = (s.volumes ?? []).flatMap((v) => (v.device ? [v.device] : []));
  return (s.volumeMounts ?? []).map((m) => ({
    device: m.device ?? '',
    filesystem: m.filesystem ?? '',
    path: m.path ?? '',
    formatOptions: [...(m.formatOptions ?? [])],
    mountOptions: [...(m.mountOptions ?? [])],
    ebs: ebs.some((d) => m.device !== undefined && sameMapping(d, m.device)),
  }));
}

/** kops's IOPS and throughput of a volume: the given ones where the type takes them, else its defaults. */
export function effectiveVolumeRates(v: InstanceGroupVolume): { iops?: number; throughput?: number } {
  const type = v.type ?? 'gp3';
  if (type === 'gp3') return { iops: v.iops ?? 3000, throughput: v.throughput ?? 125 };
  if (type === 'io1' || type === 'io2') return { iops: v.iops ?? 100, ...(v.throughput != null ? { throughput: v.throughput } : {}) };
  return v.throughput != null ? { throughput: v.throughput } : {};
}
