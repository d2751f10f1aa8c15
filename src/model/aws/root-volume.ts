/**
 * An instance group's root volume as its launch template gets it, from either spelling of the
 * spec (v1alpha2's flat `rootVolume*` fields, or the `rootVolume` object), with kops's rules
 * (pkg/model/awsmodel/autoscalinggroup.go buildLaunchTemplateTask):
 *
 * - gp3: IOPS at least 3000 and throughput at least 125 MiB/s (kops raises lower values to these,
 *   AWS's gp3 baseline); io1/io2: IOPS at least 100; other types take neither (kops drops them);
 * - encrypted unless encryption is turned off; the KMS key is used only on an encrypted volume.
 *
 * Pure: the completed spec in, the values out, plus what the spec asks for that is dropped.
 */
import type { InstanceGroupSpec } from '../api/types.js';

export const GP3_BASELINE_IOPS = 3000;
export const GP3_BASELINE_THROUGHPUT = 125;
export const PROVISIONED_IOPS_MINIMUM = 100;

export interface EffectiveRootVolume {
  readonly size: number;
  readonly type: string;
  readonly iops?: number;
  readonly throughput?: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
}

/** The values of the spec, whichever spelling it uses, with the spec path of each. */
export function specRootVolume(s: InstanceGroupSpec) {
  const o = s.rootVolume;
  const nested = o != null;
  return {
    nested,
    size: nested ? o.size : s.rootVolumeSize,
    type: nested ? o.type : s.rootVolumeType,
    iops: nested ? o.iops : s.rootVolumeIops,
    throughput: nested ? o.throughput : s.rootVolumeThroughput,
    encryption: nested ? o.encryption : s.rootVolumeEncryption,
    encryptionKey: nested ? o.encryptionKey : s.rootVolumeEncryptionKey,
    optimization: nested ? o.optimization : s.rootVolumeOptimization,
    path: {
      iops: nested ? 'spec.rootVolume.iops' : 'spec.rootVolumeIops',
      throughput: nested ? 'spec.rootVolume.throughput' : 'spec.rootVolumeThroughput',
      encryptionKey: nested ? 'spec.rootVolume.encryptionKey' : 'spec.rootVolumeEncryptionKey',
    },
  } as const;
}

/** What the launch template holds. `size`/`type` are set by completion; the fallbacks are kops's. */
export function effectiveRootVolume(s: InstanceGroupSpec): EffectiveRootVolume {
  const v = specRootVolume(s);
  const type = v.type ?? 'gp3';
  const encrypted = v.encryption ?? true;
  let iops: number | undefined;
  let throughput: number | undefined;
  if (type === 'gp3') {
    iops = Math.max(v.iops ?? 0, GP3_BASELINE_IOPS);
    throughput = Math.max(v.throughput ?? 0, GP3_BASELINE_THROUGHPUT);
  } else if (type === 'io1' || type === 'io2') {
    iops = Math.max(v.iops ?? 0, PROVISIONED_IOPS_MINIMUM);
  }
  return {
    size: v.size ?? 0,
    type,
    ...(iops !== undefined ? { iops } : {}),
    ...(throughput !== undefined ? { throughput } : {}),
    encrypted,
    ...(encrypted && v.encryptionKey ? { kmsKeyId: v.encryptionKey } : {}),
  };
}
