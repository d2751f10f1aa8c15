/** The README's first command: the demo must keep working from a checkout. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('npm run demo creates an HA cluster, applies it to the local emulator, and then has no changes', async () => {
  const state = join(mkdtempSync(join(tmpdir(), 'kops-ts-demo-')), 'state');
  const script = new URL('../scripts/demo.sh', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)('bash', [script], { env: { ...process.env, KOPS_TS_DEMO_STATE: state }, maxBuffer: 10_000_000 });
  expect(stdout).toContain('Cluster configuration has been created.');
  expect(stdout).toMatch(/control-plane-us-east-1c\s+ControlPlane\s+t3\.medium\s+1\s+1\s+us-east-1c/);
  expect(stdout).toContain('Must specify --yes to apply changes');
  expect(stdout).toMatch(/\d+ change\(s\) applied to the cloud/);
  expect(stdout).toMatch(/No changes need to be applied\nexit code 0 \(0: no changes\)/);
  expect(stdout).toContain('  demo.k8s.local/cluster-completed.spec');
}, 180_000);
