/**
 * `kops-ts delete cluster` of a `--dns private` cluster, end to end in-process against a fresh
 * emulator account: the private zone's association with the cluster's VPC is in the preview (table
 * and -o json), is removed before the VPC with --yes, and the zone is reported as kept.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { KEY, cli, tempStore } from './harness.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { ownedLeft } from '../cloudup/delete-cluster-helpers.js';
import { tempDir } from '../pki/openssl.js';

const NAME = 'del.priv.example.com';
const ZONE = 'priv.example.com';

describe('kops-ts delete cluster (private DNS)', () => {
  it("lists the zone's association with the cluster's VPC, removes it before the VPC, and keeps the zone and the user's VPC in it", async () => {
    const aws = testAws();
    const users = (await aws.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.90.0.0/16' }))).Vpc!.VpcId!;
    const zone = await aws.clients.route53.send(
      new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `cli-${aws.account}`, VPC: { VPCId: users, VPCRegion: 'us-east-1' }, HostedZoneConfig: { PrivateZone: true } }),
    );
    const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    const env = { ...(await operatorEnv(aws)), KUBECONFIG: join(tempDir(), 'config') };
    const store = tempStore();
    const created = await cli(['--state', store.url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--dns', 'private', '--ssh-public-key', KEY], { env });
    expect(created.code, created.stderr).toBe(0);
    const update = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '--yes'], { env });
    expect(update.code, update.stderr).toBe(0);
    const vpcsOfZone = async () => ((await aws.clients.route53.send(new GetHostedZoneCommand({ Id: zoneId }))).VPCs ?? []).map((v) => v.VPCId ?? '').sort();
    const both = await vpcsOfZone();
    const clusterVpc = both.find((v) => v !== users) ?? '';
    expect(both).toHaveLength(2);

    const listing = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME], { env });
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.stdout).toMatch(new RegExp(`^hosted-zone-association\\s+${ZONE.replace(/\./g, '\\.')}\\s+${zoneId}/${clusterVpc}$`, 'm'));
    const json = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '-o', 'json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { items: unknown[] }).items).toContainEqual({ type: 'hosted-zone-association', name: ZONE, id: `${zoneId}/${clusterVpc}` });
    expect(await vpcsOfZone()).toEqual(both);

    const r = await cli(['--state', store.url, 'delete', 'cluster', '--name', NAME, '--yes', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const progress = r.stderr.split('\n');
    const assocAt = progress.indexOf(`hosted-zone-association:${zoneId}/${clusterVpc}\tok`);
    expect(assocAt).toBeGreaterThanOrEqual(0);
    expect(assocAt).toBeLessThan(progress.indexOf(`vpc:${clusterVpc}\tok`));
    const doc = JSON.parse(r.stdout) as { deleted: { type: string; id: string }[]; notDeleted: { what: string; why: string }[] };
    expect(doc.deleted).toContainEqual({ type: 'hosted-zone-association', name: ZONE, id: `${zoneId}/${clusterVpc}` });
    expect(doc.notDeleted.map((n) => n.what)).toContain(`Route53 hosted zone ${ZONE} (${zoneId})`);
    expect(await vpcsOfZone()).toEqual([users]);
    expect(await ownedLeft(aws, NAME)).toEqual([]);
  }, 240_000);
});
