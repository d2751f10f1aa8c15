/**
 * Validation of an instance group's extra EBS volumes (`spec.volumes`) and its boot-time mounts
 * (`spec.volumeMounts`), kops's VolumeSpec and VolumeMountSpec (pkg/apis/kops/validation/
 * instancegroup.go), with EBS's rules that kops leaves to AWS (ebs-limits.ts, shared with the
 * root volume) checked here: a launch template takes any mapping, and a bad one only shows as
 * instances that never launch.
 *
 * kops's defaults (pkg/model/awsmodel/autoscalinggroup.go): type gp3; gp3 gets 3000 IOPS and
 * 125 MiB/s unless given, io1/io2 100 IOPS; encrypted; deleted on termination. kops drops IOPS on
 * a type without provisioned IOPS (a warning here, as for the root volume); it sends a throughput
 * or a KMS key that AWS then refuses (errors here).
 *
 * A mount's device need not be one of `volumes` (kops: an instance-store disk, or a RAID device the
 * user's own data makes): the boot waits for it. One that looks like an EBS name of a group with
 * volumes is likely a typo, and is named in a warning.
 *
 * kops has volumes on AWS only; on any other cloud both fields are refused.
 */
import { normalizeRole, type InstanceGroupSpec, type InstanceGroupVolume, type VolumeMount } from './api/types.js';
import { ETCD_VOLUME_DEVICE } from '../bootstrap/etcd-volume.js';
import { EBS_LIMITS, EBS_VOLUME_TYPES, ebsLimitProblems } from './aws/ebs-limits.js';
import type { Reporter } from './validation-util.js';
import { effectiveVolumeRates, sameMapping } from './aws/volumes.js';

/** kops's SupportedFilesystems less its misspelt `btfs` (no such mkfs): what the bootstrap formats. */
export const VOLUME_FILESYSTEMS = ['ext4', 'xfs'] as const;

/** Root device names of the images kops-ts boots (Ubuntu /dev/sda1, Amazon Linux /dev/xvda). */
const ROOT_DEVICES = new Set(['/dev/sda', '/dev/sda1', '/dev/xvda', '/dev/xvda1']);
/** A device name as EC2's block-device mappings spell them. */
const EBS_NAME = /^\/dev\/(sd|xvd)[a-z]{1,2}$/;
const DEVICE = /^\/dev\/[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export function validateVolumes(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string, cloud: string | undefined): void {
  if (cloud !== 'aws') {
    for (const f of ['volumes', 'volumeMounts'] as const) {
      if (s[f] != null && s[f].length > 0) {
        r.err('UnsupportedField', at(`spec.${f}`), `extra volumes are an AWS feature of kops; kops-ts does not make or mount them on ${cloud ?? 'this cloud'}`, `remove spec.${f}`);
      }
    }
    return;
  }
  const devices = new Set<string>();
  (s.volumes ?? []).forEach((v, i) => {
    checkVolume(r, v, (f) => at(`spec.volumes[${i}].${f}`));
    if (v.device && normalizeRole(s.role) === 'ControlPlane' && sameMapping(v.device, ETCD_VOLUME_DEVICE)) {
      r.err('InvalidDevice', at(`spec.volumes[${i}].device`), `${v.device} is where a control plane attaches its etcd volume`, 'give another name, e.g. /dev/xvdd');
    }
    const device = v.device;
    if (device) {
      if ([...devices].some((d) => sameMapping(d, device))) r.err('DuplicateDevice', at(`spec.volumes[${i}].device`), `device ${v.device} is given to two volumes`, 'give each volume its own device name, e.g. /dev/xvdd, /dev/xvde');
      devices.add(device);
    }
  });
  const mountDevices = new Set<string>();
  const paths = new Set<string>();
  (s.volumeMounts ?? []).forEach((m, i) => {
    const p = (f: string) => at(`spec.volumeMounts[${i}].${f}`);
    checkMount(r, m, p);
    const device = m.device;
    if (device) {
      const twice = [...mountDevices].find((d) => d === device || (EBS_NAME.test(d) && EBS_NAME.test(device) && sameMapping(d, device)));
      // /dev/sdX and /dev/xvdX name one EBS attachment (as for spec.volumes).
      if (twice !== undefined) r.err('DuplicateDevice', p('device'), twice === device ? `device ${device} is mounted twice` : `device ${device} is ${twice}, already mounted (EC2 names one attachment both ways)`, 'mount each device once');
      else if (devices.size > 0 && ![...devices].some((d) => sameMapping(d, device)) && EBS_NAME.test(device)) {
        r.warn('VolumeMountDevice', p('device'), `${device} is not the device of any of spec.volumes (${[...devices].join(', ')}); the boot waits 2 minutes for it to appear, then fails`, 'use the device of one of spec.volumes, or keep it if the instance has this device otherwise');
      }
      mountDevices.add(device);
    }
    if (m.path) {
      // /data and /data/ (or //data) are one mount point.
      const at = m.path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
      if (paths.has(at)) r.err('DuplicatePath', p('path'), `two devices are mounted at ${at}`, 'give each mount its own path');
      paths.add(at);
    }
  });
}

function checkVolume(r: Reporter, v: InstanceGroupVolume, at: (f: string) => string): void {
  if (!v.device) r.err('MissingField', at('device'), 'a volume needs a device name', 'give the device it is attached as, e.g. /dev/xvdd');
  else if (!DEVICE.test(v.device)) r.err('InvalidDevice', at('device'), `${JSON.stringify(v.device)} is not a device path`, 'give a device under /dev, e.g. /dev/xvdd');
  else if (ROOT_DEVICES.has(v.device)) r.err('InvalidDevice', at('device'), `${v.device} is the root device of the images kops-ts boots`, 'give another name, e.g. /dev/xvdd (sizes of the root volume are spec.rootVolumeSize and its siblings)');
  if (v.size == null || v.size <= 0) r.err('InvalidVolume', at('size'), v.size == null ? 'a volume needs a size' : `size ${v.size} must be greater than 0`, 'give the size in GiB');
  const type = v.type ?? 'gp3';
  const limits = EBS_LIMITS[type];
  if (!limits) {
    r.err('InvalidVolume', at('type'), `${JSON.stringify(type)} is not an EBS volume type`, `use one of ${EBS_VOLUME_TYPES.join(', ')}`);
    return;
  }
  if (v.iops != null && v.iops < 0) r.err('InvalidVolume', at('iops'), 'IOPS cannot be negative', "give the IOPS, or leave it out for the type's default");
  if (v.throughput != null && v.throughput < 0) r.err('InvalidVolume', at('throughput'), 'throughput cannot be negative', "give MiB/s, or leave it out for the type's default");
  if (v.iops != null && v.iops > 0 && !limits.iops) {
    r.warn('VolumeFieldIgnored', at('iops'), `${type} volumes have no provisioned IOPS; ignored, as kops ignores it`, 'remove it, or use gp3, io1 or io2');
  }
  if (v.throughput != null && v.throughput > 0 && !limits.throughput) {
    r.err('InvalidVolume', at('throughput'), `only gp3 volumes take a throughput; EBS refuses one for ${type}`, 'remove it, or use gp3');
  }
  if (v.key === '') r.err('InvalidVolume', at('key'), 'the KMS key is empty', 'give a KMS key id, ARN or alias, or remove the field');
  else if (v.key && v.encrypted === false) r.err('InvalidVolume', at('key'), 'a KMS key is given for a volume that is not encrypted; EBS refuses it', 'remove the key, or remove encrypted: false');
  const e = effectiveVolumeRates(v);
  for (const p of ebsLimitProblems({ type, ...(v.size != null ? { size: v.size } : {}), ...(e.iops != null ? { iops: e.iops } : {}), ...(e.throughput != null ? { throughput: e.throughput } : {}) })) {
    r.err('InvalidVolume', at(p.field), p.summary, p.hint);
  }
}

function checkMount(r: Reporter, m: VolumeMount, at: (f: string) => string): void {
  if (!m.device) r.err('MissingField', at('device'), 'a mount needs the device to mount', 'give the device, e.g. /dev/xvdd (the device of one of spec.volumes)');
  else if (!DEVICE.test(m.device)) r.err('InvalidDevice', at('device'), `${JSON.stringify(m.device)} is not a device path`, 'give a device under /dev, e.g. /dev/xvdd');
  if (!m.filesystem) r.err('MissingField', at('filesystem'), 'a mount needs the filesystem to format the device with when it is blank', `give one of ${VOLUME_FILESYSTEMS.join(', ')}`);
  else if (!(VOLUME_FILESYSTEMS as readonly string[]).includes(m.filesystem)) {
    const why = m.filesystem === 'btfs' ? 'kops lists "btfs", a misspelling with no mkfs behind it' : `${JSON.stringify(m.filesystem)} is not a filesystem kops-ts formats`;
    r.err('InvalidFilesystem', at('filesystem'), why, `use one of ${VOLUME_FILESYSTEMS.join(', ')}`);
  }
  if (!m.path) r.err('MissingField', at('path'), 'a mount needs the path to mount the device at', 'give an absolute path, e.g. /var/lib/containerd or /data');
  else if (!m.path.startsWith('/') || m.path === '/' || /\s/.test(m.path) || m.path.split('/').some((c) => c === '.' || c === '..')) {
    r.err('InvalidPath', at('path'), `${JSON.stringify(m.path)} is not a path a device can be mounted at`, 'give an absolute path other than /, without spaces, . or .. (e.g. /data)');
  }
  (m.mountOptions ?? []).forEach((o, i) => {
    if (o === '' || /[\s,]/.test(o)) r.err('InvalidMountOption', at(`mountOptions[${i}]`), `${JSON.stringify(o)} is not one mount option`, 'give one option per entry, without spaces or commas (e.g. noatime)');
  });
}
