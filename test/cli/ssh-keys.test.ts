/**
 * More than one admin SSH key: refused on AWS (an instance has one key pair, as kops refuses it),
 * taken on GCE. On the emulator: a cluster applied with one key; a second is refused by `create
 * sshpublickey` (store unchanged) and, put in the store by hand (as kops or an older kops-ts
 * leaves it), by `update cluster` before any call that changes something.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isReadAction } from '../../src/tasks/aws/iam-actions.js';
import { sshPublicKeyFingerprint } from '../../src/statestore/ssh.js';
import type { FaultProxy, ProxiedRequest } from '../fakes/aws-fault-proxy.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv, recordThroughProxy } from '../helpers/operator-env.js';
import { tempDir } from '../pki/openssl.js';
import { ED25519_KEY } from '../statestore/fixtures.js';
import { KEY, cli, snapshot, tempStore } from './harness.js';

const NAME = 'sshkeys.k8s.local';
const SERVICE_PREFIX: Readonly<Record<string, string>> = { ec2: 'ec2', autoscaling: 'autoscaling', elbv2: 'elasticloadbalancing', iam: 'iam', sts: 'sts', route53: 'route53' };

let proxy: FaultProxy | undefined;
afterAll(async () => {
  vi.unstubAllEnvs();
  await proxy?.close();
});

function secondKeyFile(): string {
  const p = join(tempDir(), 'second.pub');
  writeFileSync(p, `${ED25519_KEY}\n`);
  return p;
}

describe('admin SSH keys on AWS: exactly one', () => {
  it('create sshpublickey refuses a second key and is a no-op for the same key; update cluster refuses two stored keys, nothing written or changed', async () => {
    const aws = testAws();
    const env = { ...(await operatorEnv(aws)), KUBECONFIG: join(tempDir(), 'config') };
    const s = tempStore();
    const run = (args: string[]) => cli(['--state', s.url, ...args], { env });
    expect((await run(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY])).code).toBe(0);
    const applied = await run(['update', 'cluster', '--name', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const first = (await run(['get', 'sshpublickeys', '--name', NAME])).stdout.split('\n')[1]!.trim();
    const second = sshPublicKeyFingerprint(ED25519_KEY);
    const sent: ProxiedRequest[] = [];
    proxy = await recordThroughProxy(aws, env, (q) => sent.push(q));

    const before = snapshot(s.dir);
    const refused = await run(['create', 'sshpublickey', '--name', NAME, '-i', secondKeyFile()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cluster ${NAME} already has admin SSH public key ${first}: an AWS instance has one key pair, so ${second} cannot be added`);
    expect(refused.stderr).toContain(`kops-ts delete sshpublickey --name ${NAME} --yes (deletes every key), then kops-ts create sshpublickey --name ${NAME} -i <key to keep>`);
    expect(snapshot(s.dir)).toEqual(before);

    const same = await run(['create', 'sshpublickey', '--name', NAME, '-i', KEY]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toBe(`SSH public key ${first} is already in cluster ${NAME}: nothing to add\n`);
    expect(snapshot(s.dir)).toEqual(before);

    // A second key in the store, as kops (or an older kops-ts) leaves it.
    const dir = join(s.dir, NAME, 'pki', 'ssh', 'public', 'admin');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, second.replace(/:/g, '')), ED25519_KEY);
    const two = snapshot(s.dir);
    const fingerprints = [first, second].sort().join(', ');
    // update cluster -f plans a manifest with the store's keys: the same refusal.
    const manifest = join(tempDir(), 'cluster.yaml');
    const yaml = async (args: string[]) => (await run(args)).stdout.trimEnd();
    writeFileSync(manifest, `${await yaml(['get', 'cluster', NAME, '-o', 'yaml'])}\n---\n${await yaml(['get', 'ig', '--name', NAME, '-o', 'yaml'])}\n`);
    sent.length = 0;
    const runs = [['update', 'cluster', '--name', NAME], ['update', 'cluster', '--name', NAME, '--yes'], ['update', 'cluster', '--name', NAME, '-o', 'json'], ['update', 'cluster', '--name', NAME, '-f', manifest]];
    for (const args of runs) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(1);
      // One line on stderr: the error, the fingerprints and the hint.
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(`cluster ${NAME} has 2 admin SSH public keys (${fingerprints}): exactly one can be used on AWS`);
      expect(r.stderr).toContain(`kops-ts delete sshpublickey --name ${NAME} --yes`);
      expect(r.stdout).not.toContain('Must specify --yes');
    }
    expect(snapshot(s.dir)).toEqual(two);
    const mutating = sent.filter((q) => q.service !== 's3').map((q) => `${SERVICE_PREFIX[q.service] ?? q.service}:${q.operation}`).filter((a) => !isReadAction(a));
    expect(mutating).toEqual([]);
    expect(sent.filter((q) => q.service !== 's3')).toEqual([]);

    // Deleting the cluster never refuses over its keys (its preview lists what would go).
    const preview = await run(['delete', 'cluster', '--name', NAME]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('Must specify --yes to delete');

    // Deleting both and adding the one to keep is what the hint says; the update is then accepted.
    expect((await run(['delete', 'sshpublickey', '--name', NAME, '--yes'])).code).toBe(0);
    expect((await run(['create', 'sshpublickey', '--name', NAME, '-i', KEY])).code).toBe(0);
    const ok = await run(['update', 'cluster', '--name', NAME]);
    expect(ok.code, ok.stderr).toBe(0);
  }, 240_000);
});

describe('admin SSH keys on GCE: every one', () => {
  it('create sshpublickey adds a second key; the same key again writes nothing', async () => {
    const s = tempStore();
    const run = (args: string[]) => cli(['--state', s.url, ...args]);
    const name = 'keys.example.com';
    expect((await run(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', 'my-project', '--zones', 'us-central1-a', '--ssh-public-key', KEY])).code).toBe(0);
    const second = sshPublicKeyFingerprint(ED25519_KEY);
    const added = await run(['create', 'sshpublickey', '--name', name, '-i', secondKeyFile()]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe(`Added SSH public key ${second} to cluster ${name}\n`);
    const ids = JSON.parse((await run(['get', 'sshpublickeys', '--name', name, '-o', 'json'])).stdout) as { id: string }[];
    expect(ids.map((k) => k.id).sort()).toEqual([sshPublicKeyFingerprint(readFileSync(KEY, 'utf8')), second].sort());
    const before = snapshot(s.dir);
    const again = await run(['create', 'sshpublickey', '--name', name, '-i', secondKeyFile()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`SSH public key ${second} is already in cluster ${name}: nothing to add\n`);
    expect(snapshot(s.dir)).toEqual(before);

    // delete sshpublickey deletes both, and says so.
    const sorted = ids.map((k) => k.id).sort().join(', ');
    const preview = await run(['delete', 'sshpublickey', name]);
    expect(preview.stdout).toContain(`SSH public keys ${sorted} will be deleted from cluster ${name}.\n`);
    expect(preview.stdout).toContain('plans the instance templates without the keys (their ssh-keys metadata)');
    expect(snapshot(s.dir)).toEqual(before);
    const deleted = await run(['delete', 'sshpublickey', name, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted SSH public keys ${sorted} from cluster ${name}.\n`);
    expect((await run(['get', 'sshpublickeys', '--name', name, '-o', 'json'])).stdout.trim()).toBe('[]');
  });
});
