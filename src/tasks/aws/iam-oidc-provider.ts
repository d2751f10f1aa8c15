/**
 * `IAMOIDCProvider`: the IAM OpenID Connect identity provider that trusts the cluster's
 * service-account issuer (kops's awstasks/iamoidcprovider.go; `spec.serviceAccountIssuerDiscovery.
 * enableAWSOIDCProvider`, src/model/issuer-discovery.ts). The task is named after the cluster, as
 * kops names it.
 *
 * - find: IAM names providers by URL only (the ARN is `…:oidc-provider/<host/path>`), so the
 *   account's providers are listed once (`ListOpenIDConnectProviders`, not paged) and the one whose
 *   ARN ends in the issuer's host and path is read (`GetOpenIDConnectProvider`: client ids,
 *   thumbprints, tags), as kops matches on the URL.
 * - ownership: the cluster's tags (`KubernetesCluster`, `kubernetes.io/cluster/<c>=owned`), set at
 *   creation. A provider for the same URL without them (made by hand, or another cluster's) is not
 *   ours: the plan is refused and `delete cluster` keeps it.
 * - orphans: a provider tagged as the cluster's that no task describes (the issuer moved, or
 *   `enableAWSOIDCProvider` turned off): the listing is made on every plan (one call), and each
 *   provider whose issuer is an S3 bucket's URL is read for its tags (IAM's list has none); the
 *   account's other providers are not read.
 * - changes: the URL forces a new provider; client ids (audiences) are added and removed in place,
 *   thumbprints replaced in place, tags added.
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import type { NotOurs, TaskKind } from '../types.js';
import { fromAwsTags, ownershipTagKey, tagsToSet, TAG_CLUSTER, type AwsTaskContext, type Tags } from './context.js';
import { goneIsDone, isNoSuchEntity, toIamTags } from './iam-listing.js';

export interface IamOidcProviderDesired {
  /** The issuer, `https://…` without a trailing slash. */
  readonly url: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
  readonly tags: Tags;
}

export interface IamOidcProviderActual {
  readonly arn: string;
  readonly url: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** Whether the cluster's tags are on it (`ours`), another cluster's (`KubernetesCluster`), or none. */
  readonly owner: 'ours' | 'untagged' | { readonly cluster: string };
}

/**
 * The thumbprints kops gives every S3-hosted issuer (the SHA-1 of the two root CAs S3's
 * certificates chain to): fixed, no network call. IAM no longer checks them for issuers whose
 * certificates chain to a CA it trusts (S3's do), but still requires at least one.
 */
export const S3_ROOT_CA_THUMBPRINTS: readonly string[] = ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280', 'a9d53002e97e00e043244f3d170d6f4c414104fd'];

/** The ARN of a provider whose issuer is an S3 bucket's virtual-hosted URL. */
const S3_ISSUER_ARN = /:oidc-provider\/[a-z0-9-]+\.s3\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(\/|$)/;

/** `https://host/path` → `host/path`, what a provider's ARN ends in. */
export function providerArnSuffix(url: string): string {
  return url.replace(/^https:\/\//, '');
}

const sorted = (xs: readonly string[]) => [...xs].sort();

export const iamOidcProviderKind: TaskKind<IamOidcProviderDesired, IamOidcProviderActual, AwsTaskContext> = {
  kind: 'IAMOIDCProvider',
  fields: {
    url: { mode: 'replace', security: 'iam' },
    clientIds: { compare: 'set', security: 'iam' },
    thumbprints: { compare: 'set', security: 'iam' },
    tags: { compare: 'tags' },
  },
  concurrency: 2,

  async find(ctx, tasks) {
    const found = new Map<string, IamOidcProviderActual>();
    if (tasks.length === 0) return found;
    const arns = await listProviderArns(ctx);
    await Promise.all(
      tasks.map(async (t) => {
        const arn = arns.find((a) => a.endsWith(`:oidc-provider/${providerArnSuffix(t.desired.url)}`));
        const actual = arn ? await readProvider(ctx, arn) : undefined;
        if (actual) found.set(t.name, actual);
      }),
    );
    return found;
  },

  view: (d) => ({ url: d.url, clientIds: sorted(d.clientIds), thumbprints: sorted(d.thumbprints), tags: d.tags }),
  actualView: (a) => ({ url: a.url, clientIds: sorted(a.clientIds), thumbprints: sorted(a.thumbprints), tags: a.tags }),

  async apply(ctx, req) {
    const iam = ctx.clients.iam;
    const d = req.desired;
    const a = req.action === 'replace' ? undefined : req.actual;
    if (!a) {
      const out = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: d.url, ClientIDList: [...d.clientIds], ThumbprintList: [...d.thumbprints], Tags: toIamTags(d.tags) }));
      return { arn: out.OpenIDConnectProviderArn ?? '', url: d.url, clientIds: [...d.clientIds], thumbprints: [...d.thumbprints], tags: { ...d.tags }, owner: 'ours' };
    }
    const arn = a.arn;
    for (const id of a.clientIds.filter((c) => !d.clientIds.includes(c))) {
      await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: id }));
    }
    for (const id of d.clientIds.filter((c) => !a.clientIds.includes(c))) {
      await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: id }));
    }
    if (sorted(a.thumbprints).join() !== sorted(d.thumbprints).join()) {
      await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [...d.thumbprints] }));
    }
    const add = tagsToSet(a.tags, d.tags);
    if (Object.keys(add).length > 0) await iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: toIamTags(add) }));
    return { ...a, clientIds: [...d.clientIds], thumbprints: [...d.thumbprints], tags: { ...a.tags, ...add } };
  },

  outputs: (a) => ({ id: a.arn, arn: a.arn }),

  async delete(ctx, actual) {
    await goneIsDone(() => ctx.clients.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: actual.arn })));
  },

  async findOrphans(ctx, tasks, found) {
    const described = new Set([...found.values()].map((a) => a.arn));
    // Only issuers kops-ts (or kops) can have made, S3-hosted: the account's other providers (EKS
    // clusters', CI's) are not read on every plan.
    const arns = (await listProviderArns(ctx)).filter((arn) => !described.has(arn) && S3_ISSUER_ARN.test(arn));
    const read = await Promise.all(arns.map((arn) => readProvider(ctx, arn)));
    return read
      .filter((a): a is IamOidcProviderActual => a !== undefined && a.owner === 'ours' && a.tags[ownershipTagKey(ctx.clusterName)] !== 'shared')
      .map((a) => ({ name: tasks.length > 0 ? `${tasks[0]!.name} (${a.url})` : providerArnSuffix(a.url), actual: a }));
  },

  notOurs(a): NotOurs | undefined {
    if (a.owner === 'ours') return undefined;
    return {
      code: 'OIDCProviderNotOurs',
      summary: a.owner === 'untagged' ? `the IAM OIDC provider ${a.arn} for this issuer exists without the cluster's tags (made outside kops-ts?)` : `the IAM OIDC provider ${a.arn} for this issuer belongs to cluster ${a.owner.cluster}`,
      hint: 'choose another spec.serviceAccountIssuerDiscovery.discoveryStore, or delete that provider if nothing uses it',
    };
  },
};

/** The account's OIDC provider ARNs, once per run. */
function listProviderArns(ctx: AwsTaskContext): Promise<string[]> {
  return ctx.once('aws.iam.oidc', async () => {
    const out = await ctx.clients.iam.send(new ListOpenIDConnectProvidersCommand({}));
    return (out.OpenIDConnectProviderList ?? []).flatMap((p) => (p.Arn ? [p.Arn] : []));
  });
}

/** A provider's state; undefined when it was deleted since the listing. */
async function readProvider(ctx: AwsTaskContext, arn: string): Promise<IamOidcProviderActual | undefined> {
  try {
    const out = await ctx.clients.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    const url = out.Url ?? '';
    const tags = fromAwsTags(out.Tags);
    return {
      arn,
      url: url.includes('://') ? url : `https://${url}`,
      clientIds: out.ClientIDList ?? [],
      thumbprints: out.ThumbprintList ?? [],
      tags,
      owner: tags[TAG_CLUSTER] === ctx.clusterName || tags[ownershipTagKey(ctx.clusterName)] === 'owned' ? 'ours' : tags[TAG_CLUSTER] ? { cluster: tags[TAG_CLUSTER] } : 'untagged',
    };
  } catch (e) {
    if (isNoSuchEntity(e)) return undefined;
    throw e;
  }
}
