import { createHash, generateKeyPairSync } from 'node:crypto';
import { DeleteKeyPairCommand, DeleteTagsCommand, DescribeKeyPairsCommand, ImportKeyPairCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { awsKeyFingerprint, normalizeAwsFingerprint, sshKeyKind, sshKeyName, type SSHKeyDesired } from '../../../src/tasks/aws/ssh-key.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'ssh.example.com';

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An mpint: big-endian, with a zero byte in front when the top bit is set. */
function mpint(b64url: string): Buffer {
  const b = Buffer.from(b64url, 'base64url');
  return sshString((b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function rsaKey(): { line: string; spkiMd5: string } {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]);
  const spkiMd5 = createHash('md5').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  return { line: `ssh-rsa ${blob.toString('base64')} admin@example`, spkiMd5: spkiMd5.match(/../g)!.join(':') };
}

/** RSA key generation is slow (up to a second or more): make one per test file. */
let rsaCache: ReturnType<typeof rsaKey> | undefined;
function sharedRsaKey(): ReturnType<typeof rsaKey> {
  rsaCache ??= rsaKey();
  return rsaCache;
}

function ed25519Key(): { line: string; blob: Buffer } {
  const { publicKey } = generateKeyPairSync('ed25519');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(x)]);
  return { line: `ssh-ed25519 ${blob.toString('base64')}`, blob };
}

function keyTask(publicKey: string, tags: Record<string, string> = {}): Task<SSHKeyDesired> {
  return { kind: 'SSHKey', name: sshKeyName(C, publicKey), desired: { publicKey, tags: { Name: C, ...ownershipTags(C), ...tags } } };
}

describe('SSH key fingerprints', () => {
  it('computes AWS fingerprints: MD5 of the DER key for RSA, unpadded SHA256 of the blob for ed25519', () => {
    const rsa = sharedRsaKey();
    expect(awsKeyFingerprint(rsa.line)).toBe(rsa.spkiMd5);
    const ed = ed25519Key();
    const sha = createHash('sha256').update(ed.blob).digest('base64').replace(/=+$/, '');
    expect(awsKeyFingerprint(ed.line)).toBe(`SHA256:${sha}`);
    expect(normalizeAwsFingerprint(`${sha}=`, 'ed25519')).toBe(`SHA256:${sha}`);
    expect(() => awsKeyFingerprint('ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=')).toThrow(KopsError);
  });

  it('names the key pair as kops: kubernetes.<cluster>-<OpenSSH MD5 fingerprint>', () => {
    const ed = ed25519Key();
    const md5 = createHash('md5').update(ed.blob).digest('hex').match(/../g)!.join(':');
    expect(sshKeyName(C, ed.line)).toBe(`kubernetes.${C}-${md5}`);
  });
});

describe('SSHKey', () => {
  it('imports RSA and ed25519 keys, tagged, and plans no change on the next run', async () => {
    const ctx = awsTestContext(C);
    const rsa = sharedRsaKey();
    const tasks = [keyTask(rsa.line), keyTask(ed25519Key().line)];
    const { outputs } = await expectIdempotent(ctx, sshKeyKind, tasks);
    const out = await ctx.clients.ec2.send(new DescribeKeyPairsCommand({ KeyNames: [tasks[0]!.name] }));
    const pair = out.KeyPairs?.[0];
    // The emulator, like AWS, fingerprints an imported RSA key by the MD5 of its DER encoding.
    expect(pair?.KeyFingerprint).toBe(rsa.spkiMd5);
    expect(pair?.Tags).toContainEqual({ Key: 'KubernetesCluster', Value: C });
    expect(outputs[`SSHKey/${tasks[0]!.name}`]).toEqual({ id: pair?.KeyPairId, name: tasks[0]!.name });
  });

  it('finds every key with one call', async () => {
    const ctx = awsTestContext(C);
    const tasks = [keyTask(ed25519Key().line), keyTask(ed25519Key().line), keyTask(ed25519Key().line)];
    await converge(ctx, sshKeyKind, tasks);
    const counts: number[] = [];
    for (const some of [tasks.slice(0, 1), tasks]) {
      ctx.aws.counter.reset();
      expect((await sshKeyKind.find(nextRun(ctx), some)).size).toBe(some.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([1, 1]);
  });

  it('replaces a key pair whose material differs from the admin key, and updates tags in place', async () => {
    const ctx = awsTestContext(C);
    const task = keyTask(ed25519Key().line);
    // Someone imported another key under our name.
    await ctx.clients.ec2.send(new ImportKeyPairCommand({ KeyName: task.name, PublicKeyMaterial: Buffer.from(ed25519Key().line) }));
    const [change] = await planKind(ctx, sshKeyKind, [task]);
    expect(change?.action).toBe('replace');
    expect(change?.fields.map((f) => [f.field, f.forcesReplacement])).toEqual([
      ['fingerprint', true],
      ['tags', false],
    ]);
    await expectIdempotent(ctx, sshKeyKind, [task]);
    const out = await converge(nextRun(ctx), sshKeyKind, [task]);
    await ctx.clients.ec2.send(new DeleteTagsCommand({ Resources: [out[`SSHKey/${task.name}`]!.id!], Tags: [{ Key: 'Name' }] }));
    const [retag] = await planKind(nextRun(ctx), sshKeyKind, [task]);
    expect(retag?.action).toBe('update');
    expect(retag?.fields.map((f) => f.field)).toEqual(['tags']);
    await expectIdempotent(nextRun(ctx), sshKeyKind, [task]);
  });

  it('shows a deleted key pair as to be created', async () => {
    const ctx = awsTestContext(C);
    const task = keyTask(sharedRsaKey().line);
    await converge(ctx, sshKeyKind, [task]);
    await ctx.clients.ec2.send(new DeleteKeyPairCommand({ KeyName: task.name }));
    const [change] = await planKind(nextRun(ctx), sshKeyKind, [task]);
    expect(change?.action).toBe('create');
  });

  it('uses a shared key pair by name as it is, and refuses to invent a missing one', async () => {
    const ctx = awsTestContext(C);
    await ctx.clients.ec2.send(new ImportKeyPairCommand({ KeyName: 'corp-admin', PublicKeyMaterial: Buffer.from(ed25519Key().line) }));
    const shared: Task<SSHKeyDesired> = { kind: 'SSHKey', name: 'corp-admin', desired: { tags: { Name: C } }, shared: true };
    const [change] = await planKind(ctx, sshKeyKind, [shared]);
    expect(change?.action).toBe('noop');
    const p = sshKeyKind.apply(ctx, { action: 'create', name: 'missing-key', desired: { tags: {} }, fields: [], refs: staticRefs({}) });
    await expect(p).rejects.toThrow(/key pair "missing-key" was not found/);
  });

  it('deletes a key pair, and deleting it again succeeds', async () => {
    const ctx = awsTestContext(C);
    const task = keyTask(ed25519Key().line);
    await converge(ctx, sshKeyKind, [task]);
    const actual = (await sshKeyKind.find(nextRun(ctx), [task])).get(task.name)!;
    await sshKeyKind.delete!(ctx, actual);
    await sshKeyKind.delete!(ctx, actual);
    expect((await sshKeyKind.find(nextRun(ctx), [task])).size).toBe(0);
  });

  it("finds as orphans only the cluster's own key pairs that no task describes", async () => {
    const ctx = awsTestContext(C);
    const kept = keyTask(ed25519Key().line);
    const gone = keyTask(ed25519Key().line);
    const other = { ...keyTask(ed25519Key().line), name: 'kubernetes.other.example.com-00', desired: { publicKey: ed25519Key().line, tags: ownershipTags('other.example.com') } };
    await converge(ctx, sshKeyKind, [kept, gone, other]);
    // A key pair of the user's own (as spec.sshKeyName names one): not the cluster's.
    await ctx.clients.ec2.send(new ImportKeyPairCommand({ KeyName: 'corp-admin', PublicKeyMaterial: Buffer.from(ed25519Key().line) }));
    const orphans = await sshKeyKind.findOrphans!(nextRun(ctx), [kept], new Map());
    expect(orphans.map((o) => o.name)).toEqual([gone.name]);
    // No task at all (the cluster's key deleted from the store): its key pairs are all orphans.
    expect((await sshKeyKind.findOrphans!(nextRun(ctx), [], new Map())).map((o) => o.name).sort()).toEqual([kept.name, gone.name].sort());
  });
});
