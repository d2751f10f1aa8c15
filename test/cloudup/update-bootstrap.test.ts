/**
 * `update cluster --yes` writes the node bootstrap configuration (igconfig/, addons/) after the
 * apply, against the emulator: the endpoint is the load balancer AWS created, a second update
 * writes nothing, and without a cluster CA nothing is written and a warning says why.
 */
import { ETCD_BACKUP_PY } from '../../src/bootstrap/etcd-backup.js';
import { ETCD_PRUNE_PY } from '../../src/bootstrap/etcd-prune.js';
import { S3_STORE_PY } from '../../src/bootstrap/s3-store.js';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { gunzipSync } from 'node:zlib';
import { caCertHash } from '../../src/bootstrap/kubeadm.js';
import { writeBootstrapAfterApply } from '../../src/cloudup/bootstrap-config.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { openStateStore } from '../../src/statestore/open.js';
import { CONTROL_PLANE_PKI_FILES } from '../../src/bootstrap/user-data.js';
import { primaryItem } from '../../src/pki/keyset.js';
import { KeysetStore } from '../../src/pki/store.js';
import { setupCluster, type E2ECluster } from './update-helpers.js';

function opensslCAPem(): string {
  const dir = mkdtempSync(join(tmpdir(), 'update-ca-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '1', '-subj', '/CN=kubernetes-ca'], { stdio: 'pipe' });
  return readFileSync(join(dir, 'ca.crt'), 'utf8');
}

/** The kubernetes-ca keyset as kops stores it (publicMaterial: base64 of the PEM); the private key is not needed here. */
async function storeCA(c: E2ECluster, pem: string): Promise<void> {
  const keyset = { apiVersion: 'kops.k8s.io/v1alpha2', kind: 'Keyset', metadata: { name: 'kubernetes-ca' }, spec: { type: 'Keypair', primaryID: '1', keys: [{ id: '1', publicMaterial: Buffer.from(pem).toString('base64') }] } };
  await c.cs.store.write(`${c.name}/pki/private/kubernetes-ca/keyset.yaml`, stringify(keyset));
}

async function text(c: E2ECluster, path: string): Promise<string> {
  const o = await c.cs.store.read(path);
  expect(o, path).toBeDefined();
  return Buffer.from(o!.data).toString('utf8');
}

describe('update cluster --yes writes the bootstrap configuration', () => {
  it('writes each group\'s kubeadm files with the load balancer as endpoint, the cilium and cloud-controller addons, then nothing on a second run', async () => {
    const c = await setupCluster({ name: 'boot.example.com', zones: ['us-east-1a'] });
    const first = await c.update(true);
    expect(first.applied?.ok).toBe(true);
    // The cluster CA update made (src/pki), which the join discovery pins.
    const pem = primaryItem((await new KeysetStore(c.cs.store).get(c.name, 'kubernetes-ca')).keyset, c.name).certificate;
    expect(first.warnings.filter((w) => w.code === 'BootstrapConfigNotWritten')).toEqual([]);
    const cp = 'boot.example.com/igconfig/control-plane/control-plane-us-east-1a/';
    const nodes = 'boot.example.com/igconfig/node/nodes-us-east-1a/';
    expect([...(first.bootstrap?.written ?? [])].sort()).toEqual([
      'boot.example.com/addons/aws-cloud-controller-manager/0.0.11-v1.36.1/addon.yaml',
      'boot.example.com/addons/cilium/1.17.4/addon.yaml',
      `${cp}addons.sh`,
      `${cp}bootstrap.env`,
      `${cp}etcd-backup-store.py`,
      `${cp}etcd-backup.py`,
      `${cp}etcd-prune.py`,
      `${cp}kubeadm-init.yaml`,
      `${cp}kubeadm-join.yaml`,
      `${cp}kubeadm-upload.sh`,
      `${cp}kubelet-patch.yaml`,
      ...CONTROL_PLANE_PKI_FILES.map((f) => `${cp}${f}`),
      `${nodes}bootstrap.env`,
      `${nodes}kubeadm-join.yaml`,
      `${nodes}kubelet-patch.yaml`,
    ].sort());
    // The etcd member cleanup a joining control plane fetches (not in its user data).
    expect(await text(c, `${cp}etcd-prune.py`)).toBe(ETCD_PRUNE_PY);
    // The etcd backup its timer runs, and AWS's store helper for it (S3 with the instance role).
    expect(await text(c, `${cp}etcd-backup.py`)).toBe(ETCD_BACKUP_PY);
    expect(await text(c, `${cp}etcd-backup-store.py`)).toBe(S3_STORE_PY);
    // The addons every control plane applies after its init or join, naming the descriptions written beside.
    expect(await text(c, `${cp}addons.sh`)).toContain("CNI_ADDON='addons/cilium/1.17.4/addon.yaml'\nCCM_ADDON='addons/aws-cloud-controller-manager/0.0.11-v1.36.1/addon.yaml'\n");
    const lbs = await c.aws.clients.elbv2.send(new DescribeLoadBalancersCommand({}));
    const dns = lbs.LoadBalancers?.find((l) => l.LoadBalancerName?.startsWith('api-boot'))?.DNSName;
    expect(dns).toBeTruthy();
    const docs = parseAllDocuments(await text(c, `${cp}kubeadm-init.yaml`)).map((d) => d.toJS() as Record<string, unknown>);
    const cc = docs.find((d) => d.kind === 'ClusterConfiguration')!;
    expect(cc.controlPlaneEndpoint).toBe(`${dns}:443`);
    // The digest on kubeadm-init.yaml's first line, written with the load balancer known, is the one
    // the control plane's launch template (planned before it existed) names: its join accepts the file.
    const lt = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'control-plane-us-east-1a.masters.boot.example.com', Versions: ['$Default'] }));
    const userData = gunzipSync(Buffer.from(lt.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData ?? '', 'base64')).toString();
    const digest = /\n {4}clusterConfig: ([0-9a-f]{16})\n/.exec(userData)?.[1];
    expect(digest).toBeDefined();
    expect((await text(c, `${cp}kubeadm-init.yaml`)).split('\n')[0]).toBe(`# kops-ts cluster configuration ${digest}`);
    expect((cc.apiServer as { certSANs: string[] }).certSANs).toContain(dns);
    const join = parseAllDocuments(await text(c, `${nodes}kubeadm-join.yaml`))[0]!.toJS() as { discovery: { bootstrapToken: { token: string; caCertHashes: string[] } } };
    expect(join.discovery.bootstrapToken.caCertHashes).toEqual([caCertHash(pem)]);
    // The same token the control plane registers, kept in the store's secrets.
    const init = docs.find((d) => d.kind === 'InitConfiguration') as { bootstrapTokens: { token: string }[] };
    expect(init.bootstrapTokens[0]!.token).toBe(join.discovery.bootstrapToken.token);
    const secret = JSON.parse(await text(c, 'boot.example.com/secrets/bootstrap-token')) as { Data: string };
    expect(Buffer.from(secret.Data, 'base64').toString()).toBe(join.discovery.bootstrapToken.token);
    // The token is never in what update returns (warnings, results) nor in the env file.
    expect(JSON.stringify({ w: first.warnings, b: first.bootstrap })).not.toContain(join.discovery.bootstrapToken.token);
    expect(await text(c, `${nodes}bootstrap.env`)).toContain(`CNI_ADDON='addons/cilium/1.17.4/addon.yaml'`);
    // The first control plane learns both addons' paths; everything it downloads is pinned, so
    // nothing unpinned is allowed.
    const cpEnv = await text(c, `${cp}bootstrap.env`);
    expect(cpEnv).toContain(`CCM_ADDON='addons/aws-cloud-controller-manager/0.0.11-v1.36.1/addon.yaml'`);
    expect(cpEnv).toContain(`ADDONS_ALLOW_UNPINNED='0'`);
    // create cluster's backupRetentionDays of the main etcd cluster.
    expect(cpEnv).toContain(`ETCD_BACKUP_RETENTION_DAYS='90'`);

    const second = await c.update(true);
    expect(second.bootstrap?.written).toEqual([]);
    expect(second.bootstrap?.unchanged.length).toBe(14 + CONTROL_PLANE_PKI_FILES.length);
  });

  it('the first update --yes makes the cluster CA (src/pki) and writes the bootstrap files in the same run', async () => {
    const c = await setupCluster({ name: 'noca.example.com', zones: ['us-east-1a'] });
    const r = await c.update(true);
    expect(r.applied?.ok).toBe(true);
    expect(r.warnings.filter((x) => x.code === 'BootstrapConfigNotWritten')).toEqual([]);
    expect(await c.cs.store.list('noca.example.com/igconfig/node/')).toContain('noca.example.com/igconfig/node/nodes-us-east-1a/kubeadm-join.yaml');
    expect(await c.cs.readCompletedSpec('noca.example.com')).toBeDefined();

    // Every control-plane group gets exactly the key material its user-data fetches, taken from
    // the keysets: each certificate with its own key, the CA the one the keyset names primary.
    const dir = 'noca.example.com/igconfig/control-plane/control-plane-us-east-1a/';
    const listed = (await c.cs.store.list(dir)).map((p) => p.slice(dir.length));
    expect(listed).toEqual(expect.arrayContaining([...CONTROL_PLANE_PKI_FILES]));
    const ca = (await new KeysetStore(c.cs.store).get('noca.example.com', 'kubernetes-ca')).keyset;
    expect(await text(c, `${dir}pki/ca.crt`)).toBe(primaryItem(ca, c.name).certificate);
    for (const pair of ['pki/ca', 'pki/etcd/ca', 'pki/front-proxy-ca']) {
      const fromCert = createPublicKey(await text(c, `${dir}${pair}.crt`)).export({ format: 'pem', type: 'spki' });
      const fromKey = createPublicKey(createPrivateKey(await text(c, `${dir}${pair}.key`))).export({ format: 'pem', type: 'spki' });
      expect(fromKey, pair).toEqual(fromCert);
    }
    const saPub = createPublicKey(createPrivateKey(await text(c, `${dir}pki/sa.key`))).export({ format: 'pem', type: 'spki' });
    expect(await text(c, `${dir}pki/sa.pub`)).toContain(String(saPub));
    // Workers get none of it.
    expect((await c.cs.store.list('noca.example.com/igconfig/node/')).filter((p) => p.includes('/pki/'))).toEqual([]);
  });

  it('with --instance-group writes only the selected groups\' files', async () => {
    const c = await setupCluster({ name: 'sel.example.com', zones: ['us-east-1a'] });
    await storeCA(c, opensslCAPem());
    const { region: _r, ...awsOpts } = c.aws.options;
    const r = await updateCluster({ clientset: c.cs, clusterName: c.name, aws: awsOpts, yes: true, instanceGroups: ['nodes-us-east-1a'] });
    expect(r.applied?.ok).toBe(true);
    expect(await c.cs.store.list('sel.example.com/igconfig/')).toEqual([
      'sel.example.com/igconfig/node/nodes-us-east-1a/bootstrap.env',
      'sel.example.com/igconfig/node/nodes-us-east-1a/kubeadm-join.yaml',
      'sel.example.com/igconfig/node/nodes-us-east-1a/kubelet-patch.yaml',
    ]);
  });
});

describe('the bootstrap hook on a spec it cannot serve', () => {
  it('turns an unsupported CNI into a warning naming the field, and writes nothing', async () => {
    const built = newCluster({ name: 'flannel.example.com', zones: ['us-east-1a'], networking: 'flannel' });
    const completed = completeCluster(built.cluster, built.instanceGroups);
    const store = openStateStore('memory://hook-flannel');
    const pem = opensslCAPem();
    const actuals = new Map<string, unknown>([['NetworkLoadBalancer/api.flannel.example.com', { dnsName: 'api-flannel.elb.amazonaws.com' }]]);
    await store.write('flannel.example.com/pki/private/kubernetes-ca/keyset.yaml', stringify({ kind: 'Keyset', spec: { keys: [{ id: '1', publicMaterial: pem }] } }));
    const r = await writeBootstrapAfterApply(store, completed, { actuals });
    expect(r.result).toBeUndefined();
    expect(r.warnings.map((w) => w.summary)).toEqual([expect.stringContaining('spec.networking.flannel: kops-ts\'s node bootstrap applies cilium, calico or nothing')]);
    expect(await store.list('flannel.example.com/igconfig/')).toEqual([]);
    expect(await store.list('flannel.example.com/secrets/')).toEqual([]);
  });
});
