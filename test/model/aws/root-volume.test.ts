import { describe, expect, it } from 'vitest';
import { effectiveRootVolume } from '../../../src/model/aws/root-volume.js';
import type { InstanceGroupSpec } from '../../../src/model/api/types.js';

const spec = (extra: Partial<InstanceGroupSpec>): InstanceGroupSpec => ({ role: 'Node', ...extra });

describe("the root volume a launch template gets (kops's buildLaunchTemplateTask)", () => {
  it('gives gp3 its baseline 3000 IOPS and 125 MiB/s, and keeps higher values', () => {
    expect(effectiveRootVolume(spec({ rootVolumeSize: 128, rootVolumeType: 'gp3' }))).toEqual({ size: 128, type: 'gp3', iops: 3000, throughput: 125, encrypted: true });
    expect(effectiveRootVolume(spec({ rootVolumeSize: 128, rootVolumeType: 'gp3', rootVolumeIops: 9000, rootVolumeThroughput: 600 }))).toMatchObject({ iops: 9000, throughput: 600 });
    expect(effectiveRootVolume(spec({ rootVolume: { size: 20, type: 'gp3', iops: 2999, throughput: 124 } }))).toMatchObject({ iops: 3000, throughput: 125 });
  });

  it('gives io1 and io2 at least 100 IOPS and no throughput', () => {
    expect(effectiveRootVolume(spec({ rootVolumeSize: 50, rootVolumeType: 'io1' }))).toEqual({ size: 50, type: 'io1', iops: 100, encrypted: true });
    expect(effectiveRootVolume(spec({ rootVolume: { size: 50, type: 'io2', iops: 64000, throughput: 500 } }))).toEqual({ size: 50, type: 'io2', iops: 64000, encrypted: true });
  });

  it('gives gp2 and standard neither IOPS nor throughput, whatever the spec says', () => {
    expect(effectiveRootVolume(spec({ rootVolumeSize: 30, rootVolumeType: 'gp2', rootVolumeIops: 500, rootVolumeThroughput: 250 }))).toEqual({ size: 30, type: 'gp2', encrypted: true });
    expect(effectiveRootVolume(spec({ rootVolumeSize: 30, rootVolumeType: 'standard' }))).toEqual({ size: 30, type: 'standard', encrypted: true });
  });

  it('uses the KMS key on an encrypted volume only', () => {
    const key = 'arn:aws:kms:us-east-1:111122223333:key/abcd';
    expect(effectiveRootVolume(spec({ rootVolumeType: 'gp2', rootVolumeEncryptionKey: key }))).toMatchObject({ encrypted: true, kmsKeyId: key });
    expect(effectiveRootVolume(spec({ rootVolume: { type: 'gp2', encryption: true, encryptionKey: key } }))).toMatchObject({ encrypted: true, kmsKeyId: key });
    expect(effectiveRootVolume(spec({ rootVolumeType: 'gp2', rootVolumeEncryption: false, rootVolumeEncryptionKey: key }))).toEqual({ size: 0, type: 'gp2', encrypted: false });
  });
});
