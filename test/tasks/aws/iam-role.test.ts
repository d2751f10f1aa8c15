import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { canonicalPolicy, decodePolicy } from '../../../src/tasks/aws/iam-listing.js';
import { iamRoleKind, type IamRoleDesired } from '../../../src/tasks/aws/iam-role.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'iam.example.com';

const EC2_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

const READ_ONLY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }] };

function role(name: string, over: Partial<IamRoleDesired> = {}): Task<IamRoleDesired> {
  return { kind: 'IAMRole', name, desired: { assumeRolePolicy: EC2_TRUST, tags: { Name: name, ...ownershipTags(C) }, ...over } };
}

describe('policy documents', () => {
  it('compares documents as parsed JSON: key order, whitespace and URL encoding do not matter', () => {
    const reordered = `{ "Statement": [ { "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}, "Effect": "Allow" } ],\n "Version": "2012-10-17" }`;
    expect(canonicalPolicy(reordered)).toBe(canonicalPolicy(EC2_TRUST));
    const encoded = encodeURIComponent(JSON.stringify(EC2_TRUST));
    expect(canonicalPolicy(decodePolicy(encoded, 'here'))).toBe(canonicalPolicy(EC2_TRUST));
    // A literal '%' in a plain document is not mistaken for URL encoding.
    expect(decodePolicy('{"Sid":"100%"}', 'here')).toEqual({ Sid: '100%' });
    expect(canonicalPolicy(EC2_TRUST).split('\n').length).toBeGreaterThan(5);
    expect(() => decodePolicy('%7Bnot json', 'IAM role x')).toThrow(/IAM role x: the policy document is not valid JSON/);
  });
});

describe('IAMRole', () => {
  it('creates roles with their trust policy and tags, and plans no change on the next run', async () => {
    const ctx = awsTestContext(C);
    // The same document written as text with another key order still compares equal.
    const text = role(`nodes.${C}`, { assumeRolePolicy: JSON.stringify({ Statement: EC2_TRUST.Statement, Version: EC2_TRUST.Version }, null, 4) });
    const { outputs } = await expectIdempotent(ctx, iamRoleKind, [role(`masters.${C}`), text]);
    const got = await ctx.clients.iam.send(new GetRoleCommand({ RoleName: `masters.${C}` }));
    expect(got.Role?.Tags).toContainEqual({ Key: 'KubernetesCluster', Value: C });
    expect(canonicalPolicy(decodePolicy(got.Role!.AssumeRolePolicyDocument!, 'x'))).toBe(canonicalPolicy(EC2_TRUST));
    expect(outputs[`IAMRole/masters.${C}`]).toEqual({ id: got.Role?.RoleId, name: `masters.${C}`, arn: got.Role?.Arn });
  });

  it('updates the trust policy in place, as an IAM change shown as a document diff', async () => {
    const ctx = awsTestContext(C);
    const name = `masters.${C}`;
    await converge(ctx, iamRoleKind, [role(name)]);
    const wider = role(name, {
      assumeRolePolicy: { ...EC2_TRUST, Statement: [...EC2_TRUST.Statement, { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] },
    });
    const [change] = await planKind(nextRun(ctx), iamRoleKind, [wider]);
    expect(change?.action).toBe('update');
    expect(change?.security).toEqual(['iam']);
    expect(change?.fields).toEqual([expect.objectContaining({ field: 'assumeRolePolicy', blob: true, security: 'iam', forcesReplacement: false })]);
    expect(String(change?.fields[0]?.after)).toContain('"AWS": "*"');
    await converge(nextRun(ctx), iamRoleKind, [wider]);
    const got = await ctx.clients.iam.send(new GetRoleCommand({ RoleName: name }));
    expect(decodePolicy(got.Role!.AssumeRolePolicyDocument!, 'x')).toMatchObject({ Statement: [{}, { Principal: { AWS: '*' } }] });
    await expectIdempotent(nextRun(ctx), iamRoleKind, [wider]);
  });

  it('shows drift (trust policy or tags changed by hand) and apply restores it', async () => {
    const ctx = awsTestContext(C);
    const task = role(`nodes.${C}`);
    await converge(ctx, iamRoleKind, [task]);
    await ctx.clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: task.name, PolicyDocument: JSON.stringify({ ...EC2_TRUST, Statement: [{ ...EC2_TRUST.Statement[0], Principal: { Service: 'lambda.amazonaws.com' } }] }) }));
    await ctx.clients.iam.send(new UntagRoleCommand({ RoleName: task.name, TagKeys: ['KubernetesCluster'] }));
    const [change] = await planKind(nextRun(ctx), iamRoleKind, [task]);
    expect(change?.action).toBe('update');
    expect(change?.fields.map((f) => f.field)).toEqual(['assumeRolePolicy', 'tags']);
    await converge(nextRun(ctx), iamRoleKind, [task]);
    await expectIdempotent(nextRun(ctx), iamRoleKind, [task]);
  });

  it('lists IAM with a constant number of calls, whatever the number of roles', async () => {
    const ctx = awsTestContext(C);
    const tasks = ['masters', 'nodes', 'bastions'].map((p) => role(`${p}.${C}`));
    await converge(ctx, iamRoleKind, tasks);
    const counts: number[] = [];
    for (const some of [tasks.slice(0, 1), tasks]) {
      ctx.aws.counter.reset();
      expect((await iamRoleKind.find(nextRun(ctx), some)).size).toBe(some.length);
      counts.push(ctx.aws.counter.total());
    }
    // GetAccountAuthorizationDetails + ListInstanceProfiles, shared by the four IAM kinds.
    expect(counts).toEqual([2, 2]);
  });

  it('deletes a role with its inline policies and instance profile membership', async () => {
    const ctx = awsTestContext(C);
    const task = role(`bastions.${C}`);
    await converge(ctx, iamRoleKind, [task]);
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: task.name, PolicyName: task.name, PolicyDocument: JSON.stringify(READ_ONLY) }));
    await ctx.clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: task.name }));
    await ctx.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: task.name, RoleName: task.name }));
    const actual = (await iamRoleKind.find(nextRun(ctx), [task])).get(task.name)!;
    await iamRoleKind.delete!(ctx, actual);
    await iamRoleKind.delete!(ctx, actual);
    expect((await iamRoleKind.find(nextRun(ctx), [task])).size).toBe(0);
  });

  it('refuses a role name longer than IAM allows, before calling AWS', async () => {
    const ctx = awsTestContext(C);
    const long = role(`masters.${'x'.repeat(60)}.example.com`);
    ctx.aws.counter.reset();
    const p = iamRoleKind.apply(ctx, { action: 'create', name: long.name, desired: long.desired, fields: [], refs: staticRefs({}) });
    await expect(p).rejects.toThrow(KopsError);
    await expect(p).rejects.toThrow(/IAM allows at most 64/);
    expect(ctx.aws.counter.total()).toBe(0);
  });
});
