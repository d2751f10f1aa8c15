/**
 * `kops-ts edit cluster|ig --set/--unset`: the edit without an editor, with the editor's
 * guarantees: validated as an edited file is, nothing written when invalid or unchanged, the write
 * conditional on the version read, the previous version kept in the history.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { FileStateStore } from '../../src/statestore/file.js';
import type { Cluster } from '../../src/model/api/types.js';
import { fixturePath } from '../model/fixtures.js';
import { cli, snapshot, tempStore } from './harness.js';

const NAME = 'minimal.example.com';
const CONFIG = `${NAME}/config`;
const NODES = `${NAME}/instancegroup/nodes-us-east-1a`;

async function created() {
  const s = tempStore();
  expect((await cli(['create', '-f', fixturePath('minimal'), '--state', s.url])).code).toBe(0);
  return s;
}

const text = (dir: string, path: string) => readFileSync(`${dir}/${path}`, 'utf8');
const history = (dir: string, object: string) => Object.keys(snapshot(dir)).filter((p) => p.startsWith(`${NAME}/history/${object}/`));
const editCluster = (url: string, ...flags: string[]) => cli(['edit', 'cluster', NAME, ...flags, '--state', url]);
const editNodes = (url: string, ...flags: string[]) => cli(['edit', 'ig', 'nodes-us-east-1a', '--name', NAME, ...flags, '--state', url]);

describe('edit cluster --set/--unset', () => {
  it('sets a field without an editor, says what edit says, and keeps the previous version in the history', async () => {
    const s = await created();
    const r = await cli(['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.35.0', '--set', 'cluster.spec.networking.cilium.enableNodePort=true', '--state', s.url], {
      editor: () => {
        throw new Error('no editor may open with --set');
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Cluster ${NAME} updated. Apply the change with: kops-ts update cluster --name ${NAME} --yes\n`);
    expect(text(s.dir, CONFIG)).toContain('kubernetesVersion: 1.35.0');
    expect(text(s.dir, CONFIG)).toMatch(/cilium:\n\s+enableNodePort: true/);
    expect(history(s.dir, 'config')).toHaveLength(1);
    expect(readFileSync(`${s.dir}/${history(s.dir, 'config')[0]}`, 'utf8')).toContain('kubernetesVersion: 1.34.1');
  });

  it('unsets a field, and applies --unset before --set (a list replaced, not appended to)', async () => {
    const s = await created();
    const r = await editCluster(s.url, '--unset', 'spec.kubelet.anonymousAuth', '--set', 'spec.sshAccess=10.0.0.0/8', '--unset', 'spec.sshAccess');
    expect(r.code, r.stderr).toBe(0);
    expect(text(s.dir, CONFIG)).not.toContain('anonymousAuth');
    expect((parse(text(s.dir, CONFIG)) as Cluster).spec.sshAccess).toEqual(['10.0.0.0/8']);
  });

  it('changes nothing and prints what edit prints when the value is already that: no new version', async () => {
    const s = await created();
    const before = snapshot(s.dir);
    const r = await editCluster(s.url, '--set', 'spec.kubernetesVersion=1.34.1', '--unset', 'spec.cloudLabels');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Edit cancelled: no changes made.\n');
    expect(snapshot(s.dir)).toEqual(before);
    expect(history(s.dir, 'config')).toEqual([]);
  });

  it.each([
    [['--set', 'spec.networkCIDR=10.0.0.0/33'], /^error: spec\.networkCIDR: 10\.0\.0\.0\/33 is not a valid CIDR: give a valid network CIDR/m],
    [['--set', 'spec.iam.legacy=maybe'], /^error: spec\.iam\.legacy: cannot interpret "maybe" as a boolean: use true or false$/m],
    [['--set', 'spec.kubernetesVersoin=1.35.0'], /^error: spec\.kubernetesVersoin: unknown field: did you mean "spec\.kubernetesVersion"\?$/m],
    [['--unset', 'spec.networking.cilium.enableNodeProt'], /^error: spec\.networking\.cilium\.enableNodeProt: unknown field: did you mean "spec\.networking\.cilium\.enableNodePort"\?$/m],
    [['--unset', 'spec.etcdClusters[0].etcdMembers'], /^error: spec\.etcdClusters\[0\]\.etcdMembers: required field is missing: add one member per control-plane instance group$/m],
    [['--set', 'metadata.name=other.example.com'], /^error: metadata\.name: metadata\.name cannot be changed$/m],
  ])('refuses %j with exit code 2, naming the field, and writes nothing', async (flags, message) => {
    const s = await created();
    const before = snapshot(s.dir);
    const r = await editCluster(s.url, ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('says nothing was saved when the result does not validate', async () => {
    const s = await created();
    const r = await editCluster(s.url, '--set', 'spec.networkCIDR=10.0.0.0/33');
    expect(r.stderr).toMatch(/^error: nothing was saved: Cluster\/minimal\.example\.com is unchanged in the state store: correct the --set\/--unset values above and run the command again$/m);
    // A value of the wrong type is the --set's, not a manifest's (there is none)
    const list = await editCluster(s.url, '--set', 'spec.subnets=foo');
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('error: spec.subnets[1]: expected an object, got string "foo": fix the value given to --set\n');
    expect(list.stderr).not.toContain('manifest');
  });
});

describe('edit instancegroup --set/--unset', () => {
  it('resizes a group (visible in get ig), adds a node label, and keeps the previous version', async () => {
    const s = await created();
    const r = await editNodes(s.url, '--set', 'spec.maxSize=5', '--set', 'instancegroup.spec.nodeLabels.tier=web');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`InstanceGroup nodes-us-east-1a updated. Apply the change with: kops-ts update cluster --name ${NAME} --yes\n`);
    const get = await cli(['get', 'ig', '--name', NAME, '--state', s.url]);
    expect(get.stdout).toMatch(/^nodes-us-east-1a\s+Node\s+t3\.medium\s+1\s+5\s+us-east-1a$/m);
    expect(text(s.dir, NODES)).toMatch(/nodeLabels:\n\s+tier: web/);
    expect(history(s.dir, 'instancegroup/nodes-us-east-1a')).toHaveLength(1);
    expect(text(s.dir, `${NAME}/instancegroup/control-plane-us-east-1a`)).toContain('maxSize: 1');
  });

  it('stores the AWS group options with their types: a list, booleans, a duration', async () => {
    const s = await created();
    const r = await editNodes(s.url, '--set', 'spec.suspendProcesses=AZRebalance', '--set', 'spec.capacityRebalance=true', '--set', 'spec.detailedInstanceMonitoring=true', '--set', 'spec.maxInstanceLifetime=168h');
    expect(r.code, r.stderr).toBe(0);
    const spec = (parse(text(s.dir, NODES)) as { spec: Record<string, unknown> }).spec;
    expect(spec).toMatchObject({ suspendProcesses: ['AZRebalance'], capacityRebalance: true, detailedInstanceMonitoring: true, maxInstanceLifetime: '168h' });
    const bad = await editNodes(s.url, '--set', 'spec.suspendProcesses=Rebalance');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/spec\.suspendProcesses\[1\]: "Rebalance" is not an autoscaling process: use one of Launch, Terminate, /);
  });

  it('unsets a field of the group', async () => {
    const s = await created();
    const r = await editNodes(s.url, '--unset', 'spec.instanceMetadata');
    expect(r.code, r.stderr).toBe(0);
    expect(text(s.dir, NODES)).not.toContain('instanceMetadata');
  });

  it.each([
    [['--set', 'spec.minSize=5'], /^error: InstanceGroup\/nodes-us-east-1a spec\.maxSize: maxSize 1 is smaller than minSize 5: make maxSize >= minSize$/m],
    [['--set', 'spec.maxSize=lots'], /^error: spec\.maxSize: cannot interpret "lots" as an integer: use a whole number$/m],
    [['--set', 'cluster.spec.kubernetesVersion=1.35.0'], /^error: cluster\.spec\.kubernetesVersion: names a Cluster field, but this edits an InstanceGroup: drop the "cluster\." prefix/m],
    [['--unset', 'spec.maxSise'], /^error: spec\.maxSise: unknown field: did you mean "spec\.maxSize"\?$/m],
  ])('refuses %j with exit code 2 and writes nothing', async (flags, message) => {
    const s = await created();
    const before = snapshot(s.dir);
    const r = await editNodes(s.url, ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('changes nothing when the group already has the value', async () => {
    const s = await created();
    const before = snapshot(s.dir);
    const r = await editNodes(s.url, '--set', 'spec.maxSize=1');
    expect(r.stdout).toBe('Edit cancelled: no changes made.\n');
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('names the group when it does not exist', async () => {
    const s = await created();
    const r = await cli(['edit', 'ig', 'nodes-b', '--name', NAME, '--set', 'spec.maxSize=5', '--state', s.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: instance group "nodes-b" not found in cluster "${NAME}": list them with kops-ts get instancegroups --name ${NAME}\n`);
  });
});

describe('an object that cannot be read', () => {
  it.each([
    [CONFIG, ['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.35.0'], `repair it in the editor: kops-ts edit cluster ${NAME}`],
    [NODES, ['edit', 'ig', 'nodes-us-east-1a', '--name', NAME, '--set', 'spec.maxSize=5'], `repair it in the editor: kops-ts edit instancegroup nodes-us-east-1a --name ${NAME}`],
  ])('%s: refused, pointing at the editor, nothing written', async (path, args, hint) => {
    const s = await created();
    writeFileSync(`${s.dir}/${path}`, 'kind: [oops');
    const before = snapshot(s.dir);
    const r = await cli([...args, '--state', s.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*it is not valid YAML .*; --set\/--unset need a readable object: (.*)$/m);
    expect(r.stderr.trim().endsWith(hint)).toBe(true);
    expect(snapshot(s.dir)).toEqual(before);
  });
});

describe('a change made between the read and the write', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Another writer changes `path` on disk just after this command first reads it. */
  function concurrentWriteAfterRead(dir: string, path: string, change: (text: string) => string): void {
    const read = FileStateStore.prototype.read;
    let done = false;
    vi.spyOn(FileStateStore.prototype, 'read').mockImplementation(async function (this: FileStateStore, p: string) {
      const r = await read.call(this, p);
      if (p === path && !done) {
        done = true;
        writeFileSync(`${dir}/${path}`, change(text(dir, path)));
      }
      return r;
    });
  }

  it('is a conflict for the cluster: nothing overwritten', async () => {
    const s = await created();
    concurrentWriteAfterRead(s.dir, CONFIG, (t) => t.replace('channel: stable', 'channel: alpha'));
    const r = await editCluster(s.url, '--set', 'spec.kubernetesVersion=1.35.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/changed since it was read/);
    expect(text(s.dir, CONFIG)).toContain('channel: alpha');
    expect(text(s.dir, CONFIG)).toContain('kubernetesVersion: 1.34.1');
    expect(history(s.dir, 'config')).toEqual([]);
  });

  it('is a conflict for an instance group: nothing overwritten', async () => {
    const s = await created();
    concurrentWriteAfterRead(s.dir, NODES, (t) => t.replace('machineType: t3.medium', 'machineType: m5.large'));
    const r = await editNodes(s.url, '--set', 'spec.maxSize=5');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/changed since it was read/);
    expect(text(s.dir, NODES)).toContain('machineType: m5.large');
    expect(text(s.dir, NODES)).toContain('maxSize: 1');
  });
});

describe('the launch-template fields AWS refuses at launch, refused at edit', () => {
  it('cpuCredits with a type that is not burstable: exit 2 naming the field and the type, nothing written; tenancy host: saved with a warning', async () => {
    const s = await created();
    expect((await editNodes(s.url, '--set', 'spec.cpuCredits=unlimited')).code).toBe(0); // t3.medium: burstable
    const before = snapshot(s.dir);
    const r = await editNodes(s.url, '--set', 'spec.machineType=m5.large');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.cpuCredits: unlimited: CPU credits apply only to burstable instance types (t2, t3, t3a, t4g), and machineType m5.large is not one');
    expect(r.stderr).toContain('remove cpuCredits, or use t2, t3, t3a or t4g types only');
    expect(snapshot(s.dir)).toEqual(before);
    // Both at once: no credits, any type.
    expect((await editNodes(s.url, '--unset', 'spec.cpuCredits', '--set', 'spec.machineType=m5.large')).code).toBe(0);
    const host = await editNodes(s.url, '--set', 'spec.tenancy=host');
    expect(host.code).toBe(0);
    expect(host.stderr).toContain('warning: InstanceGroup/nodes-us-east-1a spec.tenancy: host: instances launch only onto Dedicated Hosts you have allocated');
    expect(text(s.dir, NODES)).toContain('tenancy: host');
  });
});
