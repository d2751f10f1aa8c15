/**
 * The legacy `spec.cloudProvider.gce.serviceAccount` (every instance runs as that one account): as
 * kops, it is looked up as a shared account. Missing, `update cluster` fails before any change with
 * an error naming the field; present, it is found, every template runs as it, no per-role account
 * is made, and neither update nor delete changes or deletes it. Through the CLI against the fake
 * Compute and IAM APIs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json } from '../fakes/gce-compute.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-legacy-sa';
const CLUSTER = 'legacy.example.com';
const ACCOUNT_ID = 'shared-robot';
const EMAIL = `${ACCOUNT_ID}@${PROJECT}.iam.gserviceaccount.com`;
const COLLECTIONS = ['networks', 'subnetworks', 'firewalls', 'httpHealthChecks', 'targetPools', 'forwardingRules', 'addresses', 'instanceGroupManagers', 'instanceTemplates', 'disks', 'instances'];

const fake = useFakeGceCompute(PROJECT);
const everything = (): string[] => COLLECTIONS.flatMap((c) => fake.all(PROJECT, c).map((r) => `${c}/${String(r.name)}`)).sort();

const ok = cliOk;

/** Sets the legacy field in the editor, as a user would. */
async function setLegacy(value: string, state: string[]): Promise<void> {
  const r = await cli(['edit', 'cluster', '--name', CLUSTER, ...state], {
    editor: (path) => {
      const text = readFileSync(path, 'utf8');
      if (!/^ {2}cloudProvider: gce$/m.test(text)) throw new Error(`no cloudProvider in ${text}`);
      writeFileSync(path, text.replace(/^ {2}cloudProvider: gce$/m, `  cloudProvider:\n    gce:\n      serviceAccount: ${value}`));
      return 0;
    },
  });
  expect(r.code, r.stderr).toBe(0);
}

describe('the legacy spec.cloudProvider.gce.serviceAccount on GCE', () => {
  const state = ['--state', tempStore().url];

  it('refuses an account that is no email, naming the field', async () => {
    await ok(['create', 'cluster', '--name', CLUSTER, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, ...state]);
    // The editor re-opens with the errors on top; leaving it unchanged then fails the edit, as
    // kops does, keeping it in a file for the user (nothing saved).
    const opened: string[] = [];
    const r = await cli(['edit', 'cluster', '--name', CLUSTER, ...state], {
      editor: (path) => {
        const text = readFileSync(path, 'utf8');
        opened.push(text);
        if (opened.length === 1) writeFileSync(path, text.replace(/^ {2}cloudProvider: gce$/m, '  cloudProvider:\n    gce:\n      serviceAccount: robot'));
        return 0;
      },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('Edit cancelled: no valid changes were saved');
    expect(opened).toHaveLength(2);
    expect(opened[1]).toMatch(/^#.*spec\.cloudProvider\.gce\.serviceAccount: "robot" is not a service account email/m);
    expect(opened[1]).toContain('<account id>@<project>.iam.gserviceaccount.com');
    expect(await ok(['get', 'cluster', CLUSTER, '-o', 'yaml', ...state])).toMatch(/^ {2}cloudProvider: gce$/m);
  });

  it('update fails before any change when the account does not exist, naming the field and the account', async () => {
    await setLegacy(EMAIL, state);
    for (const args of [[], ['--yes']]) {
      const r = await cli(['update', 'cluster', '--name', CLUSTER, ...args, ...state]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`Cluster ${CLUSTER} spec.cloudProvider.gce.serviceAccount: service account "${EMAIL}" does not exist in project ${PROJECT}`);
      expect(r.stderr).toContain('nothing was changed');
    }
    expect(everything()).toEqual([]);
    expect(fake.iam.serviceAccounts(PROJECT)).toEqual([]);
  });

  it('once it exists: found (shared), every template runs as it, no per-role account; a re-plan is empty; the account is untouched', async () => {
    const account = fake.iam.addServiceAccount(PROJECT, ACCOUNT_ID, 'the user\'s robot', 'made by hand');
    await ok(['update', 'cluster', '--name', CLUSTER, '--yes', ...state]);
    const templates = fake.all(PROJECT, 'instanceTemplates');
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) expect(((t.properties as Json).serviceAccounts as { email: string }[]).map((a) => a.email)).toEqual([EMAIL]);
    expect(fake.iam.serviceAccounts(PROJECT)).toEqual([account]);
    const again = await cli(['update', 'cluster', '--name', CLUSTER, '--detailed-exitcode', ...state]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('delete cluster keeps it (the user\'s) and deletes everything else', async () => {
    const listing = await ok(['delete', 'cluster', '--name', CLUSTER, ...state]);
    expect(listing).not.toMatch(new RegExp(`ServiceAccount\\s+${ACCOUNT_ID}`));
    await ok(['delete', 'cluster', '--name', CLUSTER, '--yes', ...state]);
    expect(everything()).toEqual([]);
    expect(fake.iam.serviceAccounts(PROJECT).map((a) => a.email)).toEqual([EMAIL]);
  });
});
