/**
 * An applied AWS cluster (create + update --yes on the emulator, file:// state) migrated to an
 * s3:// store: `update cluster` at the destination plans only what names the store (the instance
 * roles' S3 statements, the launch templates' user data), and nothing else.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { KEY, cli, cliOk, tempStore } from './harness.js';

describe('migrate state of an applied AWS cluster', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('file:// → s3://: the plan at the destination changes only the store location', async () => {
    const aws = testAws();
    const bucket = uniqueBucket('kops-ts-mig');
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const src = tempStore();
    const to = `s3://${bucket}/state`;
    const env = { AWS_ENDPOINT_URL: aws.endpoint, AWS_ACCESS_KEY_ID: aws.options.credentials!.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.options.credentials!.secretAccessKey, AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' };
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const name = 'moved.example.com';
    await cliOk(['create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', src.url], { env });
    await cliOk(['update', 'cluster', '--name', name, '--yes', '--state', src.url], { env });
    const preview = await cliOk(['migrate', 'state', '--name', name, '--to', to, '--state', src.url], { env });
    expect(preview).toContain(`kops-ts update cluster --yes --name ${name} --state ${to}`);
    expect(preview).toContain(`kops-ts rolling-update cluster --yes --name ${name} --state ${to}`);
    await cliOk(['migrate', 'state', '--name', name, '--to', to, '--state', src.url, '--yes'], { env });
    const plan = await cli(['update', 'cluster', '--name', name, '--state', to, '-o', 'json'], { env });
    expect(plan.stderr).toBe('');
    const doc = JSON.parse(plan.stdout) as { summary: Record<string, number>; changes: { key: string; action: string; fields: { field: string; before?: unknown; after?: unknown }[] }[] };
    expect(doc.summary).toMatchObject({ create: 0, update: 4, replace: 0, delete: 0 });
    expect(doc.changes.map((c) => `${c.key} ${c.action} ${c.fields.map((f) => f.field).join(',')}`).sort()).toEqual([
      `IAMRolePolicy/masters.${name} update document`,
      `IAMRolePolicy/nodes.${name} update document`,
      `LaunchTemplate/control-plane-us-east-1a.masters.${name} update userData`,
      `LaunchTemplate/nodes-us-east-1a.${name} update userData`,
    ]);
    // The roles now name the new bucket and prefix (a file:// store gave them none).
    const roles = doc.changes.filter((c) => c.key.startsWith('IAMRolePolicy/')).map((c) => String(c.fields[0]!.after));
    for (const r of roles) expect(r).toContain(`arn:aws:s3:::${bucket}/state/${name}/`);
    await cliOk(['update', 'cluster', '--name', name, '--state', to, '--yes'], { env });
    const after = JSON.parse(await cliOk(['update', 'cluster', '--name', name, '--state', to, '-o', 'json'], { env })) as { summary: Record<string, number> };
    expect(after.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });
});
