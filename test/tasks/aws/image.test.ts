import { DescribeImagesCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { imageKind, parseImageSpec } from '../../../src/tasks/aws/image.js';
import { KopsError } from '../../../src/diagnostics.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, staticRefs } from './harness.js';

const task = (name: string, spec: string): Task<{ spec: string }> => ({ kind: 'Image', name, desired: { spec }, shared: true });

describe('Image', () => {
  it('parses kops image specs: ids, owner aliases and account ids', () => {
    expect(parseImageSpec('ami-0123abcd')).toEqual({ id: 'ami-0123abcd' });
    expect(parseImageSpec('ubuntu/images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20250101')).toEqual({
      owner: '099720109477',
      name: 'images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20250101',
    });
    expect(parseImageSpec('123456789012/my-image')).toEqual({ owner: '123456789012', name: 'my-image' });
  });

  it('resolves every image of a plan in one call, newest match first', async () => {
    const ctx = awsTestContext();
    const ec2 = ctx.clients.ec2;
    const old = await ec2.send(new RegisterImageCommand({ Name: 'kops-ts-test-node-2024', RootDeviceName: '/dev/sda1' }));
    const a = await ec2.send(new RegisterImageCommand({ Name: 'kops-ts-test-cp', RootDeviceName: '/dev/sda1' }));
    const described = await ec2.send(new DescribeImagesCommand({ ImageIds: [old.ImageId!] }));
    const owner = described.Images?.[0]?.OwnerId ?? '';
    ctx.aws.counter.reset();
    const tasks = [task('cp', `${owner}/kops-ts-test-cp`), task('nodes', `${owner}/kops-ts-test-node-*`), task('missing', `${owner}/nope`)];
    const found = await imageKind.find(ctx, tasks);
    expect(found.get('cp')?.id).toBe(a.ImageId);
    expect(found.get('nodes')?.id).toBe(old.ImageId);
    expect(found.has('missing')).toBe(false);
    expect(ctx.aws.counter.total()).toBe(1);
  });

  it('refuses to create an image, naming the spec and what to check', async () => {
    const ctx = awsTestContext();
    const p = imageKind.apply(ctx, { action: 'create', name: 'x', desired: { spec: 'ubuntu/none' }, fields: [], refs: staticRefs({}) });
    await expect(p).rejects.toThrow(KopsError);
    await expect(p).rejects.toThrow(/image "ubuntu\/none" was not found/);
  });
});
