/**
 * The group's volumeMounts at boot (src/bootstrap/volume-mounts.ts): the user-data passes the real
 * cloud-init schema and shellcheck and mounts first; `mount_volume` (with blkid, mkfs and mount
 * stubbed over files) formats only blank devices and records them in fstab; `ebs-device.py` (on a
 * fake /sys/class/nvme) finds the NVMe controller of an EBS mapping.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nodeUserData } from '../../src/bootstrap/user-data.js';
import { encodeUserData, USER_DATA_LIMIT } from '../../src/tasks/aws/launch-template.js';
import { EBS_DEVICE_PATH, EBS_DEVICE_PY, VOLUME_MOUNTS_PATH, volumeMountsScript, type VolumeMountInput } from '../../src/bootstrap/volume-mounts.js';
import { EBS_NVME_BY_ID } from '../../src/bootstrap/etcd-volume.js';
import { cloudInitSchema, shellcheck } from '../helpers/real-tools.js';

const work = mkdtempSync(join(tmpdir(), 'kops-ts-volmounts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

const DATA: VolumeMountInput = { device: '/dev/xvdd', filesystem: 'xfs', path: '/var/lib/containerd', formatOptions: ['-m', 'reflink=1'], mountOptions: ['noatime'], ebs: true };
const LOCAL: VolumeMountInput = { device: '/dev/md0', filesystem: 'ext4', path: '/data', formatOptions: [], mountOptions: [], ebs: false };

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

interface CloudConfig {
  write_files: { path: string; permissions: string; content: string }[];
  runcmd?: string[];
}

describe('the user-data of a group with volume mounts', () => {
  const input = { cluster: 'v.example.com', instanceGroup: 'nodes', initCandidate: false, kubernetesVersion: '1.36.3', region: 'us-east-1', stateStore: { bucket: 'b', prefix: '' } };
  const text = nodeUserData({ ...input, role: 'node', volumeMounts: [DATA, LOCAL] });
  const doc = parse(text) as CloudConfig;
  const file = (p: string) => doc.write_files.find((f) => f.path === p);

  it('passes cloud-init schema; its mount script passes shellcheck', () => {
    expect(cloudInitSchema(work, text)).toMatchObject({ status: 0 });
    expect(shellcheck(work, file(VOLUME_MOUNTS_PATH)!.content)).toEqual({ status: 0, out: '' });
    // Not vacuous: the same check fails on a broken script.
    expect(shellcheck(work, '#!/bin/bash\nmount $1\n').status).not.toBe(0);
  });

  it('mounts before containerd is installed, and containerd and kubelet require the mounts', () => {
    expect(doc.runcmd).toEqual([`${VOLUME_MOUNTS_PATH} && /opt/kops-ts/install.sh && /opt/kops-ts/bootstrap.sh`]);
    const script = file(VOLUME_MOUNTS_PATH)!.content;
    expect(script).toContain(`\nmount_volume '/dev/xvdd' 'xfs' '/var/lib/containerd' '1' 'nofail,noatime' '-m' 'reflink=1'\nmount_volume '/dev/md0' 'ext4' '/data' '0' 'nofail,defaults'\n`);
    expect(file(EBS_DEVICE_PATH)?.permissions).toBe('0755');
    for (const unit of ['containerd', 'kubelet']) {
      expect(file(`/etc/systemd/system/${unit}.service.d/20-kops-ts-volume-mounts.conf`)?.content).toContain('RequiresMountsFor=/var/lib/containerd /data\n');
    }
  });

  it('the largest control plane with two EBS mounts still fits in 16 KB gzipped', () => {
    const label = 'a'.repeat(63);
    const big = nodeUserData({
      ...input, cluster: `${label}.${label}.${label}.example.com`, instanceGroup: `control-plane-${'z'.repeat(49)}`, role: 'control-plane', initCandidate: true,
      region: 'ap-southeast-5', stateStore: { bucket: 'b'.repeat(63), prefix: 'p/'.repeat(200) + 'x' },
      volumeMounts: [DATA, { ...DATA, device: '/dev/xvde', path: '/var/lib/kubelet' }],
    });
    const size = encodeUserData(big, true).length;
    // 84% (13.7 KB): the mount script and ebs-device.py add about 1.7 KB gzipped to the control plane's 73%.
    expect(size).toBeLessThan(USER_DATA_LIMIT * 0.9);
  });

  it('a bastion mounts too (and runs nothing else); a group without mounts gets none of it', () => {
    const bastion = parse(nodeUserData({ ...input, role: 'bastion', volumeMounts: [LOCAL] })) as CloudConfig;
    expect(bastion.runcmd).toEqual([VOLUME_MOUNTS_PATH]);
    expect(bastion.write_files.map((f) => f.path)).toEqual(['/etc/kops-ts/instance-group', VOLUME_MOUNTS_PATH]);
    const plain = nodeUserData({ ...input, role: 'node' });
    expect(plain).not.toContain('volume-mounts');
    expect(plain).not.toContain(EBS_DEVICE_PATH);
  });
});

/** A fake /sys/class/nvme: controller → [model, serial, the mapping name in its identify data]. */
function fakeNvme(root: string, controllers: Record<string, [string, string, string]>): Record<string, string> {
  const sysfs = join(root, 'sys');
  const dumps = join(root, 'dumps');
  mkdirSync(dumps, { recursive: true });
  for (const [c, [model, serial, name]] of Object.entries(controllers)) {
    mkdirSync(join(sysfs, c), { recursive: true });
    // sysfs pads the model and serial with spaces.
    writeFileSync(join(sysfs, c, 'model'), `${model.padEnd(40)}\n`);
    writeFileSync(join(sysfs, c, 'serial'), `${serial.padEnd(20)}\n`);
    const id = Buffer.alloc(4096);
    id.write(name.padEnd(32, ' '), 3072, 'ascii');
    writeFileSync(join(dumps, c), id);
  }
  return { KOPS_TS_NVME_SYSFS: sysfs, KOPS_TS_NVME_ID_DUMPS: dumps };
}

const NITRO: Record<string, [string, string, string]> = {
  nvme0: ['Amazon Elastic Block Store', 'vol0root', 'sda1'],
  nvme1: ['Amazon EC2 NVMe Instance Storage', 'AWS1234', 'ephemeral0'],
  nvme2: ['Amazon Elastic Block Store', 'vol0scratch', '/dev/xvde'],
  nvme3: ['Amazon Elastic Block Store', 'vol0data', 'xvdd'],
};

describe('ebs-device.py', () => {
  const script = join(work, 'ebs-device.py');
  writeFileSync(script, EBS_DEVICE_PY);

  it("prints the serial (volume id) of the EBS controller naming the device, sdX and xvdX alike", async () => {
    const env = fakeNvme(join(work, `nvme-${n++}`), NITRO);
    expect(await run('python3', [script, '/dev/xvdd'], env)).toEqual({ code: 0, stdout: 'vol0data\n', stderr: '' });
    expect((await run('python3', [script, '/dev/sde'], env)).stdout).toBe('vol0scratch\n');
    // An instance-store controller is never taken, whatever its data says; a name nobody reports: exit 1.
    expect(await run('python3', [script, '/dev/xvdz'], env)).toEqual({ code: 1, stdout: '', stderr: '' });
    expect((await run('python3', [script], env)).code).toBe(2);
  });
});

describe('mount_volume: formats only blank devices, records them in fstab by UUID', () => {
  const STUBS: Record<string, string> = {
    blkid: ['dev="${*: -1}"; [ -f "$dev.fs" ] || exit 2', 'case "${*: -2:1}" in UUID) cat "$dev.fs.uuid" 2>/dev/null ;; *) cat "$dev.fs" ;; esac'].join('\n'),
    'mkfs.xfs': 'echo "mkfs.xfs $*" >>"$LOG"; dev="${*: -1}"; echo xfs >"$dev.fs"; echo 11111111-2222-3333-4444-555555555555 >"$dev.fs.uuid"',
    'mkfs.ext4': 'echo "mkfs.ext4 $*" >>"$LOG"; dev="${*: -1}"; echo ext4 >"$dev.fs"; echo aaaaaaaa-0000-0000-0000-000000000001 >"$dev.fs.uuid"',
    mountpoint: 'exit 1',
    mount: 'echo "mount $*" >>"$LOG"',
    sleep: 'echo "sleep $*" >>"$LOG"',
  };

  /** Runs volume-mounts.sh for `mounts` in a sandbox whose /dev, /etc/fstab and mount points are under a temporary root. */
  async function mountIn(mounts: VolumeMountInput[], prepare: (dev: string) => void, nvme: Record<string, [string, string, string]> = {}) {
    const root = join(work, `root-${n++}`);
    for (const d of ['bin', 'dev/disk/by-id', 'etc']) mkdirSync(join(root, d), { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) writeFileSync(join(root, 'bin', name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    writeFileSync(join(root, 'etc/fstab'), 'LABEL=cloudimg-rootfs / ext4 defaults 0 1\n');
    writeFileSync(join(root, 'log'), '');
    writeFileSync(join(root, 'ebs-device.py'), EBS_DEVICE_PY);
    prepare(join(root, 'dev'));
    const rooted = mounts.map((m) => ({ ...m, device: join(root, m.device), path: join(root, m.path) }));
    const script = volumeMountsScript(rooted)
      .replaceAll(EBS_NVME_BY_ID, join(root, EBS_NVME_BY_ID))
      .replaceAll('/etc/fstab', join(root, 'etc/fstab'))
      .replaceAll(EBS_DEVICE_PATH, join(root, 'ebs-device.py'));
    writeFileSync(join(root, 'run.sh'), script);
    const env = { PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}`, LOG: join(root, 'log'), ...fakeNvme(root, nvme) };
    const r = await run('bash', [join(root, 'run.sh')], env);
    return { ...r, root, log: readFileSync(join(root, 'log'), 'utf8'), fstab: readFileSync(join(root, 'etc/fstab'), 'utf8') };
  }

  it('a blank device is formatted with the options, recorded with nofail and the mount options, and mounted', async () => {
    const r = await mountIn([{ ...DATA, ebs: false }], (dev) => writeFileSync(join(dev, 'xvdd'), ''));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('is blank; formatting it xfs');
    expect(r.log).toBe(`mkfs.xfs -q -m reflink=1 ${r.root}/dev/xvdd\nmount ${r.root}/var/lib/containerd\n`);
    expect(r.fstab).toBe(`LABEL=cloudimg-rootfs / ext4 defaults 0 1\nUUID=11111111-2222-3333-4444-555555555555 ${r.root}/var/lib/containerd xfs nofail,noatime 0 0\n`);
  });

  it('on a Nitro instance, finds the EBS volume by the name its NVMe controller reports', async () => {
    const r = await mountIn([DATA], (dev) => {
      writeFileSync(join(dev, 'nvme3n1'), '');
      symlinkSync(join(dev, 'nvme3n1'), join(dev, `disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0data`));
    }, NITRO);
    expect(r.stderr).toBe('');
    expect(r.log).toContain(`mkfs.xfs -q -m reflink=1 ${r.root}/dev/nvme3n1\n`);
    expect(r.stdout).toContain(`(${r.root}/dev/nvme3n1) is mounted at ${r.root}/var/lib/containerd`);
  });

  it('never formats a device that holds a filesystem; another filesystem than asked is mounted as it is, with a warning', async () => {
    const r = await mountIn([LOCAL], (dev) => {
      writeFileSync(join(dev, 'md0'), '');
      writeFileSync(join(dev, 'md0.fs'), 'xfs');
      writeFileSync(join(dev, 'md0.fs.uuid'), 'cafe-0001');
    });
    expect(r.code).toBe(0);
    expect(r.log).not.toContain('mkfs');
    expect(r.stderr).toContain('already holds a xfs filesystem, not ext4; mounting it as it is');
    expect(r.fstab).toContain(`UUID=cafe-0001 ${r.root}/data xfs nofail,defaults 0 0\n`);
  });

  it('refuses a device that holds something other than a filesystem (e.g. a partition table)', async () => {
    const r = await mountIn([LOCAL], (dev) => {
      writeFileSync(join(dev, 'md0'), '');
      writeFileSync(join(dev, 'md0.fs'), '');
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('holds something other than a filesystem; refusing to format it');
    expect(r.log).not.toContain('mkfs');
    expect(r.fstab).not.toContain('/data');
  });

  it('a device that never appears fails after 2 minutes of looking, naming it and its path', async () => {
    // (ebs-device.py's own miss is tested above: exit 1, so the loop goes on.)
    const r = await mountIn([{ ...DATA, ebs: false }], () => undefined);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no device ${r.root}/dev/xvdd appeared in 2 minutes (for ${r.root}/var/lib/containerd)`);
    expect(r.log.split('\n').filter((l) => l.startsWith('sleep'))).toHaveLength(60);
  });

  it('replaces an fstab line for the same path (a re-run), keeping the others', async () => {
    const r = await mountIn([LOCAL], (dev) => {
      writeFileSync(join(dev, 'md0'), '');
      writeFileSync(join(dev, '../etc/fstab'), `LABEL=cloudimg-rootfs / ext4 defaults 0 1\nUUID=old-one ${join(dev, '../data')} ext4 defaults 0 2\n`);
    });
    expect(r.code).toBe(0);
    expect(r.fstab).toBe(`LABEL=cloudimg-rootfs / ext4 defaults 0 1\nUUID=aaaaaaaa-0000-0000-0000-000000000001 ${r.root}/data ext4 nofail,defaults 0 2\n`);
  });
});
