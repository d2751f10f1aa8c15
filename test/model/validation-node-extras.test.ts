/** validation-node-extras.ts: every error of sysctlParameters, fileAssets, hooks and additionalUserData, at its path. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { ClusterSpec, InstanceGroupSpec } from '../../src/model/api/types.js';
import { validateCluster } from '../../src/model/validation.js';
import { requestData } from '../../src/tasks/aws/launch-template.js';
import type { RefResolver } from '../../src/tasks/types.js';
import { KopsError } from '../../src/diagnostics.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { completeCluster } from '../../src/model/completion.js';
import { ig, userCluster, userIGs } from './helpers.js';
import { nodeExtras } from '../../src/bootstrap/node-extras.js';

const ZONES = ['us-east-1a'];

/** `code path: summary` of the errors of the extras, for a cluster spec edit and group `g`'s. */
function errors(cluster: Partial<ClusterSpec>, group: Partial<InstanceGroupSpec> = {}, role: InstanceGroupSpec['role'] = 'Node', cloud = 'aws'): string[] {
  const c = userCluster(ZONES);
  Object.assign(c.spec, cluster, { cloudProvider: cloud });
  const d = validateCluster(c, [...userIGs(ZONES), ig('g', role, ['us-east-1a'], group)]);
  return d.filter((x) => x.severity === 'error' && /(sysctlParameters|fileAssets|hooks|additionalUserData)/.test(x.path ?? '')).map((x) => `${x.code} ${x.path}: ${x.summary}`);
}
const G = 'InstanceGroup/g spec';

describe('accepted', () => {
  it("kops's documented examples (cluster_spec.md) and the group's own, with no error", () => {
    expect(errors({
      sysctlParameters: ['fs.pipe-user-pages-soft=524288', 'net.ipv4.tcp_keepalive_time=200', 'net.ipv4.conf.lxc*.rp_filter=0', '-kernel.unknown_thing = 1'],
      fileAssets: [
        { name: 'iptable-restore', path: '/var/lib/iptables/rules-save', roles: ['ControlPlane', 'Node'], content: 'some file content\n' },
        { name: 'my-script', path: '/usr/local/bin/my-script', mode: '0550', content: '#! /usr/bin/env bash\n' },
        { name: 'audit', content: 'YWJj', isBase64: true },
      ],
      hooks: [
        { before: ['some_service.service'], requires: ['containerd.service'], execContainer: { image: 'kopeio/nvidia-bootstrap:1.6', environment: { AWS_REGION: 'eu-west-1' } } },
        { name: 'iptable-restore.service', roles: ['Node', 'Master'], before: ['kubelet.service'], manifest: 'EnvironmentFile=/etc/environment\n' },
        { name: 'raw.service', useRawManifest: true, manifest: '[Unit]\nBefore=kubelet.service\n[Service]\nExecStart=/bin/true\n' },
        { name: 'update-engine.service', disabled: true },
        { execContainer: { command: ['sh', '-c', 'chroot /rootfs apt-get install -y ceph-common'], image: 'busybox' } },
      ],
    }, { sysctlParameters: ['vm.swappiness=10'], additionalUserData: [{ name: 'x.sh', type: 'text/x-shellscript', content: '#!/bin/sh\n' }] })).toEqual([]);
  });

  it('reads them from a manifest with no FieldNotActedOn warning', () => {
    const yaml = 'apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  sysctlParameters: [vm.swappiness=10]\n  fileAssets:\n  - {name: a, content: b, mode: "0644"}\n  hooks:\n  - {name: h, manifest: "Type=oneshot"}\n  additionalUserData:\n  - {name: x.sh, type: text/x-shellscript, content: "#!/bin/sh"}\n';
    expect(parseManifests(yaml, 'g.yaml').diagnostics).toEqual([]);
    expect(parseManifests(yaml.replace('mode: "0644"', 'mode: {a: 1}'), 'g.yaml').diagnostics[0]?.severity).toBe('error');
  });
});

describe('sysctlParameters', () => {
  it('each entry is key=value with a sysctl name and a one-line value, on the cluster and the group', () => {
    expect(errors({ sysctlParameters: ['vm.swappiness'] }, { sysctlParameters: ['not a key=1', 'vm.swappiness=', 'vm.x=1\nkernel.y=2'] })).toEqual([
      'InvalidSysctlParameter spec.sysctlParameters[0]: "vm.swappiness" has no "=": each entry is key=value, as a line of sysctl.conf',
      `InvalidSysctlParameter ${G}.sysctlParameters[0]: "not a key" is not a sysctl name`,
      `InvalidSysctlParameter ${G}.sysctlParameters[1]: the value of vm.swappiness is empty`,
      `InvalidSysctlParameter ${G}.sysctlParameters[2]: the value of vm.x is more than one line`,
    ]);
  });
});

describe('fileAssets', () => {
  it('name and content required; base64 that decodes; an absolute path outside kops-ts\'s directories; an octal mode; one asset a path', () => {
    expect(errors({}, {
      fileAssets: [
        { name: '', content: '' },
        { name: 'a/b', content: 'x' },
        { name: 'b', content: 'not base64!', isBase64: true },
        { name: 'c', path: 'etc/relative', content: 'x' },
        { name: 'd', path: '/etc/../shadow', content: 'x' },
        { name: 'e', path: '/opt/kops-ts/bootstrap.sh', content: 'x' },
        { name: 'f', path: '/etc/f', content: 'x', mode: '644x' },
        { name: 'g', path: '/etc/f', content: 'x' },
      ],
    })).toEqual([
      `MissingFileAssetName ${G}.fileAssets[0].name: a file asset needs a name`,
      `MissingFileAssetContent ${G}.fileAssets[0].content: a file asset needs content`,
      `InvalidFileAssetName ${G}.fileAssets[1].name: "a/b" cannot be a file name under /srv/kubernetes/assets`,
      `InvalidFileAssetContent ${G}.fileAssets[2].content: isBase64 is true but content is not base64`,
      `InvalidFileAssetPath ${G}.fileAssets[3].path: "etc/relative" is not an absolute path to a file`,
      `InvalidFileAssetPath ${G}.fileAssets[4].path: "/etc/../shadow" is not an absolute path to a file`,
      `InvalidFileAssetPath ${G}.fileAssets[5].path: /opt/kops-ts/bootstrap.sh is in a directory of kops-ts's own bootstrap (/opt/kops-ts/, /etc/kops-ts/, /var/lib/kops-ts/)`,
      `InvalidFileAssetMode ${G}.fileAssets[6].mode: "644x" is not an octal file mode`,
      `DuplicateFileAssetPath ${G}.fileAssets[7].path: fileAssets[6] already writes /etc/f`,
    ]);
  });

  it("may not be the unit file of a hook the same nodes get (the hook's unit is written after it)", () => {
    expect(errors({ hooks: [{ name: 'tune', manifest: 'Type=oneshot' }] }, { fileAssets: [{ name: 'u', path: '/etc/systemd/system/tune.service', content: '[Unit]\n' }, { name: 'v', path: '/etc/systemd/system/other.service', content: '[Unit]\n' }] })).toEqual([
      `DuplicateFileAssetPath ${G}.fileAssets[0].path: /etc/systemd/system/tune.service is also the unit file of a hook, which is written after the file asset and replaces it`,
    ]);
    // An asset without content is reported as such, not a crash of this check.
    expect(errors({ hooks: [{ name: 'tune', manifest: 'Type=oneshot' }] }, { fileAssets: [{ name: 'u', path: '/etc/systemd/system/tune.service' } as never] })).toEqual([
      `MissingFileAssetContent ${G}.fileAssets[0].content: a file asset needs content`,
    ]);
    expect(errors({ hooks: [{ name: 'tune', execContainer: {} as never }] }, { fileAssets: [{ name: 'u', path: '/etc/systemd/system/tune.service', content: 'x' }] })).toEqual([
      'MissingHookImage spec.hooks[0].execContainer.image: an execContainer needs an image',
    ]);
    // A cluster's asset and a hook of other roles never meet on one node.
    expect(errors({ fileAssets: [{ name: 'u', path: '/etc/systemd/system/cp.service', roles: ['Node'], content: '[Unit]\n' }], hooks: [{ name: 'cp', roles: ['Master'], manifest: 'Type=oneshot' }] })).toEqual([]);
  });

  it("may not replace kops-ts's own files outside its directories (sysctl, modules, systemd units and drop-ins)", () => {
    const own = ['/etc/sysctl.d/99-kops-ts.conf', '/etc/sysctl.d/99-kops-ts.spec.conf', '/etc/modules-load.d/kops-ts.conf', '/etc/systemd/system/kubelet.service.d/20-kops-ts-etcd-volume.conf', '/etc/systemd/system/kops-ts-etcd-backup.timer'];
    expect(errors({}, { fileAssets: [...own, '/etc/sysctl.d/90-mine.conf'].map((path, i) => ({ name: `f${i}`, path, content: 'x' })) })).toEqual(
      own.map((path, i) => `InvalidFileAssetPath ${G}.fileAssets[${i}].path: ${path} would replace a file of kops-ts's own bootstrap (its sysctl, module and systemd files elsewhere are named kops-ts)`),
    );
  });
});

describe('bastions', () => {
  it('refused on a bastion group, and a cluster entry naming Bastion: kops-ts\'s bastions run no bootstrap', () => {
    expect(errors({ fileAssets: [{ name: 'a', roles: ['Bastion'], content: 'x' }], hooks: [{ roles: ['Bastion'], manifest: 'x' }] }, { sysctlParameters: ['vm.swappiness=1'] }, 'Bastion')).toEqual([
      "NodeExtrasOnBastion spec.fileAssets[0].roles: names only Bastion: kops-ts's bastions run no node bootstrap, so nothing would apply it",
      "NodeExtrasOnBastion spec.hooks[0].roles: names only Bastion: kops-ts's bastions run no node bootstrap, so nothing would apply it",
      `NodeExtrasOnBastion ${G}.sysctlParameters: kops-ts's bastions run no node bootstrap, so nothing would apply it`,
    ]);
  });

  it("kops's own fileAssets example (roles [Master,Node,Bastion]) is taken with a warning, applied to the other roles", () => {
    const c = userCluster(ZONES);
    Object.assign(c.spec, { fileAssets: [{ name: 'iptable-restore', path: '/var/lib/iptables/rules-save', roles: ['Master', 'Node', 'Bastion'], content: 'some file content\n' }] });
    const d = validateCluster(c, userIGs(ZONES)).filter((x) => x.code === 'NodeExtrasOnBastion');
    expect(d.map((x) => `${x.severity} ${x.path}: ${x.summary}`)).toEqual([
      "warning spec.fileAssets[0].roles: names Bastion: kops-ts's bastions run no node bootstrap, so it is applied to the other roles only",
    ]);
    const nodes = nodeExtras(c.spec, { role: 'Node' } as InstanceGroupSpec);
    expect(nodes.files.map((f) => f.path)).toEqual(['/var/lib/iptables/rules-save']);
  });
});

describe('hooks', () => {
  it('unit names, one hook a name, an action, kops\'s useRawManifest rules', () => {
    expect(errors({
      hooks: [
        { name: 'bad name', manifest: 'x' },
        { name: 'h', manifest: 'x' },
        { name: 'h.service', manifest: 'x' },
        { name: 'nothing' },
        { name: 'both', manifest: 'x', execContainer: { image: 'busybox' } },
        { name: 'raw', useRawManifest: true, before: ['kubelet.service'], requires: ['x.service'] },
        { name: 't.timer', manifest: 'OnBootSec=1' },
        { name: 'order', manifest: 'x', before: ['kubelet'], requires: ['a b.service'] },
      ],
    })).toEqual([
      'InvalidHookName spec.hooks[0].name: "bad name" is not a systemd unit name',
      'DuplicateHookName spec.hooks[2].name: hooks[1] is already the unit h.service',
      'MissingHookAction spec.hooks[3]: a hook needs a manifest or an execContainer',
      'ConflictingHookAction spec.hooks[4].execContainer: a hook runs a manifest or an execContainer, not both',
      'MissingHookAction spec.hooks[5]: a hook needs a manifest or an execContainer',
      'MissingHookAction spec.hooks[5].manifest: useRawManifest needs manifest, the whole unit',
      'ConflictingHookAction spec.hooks[5].before: before may not be used with useRawManifest (the unit is the manifest as written)',
      'ConflictingHookAction spec.hooks[5].requires: requires may not be used with useRawManifest (the unit is the manifest as written)',
      'InvalidHookName spec.hooks[6].name: t.timer is a timer: only a raw manifest (useRawManifest: true) can be one',
      'InvalidHookUnit spec.hooks[7].before[0]: "kubelet" is not a systemd unit name',
      'InvalidHookUnit spec.hooks[7].requires[0]: "a b.service" is not a systemd unit name',
    ]);
  });

  it("a hook may not replace or switch off a unit of the node's own bootstrap (kubelet, containerd, kops-ts-*)", () => {
    expect(errors({
      hooks: [
        { name: 'kubelet', manifest: 'ExecStart=/bin/true' },
        { name: 'containerd.service', disabled: true },
        { name: 'kops-ts-etcd-backup.timer', useRawManifest: true, manifest: '[Timer]\nOnBootSec=1\n' },
        { name: 'kubelet-tuning', manifest: 'Type=oneshot', before: ['kubelet.service'] },
      ],
    })).toEqual([
      "InvalidHookName spec.hooks[0].name: kubelet.service is a unit the node's bootstrap installs and relies on: the hook would replace it",
      "InvalidHookName spec.hooks[1].name: containerd.service is a unit the node's bootstrap installs and relies on: the hook would switch it off",
      "InvalidHookName spec.hooks[2].name: kops-ts-etcd-backup.timer is a unit the node's bootstrap installs and relies on: the hook would replace it",
    ]);
  });

  it("disabled: refused where kops's v1alpha2 (which reads it as 'enabled') would do the opposite", () => {
    expect(errors({}, { hooks: [{ name: 'a', disabled: false, manifest: 'x' }, { name: 'b', disabled: true, manifest: 'x' }, { name: 'c', disabled: true }] })).toEqual([
      `AmbiguousHookDisabled ${G}.hooks[0].disabled: disabled: false switches the unit off in kops (its v1alpha2 reads disabled as 'enabled'), the opposite of what it says`,
      `AmbiguousHookDisabled ${G}.hooks[1].disabled: disabled: true with a manifest: kops runs this hook (its v1alpha2 reads disabled as 'enabled'), kops-ts would switch it off`,
    ]);
  });

  it('execContainer: an image reference, a container name containerd takes, one-line words and values', () => {
    expect(errors({}, {
      hooks: [
        { name: 'a', execContainer: { image: ' ' } },
        { name: 'b', execContainer: { image: 'bad image' } },
        { name: 'c@x', execContainer: { image: 'busybox' } },
        { name: 'd', execContainer: { image: 'busybox', command: ['sh', 'a\nb'], environment: { '1BAD': 'x', OK: 'a\nb' } } },
      ],
    })).toEqual([
      `MissingHookImage ${G}.hooks[0].execContainer.image: an execContainer needs an image`,
      `InvalidHookImage ${G}.hooks[1].execContainer.image: "bad image" is not an image reference`,
      `InvalidHookName ${G}.hooks[2].name: c@x.service: the container that runs an execContainer is named after the hook, and containerd takes letters, digits and ._- between them`,
      `InvalidHookCommand ${G}.hooks[3].execContainer.command[1]: a command word may not span lines (it is one line of the unit file)`,
      `InvalidHookEnvironment ${G}.hooks[3].execContainer.environment.1BAD: "1BAD" is not an environment variable name`,
      `InvalidHookEnvironment ${G}.hooks[3].execContainer.environment.OK: the value may not span lines (it is one line of the unit file)`,
    ]);
  });
});

describe('additionalUserData', () => {
  it('name, content and a cloud-init type (kops\'s list), on AWS', () => {
    expect(errors({}, {
      additionalUserData: [
        { name: '', type: 'text/x-shellscript', content: '' },
        { name: 'a"b', type: 'application/x-sh', content: 'x' },
      ],
    })).toEqual([
      `MissingUserDataName ${G}.additionalUserData[0].name: a user-data part needs a name`,
      `MissingUserDataContent ${G}.additionalUserData[0].content: a user-data part needs content`,
      `InvalidUserDataName ${G}.additionalUserData[1].name: "a\\"b" cannot be a part's file name`,
      `InvalidUserDataType ${G}.additionalUserData[1].type: "application/x-sh" is not a user-data type cloud-init handles`,
    ]);
  });

  it('refused on GCE, whose instances boot from a startup-script', () => {
    const e = errors({}, { additionalUserData: [{ name: 'x', type: 'text/x-shellscript', content: 'x' }] }, 'Node', 'gce');
    expect(e).toEqual([`UnsupportedOnCloud ${G}.additionalUserData: additionalUserData is added to AWS's launch-template user data; on gce kops-ts boots instances with a startup-script, which has no user-data parts`]);
  });
});

describe('UserDataTooLarge', () => {
  const refs: RefResolver = { resolve: (v) => v as string, known: (v) => v as string };
  // Hashes: text gzip cannot shrink much (38 KB of hex is over 16 KB gzipped).
  const big = Array.from({ length: 600 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')).join('\n');

  it('says it is gzipped already and names additionalUserData as what to shrink; no compressUserData', () => {
    let err: unknown;
    try {
      requestData('nodes.c', { userData: big, compressUserData: true, securityGroupIds: [], tags: {} } as never, refs);
    } catch (e) {
      err = e;
    }
    expect(KopsError.is(err) ? err.code : String(err)).toBe('UserDataTooLarge');
    const hint = (err as KopsError).diagnostics[0]?.hint ?? '';
    expect(hint).toMatch(/^it is gzipped already; what makes it large is the instance group's spec\.additionalUserData/);
    expect(hint).toContain('spec.fileAssets, which instances read from the state store');
    expect(hint).not.toContain('compressUserData');
  });

  it('the model refuses it when it builds the launch template (before any change), naming the group', () => {
    const c = userCluster(ZONES, { name: 'big.example.com' });
    const igs = [...userIGs(ZONES), ig('g', 'Node', ['us-east-1a'], { additionalUserData: [{ name: 'big.sh', type: 'text/x-shellscript', content: big }] })];
    const done = completeCluster(c, igs);
    let err: unknown;
    try {
      buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups });
    } catch (e) {
      err = e;
    }
    expect(KopsError.is(err) ? err.code : String(err)).toBe('UserDataTooLarge');
    expect((err as KopsError).message).toMatch(/^user-data of instance group g is \d+ bytes gzipped, over AWS's 16384-byte limit$/);
    // The spec is at fault: a usage error (exit 2) naming the group's field, as validation's are.
    expect((err as KopsError).exitCode).toBe(2);
    expect((err as KopsError).diagnostics.map((d) => [d.code, d.path])).toEqual([['UserDataTooLarge', 'InstanceGroup/g spec.additionalUserData']]);
    // A quarter of it fits.
    igs[igs.length - 1]!.spec.additionalUserData![0]!.content = big.slice(0, big.length / 4);
    const ok = completeCluster(c, igs);
    expect(() => buildAwsTasks({ cluster: ok.cluster, instanceGroups: ok.instanceGroups })).not.toThrow();
  });
});
