/**
 * AWS names that fit: kops's `pkg/truncate`. A name longer than a service's limit is cut and given
 * a 6-character hash of the WHOLE name, so it is stable across runs (a pure function of the
 * cluster and the resource) and two long names that share a prefix still differ. Names that fit
 * are left as they are, except where kops always adds the hash (load balancers, target groups).
 *
 * kops uses this scheme for load balancers, target groups and service-account IAM roles; its
 * instance-group IAM roles (`masters.<cluster>`) are not fitted and fail past 64 characters
 * (kubernetes/kops#2134). kops-ts fits every name that has a limit, with the same scheme, so a
 * name that fits is exactly kops's name and a long cluster name still works.
 */

/**
 * AWS's length limits on the names kops-ts gives, in characters. An instance profile may be 128,
 * but kops names it like its role (64), and so does kops-ts.
 */
export const AWS_NAME_LIMITS = {
  iamRole: 64,
  iamInstanceProfile: 64,
  iamRolePolicy: 128,
  loadBalancer: 32,
  targetGroup: 32,
  launchTemplate: 128,
  autoscalingGroup: 255,
  securityGroup: 255,
  keyPair: 255,
  tagKey: 128,
  tagValue: 256,
} as const;

export type AwsNameKind = keyof typeof AWS_NAME_LIMITS;

/**
 * FNV-1a (32 bit) of `s`, encoded as lowercase RFC 4648 base32hex (padded, as Go's
 * `base32.HexEncoding`), cut to `length` characters: kops's `truncate.HashString`.
 */
export function kopsHashString(s: string, length = 6): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const bytes = [h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  out = out.padEnd(8, '=');
  return out.slice(0, length);
}

export interface TruncateOptions {
  /** Add the hash even when `s` fits (kops does for load balancers and target groups). */
  readonly alwaysHash?: boolean;
  /** Characters of hash; kops's default is 6. */
  readonly hashLength?: number;
}

/**
 * kops's `truncate.TruncateString`: `s` if it fits in `maxLength` (and no hash is forced), else its
 * first `maxLength - hashLength - 1` characters, `-`, and the hash of all of `s`. Never longer
 * than `maxLength`.
 */
export function truncateName(s: string, maxLength: number, opts: TruncateOptions = {}): string {
  if (!opts.alwaysHash && s.length <= maxLength) return s;
  const hash = kopsHashString(s, opts.hashLength ?? 6);
  return `${s.slice(0, maxLength - hash.length - 1)}-${hash}`;
}

/** `truncateName` to the AWS limit of a kind of name. */
export function fitAwsName(kind: AwsNameKind, s: string): string {
  return truncateName(s, AWS_NAME_LIMITS[kind]);
}
