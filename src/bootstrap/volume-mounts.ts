/**
 * An instance group's `volumeMounts` at boot (kops's nodeup VolumesBuilder, docs/bootstrap.md
 * "Extra volumes"): before containerd and the Kubernetes packages are installed, each device is
 * waited for, formatted only when blank, recorded in /etc/fstab by UUID with `nofail`, and mounted.
 *
 * - Waiting: up to 2 minutes for the device. An EBS volume of the launch template (one of the
 *   group's `volumes`) shows on a Xen instance under its mapping's name (`/dev/xvdd`); on a Nitro
 *   instance as an NVMe device in no fixed order. `ebs-device.py` finds which: the EBS NVMe
 *   controller reports the mapping's device name in its Identify Controller data (read with the
 *   NVMe admin ioctl), and the controller's serial is the volume id, which udev links under
 *   /dev/disk/by-id exactly as for the etcd volume (`EBS_NVME_BY_ID`, src/bootstrap/etcd-volume.ts).
 *   Any other device (an instance-store disk, a RAID device the user's data makes) is waited for
 *   under its own name.
 * - Formatting: only when `blkid -p` finds no signature at all (exit 2), with the mount's
 *   filesystem and its `formatOptions`. A device holding anything else than a filesystem stops the
 *   boot; one holding another filesystem than asked is mounted as it is, with a warning.
 * - Mounting: fstab (so reboots mount it; `nofail` so a missing device does not stop the boot), and
 *   containerd and kubelet start only with the mounts in place (`RequiresMountsFor`), as kubelet
 *   waits for the etcd volume, so that nothing writes to the root disk under an empty mount point.
 *
 * The script runs once, first in cloud-init's runcmd; a re-run skips what is mounted.
 */
import type { WriteFile } from './cloud-bootstrap.js';
import { EBS_NVME_BY_ID } from './etcd-volume.js';
import { shQuote } from '../text/shell-quote.js';

/** One mount of the group, as the model resolves it. */
export interface VolumeMountInput {
  readonly device: string;
  readonly filesystem: string;
  readonly path: string;
  readonly formatOptions: readonly string[];
  readonly mountOptions: readonly string[];
  /** The device is one of the group's EBS `volumes` (so it may show as an NVMe device). */
  readonly ebs: boolean;
}

export const VOLUME_MOUNTS_PATH = '/opt/kops-ts/volume-mounts.sh';
export const EBS_DEVICE_PATH = '/opt/kops-ts/ebs-device.py';
const DROPIN = '20-kops-ts-volume-mounts.conf';

/** fstab's options: always `nofail`; `defaults` when the spec gives none. */
export function fstabOptions(m: VolumeMountInput): string {
  const given = m.mountOptions.filter((o) => o !== 'nofail');
  return ['nofail', ...(given.length > 0 ? given : ['defaults'])].join(',');
}

const FUNCTIONS = `die() {
  echo "kops-ts: $*" >&2
  exit 1
}

# volume_device DEVICE EBS: the block device of DEVICE once it appears (2 minutes at most).
volume_device() {
  local i serial
  for ((i = 0; i < 60; i++)); do
    if [ -e "$1" ]; then
      readlink -f "$1"
      return 0
    fi
    if [ "$2" = 1 ] && serial=$(python3 ${EBS_DEVICE_PATH} "$1") && [ -e "${EBS_NVME_BY_ID}$serial" ]; then
      readlink -f "${EBS_NVME_BY_ID}$serial"
      return 0
    fi
    sleep 2
  done
  return 1
}

# mount_volume DEVICE FILESYSTEM PATH EBS FSTAB_OPTIONS [FORMAT_OPTION...]
mount_volume() {
  local device=$1 want=$2 path=$3 ebs=$4 options=$5 dev fstype uuid rc=0 pass=0
  shift 5
  if mountpoint -q "$path"; then
    echo "kops-ts: $path is already mounted"
    return 0
  fi
  dev=$(volume_device "$device" "$ebs") ||
    die "no device $device appeared in 2 minutes (for $path)"
  # blkid -p exits 2 when it finds no signature at all: only then is the device blank.
  fstype=$(blkid -p -o value -s TYPE "$dev") || rc=$?
  if [ "$rc" = 2 ]; then
    echo "kops-ts: $device ($dev) is blank; formatting it $want"
    "mkfs.$want" -q "$@" "$dev" || die "cannot format $device ($dev) as $want"
    fstype=$want
  elif [ "$rc" != 0 ]; then
    die "cannot read what $device ($dev) holds (blkid exit $rc); not formatting it"
  elif [ -z "$fstype" ]; then
    die "$device ($dev) holds something other than a filesystem; refusing to format it"
  elif [ "$fstype" != "$want" ]; then
    echo "kops-ts: warning: $device ($dev) already holds a $fstype filesystem, not $want; mounting it as it is" >&2
  fi
  uuid=$(blkid -p -o value -s UUID "$dev" || true)
  [ -n "$uuid" ] || die "the filesystem on $device ($dev) has no UUID to record in /etc/fstab"
  if [ "$fstype" = ext4 ]; then pass=2; fi
  install -d -m 0755 "$path"
  awk -v p="$path" '$2 != p' /etc/fstab >/etc/fstab.kops-ts
  echo "UUID=$uuid $path $fstype $options 0 $pass" >>/etc/fstab.kops-ts
  mv /etc/fstab.kops-ts /etc/fstab
  mount "$path" || die "cannot mount $device ($dev) at $path"
  echo "kops-ts: $device ($dev) is mounted at $path"
}
`;

/** volume-mounts.sh: the functions, then one `mount_volume` per mount, in the spec's order. */
export function volumeMountsScript(mounts: readonly VolumeMountInput[]): string {
  const calls = mounts.map((m) => `mount_volume ${[m.device, m.filesystem, m.path, m.ebs ? '1' : '0', fstabOptions(m), ...m.formatOptions].map(shQuote).join(' ')}`);
  return `#!/bin/bash\n# kops-ts: format (only when blank) and mount this group's volumes, before containerd and kubelet\nset -euo pipefail\n\n${FUNCTIONS}\n${calls.join('\n')}\n`;
}

/** The systemd drop-in making a unit wait for the mounts (and not start without them). */
function dropIn(unit: string, mounts: readonly VolumeMountInput[]): WriteFile {
  return {
    path: `/etc/systemd/system/${unit}.d/${DROPIN}`,
    permissions: '0644',
    content: `# kops-ts: ${unit} starts only with this group's volumes mounted\n[Unit]\nRequiresMountsFor=${mounts.map((m) => m.path).join(' ')}\n`,
  };
}

/** The group's files for its mounts; none without mounts. `kubernetes`: containerd and kubelet run there (not a bastion). */
export function volumeMountFiles(mounts: readonly VolumeMountInput[], kubernetes: boolean): WriteFile[] {
  if (mounts.length === 0) return [];
  return [
    { path: VOLUME_MOUNTS_PATH, permissions: '0700', content: volumeMountsScript(mounts) },
    ...(mounts.some((m) => m.ebs) ? [{ path: EBS_DEVICE_PATH, permissions: '0755', content: EBS_DEVICE_PY }] : []),
    ...(kubernetes ? [dropIn('containerd.service', mounts), dropIn('kubelet.service', mounts)] : []),
  ];
}

/**
 * Prints the serial (the volume id without its dash) of the EBS NVMe controller that reports
 * DEVICE as its mapping's name; exit 1 when none does (yet). `sdX` and `xvdX` are the same name
 * (EC2 takes either in a mapping). `KOPS_TS_NVME_SYSFS` and `KOPS_TS_NVME_ID_DUMPS` exist for the
 * tests (a fake /sys/class/nvme, identify data from files); instances never set them.
 */
export const EBS_DEVICE_PY = `#!/usr/bin/env python3
"""kops-ts: which EBS NVMe controller is the volume mapped at DEVICE (e.g. /dev/xvdd).

usage: ebs-device.py DEVICE
prints: the controller's serial, the volume id without its dash (vol0123...)
"""
import ctypes
import fcntl
import glob
import os
import sys

SYSFS = os.environ.get("KOPS_TS_NVME_SYSFS", "/sys/class/nvme")
DUMPS = os.environ.get("KOPS_TS_NVME_ID_DUMPS")
EBS_MODEL = "Amazon Elastic Block Store"
NVME_IOCTL_ADMIN_CMD = 0xC0484E41  # _IOWR('N', 0x41, struct nvme_admin_cmd), 72 bytes
IDENTIFY_CONTROLLER = (0x06, 1)  # opcode, CNS
IDENTIFY_LEN = 4096
VENDOR_NAME = slice(3072, 3104)  # EBS: the block device name of the mapping


class AdminCmd(ctypes.Structure):
    _fields_ = [
        ("opcode", ctypes.c_uint8), ("flags", ctypes.c_uint8), ("rsvd1", ctypes.c_uint16), ("nsid", ctypes.c_uint32),
        ("cdw2", ctypes.c_uint32), ("cdw3", ctypes.c_uint32), ("metadata", ctypes.c_uint64), ("addr", ctypes.c_uint64),
        ("metadata_len", ctypes.c_uint32), ("data_len", ctypes.c_uint32), ("cdw10", ctypes.c_uint32),
        ("cdw11", ctypes.c_uint32), ("cdw12", ctypes.c_uint32), ("cdw13", ctypes.c_uint32), ("cdw14", ctypes.c_uint32),
        ("cdw15", ctypes.c_uint32), ("timeout_ms", ctypes.c_uint32), ("result", ctypes.c_uint32),
    ]


def identify(controller):
    """The controller's 4096-byte Identify Controller data."""
    if DUMPS:
        with open(os.path.join(DUMPS, controller), "rb") as f:
            return f.read()
    buf = ctypes.create_string_buffer(IDENTIFY_LEN)
    cmd = AdminCmd(opcode=IDENTIFY_CONTROLLER[0], addr=ctypes.addressof(buf), data_len=IDENTIFY_LEN, cdw10=IDENTIFY_CONTROLLER[1])
    with open("/dev/" + controller, "rb") as dev:
        fcntl.ioctl(dev.fileno(), NVME_IOCTL_ADMIN_CMD, cmd)
    return buf.raw


def short(name):
    """sdd, xvdd and /dev/xvdd name the same mapping."""
    name = os.path.basename(name.strip())
    return "sd" + name[3:] if name.startswith("xvd") else name


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def find(device):
    want = short(device)
    for path in sorted(glob.glob(os.path.join(SYSFS, "nvme*"))):
        if read(os.path.join(path, "model")) != EBS_MODEL:
            continue
        try:
            data = identify(os.path.basename(path))
        except OSError:
            continue
        name = data[VENDOR_NAME].split(b"\\0", 1)[0].decode("ascii", "replace")
        if short(name) == want:
            return read(os.path.join(path, "serial"))
    return ""


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: ebs-device.py DEVICE\\n")
        return 2
    serial = find(argv[1])
    if not serial:
        return 1
    print(serial)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
