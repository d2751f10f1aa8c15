/**
 * `kops-ts delete sshpublickey` on the emulator: the key leaves the store, and the next update
 * does what the command says: the launch templates lose the key pair, the EC2 key pair imported
 * for it is deleted.
 */
import { DescribeKeyPairsCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { fixturePath } from '../model/fixtures.js';
import { tempDir } from '../pki/openssl.js';
import { KEY, cli, snapshot, tempStore } from './harness.js';

const NAME = 'sshdel.k8s.local';

interface PlanJson {
  readonly changes: readonly { kind: string; name: string; action: string; fields?: readonly { field: string }[] }[];
}

describe('kops-ts delete sshpublickey', () => {
  it('deletes the key after --yes; the next update drops it from the launch templates and deletes the EC2 key pair', async () => {
    const aws = testAws();
    const env = { ...(await operatorEnv(aws)), KUBECONFIG: join(tempDir(), 'config') };
    const s = tempStore();
    const state = ['--state', s.url];
    expect((await cli([...state, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env })).code).toBe(0);
    const applied = await cli([...state, 'update', 'cluster', '--name', NAME, '--yes'], { env });
    expect(applied.code, applied.stderr).toBe(0);
    const ec2 = aws.clients.ec2;
    const keyPairs = async () => ((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? []).map((k) => k.KeyName).filter((n) => n?.includes(NAME));
    const [keyPair] = await keyPairs();
    expect(keyPair).toMatch(new RegExp(`^kubernetes\\.${NAME.replace(/\./g, '\\.')}-[0-9a-f:]+$`));
    const id = (await cli([...state, 'get', 'sshpublickeys', '--name', NAME])).stdout.split('\n')[1]!.trim();
    expect(id).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){15}$/);

    const before = snapshot(s.dir);
    const preview = await cli([...state, 'delete', 'sshpublickey', NAME], { env });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`SSH public key ${id} will be deleted from cluster ${NAME}.\n`);
    expect(preview.stdout).toContain('plans the launch templates without a key pair and the deletion of the EC2 key pair imported for the key');
    expect(preview.stdout).toMatch(/Must specify --yes to delete sshpublickey\n$/);
    expect(snapshot(s.dir)).toEqual(before);

    const r = await cli([...state, 'delete', 'sshpublickey', '--name', NAME, '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Deleted SSH public key ${id} from cluster ${NAME}.\n`);
    expect((await cli([...state, 'get', 'sshpublickeys', '--name', NAME])).stdout.trim()).toBe('ID');
    expect((await cli([...state, 'get', 'sshpublickeys', '--name', NAME, '-o', 'json'])).stdout.trim()).toBe('[]');

    // What the command said: the plan drops the key from every launch template and deletes the key pair.
    const planned = await cli([...state, 'update', 'cluster', '--name', NAME, '-o', 'json'], { env });
    const plan = JSON.parse(planned.stdout) as PlanJson;
    const pending = plan.changes.filter((c) => c.action !== 'noop');
    expect(pending.filter((c) => c.kind === 'SSHKey')).toEqual([expect.objectContaining({ name: keyPair, action: 'delete' })]);
    const templates = pending.filter((c) => c.kind === 'LaunchTemplate');
    expect(templates.length).toBe(2);
    for (const t of templates) expect(t.fields?.map((f) => f.field)).toContain('keyName');
    expect(pending.every((c) => c.kind === 'SSHKey' || c.kind === 'LaunchTemplate'), JSON.stringify(pending.map((c) => `${c.kind}/${c.name}`))).toBe(true);

    const update = await cli([...state, 'update', 'cluster', '--name', NAME, '--yes'], { env });
    expect(update.code, update.stderr).toBe(0);
    expect(await keyPairs()).toEqual([]);
    const versions = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: templates[0]!.name, Versions: ['$Default'] }));
    expect(versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.KeyName).toBeUndefined();

    // Again: there is no key left, which is said, exit 0.
    const again = await cli([...state, 'delete', 'sshpublickey', NAME, '--yes'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`Cluster ${NAME} has no SSH public key: nothing to delete\n`);
  }, 240_000);

  it('says when the cluster uses the key pair spec.sshKeyName names (nothing changes in the cloud); an unknown cluster is an error', async () => {
    const s = tempStore();
    expect((await cli(['create', '-f', fixturePath('minimal'), '--state', s.url])).code).toBe(0);
    const cluster = 'minimal.example.com';
    expect((await cli(['--state', s.url, 'create', 'sshpublickey', '--name', cluster, '-i', KEY])).code).toBe(0);
    expect((await cli(['--state', s.url, 'edit', 'cluster', cluster, '--set', 'spec.sshKeyName=corp-admin'])).code).toBe(0);
    const r = await cli(['--state', s.url, 'delete', 'sshpublickeys', cluster, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('use the EC2 key pair "corp-admin" that spec.sshKeyName names, not this key: the next `kops-ts update cluster --name minimal.example.com` changes nothing in the cloud for it.');
    expect((await cli(['--state', s.url, 'get', 'sshpublickeys', '--name', cluster, '-o', 'json'])).stdout.trim()).toBe('[]');
    const missing = await cli(['--state', s.url, 'delete', 'sshpublickey', 'nope.example.com', '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cluster "nope.example.com" not found');
  });
});
