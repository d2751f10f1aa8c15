import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { iamRoleKind, iamRoleRef, type IamRoleDesired } from '../../../src/tasks/aws/iam-role.js';
import { attachmentName, iamRolePolicyAttachmentKind, type IamRolePolicyAttachmentDesired } from '../../../src/tasks/aws/iam-role-policy-attachment.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'attach.example.com';
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const READ = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

const role = (name: string): Task<IamRoleDesired> => ({ kind: 'IAMRole', name, desired: { assumeRolePolicy: TRUST, tags: { Name: name, ...ownershipTags(C) } } });
const attachment = (roleName: string, policyArn: string): Task<IamRolePolicyAttachmentDesired> => ({
  kind: 'IAMRolePolicyAttachment',
  name: attachmentName(roleName, policyArn),
  desired: { role: iamRoleRef(roleName), policyArn, specField: 'spec.externalPolicies.node' },
});

async function setup() {
  const ctx = awsTestContext(C);
  const roles = await converge(ctx, iamRoleKind, [role(`masters.${C}`), role(`nodes.${C}`)]);
  const policy = async (name: string) => (await ctx.clients.iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify(READ) }))).Policy!.Arn!;
  const arns = [await policy('external-dns'), await policy('artifacts'), await policy('by-hand')];
  return { ctx: nextRun(ctx), refs: staticRefs(roles), arns };
}

async function attached(ctx: ReturnType<typeof awsTestContext>, roleName: string): Promise<string[]> {
  const out = await ctx.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  return (out.AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
}

describe('IAMRolePolicyAttachment', () => {
  it('attaches managed policies, as an IAM change, and plans no change on the next run', async () => {
    const { ctx, refs, arns } = await setup();
    const tasks = [attachment(`nodes.${C}`, arns[0]!), attachment(`nodes.${C}`, arns[1]!), attachment(`masters.${C}`, arns[0]!)];
    const plan = await planKind(ctx, iamRolePolicyAttachmentKind, tasks, refs);
    expect(plan.map((c) => [c.action, c.security])).toEqual(tasks.map(() => ['create', ['iam']]));
    expect(plan[0]?.fields.map((f) => [f.field, f.after])).toEqual([['policyArn', arns[0]], ['role', `nodes.${C}`]]);
    await expectIdempotent(ctx, iamRolePolicyAttachmentKind, tasks, refs);
    expect(await attached(ctx, `nodes.${C}`)).toEqual([arns[0], arns[1]].sort());
    expect(await attached(ctx, `masters.${C}`)).toEqual([arns[0]]);
  });

  it("detaches, as orphans, the cluster's roles' policies no task describes (removed from the spec, or attached by hand); never another role's", async () => {
    const { ctx, refs, arns } = await setup();
    const kept = attachment(`nodes.${C}`, arns[0]!);
    await converge(ctx, iamRolePolicyAttachmentKind, [kept, attachment(`nodes.${C}`, arns[1]!)], refs);
    await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: `masters.${C}`, PolicyArn: arns[2] }));
    await ctx.clients.iam.send(new CreateRoleCommand({ RoleName: 'someone-else', AssumeRolePolicyDocument: JSON.stringify(TRUST) }));
    await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: 'someone-else', PolicyArn: arns[1] }));
    const run = nextRun(ctx);
    const found = await iamRolePolicyAttachmentKind.find(run, [kept]);
    const orphans = await iamRolePolicyAttachmentKind.findOrphans!(run, [kept], found);
    expect(orphans.map((o) => o.name).sort()).toEqual([attachmentName(`masters.${C}`, arns[2]!), attachmentName(`nodes.${C}`, arns[1]!)].sort());
    for (const o of orphans) await iamRolePolicyAttachmentKind.delete!(ctx, o.actual);
    // Already detached: no error (a retried delete).
    await iamRolePolicyAttachmentKind.delete!(ctx, orphans[0]!.actual);
    expect(await attached(ctx, `nodes.${C}`)).toEqual([arns[0]]);
    expect(await attached(ctx, `masters.${C}`)).toEqual([]);
    expect(await attached(ctx, 'someone-else')).toEqual([arns[1]]);
  });

  it('reports a policy that does not exist as ExternalPolicyNotFound, naming the spec field', async () => {
    const { ctx, refs } = await setup();
    const missing = `arn:aws:iam::${ctx.aws.account}:policy/not-there`;
    let err: unknown;
    try {
      await converge(ctx, iamRolePolicyAttachmentKind, [attachment(`nodes.${C}`, missing)], refs);
    } catch (e) {
      err = e;
    }
    expect(KopsError.is(err, 'ExternalPolicyNotFound')).toBe(true);
    expect((err as KopsError).message).toBe(`spec.externalPolicies.node: ${missing} does not exist or cannot be attached to nodes.${C} (IAM answered NoSuchEntity)`);
    expect(await attached(ctx, `nodes.${C}`)).toEqual([]);
  });

  it("leaves a missing role's NoSuchEntity as IAM's, even when the role's name says policy", async () => {
    const { ctx, arns } = await setup();
    const task = attachment('nodes.policy.example.com', arns[0]!);
    let err: unknown;
    try {
      await converge(ctx, iamRolePolicyAttachmentKind, [task], staticRefs({ 'IAMRole/nodes.policy.example.com': { name: 'nodes.policy.example.com' } }));
    } catch (e) {
      err = e;
    }
    expect(KopsError.is(err, 'ExternalPolicyNotFound')).toBe(false);
    expect((err as { name?: string }).name).toMatch(/^NoSuchEntity/);
  });

  it('finds attachments in the IAM listing: the same two calls for one task or many', async () => {
    const { ctx, refs, arns } = await setup();
    const tasks = arns.map((a) => attachment(`nodes.${C}`, a));
    await converge(ctx, iamRolePolicyAttachmentKind, tasks, refs);
    const counts: number[] = [];
    for (const some of [tasks.slice(0, 1), tasks]) {
      const run = nextRun(ctx);
      ctx.aws.counter.reset();
      const found = await iamRolePolicyAttachmentKind.find(run, some);
      await iamRolePolicyAttachmentKind.findOrphans!(run, some, found);
      expect(found.size).toBe(some.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([2, 2]);
  });
});
