import { CreateOpenIDConnectProviderCommand, GetOpenIDConnectProviderCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { iamOidcProviderKind, S3_ROOT_CA_THUMBPRINTS, type IamOidcProviderDesired } from '../../../src/tasks/aws/iam-oidc-provider.js';
import type { Task } from '../../../src/tasks/types.js';
import type { AwsClients } from '../../../src/cloud/aws/clients.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'oidc.example.com';
const URL = `https://oidc-bucket.s3.us-east-1.amazonaws.com/${C}`;

function provider(clientIds = ['amazonaws.com'], url = URL, cluster = C): Task<IamOidcProviderDesired> {
  return { kind: 'IAMOIDCProvider', name: cluster, desired: { url, clientIds, thumbprints: S3_ROOT_CA_THUMBPRINTS, tags: { Name: cluster, ...ownershipTags(cluster) } } };
}

describe('IAMOIDCProvider', () => {
  it('creates the provider for the issuer with its client ids, thumbprints and tags, and plans no change on the next run', async () => {
    const ctx = awsTestContext(C);
    const { outputs } = await expectIdempotent(ctx, iamOidcProviderKind, [provider(['amazonaws.com', 'sts.amazonaws.com'])]);
    const arn = outputs[`IAMOIDCProvider/${C}`]!.arn!;
    expect(arn).toMatch(new RegExp(`:oidc-provider/oidc-bucket\\.s3\\.us-east-1\\.amazonaws\\.com/${C.replace(/\./g, '\\.')}$`));
    const got = await ctx.clients.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect([...(got.ClientIDList ?? [])].sort()).toEqual(['amazonaws.com', 'sts.amazonaws.com']);
    expect([...(got.ThumbprintList ?? [])].sort()).toEqual([...S3_ROOT_CA_THUMBPRINTS].sort());
    expect(got.Tags).toContainEqual({ Key: `kubernetes.io/cluster/${C}`, Value: 'owned' });
  });

  it('plans a change of audiences as an in-place update of clientIds alone', async () => {
    const ctx = awsTestContext(C);
    await converge(ctx, iamOidcProviderKind, [provider(['amazonaws.com', 'old'])]);
    const [change] = await planKind(nextRun(ctx), iamOidcProviderKind, [provider(['amazonaws.com', 'new'])]);
    expect(change?.action).toBe('update');
    expect(change?.fields.map((f) => f.field)).toEqual(['clientIds']);
    expect(change?.security).toEqual(['iam']);
  });

  // moto has no AddClientIDToOpenIDConnectProvider / RemoveClientIDFromOpenIDConnectProvider
  // (docs/aws-errors.md, "IAM OIDC providers"): the apply's calls are recorded instead.
  it('applies an audience change by removing and adding client ids, nothing else', async () => {
    const sent: { op: string; input: Record<string, unknown> }[] = [];
    const iam = { send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => (sent.push({ op: cmd.constructor.name, input: cmd.input }), {}) };
    const ctx = { ...awsTestContext(C), clients: { iam } as unknown as AwsClients };
    const actual = { arn: 'arn:aws:iam::123456789012:oidc-provider/x', url: URL, clientIds: ['amazonaws.com', 'old'], thumbprints: [...S3_ROOT_CA_THUMBPRINTS], tags: provider().desired.tags, owner: 'ours' as const };
    const desired = provider(['amazonaws.com', 'new']).desired;
    const after = await iamOidcProviderKind.apply(ctx, { action: 'update', name: C, desired, actual, fields: [], refs: staticRefs({}) });
    expect(sent).toEqual([
      { op: 'RemoveClientIDFromOpenIDConnectProviderCommand', input: { OpenIDConnectProviderArn: actual.arn, ClientID: 'old' } },
      { op: 'AddClientIDToOpenIDConnectProviderCommand', input: { OpenIDConnectProviderArn: actual.arn, ClientID: 'new' } },
    ]);
    expect(after.clientIds).toEqual(['amazonaws.com', 'new']);
  });

  it('replaces the provider when the issuer moves, and the old one is an orphan of the cluster', async () => {
    const ctx = awsTestContext(C);
    await converge(ctx, iamOidcProviderKind, [provider()]);
    const moved = provider(['amazonaws.com'], `https://other-bucket.s3.us-east-1.amazonaws.com/${C}`);
    const [change] = await planKind(nextRun(ctx), iamOidcProviderKind, [moved]);
    expect(change?.action).toBe('create');
    const run = nextRun(ctx);
    const found = await iamOidcProviderKind.find(run, [moved]);
    const orphans = await iamOidcProviderKind.findOrphans!(run, [moved], found);
    expect(orphans.map((o) => o.actual.url)).toEqual([URL]);
    // Turned off altogether: no task, the provider is still found as the cluster's orphan.
    expect((await iamOidcProviderKind.findOrphans!(nextRun(ctx), [], new Map())).map((o) => o.actual.url)).toEqual([URL]);
    await iamOidcProviderKind.delete!(ctx, orphans[0]!.actual);
    await iamOidcProviderKind.delete!(ctx, orphans[0]!.actual); // already gone is done
    expect(await iamOidcProviderKind.findOrphans!(nextRun(ctx), [], new Map())).toEqual([]);
  });

  it("never takes another cluster's provider or one made by hand for the same issuer", async () => {
    const ctx = awsTestContext(C);
    await ctx.clients.iam.send(new CreateOpenIDConnectProviderCommand({ Url: URL, ClientIDList: ['amazonaws.com'], ThumbprintList: [...S3_ROOT_CA_THUMBPRINTS] }));
    const found = await iamOidcProviderKind.find(ctx, [provider()]);
    expect(iamOidcProviderKind.notOurs!(found.get(C)!)).toMatchObject({ code: 'OIDCProviderNotOurs', summary: expect.stringContaining("without the cluster's tags") });
    expect(await iamOidcProviderKind.findOrphans!(nextRun(ctx), [], new Map())).toEqual([]);
    const other = awsTestContext('other.example.com');
    const otherUrl = 'https://oidc-bucket.s3.us-east-1.amazonaws.com/other';
    await converge(other, iamOidcProviderKind, [provider(['amazonaws.com'], otherUrl, 'other.example.com')]);
    const theirs = await iamOidcProviderKind.find({ ...other, clusterName: C, once: nextRun(other).once }, [provider(['amazonaws.com'], otherUrl)]);
    expect(iamOidcProviderKind.notOurs!(theirs.get(C)!)).toMatchObject({ summary: expect.stringContaining('belongs to cluster other.example.com') });
  });

  it('the orphan search reads no provider whose issuer is not an S3 bucket', async () => {
    const ctx = awsTestContext(C);
    await ctx.clients.iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC', ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [S3_ROOT_CA_THUMBPRINTS[0]!] }));
    ctx.aws.counter.reset();
    expect(await iamOidcProviderKind.findOrphans!(nextRun(ctx), [], new Map())).toEqual([]);
    expect(ctx.aws.counter.total()).toBe(1);
  });

  it('finds with one listing and one read per wanted provider', async () => {
    const ctx = awsTestContext(C);
    await converge(ctx, iamOidcProviderKind, [provider()]);
    await ctx.clients.iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://unrelated.example.com', ClientIDList: ['x'], ThumbprintList: [S3_ROOT_CA_THUMBPRINTS[0]!] }));
    expect((await ctx.clients.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toHaveLength(2);
    ctx.aws.counter.reset();
    expect((await iamOidcProviderKind.find(nextRun(ctx), [provider()])).size).toBe(1);
    expect(ctx.aws.counter.total()).toBe(2);
  });
});
