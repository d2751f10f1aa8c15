/**
 * `gcecp.py` (src/bootstrap/gce-control-planes.ts), run with the real python3 against the fake Compute API
 * (test/fakes/gce-compute.ts: `instances.aggregatedList` with Compute's label filter and paging,
 * MIG instances with internal IPs from their subnetwork, `instances.stop`, IAM, the bearer token
 * required) and a fake metadata server (`Metadata-Flavor: Google` required). The instances are
 * created by MIGs from templates carrying the labels the model sets (src/model/gce/labels.ts):
 * - it prints the internal IP of each of this cluster's control planes, in every zone, the stopped
 *   (TERMINATED) one too; not another cluster's control plane, this cluster's workers, nor an
 *   instance without labels; it follows every page;
 * - it needs `compute.instances.list` alone; without it, Google's 403 gives exit 1 and one stderr
 *   line naming the status, never the token; a 503 is retried;
 * - the control planes' helper files carry it (0755), the workers' do not.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gceCloudBootstrap } from '../../src/bootstrap/gce-bootstrap.js';
import { bootstrapBody } from '../../src/bootstrap/node-scripts.js';
import { GCE_CONTROL_PLANE_ROLE_LABEL, GCE_CONTROL_PLANES_PATH, GCE_CONTROL_PLANES_PY, gceControlPlanesCommand } from '../../src/bootstrap/gce-control-planes.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { buildGceTasks } from '../../src/model/gce/index.js';
import { clusterLabelValue } from '../../src/model/gce/labels.js';
import { GCE_KINDS, GCE_LABEL_CLUSTER, type GceInstanceTemplateDesired } from '../../src/tasks/gce/types.js';
import { FakeGceCompute, type Json } from '../fakes/gce-compute.js';

const TOKEN = 'ya29.cp-token-never-printed';
const PROJECT = 'my-project';
const CLUSTER = 'g.example.com';
const LABEL = clusterLabelValue(CLUSTER);
const API = `/compute/v1/projects/${PROJECT}`;
const LINK = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;

const work = mkdtempSync(join(tmpdir(), 'kops-ts-gcecp-'));
const script = join(work, 'gcecp.py');
writeFileSync(script, GCE_CONTROL_PLANES_PY);
chmodSync(script, 0o755);

const compute = new FakeGceCompute();
compute.requireToken = TOKEN;
let metadata: { server: Server; url: string };

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { PATH: process.env.PATH ?? '', KOPS_TS_GCE_METADATA: metadata.url, KOPS_TS_COMPUTE_ENDPOINT: `${compute.endpoint}/compute/v1`, KOPS_TS_ATTEMPTS: '2', KOPS_TS_INTERVAL: '0' };
  return new Promise((resolve) => {
    execFile('python3', [script, ...args], { env: { ...base, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function call(method: string, path: string, body?: Json): Promise<Json> {
  const res = await fetch(`${compute.endpoint}${API}/${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const out = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** The labels of the instance templates the model builds for a cluster, by group name. */
function modelLabels(name: string): Map<string, Record<string, string>> {
  const built = newCluster({ name, zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'], controlPlaneCount: 3, project: PROJECT });
  const c = completeCluster(built.cluster, built.instanceGroups);
  const tasks = buildGceTasks({ ...c, stateStore: { bucket: 'state-bucket', prefix: '' } });
  const out = new Map<string, Record<string, string>>();
  for (const t of tasks.filter((x) => x.kind === GCE_KINDS.instanceTemplate)) {
    const labels = (t.desired as GceInstanceTemplateDesired).labels;
    out.set(labels['k8s-io-instance-group'] ?? '', { ...labels });
  }
  return out;
}

/** One MIG of `size` instances named `<base>-xxxx` in `zone`, from a template with these labels. */
async function group(base: string, zone: string, size: number, labels: Record<string, string> | undefined, subnetwork?: string): Promise<void> {
  const nic = subnetwork ? { network: `${LINK}/global/networks/net`, subnetwork } : { network: `${LINK}/global/networks/default` };
  await call('POST', 'global/instanceTemplates', { name: `${base}-tpl`, properties: { machineType: 'e2-medium', ...(labels ? { labels } : {}), networkInterfaces: [nic] } });
  await call('POST', `zones/${zone}/instanceGroupManagers`, { name: `${base}-mig`, baseInstanceName: base, instanceTemplate: `${LINK}/global/instanceTemplates/${base}-tpl`, targetSize: size });
}

/** `<zone>/<name>` → the instance, for the instances whose name starts with `<base>-`. */
function instancesOf(base: string): Json[] {
  return compute.all(PROJECT, 'instances').filter((i) => String(i.name).startsWith(`${base}-`));
}
const ipOf = (i: Json): string => (i.networkInterfaces as { networkIP: string }[])[0]?.networkIP ?? '';

let controlPlaneIps: string[] = [];
let stopped = '';

beforeAll(async () => {
  metadata = await new Promise((resolve) => {
    const server = createServer((req, res) => {
      const values: Record<string, string> = {
        '/computeMetadata/v1/instance/service-accounts/default/token': JSON.stringify({ access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' }),
        '/computeMetadata/v1/project/project-id': PROJECT,
      };
      const v = values[req.url ?? ''];
      res.statusCode = req.headers['metadata-flavor'] !== 'Google' ? 403 : v === undefined ? 404 : 200;
      res.end(res.statusCode === 200 ? v : '');
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
  await compute.start();
  await call('POST', 'global/networks', { name: 'net', autoCreateSubnetworks: false });
  await call('POST', 'regions/us-central1/subnetworks', { name: 'us-central1', network: `${LINK}/global/networks/net`, ipCidrRange: '10.0.16.0/20' });
  const subnet = `${LINK}/regions/us-central1/subnetworks/us-central1`;
  const ours = modelLabels(CLUSTER);
  const theirs = modelLabels('other.example.com');
  for (const z of ['a', 'b', 'c']) await group(`cp-${z}`, `us-central1-${z}`, 1, ours.get(`control-plane-us-central1-${z}`), subnet);
  await group('other-cp', 'us-central1-a', 1, theirs.get('control-plane-us-central1-a'), subnet);
  await group('nodes', 'us-central1-a', 2, ours.get('nodes-us-central1-a'), subnet);
  await group('plain', 'us-east1-b', 1, undefined);
  // One control plane stopped: TERMINATED, it may start again, so it still counts.
  const b = instancesOf('cp-b')[0]!;
  await call('POST', `zones/us-central1-b/instances/${String(b.name)}/stop`);
  stopped = ipOf(b);
  controlPlaneIps = ['cp-a', 'cp-b', 'cp-c'].flatMap(instancesOf).map(ipOf).sort();
});
afterAll(async () => {
  metadata.server.close();
  await compute.stop();
  rmSync(work, { recursive: true, force: true });
});

const aggregated = () => compute.calls.filter((c) => c.method === 'GET' && c.path === `${API}/aggregated/instances`);

describe('gcecp.py', () => {
  it("the model's control-plane templates carry the labels it filters on; the decoys exist", () => {
    for (const [ig, labels] of modelLabels(CLUSTER)) {
      if (!ig.startsWith('control-plane-')) expect(labels[GCE_CONTROL_PLANE_ROLE_LABEL], ig).toBeUndefined();
      else expect(labels, ig).toMatchObject({ [GCE_LABEL_CLUSTER]: LABEL, [GCE_CONTROL_PLANE_ROLE_LABEL]: 'control-plane' });
    }
    expect(controlPlaneIps).toHaveLength(3);
    expect(controlPlaneIps.every((ip) => ip.startsWith('10.0.16.'))).toBe(true);
    expect(instancesOf('cp-b')[0]?.status).toBe('TERMINATED');
    expect(['other-cp', 'nodes', 'plain'].flatMap(instancesOf).map(ipOf)).toHaveLength(4);
    expect(ipOf(instancesOf('plain')[0]!)).toMatch(/^10\.128\.0\./);
  });

  it("prints the internal IP of each of this cluster's control planes, every zone, the stopped one too; nothing else", async () => {
    const before = aggregated().length;
    const r = await run([LABEL]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.sort()).toEqual(controlPlaneIps);
    expect(lines).toContain(stopped);
    // One request: Compute's filter on both labels, its largest page.
    const sent = aggregated().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.query).toEqual({ filter: `labels.k8s-io-cluster-name = "${LABEL}" AND labels.k8s-io-role-control-plane = "control-plane"`, maxResults: '500' });
    expect(r.stdout).not.toContain(TOKEN);
  });

  it('follows nextPageToken across pages', async () => {
    const before = aggregated().length;
    const r = await run([LABEL], { KOPS_TS_MAX_RESULTS: '1' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n').filter((l) => l !== '').sort()).toEqual(controlPlaneIps);
    const sent = aggregated().slice(before);
    expect(sent).toHaveLength(3);
    expect(sent.map((c) => c.query['pageToken'] !== undefined)).toEqual([false, true, true]);
  });

  it("another cluster's label lists its own control plane only; an unknown one lists nothing (exit 0)", async () => {
    const other = await run([clusterLabelValue('other.example.com')]);
    expect(other).toEqual({ code: 0, stdout: `${ipOf(instancesOf('other-cp')[0]!)}\n`, stderr: '' });
    expect(await run(['nobody-example-com'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('needs compute.instances.list and nothing more', async () => {
    compute.permissions = new Set(['compute.instances.list']);
    try {
      const r = await run([LABEL]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(3);
    } finally {
      compute.permissions = undefined;
    }
  });

  it('without it: exit 1 and one stderr line naming the HTTP status and the cluster, never the token', async () => {
    compute.permissions = new Set(['compute.instances.get']);
    try {
      const r = await run([LABEL]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')).toEqual([
        `kops-ts: cannot list the control planes of cluster ${LABEL} (labels k8s-io-cluster-name=${LABEL}, k8s-io-role-control-plane=control-plane): HTTP 403 Required 'compute.instances.list' permission for 'projects/${PROJECT}/aggregated/instances'`,
        '',
      ]);
      expect(r.stderr).not.toContain(TOKEN);
    } finally {
      compute.permissions = undefined;
    }
  });

  it('retries a 503; a usage error exits 2', async () => {
    compute.failRequest((c) => c.path === `${API}/aggregated/instances`, { status: 503, reason: 'backendError', message: 'Internal error. Please try again.' });
    const r = await run([LABEL]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(3);
    const usage = await run([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('usage: gcecp.py CLUSTER_LABEL\n');
  });
});

describe('gcecp.py on the instances', () => {
  it('is among the control planes\' helper files (0755), not the workers\'; the command passes the cluster label; it compiles', () => {
    const boot = gceCloudBootstrap(LABEL);
    expect(boot.helperFiles('control-plane')).toContainEqual({ path: GCE_CONTROL_PLANES_PATH, permissions: '0755', content: GCE_CONTROL_PLANES_PY });
    expect(boot.helperFiles('node').map((f) => f.path)).not.toContain(GCE_CONTROL_PLANES_PATH);
    expect(GCE_CONTROL_PLANES_PATH).toBe('/opt/kops-ts/gcecp.py');
    expect(gceControlPlanesCommand).toBe('python3 /opt/kops-ts/gcecp.py "$CLUSTER_LABEL"');
    expect(boot.etcdVars(CLUSTER)).toEqual({ CLUSTER_LABEL: LABEL });
    const c = spawnSync('python3', ['-m', 'py_compile', script], { encoding: 'utf8' });
    expect(c.stderr).toBe('');
  });

  it('is the lister the etcd member cleanup is given on GCE (bootstrap.sh, before a control plane joins)', () => {
    const boot = gceCloudBootstrap(LABEL);
    expect(boot.controlPlaneAddressesCommand).toBe(gceControlPlanesCommand);
    expect(bootstrapBody(boot, 'control-plane')).toContain('python3 "$CONFIG_DIR/etcd-prune.py" python3 /opt/kops-ts/gcecp.py "$CLUSTER_LABEL" ||');
    expect(bootstrapBody(boot, 'node')).not.toContain('etcd-prune');
  });
});
