/**
 * Extra volumes are AWS's in kops: on a GCE cluster `create -f`/`replace -f` of an instance group
 * with `volumes` or `volumeMounts` is refused (exit 2) naming the field, and nothing is stored.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-volumes-gce';
const CLUSTER = 'vol.example.com';
useFakeGceCompute(PROJECT);

it('refuses volumes and volumeMounts on a GCE instance group, naming them; the stored group is unchanged', async () => {
  const s = tempStore();
  const state = ['--state', s.url];
  await cliOk(['create', 'cluster', '--name', CLUSTER, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, ...state]);
  const path = join(s.dir, CLUSTER, 'instancegroup', 'nodes-us-central1-a');
  const before = readFileSync(path, 'utf8');
  const work = mkdtempSync(join(tmpdir(), 'kops-ts-vol-gce-'));
  const manifest = join(work, 'nodes.yaml');
  writeFileSync(manifest, `${before.trimEnd()}\n  volumes:\n  - device: /dev/xvdd\n    size: 20\n  volumeMounts:\n  - device: /dev/xvdd\n    filesystem: ext4\n    path: /data\n`);
  const r = await cli(['replace', '-f', manifest, ...state]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('InstanceGroup/nodes-us-central1-a spec.volumes: extra volumes are an AWS feature of kops; kops-ts does not make or mount them on gce');
  expect(r.stderr).toContain('InstanceGroup/nodes-us-central1-a spec.volumeMounts: extra volumes are an AWS feature of kops');
  expect(readFileSync(path, 'utf8')).toBe(before);
  rmSync(work, { recursive: true, force: true });
});
