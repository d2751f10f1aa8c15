/**
 * Reliability 5, bad input: property-based fuzzing (fast-check, seeded) of what users type and
 * feed kops-ts.
 *
 * - Specs: a valid kops manifest (the `ha` fixture: a Cluster and its instance groups) with one
 *   value replaced by a value of another shape (wrong type, empty, huge, negative, a nested
 *   structure, null), or one key removed, or the text cut short; given to `create -f` and
 *   `replace -f --force`.
 * - Flags of `create cluster` and `create instancegroup`: random values for the flags that take
 *   one.
 *
 * The property: the command never crashes and prints no stack trace; it either succeeds or exits
 * 1 or 2 with one-line errors, every one naming its field (a spec path such as `spec.subnets[0].cidr`,
 * prefixed by `InstanceGroup/<name>` for an instance group; or a `--flag`) or, for text that is not
 * YAML, the file and line. A failed `create -f` writes nothing.
 *
 * Runs: CI 150 per property; KOPS_TS_RELIABILITY=full 2000. FC_SEED replays a failure.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fixtureText } from '../model/fixtures.js';
import { KEY, cli, snapshot, tempStore } from '../cli/harness.js';
import { renderTable } from '../../src/cli/output.js';

const NAME = 'ha.example.com';
const FULL = process.env.KOPS_TS_RELIABILITY === 'full';
const RUNS = FULL ? 2000 : 150;
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261202;
const PARAMS = { numRuns: RUNS, seed: SEED, endOnFailure: true } as const;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type PathSeg = string | number;

const BASE_TEXT = fixtureText('ha');
const BASE: Json[] = parseAllDocuments(BASE_TEXT).map((d) => d.toJS() as Json);

/** Every path to a value in `v` (leaves and inner nodes), below the document root. */
function paths(v: Json, prefix: PathSeg[] = []): PathSeg[][] {
  const out: PathSeg[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}
const DOC_PATHS = BASE.map((d) => paths(d));

function setAt(root: Json, path: readonly PathSeg[], value: Json | undefined): Json {
  const copy = structuredClone(root);
  let cur = copy as Record<string | number, Json>;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

/** Values of every shape a hand-edited manifest gets wrong. */
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, '', ' ', true, false, 0, -1, 1.5, 2 ** 31, -(2 ** 53), 'yes', 'no', '~', '0.0.0.0/33', '10.0.0.0/8', 'us-east-1z', '1.99.0', 'v1.30.0', '../../etc', 'a'.repeat(300), '\u0000', '${HOME}', '[]', '{}'),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxKeys: 3 }),
);

function manifest(docs: readonly Json[]): string {
  return docs.map((d) => JSON.stringify(d, null, 1)).join('\n---\n');
}

function file(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'kops-ts-fuzz-')), 'spec.yaml');
  writeFileSync(p, text);
  return p;
}

/** A stack trace, or an internal JavaScript error however the CLI words it ("... (TypeError)"). */
const STACK = /^\s+at .+[:(]\d+:\d+\)?$|\n\s+at (async )?\S+ \(|(TypeError|ReferenceError|RangeError|SyntaxError): |\((TypeError|ReferenceError|RangeError)\)/m;
/** An error line that names a spec field (optionally of an instance group) or the input file's line. */
const NAMES_FIELD = /^error: ((InstanceGroup|Cluster)\/\S+ )?(apiVersion|kind|metadata|spec)\b[\w.[\]/-]*[:\s]/;

/** What every failed command must look like; returns the error lines. */
function expectCleanFailure(r: { code: number; stdout: string; stderr: string }, what: string, fieldOk: (line: string) => boolean): string[] {
  expect(r.stderr + r.stdout, `${what}: a stack trace`).not.toMatch(STACK);
  expect([1, 2], `${what}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors.length, `${what}: no error line\n${r.stderr}`).toBeGreaterThan(0);
  for (const line of errors) expect(fieldOk(line), `${what}: the error names no field:\n${line}`).toBe(true);
  return errors;
}

describe('fuzzed specs (create -f, replace -f)', () => {
  it(`one value replaced or removed in a valid manifest: success, or exit 1/2 with every error naming its field (${RUNS} runs)`, async () => {
    let failures = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: BASE.length - 1 }).chain((doc) => fc.tuple(fc.constant(doc), fc.constantFrom(...DOC_PATHS[doc]!), fc.option(hostileValue, { freq: 5 }))),
        fc.boolean(),
        async ([doc, path, value], replace) => {
          const docs = BASE.map((d, i) => (i === doc ? setAt(d, path, value === null ? undefined : value) : d));
          const f = file(manifest(docs));
          const s = tempStore();
          if (replace) expect((await cli(['create', '-f', file(BASE_TEXT), '--state', s.url])).code).toBe(0);
          const before = snapshot(s.dir);
          const r = await cli(replace ? ['replace', '-f', f, '--force', '--state', s.url] : ['create', '-f', f, '--state', s.url]);
          if (r.code === 0) return;
          failures++;
          const what = `${replace ? 'replace' : 'create'} -f with ${path.join('.')} = ${JSON.stringify(value)}`;
          expectCleanFailure(r, what, (l) => NAMES_FIELD.test(l) || l.includes(f));
          expect(snapshot(s.dir), `${what}: a failed command wrote something`).toEqual(before);
        },
      ),
      PARAMS,
    );
    expect(failures).toBeGreaterThan(RUNS / 4); // most mutations are refused: the property was exercised
  }, FULL ? 1_800_000 : 120_000);

  it(`the manifest cut short at any byte: success, or a clean error naming the field or the file (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: BASE_TEXT.length - 1 }), async (cut) => {
        const f = file(BASE_TEXT.slice(0, cut));
        const s = tempStore();
        const r = await cli(['create', '-f', f, '--state', s.url]);
        if (r.code === 0) return;
        expectCleanFailure(r, `create -f cut at ${cut}`, (l) => NAMES_FIELD.test(l) || l.includes(f));
        expect(snapshot(s.dir)).toEqual({});
      }),
      PARAMS,
    );
  }, FULL ? 1_800_000 : 120_000);
});

const CLUSTER_FLAGS = ['--zones', '--node-count', '--node-size', '--control-plane-size', '--control-plane-count', '--control-plane-zones', '--kubernetes-version', '--networking', '--network-cidr', '--topology', '--dns', '--api-loadbalancer-type', '--ssh-access', '--admin-access', '--node-volume-size', '--cloud-labels', '--channel', '--image'];
const flagValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '-1', '0', '1e9', '99999999999999999999', 'NaN', 'us-east-1z', 'a,,b', '=', 'x=', '=y', '0.0.0.0/0', '300.1.1.1/8', '1.99', 'latest', 'private', 'weird', '--yes', 't3.nano', 'us-east-1a,us-east-1a', 'a'.repeat(300)),
  fc.string({ maxLength: 12 }),
);

describe('fuzzed flags', () => {
  it(`create cluster with random flag values: success, or exit 1/2 naming a flag (${RUNS} runs)`, async () => {
    let failures = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(fc.constantFrom(...CLUSTER_FLAGS), flagValue), { minLength: 1, maxLength: 3, selector: ([f]) => f }), async (flags) => {
        const s = tempStore();
        const args = ['create', 'cluster', '--name', 'fuzz.example.com', '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', s.url];
        for (const [flag, value] of flags) args.push(`${flag}=${value}`);
        const r = await cli(args);
        if (r.code === 0) return;
        failures++;
        const named = flags.map(([f]) => f);
        // Named by a flag (usually the one given; a zone list the cloud cannot be told from is
        // named by --cloud), or by the spec field the flag sets (--kubernetes-version as spec.kubernetesVersion).
        const what = `create cluster ${flags.map(([f, v]) => `${f}=${JSON.stringify(v)}`).join(' ')}`;
        const errors = expectCleanFailure(r, what, (l) => /^error: --[a-z-]+[\s:]/.test(l) || NAMES_FIELD.test(l));
        if (errors.every((l) => l.startsWith('error: --'))) expect(errors.some((l) => named.some((f) => l.startsWith(`error: ${f}`)) || l.startsWith('error: --cloud')), what).toBe(true);
        expect(snapshot(s.dir)).toEqual({});
      }),
      PARAMS,
    );
    expect(failures).toBeGreaterThan(0);
  }, FULL ? 1_800_000 : 120_000);
});

describe('blank values found by the fuzzing', () => {
  it('a blank image or machine type is refused, naming the group and the field (they used to be stored and sent to AWS)', async () => {
    const docs = BASE.map((d) => (d !== null && typeof d === 'object' && !Array.isArray(d) && d['kind'] === 'InstanceGroup' && (d['metadata'] as { name: string }).name === 'nodes-us-east-1a'
      ? setAt(setAt(d, ['spec', 'image'], ' '), ['spec', 'machineType'], '')
      : d));
    const f = file(manifest(docs));
    const s = tempStore();
    const r = await cli(['create', '-f', f, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: InstanceGroup/nodes-us-east-1a spec.image: the image is blank (${f})`);
    expect(r.stderr).toContain(`error: InstanceGroup/nodes-us-east-1a spec.machineType: the machine type is blank (${f})`);
    expect(snapshot(s.dir)).toEqual({});
    const flag = await cli(['create', 'cluster', '--name', 'blank.example.com', '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--image', ' ', '--state', s.url]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('error: InstanceGroup/nodes-us-east-1a spec.image: the image is blank');
  });
});

describe('malformed objects in the store', () => {
  const objects = ['config', 'instancegroup/nodes-us-east-1a', 'instancegroup/control-plane-us-east-1a'] as const;
  it(`a stored object cut short or with bytes flipped: every command reading it names its path (${RUNS} runs)`, async () => {
    const s = tempStore();
    expect((await cli(['create', '-f', file(BASE_TEXT), '--state', s.url])).code).toBe(0);
    const originals = Object.fromEntries(objects.map((o) => [o, readFileSync(join(s.dir, NAME, o))]));
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...objects),
        fc.oneof(
          fc.record({ cut: fc.nat({ max: 4000 }) }),
          fc.record({ at: fc.nat({ max: 4000 }), byte: fc.constantFrom(0x00, 0x09, 0x22, 0x3a, 0x5b, 0x7b, 0x26, 0x2a, 0xff) }),
        ),
        fc.constantFrom(['get', 'cluster', NAME, '-o', 'yaml'], ['get', 'instancegroups', '--name', NAME], ['get', 'cluster', NAME, '--full', '-o', 'yaml']),
        async (object, damage, command) => {
          const original = originals[object]!;
          let bytes: Buffer;
          if ('cut' in damage) bytes = original.subarray(0, damage.cut % original.length);
          else {
            bytes = Buffer.from(original);
            bytes[damage.at % bytes.length] = damage.byte;
          }
          const path = join(s.dir, NAME, object);
          writeFileSync(path, bytes);
          try {
            const r = await cli([...command, '--state', s.url]);
            if (r.code === 0) return;
            refused++;
            const what = `${command.join(' ')} with ${object} ${'cut' in damage ? `cut at ${damage.cut % original.length}` : `byte ${damage.at % original.length} = ${damage.byte}`}`;
            // The error names the damaged object (its path in the store), or a field of it.
            expectCleanFailure(r, what, (l) => l.includes(`${NAME}/${object}`) || NAMES_FIELD.test(l) || l.includes(object.replace('instancegroup/', '')));
            expect(r.stderr, `${what}: names ${object}`).toMatch(new RegExp(`${NAME.replace(/\./g, '\\.')}/${object}|${object.replace('instancegroup/', 'InstanceGroup/')}`));
          } finally {
            writeFileSync(path, original);
          }
        },
      ),
      PARAMS,
    );
    expect(refused).toBeGreaterThan(RUNS / 4);
  }, FULL ? 1_800_000 : 120_000);
});

describe('found by the full fuzzing run', () => {
  it('an empty list item (etcdClusters: [null], a manifest cut after "- ") is refused naming it, not a TypeError', async () => {
    const f = file(BASE_TEXT.slice(0, BASE_TEXT.indexOf('etcdClusters:\n') + 'etcdClusters:\n  - '.length));
    const s = tempStore();
    const r = await cli(['create', '-f', f, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: spec.etcdClusters[0]: expected an object, got an empty item (${f})`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('replace -f of a Cluster whose metadata.name is not a cluster name names metadata.name, not a store path', async () => {
    const f = file(BASE_TEXT.replace('name: ha.example.com', 'name: oZ/j;'));
    const r = await cli(['replace', '-f', f, '--force', '--state', tempStore().url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: metadata.name: "oZ/j;" is not a valid cluster name`);
    expect(r.stderr).not.toContain('state-store path');
  });

  it('a table renders a cell that is not a string (a value read from a damaged object) instead of crashing', () => {
    const cells = [5, undefined, null, 'x'] as unknown as string[];
    expect(renderTable(['A', 'B', 'C', 'D'], [cells])).toBe('A   B   C   D\n5           x\n');
  });
});
