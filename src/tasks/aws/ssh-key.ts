/**
 * `SSHKey`: the EC2 key pair made from the cluster's admin SSH public key, named as kops names it:
 * `kubernetes.<cluster>-<OpenSSH MD5 fingerprint, colon separated>` (`sshKeyName`). Only public
 * keys ever pass through here; nothing secret is read, printed or logged.
 *
 * The key material is compared by AWS's own fingerprint of it (an MD5 of the DER public key for
 * RSA, a SHA-256 of the key blob for ed25519): a different key under the same name is a
 * replacement (DeleteKeyPair, ImportKeyPair). Tags are updated in place.
 *
 * A key pair the user names (kops's `spec.sshKeyName`) is `shared`, without `publicKey`: found by
 * name, never imported, changed or deleted. A key pair the cluster imported for a key that is no
 * longer its admin key is an orphan, deleted by the next update (kops leaves it behind).
 */
import { createHash, createPublicKey } from 'node:crypto';
import { CreateTagsCommand, DeleteKeyPairCommand, DescribeKeyPairsCommand, ImportKeyPairCommand, type KeyPairInfo } from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import { colonHex, parseSSHPublicKey, sshPublicKeyFingerprint } from '../../statestore/ssh.js';
import type { TaskKind } from '../types.js';
import { TAG_CLUSTER, clusterFilters, fromAwsTags, ownershipTagKey, tagSpec, tagsToSet, toAwsTags, type AwsTaskContext, type Tags } from './context.js';
import { errorCode } from './security-group.js';

export interface SSHKeyDesired {
  /** The admin public key (`ssh-rsa AAAA... comment` or `ssh-ed25519 ...`); absent for a shared key. */
  readonly publicKey?: string;
  readonly tags: Tags;
}

export interface SSHKeyActual {
  readonly id: string;
  readonly name: string;
  /** AWS's fingerprint, normalised (see `awsKeyFingerprint`); '' if unknown. */
  readonly fingerprint: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** kops's key pair name: `kubernetes.<cluster>-<md5 fingerprint>` (pkg/model/names.go SSHKeyName). */
export function sshKeyName(clusterName: string, publicKey: string): string {
  return `kubernetes.${clusterName}-${sshPublicKeyFingerprint(publicKey)}`;
}

/**
 * The fingerprint AWS shows for an imported key: for RSA the MD5 of the DER-encoded public key
 * (`aa:bb:...`), for ed25519 `SHA256:<base64 of the SHA-256 of the key blob, unpadded>` (what
 * `ssh-keygen -l` prints, and how kops normalises AWS's answer). AWS imports no other types.
 */
export function awsKeyFingerprint(publicKey: string): string {
  const { type, blob } = parseSSHPublicKey(publicKey);
  if (type === 'ssh-ed25519') return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  if (type === 'ssh-rsa') {
    const [, e, n] = sshStrings(blob);
    if (!e || !n) throw invalid('the RSA key data is truncated');
    const der = createPublicKey({ key: { kty: 'RSA', e: base64url(e), n: base64url(n) }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    return colonHex(createHash('md5').update(der).digest('hex'));
  }
  throw invalid(`AWS can only import RSA and ed25519 keys, not ${type}`);
}

/** Normalises the fingerprint AWS reports (ed25519: padded base64 without prefix). */
export function normalizeAwsFingerprint(fingerprint: string, keyType: string | undefined): string {
  if (keyType === 'ed25519' && !fingerprint.includes(':')) return `SHA256:${fingerprint.replace(/=+$/, '')}`;
  return fingerprint;
}

export const sshKeyKind: TaskKind<SSHKeyDesired, SSHKeyActual, AwsTaskContext> = {
  kind: 'SSHKey',
  fields: {
    fingerprint: { mode: 'replace' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, SSHKeyActual>();
    if (tasks.length === 0) return found;
    // A filter, not KeyNames: KeyNames fails the whole call if one key is missing.
    const out = await ctx.clients.ec2.send(
      new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: tasks.map((t) => t.name) }], IncludePublicKey: true }),
    );
    for (const k of out.KeyPairs ?? []) {
      if (k.KeyName !== undefined) found.set(k.KeyName, toActual(k));
    }
    return found;
  },

  view: (d) => ({ fingerprint: d.publicKey === undefined ? undefined : awsKeyFingerprint(d.publicKey), tags: d.tags }),
  actualView: (a) => ({ fingerprint: a.fingerprint, tags: a.tags }),

  async apply(ctx, req) {
    const d = req.desired;
    if (d.publicKey === undefined) {
      throw new KopsError('SSHKeyNotFound', `SSHKey/${req.name}: the EC2 key pair "${req.name}" was not found in region ${ctx.region}`, {
        hint: 'create or import it in EC2, or fix spec.sshKeyName',
      });
    }
    if (req.actual !== undefined) return retag(ctx, req.actual, d.tags);
    const fingerprint = awsKeyFingerprint(d.publicKey);
    const out = await ctx.clients.ec2.send(
      new ImportKeyPairCommand({ KeyName: req.name, PublicKeyMaterial: new TextEncoder().encode(d.publicKey.trim()), TagSpecifications: tagSpec('key-pair', d.tags) }),
    );
    return { id: out.KeyPairId ?? '', name: req.name, fingerprint, tags: { ...d.tags } };
  },

  outputs: (a) => ({ id: a.id, name: a.name }),

  /**
   * Key pairs the cluster imported (its ownership tags) that no task describes any more: the admin
   * key was deleted from the store (`delete sshpublickey`) or replaced by another. Without this a
   * key pair whose key left the store would outlive even `delete cluster`, which finds what it
   * deletes through the kinds. A key pair named by `spec.sshKeyName` is the user's (not tagged
   * as owned) and never one of these.
   */
  async findOrphans(ctx, tasks) {
    const described = new Set(tasks.map((t) => t.name));
    const owned = ownershipTagKey(ctx.clusterName);
    const out = await ctx.clients.ec2.send(new DescribeKeyPairsCommand({ Filters: clusterFilters(ctx.clusterName), IncludePublicKey: true }));
    return (out.KeyPairs ?? [])
      .filter((k) => k.KeyName !== undefined && !described.has(k.KeyName))
      .map(toActual)
      .filter((a) => a.tags[TAG_CLUSTER] === ctx.clusterName && a.tags[owned] === 'owned')
      .map((actual) => ({ name: actual.name, actual }));
  },

  async delete(ctx, actual) {
    try {
      // By name (unique in a region): the emulator ignores KeyPairId here, AWS takes either.
      await ctx.clients.ec2.send(new DeleteKeyPairCommand({ KeyName: actual.name }));
    } catch (e) {
      if (errorCode(e) !== 'InvalidKeyPair.NotFound') throw e;
    }
  },
};

function toActual(k: KeyPairInfo): SSHKeyActual {
  return { id: k.KeyPairId ?? '', name: k.KeyName ?? '', fingerprint: actualFingerprint(k), tags: fromAwsTags(k.Tags) };
}

/**
 * From the public key AWS returns (IncludePublicKey) where it parses, so both sides are computed
 * the same way; else AWS's own fingerprint, normalised. (The emulator's ed25519 fingerprint is
 * computed differently from AWS's; the public key path makes that irrelevant.)
 */
function actualFingerprint(k: KeyPairInfo): string {
  if (k.PublicKey) {
    try {
      return awsKeyFingerprint(k.PublicKey);
    } catch {
      // Not a key we can read: fall back to AWS's fingerprint.
    }
  }
  return normalizeAwsFingerprint(k.KeyFingerprint ?? '', k.KeyType);
}

async function retag(ctx: AwsTaskContext, a: SSHKeyActual, want: Tags): Promise<SSHKeyActual> {
  const add = tagsToSet(a.tags, want);
  if (Object.keys(add).length === 0) return a;
  await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [a.id], Tags: toAwsTags(add) }));
  return { ...a, tags: { ...a.tags, ...add } };
}

/** The length-prefixed strings of an SSH wire-format blob (RFC 4251 §5). */
function sshStrings(blob: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let at = 0;
  while (at + 4 <= blob.length) {
    const len = view.getUint32(at);
    if (at + 4 + len > blob.length) break;
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** An mpint as JWK wants it: unsigned big-endian without leading zero bytes, base64url. */
function base64url(mpint: Uint8Array): string {
  let start = 0;
  while (start < mpint.length - 1 && mpint[start] === 0) start++;
  return Buffer.from(mpint.subarray(start)).toString('base64url');
}

function invalid(why: string): KopsError {
  return new KopsError('InvalidSSHPublicKey', `invalid SSH public key: ${why}`, { hint: 'use an RSA or ed25519 public key (the .pub file)' });
}
