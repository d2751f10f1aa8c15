/**
 * `kops-ts delete -f` in-process: a manifest's InstanceGroups deleted from the spec as `delete ig`
 * does, its Cluster deleted as `delete cluster` does (on the emulator), an InstanceGroup of a
 * cluster the same run deletes skipped, and bad input refused before anything is deleted.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownedLeft } from '../cloudup/delete-cluster-helpers.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { fixturePath, fixtureText } from '../model/fixtures.js';
import { tempDir } from '../pki/openssl.js';
import { acquireClusterLock, openStateStore } from '../../src/statestore/index.js';
import { KEY, cli, snapshot, tempStore } from './harness.js';

const MINIMAL = 'minimal.example.com';

/** The documents of the minimal fixture, by kind and role: its Cluster, control-plane and node groups. */
function fixtureDocs(): { cluster: string; controlPlane: string; nodes: string } {
  const docs = fixtureText('minimal').split(/^---\n/m).filter((d) => d.trim() !== '');
  const find = (re: RegExp) => docs.find((d) => re.test(d))!;
  return { cluster: find(/^kind: Cluster$/m), controlPlane: find(/role: Master/), nodes: find(/role: Node/) };
}

function manifest(dir: string, name: string, ...docs: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, docs.map((d) => `---\n${d}`).join(''));
  return file;
}

async function minimalStore(): Promise<{ dir: string; url: string }> {
  const s = tempStore();
  const r = await cli(['create', '-f', fixturePath('minimal'), '--state', s.url]);
  expect(r.code, r.stderr).toBe(0);
  return s;
}

describe('kops-ts delete -f', () => {
  it('an InstanceGroup: without --yes says what would go and changes nothing; with --yes it is gone from the spec', async () => {
    const s = await minimalStore();
    const file = manifest(tempDir(), 'nodes.yaml', fixtureDocs().nodes);
    const before = snapshot(s.dir);

    const preview = await cli(['--state', s.url, 'delete', '-f', file]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toBe(`InstanceGroup/nodes-us-east-1a will be deleted from cluster ${MINIMAL}.\n\nMust specify --yes to delete\n`);
    expect(snapshot(s.dir)).toEqual(before);

    // As after an apply: the group's cloud resources are then what the next update deletes.
    writeFileSync(join(s.dir, MINIMAL, 'cluster-completed.spec'), readFileSync(join(s.dir, MINIMAL, 'config')));
    const r = await cli(['--state', s.url, 'delete', '-f', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('InstanceGroup "nodes-us-east-1a" deleted from the spec.');
    expect(r.stdout).toContain(`the next \`kops-ts update cluster --name ${MINIMAL}\` shows them as deletions`);
    expect(existsSync(join(s.dir, MINIMAL, 'instancegroup', 'nodes-us-east-1a'))).toBe(false);
    expect(existsSync(join(s.dir, MINIMAL, 'instancegroup', 'control-plane-us-east-1a'))).toBe(true);
    const igs = await cli(['--state', s.url, 'get', 'ig', '--name', MINIMAL]);
    expect(igs.stdout).not.toContain('nodes-us-east-1a');
  });

  it('an InstanceGroup without the cluster label takes --name; the same check as delete ig (etcd members) before anything', async () => {
    const s = await minimalStore();
    const dir = tempDir();
    const unlabelled = fixtureDocs().nodes.replace(/ {2}labels:\n {4}kops\.k8s\.io\/cluster: .*\n/, '');
    expect(unlabelled).not.toContain('kops.k8s.io/cluster');
    const nodes = manifest(dir, 'nodes.yaml', unlabelled);
    const both = manifest(dir, 'both.yaml', fixtureDocs().nodes, fixtureDocs().controlPlane);
    const before = snapshot(s.dir);

    const refused = await cli(['--state', s.url, 'delete', '-f', both, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: InstanceGroup/control-plane-us-east-1a: instance group "control-plane-us-east-1a" holds etcd members (${both}): remove its etcd members`);
    expect(snapshot(s.dir)).toEqual(before);

    const r = await cli(['--state', s.url, '--name', MINIMAL, 'delete', '-f', nodes, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(s.dir, MINIMAL, 'instancegroup', 'nodes-us-east-1a'))).toBe(false);
  });

  it('bad input is refused before anything is deleted, naming the file and the object (exit 2)', async () => {
    const s = await minimalStore();
    const dir = tempDir();
    const { nodes } = fixtureDocs();
    const before = snapshot(s.dir);
    const noLabel = nodes.replace(/ {2}labels:\n {4}kops\.k8s\.io\/cluster: .*\n/, '').replace('name: nodes-us-east-1a', 'name: extra');
    const cases: [string, string, RegExp][] = [
      ['no cluster label', manifest(dir, 'a.yaml', nodes, noLabel), /error: InstanceGroup\/extra: InstanceGroup\/extra does not say which cluster it belongs to \(.*a\.yaml\): add the label kops\.k8s\.io\/cluster/],
      ['an unknown kind', manifest(dir, 'b.yaml', nodes, 'apiVersion: kops.k8s.io/v1alpha2\nkind: Widget\nmetadata:\n  name: w\n'), /error: kind: kind "Widget" is not supported \(.*b\.yaml\)/],
      ['SSHCredential', manifest(dir, 'c.yaml', nodes, 'apiVersion: kops.k8s.io/v1alpha2\nkind: SSHCredential\nmetadata:\n  name: admin\nspec:\n  publicKey: ssh-rsa AAAA\n'), /kind "SSHCredential" is not supported \(.*c\.yaml\).*delete sshpublickey/],
      ['bad YAML', manifest(dir, 'd.yaml', nodes, 'kind: [\n'), /\(.*d\.yaml\)/],
    ];
    for (const [what, file, message] of cases) {
      const r = await cli(['--state', s.url, 'delete', '-f', file, '--yes']);
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(message);
      expect(r.stdout, what).toBe('');
      expect(snapshot(s.dir), what).toEqual(before);
    }
    // Two files, the second missing: the first file's group is not deleted either.
    const missing = join(dir, 'missing.yaml');
    const r = await cli(['--state', s.url, 'delete', '-f', manifest(dir, 'ok.yaml', nodes), '-f', missing, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(snapshot(s.dir)).toEqual(before);
    // Standard input twice: refused before it is read (it can be read only once).
    const twice = await cli(['--state', s.url, 'delete', '-f', '-', '-f', '-', '--yes']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^error: -f - is given more than once/);
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('a step that fails stops the run naming the objects not deleted; its hint (--force-unlock), followed, finishes it', async () => {
    const aws = testAws();
    const env = await operatorEnv(aws);
    const s = await minimalStore();
    const other = 'other.k8s.local';
    expect((await cli(['--state', s.url, 'create', 'cluster', '--name', other, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env })).code).toBe(0);
    // Another run holds the lock of the file's first cluster.
    const lock = await acquireClusterLock(openStateStore(s.url), MINIMAL, { operation: 'update cluster' });
    const { cluster, nodes } = fixtureDocs();
    const file = manifest(tempDir(), 'two.yaml', cluster, nodes.replace(`kops.k8s.io/cluster: ${MINIMAL}`, `kops.k8s.io/cluster: ${other}`));
    const before = snapshot(s.dir);

    const r = await cli(['--state', s.url, 'delete', '-f', file, '--yes'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`warning: delete -f stopped at Cluster/${MINIMAL}; not deleted: InstanceGroup/nodes-us-east-1a\n`);
    expect(r.stderr).toContain(`is locked by ${lock.info.holder} for "update cluster"`);
    expect(r.stderr).toContain(`re-run with --force-unlock ${lock.info.id}`);
    expect(snapshot(s.dir)).toEqual(before);

    // The hint, followed: a wrong id is refused before anything; the right one breaks that lock.
    const wrong = await cli(['--state', s.url, 'delete', '-f', file, '--force-unlock', '0123456789abcdef', '--yes'], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`error: no cluster of the file (${MINIMAL}) is locked with id 0123456789abcdef`);
    expect(snapshot(s.dir)).toEqual(before);
    const noYes = await cli(['--state', s.url, 'delete', '-f', file, '--force-unlock', lock.info.id], { env });
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('--force-unlock needs --yes');
    // delete cluster still gets its own --force-unlock (commander hands the group's flags to the group first).
    const sub = await cli(['--state', s.url, 'delete', 'cluster', MINIMAL, '--force-unlock', '0123456789abcdef', '--yes'], { env });
    expect(sub.code).toBe(1);
    expect(sub.stderr).toContain(`the lock on cluster "${MINIMAL}" has id ${lock.info.id}, not 0123456789abcdef`);
    const rerun = await cli(['--state', s.url, 'delete', '-f', file, '--force-unlock', lock.info.id, '--yes'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain(`Deleted cluster: "${MINIMAL}"`);
    expect(rerun.stdout).toContain('InstanceGroup "nodes-us-east-1a" deleted from the spec.');
    expect(existsSync(join(s.dir, MINIMAL))).toBe(false);
    expect(existsSync(join(s.dir, other, 'instancegroup', 'nodes-us-east-1a'))).toBe(false);
  });

  it('delete without -f prints its help; -f with a subcommand and --yes alone are usage errors', async () => {
    const help = await cli(['delete']);
    expect(help.code).toBe(0);
    expect(help.stderr).toContain('Usage: kops-ts delete [options] [command]');
    expect(help.stderr).toMatch(/-f, --filename <file>/);
    expect(help.stderr).toMatch(/^ {2}cluster \[options\] \[name\]/m);
    const both = await cli(['delete', '-f', 'x.yaml', 'cluster', '--name', MINIMAL]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('error: -f cannot be combined with delete cluster');
    const noFlag = await cli(['delete', 'ig', 'nodes', '--name', MINIMAL, '--force-unlock', '0123456789abcdef']);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toContain('error: delete instancegroup has no --force-unlock');
    const yes = await cli(['delete', '--yes']);
    expect(yes.code).toBe(2);
    expect(yes.stderr).toContain('delete --yes needs -f <file>');
  });

  it('a Cluster on the emulator after update --yes: its cloud resources and state deleted, its groups in the file skipped', async () => {
    const aws = testAws();
    const env = { ...(await operatorEnv(aws)), KUBECONFIG: join(tempDir(), 'config') };
    const s = tempStore();
    const name = 'delf.k8s.local';
    const created = await cli(['--state', s.url, 'create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env });
    expect(created.code, created.stderr).toBe(0);
    const update = await cli(['--state', s.url, 'update', 'cluster', '--name', name, '--yes'], { env });
    expect(update.code, update.stderr).toBe(0);
    const cluster = await cli(['--state', s.url, 'get', 'cluster', name, '-o', 'yaml'], { env });
    const igs = await cli(['--state', s.url, 'get', 'ig', '--name', name, '-o', 'yaml'], { env });
    // The groups first: skipped wherever they stand, since the cluster's deletion takes them.
    const file = join(tempDir(), 'cluster.yaml');
    writeFileSync(file, `${igs.stdout}\n---\n${cluster.stdout}`);
    const owned = await ownedLeft(aws, name);
    expect(owned.length).toBeGreaterThan(0);
    const before = snapshot(s.dir);

    const preview = await cli(['--state', s.url, 'delete', '-f', file], { env });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(new RegExp(`^InstanceGroup/nodes-us-east-1a \\(${file}\\): skipped, deleted with Cluster/${name}$`, 'm'));
    expect(preview.stdout).toContain(`Cluster/${name} (${file}): will be deleted with every cloud resource it owns, then its state:\n`);
    expect(preview.stdout).toMatch(/^vpc\s+delf\.k8s\.local\s+vpc-[0-9a-f]+$/m);
    expect(preview.stdout).not.toContain('Must specify --yes to delete cluster');
    expect(preview.stdout).toMatch(/\nMust specify --yes to delete\n$/);
    expect(snapshot(s.dir)).toEqual(before);
    expect(await ownedLeft(aws, name)).toEqual(owned);

    const r = await cli(['--state', s.url, 'delete', '-f', file, '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^vpc:vpc-[0-9a-f]+\tok$/m);
    expect(r.stdout).toContain(`\nDeleted cluster: "${name}"\n`);
    expect(r.stdout).not.toContain('Must specify');
    expect(await ownedLeft(aws, name)).toEqual([]);
    expect(existsSync(join(s.dir, name))).toBe(false);
    expect(readFileSync(env.KUBECONFIG, 'utf8')).not.toContain(name);
  }, 240_000);
});
