/**
 * Golden plans: the first plan (nothing exists yet) of the three reference clusters, rendered as
 * text and as JSON, compared with the files under test/cloudup/golden/. A change to a builder, a
 * kind or a renderer shows up here as a reviewable diff. `UPDATE_GOLDEN=1` rewrites the files.
 *
 * A first plan depends only on the spec, the SSH key (its fingerprint is stable) and the emulator's
 * availability zones: no account id or resource id may appear in it; `assertNoRunValues` checks.
 * One exception, normalised in `normaliseJson`: the fingerprint of the actual state of lookups
 * (the AMI, which exists before the cluster) hashes the emulator's per-account image record.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../helpers/golden.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { renderPlanJson, renderPlanText } from '../../src/cloudup/render/index.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const GOLDEN = new URL('./golden/', import.meta.url);

const REFERENCE: Readonly<Record<string, NewClusterOptions>> = {
  minimal: { name: 'minimal.example.com', zones: ['us-east-1a'] },
  ha: { name: 'ha.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
  private: { name: 'private.example.com', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', bastion: true },
};

async function firstPlan(opts: NewClusterOptions) {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://golden-${aws.account}`));
  const built = newCluster(opts);
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _r, ...awsOpts } = aws.options;
  const { plan } = await updateCluster({ clientset: cs, clusterName: built.cluster.metadata.name, aws: awsOpts });
  return { plan, account: aws.account };
}

/** Values that differ between runs would make the golden files flaky; a first plan has none. */
function assertNoRunValues(rendered: string, account: string): void {
  expect(rendered).not.toContain(account);
  // EC2 resource ids (vpc-, subnet-, sg-, igw-, rtb-, nat-, eipalloc-, lt-, vol-, i-): none exist yet.
  expect(rendered).not.toMatch(/\b(vpc|subnet|sg|igw|rtb|rtbassoc|nat|eipalloc|lt|vol|i)-[0-9a-f]{8,17}\b/);
}

/**
 * `fingerprint.actual` holds hashes of what was found; in a first plan that is only the looked-up
 * AMI, whose emulator record (ids, per account) differs between runs. The keys stay (they say what
 * was read); the hashes are replaced.
 */
function normaliseJson(json: string): string {
  const doc = JSON.parse(json) as { fingerprint: { actual: Record<string, string> } };
  const actual = doc.fingerprint.actual;
  expect(Object.keys(actual).every((k) => k.startsWith('Image/'))).toBe(true);
  for (const k of Object.keys(actual)) actual[k] = '<varies between runs>';
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function compareGolden(file: string, actual: string): void {
  expectGolden(GOLDEN, file, actual);
}

describe('golden first plans', () => {
  for (const [name, opts] of Object.entries(REFERENCE)) {
    it(`matches the golden text and JSON plan of the ${name} cluster`, async () => {
      const { plan, account } = await firstPlan(opts);
      expect(plan.changes.length).toBeGreaterThan(0);
      expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
      const text = renderPlanText(plan, { color: false });
      const json = renderPlanJson(plan);
      assertNoRunValues(text, account);
      assertNoRunValues(json, account);
      expect(JSON.parse(json)).toMatchObject({ kind: 'Plan', cluster: opts.name });
      compareGolden(`${name}.plan.txt`, text);
      compareGolden(`${name}.plan.json`, normaliseJson(json));
    });
  }
});
