/**
 * What every AWS task kind gets: the shared SDK clients and the cluster's identity. Tag helpers
 * live here so that every kind tags and finds resources the same way.
 */
import type { Filter, Tag, TagSpecification, ResourceType } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../cloud/aws/clients.js';

export interface AwsTaskContext {
  readonly clients: AwsClients;
  readonly clusterName: string;
  readonly region: string;
  /**
   * A per-run memo: `once(key, fn)` runs `fn` once per key and shares the promise, so kinds that
   * read the same listing (e.g. IAM roles with their policies and profiles, ELB tags) make one
   * call between them. Create a new one for every plan (see `newMemo`).
   */
  readonly once: Memo;
}

export type Memo = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

export function newMemo(): Memo {
  const cache = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      cache.set(key, p);
      // A failed read may be retried by the next caller.
      p.catch(() => cache.delete(key));
    }
    return p;
  };
}

export type Tags = Readonly<Record<string, string>>;

/** The legacy tag kops filters on. */
export const TAG_CLUSTER = 'KubernetesCluster';

export function ownershipTagKey(clusterName: string): string {
  return `kubernetes.io/cluster/${clusterName}`;
}

/** `KubernetesCluster=<name>` and `kubernetes.io/cluster/<name>=owned`: on every resource the cluster owns. */
export function ownershipTags(clusterName: string): Tags {
  return { [TAG_CLUSTER]: clusterName, [ownershipTagKey(clusterName)]: 'owned' };
}

/** The EC2 filter that finds everything the cluster owns (one describe call per kind). */
export function clusterFilters(clusterName: string): Filter[] {
  return [{ Name: `tag:${TAG_CLUSTER}`, Values: [clusterName] }];
}

export function toAwsTags(tags: Tags): Tag[] {
  return Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));
}

export function fromAwsTags(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** Tags a resource at creation (atomic: no untagged window in which a crash would orphan it). */
export function tagSpec(resourceType: ResourceType, tags: Tags): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: toAwsTags(tags) }];
}

/** Tags to add or change so that `have` carries every key of `want` (extra keys are left alone). */
export function tagsToSet(have: Tags, want: Tags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) out[k] = v;
  return out;
}
