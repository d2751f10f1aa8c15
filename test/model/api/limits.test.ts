/**
 * Hostile and oversized manifests are refused before (or while) they are parsed, with the file and
 * the field named: past the size limit, keys in a map, items in a list, nesting, aliases,
 * duplicate keys; and integers outside kops's Go types.
 */
import { describe, expect, it } from 'vitest';
import { checkObject, parseManifests } from '../../../src/model/api/parse.js';
import { MAX_DEPTH, MAX_LIST_ITEMS, MAX_MANIFEST_BYTES, MAX_MAP_KEYS, dominantBlock, formatBytes } from '../../../src/model/api/limits.js';
import { YamlError, parseKopsYaml } from '../../../src/model/api/yaml.js';
import { decodeObject } from '../../../src/statestore/codec.js';
import { KopsError } from '../../../src/diagnostics.js';
import { fixtureText, loadFixture } from '../fixtures.js';
import { validateCluster } from '../../../src/model/validation.js';

const FILE = 'spec.yaml';
const minimal = fixtureText('minimal');

/** The minimal fixture with `lines` inserted under the Cluster's `spec:`. */
function withClusterSpec(lines: string): string {
  return minimal.replace('\nspec:\n', `\nspec:\n${lines}`);
}

/** The minimal fixture with `lines` inserted under the node group's `spec:`. */
function withNodeSpec(lines: string): string {
  const i = minimal.lastIndexOf('\nspec:\n');
  return `${minimal.slice(0, i)}\nspec:\n${lines}${minimal.slice(i + '\nspec:\n'.length)}`;
}

function labels(n: number, indent = '    ', value = 'v'): string {
  return Array.from({ length: n }, (_, i) => `${indent}label-${i}: ${value}-${i}\n`).join('');
}

function errors(text: string) {
  return parseManifests(text, FILE).diagnostics.filter((d) => d.severity === 'error');
}

describe('manifest size', () => {
  it('refuses a 5.5 MB spec of 100,000 cloudLabels before parsing, naming the file, the field and the limit', () => {
    const text = withClusterSpec(`  cloudLabels:\n${labels(100_000, '    ', 'value-to-make-five-and-a-half-mb-x')}`);
    expect(text.length).toBeGreaterThan(5.5e6);
    const diags = parseManifests(text, FILE).diagnostics;
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'ManifestTooLarge', path: 'spec.cloudLabels', file: FILE });
    expect(diags[0]!.summary).toMatch(/^the manifest is 5\.\d MiB, more than the 1 MiB kops-ts reads \(100001 of its \d+ lines are here\)$/);
  });

  it('accepts a manifest just under the limit (padding in a comment), and refuses one byte more', () => {
    const pad = (n: number) => `${minimal}\n#${'x'.repeat(n - minimal.length - 2)}`;
    expect(Buffer.byteLength(pad(MAX_MANIFEST_BYTES))).toBe(MAX_MANIFEST_BYTES);
    expect(errors(pad(MAX_MANIFEST_BYTES))).toEqual([]);
    expect(errors(pad(MAX_MANIFEST_BYTES + 1)).map((d) => d.code)).toEqual(['ManifestTooLarge']);
  });

  it('counts bytes, not characters', () => {
    const text = `${minimal}\n#${'é'.repeat(MAX_MANIFEST_BYTES / 2)}`; // 2 bytes each in UTF-8
    expect(errors(text).map((d) => d.code)).toEqual(['ManifestTooLarge']);
  });

  it('names the instance group a large block is in, and nothing when the bulk is not one block', () => {
    const ig = dominantBlock(withNodeSpec(`  nodeLabels:\n${labels(2000)}`));
    expect(ig?.path).toBe('InstanceGroup/nodes-us-east-1a spec.nodeLabels');
    expect(dominantBlock(withClusterSpec(`  subnets:\n${Array.from({ length: 2000 }, (_, i) => `  - name: s${i}\n    zone: z\n`).join('')}`))?.path).toBe('spec.subnets');
    expect(dominantBlock(`{${'k: v, '.repeat(1000)}}\n`)).toBeUndefined();
  });

  it('formats sizes', () => {
    expect([formatBytes(512), formatBytes(2048), formatBytes(5.5 * 1024 * 1024)]).toEqual(['512 bytes', '2 KiB', '5.5 MiB']);
  });
});

describe('the shape of the YAML', () => {
  it(`refuses a map of more than ${MAX_MAP_KEYS} keys with its path, and accepts ${MAX_MAP_KEYS}`, () => {
    const over = errors(withClusterSpec(`  cloudLabels:\n${labels(MAX_MAP_KEYS + 1)}`));
    expect(over).toHaveLength(1);
    expect(over[0]).toMatchObject({ code: 'TooManyKeys', path: 'spec.cloudLabels', file: FILE });
    expect(over[0]!.summary).toBe(`a map of ${MAX_MAP_KEYS + 1} keys, more than the ${MAX_MAP_KEYS} kops-ts reads at line 8, column 5`);
    expect(errors(withClusterSpec(`  cloudLabels:\n${labels(MAX_MAP_KEYS)}`))).toEqual([]);
  });

  it('prefixes the path with the instance group', () => {
    const over = errors(withNodeSpec(`  nodeLabels:\n${labels(MAX_MAP_KEYS + 1)}`));
    expect(over.map((d) => [d.code, d.path])).toEqual([['TooManyKeys', 'InstanceGroup/nodes-us-east-1a spec.nodeLabels']]);
  });

  it(`refuses a list of more than ${MAX_LIST_ITEMS} items`, () => {
    const list = Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => `  - 10.${i >> 8}.${i & 255}.0/24\n`).join('');
    const over = errors(minimal.replace('  kubernetesApiAccess:\n', `  kubernetesApiAccess:\n${list}`));
    expect(over.map((d) => [d.code, d.path])).toEqual([['TooManyItems', 'spec.kubernetesApiAccess']]);
  });

  it(`refuses nesting deeper than ${MAX_DEPTH}`, () => {
    let nested = 'x';
    for (let i = 0; i < MAX_DEPTH + 5; i++) nested = `{a: ${nested}}`;
    const over = errors(withClusterSpec(`  kubeScheduler: ${nested}\n`));
    expect(over.map((d) => d.code)).toEqual(['TooDeep']);
    expect(over[0]!.path).toMatch(/^spec\.kubeScheduler(\.a)+$/);
  });

  it('refuses duplicate keys with the line, in linear time rather than the parser\'s quadratic check', () => {
    const dup = errors(withClusterSpec('  cloudLabels:\n    team: a\n    team: b\n'));
    expect(dup.map((d) => [d.code, d.path, d.summary])).toEqual([['DuplicateKey', 'spec.cloudLabels', 'the key "team" is given twice at line 9, column 5']]);
    // Keys of different types are different keys, as in the parser's own check.
    expect(errors(withClusterSpec('  cloudLabels:\n    "1": a\n    1: b\n')).map((d) => d.code)).not.toContain('DuplicateKey');
  });

  it('refuses an alias bomb with the file named', () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    let prev = 'a';
    for (const n of 'bcdefghi') {
      bomb += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
      prev = n;
    }
    const diags = errors(bomb);
    expect(diags.map((d) => [d.code, d.file])).toEqual([['TooManyAliases', FILE]]);
    expect(() => parseKopsYaml(bomb)).toThrow(YamlError);
  });
});

describe('objects given to the library directly', () => {
  it('bounds maps and lists that never went through the YAML reader', () => {
    const { cluster } = loadFixture('minimal');
    const big = { ...cluster, spec: { ...cluster.spec, cloudLabels: Object.fromEntries(Array.from({ length: MAX_MAP_KEYS + 1 }, (_, i) => [`k${i}`, 'v'])), sshAccess: Array<string>(MAX_LIST_ITEMS + 1).fill('10.0.0.0/8') } };
    const diags = checkObject(big).diagnostics.filter((d) => d.severity === 'error');
    expect(diags.map((d) => [d.code, d.path, d.summary])).toEqual(
      expect.arrayContaining([
        ['TooManyKeys', 'spec.cloudLabels', `a map of ${MAX_MAP_KEYS + 1} keys, more than the ${MAX_MAP_KEYS} kops-ts reads`],
        ['TooManyItems', 'spec.sshAccess', `a list of ${MAX_LIST_ITEMS + 1} items, more than the ${MAX_LIST_ITEMS} kops-ts reads`],
      ]),
    );
    expect(diags).toHaveLength(2);
  });
});

describe('objects read from the state store', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const decode = (s: string) => decodeObject('file:///s', 'c.example.com/config', bytes(s));

  it('refuses an object past the stored-object limit before parsing it', () => {
    const big = `metadata: {}\nspec:\n  x: "${'y'.repeat(1024 * 1024)}"\n`;
    const e = (() => {
      try {
        decode(big);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(KopsError.is(e, 'InvalidStateObject')).toBe(true);
    expect((e as KopsError).message).toBe(`file:///s/c.example.com/config: it is ${big.length} bytes, more than the 1048576 bytes kops-ts reads of one object`);
  });

  it('refuses an object whose maps are past the limit, and still reads a normal one', () => {
    expect(() => decode(`metadata: {}\nspec:\n  cloudLabels:\n${labels(MAX_MAP_KEYS + 1)}`)).toThrow(/spec\.cloudLabels: a map of 1001 keys, more than the 1000 kops-ts reads/);
    expect(decode('metadata: {name: a.example.com}\nspec: {}\n')).toEqual({ metadata: { name: 'a.example.com' }, spec: {} });
  });
});

describe("integers are bounded as kops's Go types", () => {
  const NODE_SIZES = 'maxSize: 1\n  minSize: 1\n  role: Node';
  /** The node group with `field: value` (its sizes replaced, or the field added). */
  const nodeWith = (field: string, value: string) => {
    const sizes = { maxSize: '1', minSize: '1', [field]: value };
    const extra = field === 'maxSize' || field === 'minSize' ? '' : `\n  ${field}: ${value}`;
    return minimal.replace(NODE_SIZES, `maxSize: ${sizes.maxSize}\n  minSize: ${sizes.minSize}\n  role: Node${extra}`);
  };

  it.each([
    ['minSize', '2147483648', 'int32'],
    ['maxSize', '99999999999999999999999', 'int32'],
    ['rootVolumeSize', '1e12', 'int32'],
    ['rootVolumeIops', '-2147483649', 'int32'],
  ])('%s: %s is out of range', (field, value, type) => {
    const errs = errors(nodeWith(field, value));
    expect(errs.map((d) => [d.code, d.path])).toEqual([['ValueOutOfRange', `InstanceGroup/nodes-us-east-1a spec.${field}`]]);
    expect(errs[0]!.summary).toContain(`(kops's ${type})`);
  });

  it('accepts the largest int32, and bounds uint32, int64 and int-or-string fields too', () => {
    expect(errors(nodeWith('maxSize', '2147483647'))).toEqual([]);
    const retention = errors(minimal.replace('backupRetentionDays: 90\n    memoryRequest: 100Mi\n    name: main', 'backupRetentionDays: -1\n    memoryRequest: 100Mi\n    name: main'));
    expect(retention.map((d) => [d.code, d.path, d.summary])).toEqual([['ValueOutOfRange', 'spec.etcdClusters[0].manager.backupRetentionDays', "-1 is out of range: expected a whole number from 0 to 4294967295 (kops's uint32)"]]);
    const hop = errors(minimal.replace('httpPutResponseHopLimit: 1', 'httpPutResponseHopLimit: 9007199254740993'));
    expect(hop.map((d) => [d.code, d.path])).toEqual([['ValueOutOfRange', 'InstanceGroup/nodes-us-east-1a spec.instanceMetadata.httpPutResponseHopLimit']]);
    const surge = errors(withClusterSpec('  rollingUpdate:\n    maxSurge: 1e12\n'));
    expect(surge.map((d) => [d.code, d.path])).toEqual([['ValueOutOfRange', 'spec.rollingUpdate.maxSurge']]);
  });

  it('validation bounds the sizes of a spec read from the store, which the schema check never saw', () => {
    const { cluster, instanceGroups } = loadFixture('minimal');
    const igs = instanceGroups.map((g) => (g.spec.role === 'Node' ? { ...g, spec: { ...g.spec, minSize: 1, maxSize: 1e23 } } : g));
    const diags = validateCluster(cluster, igs).filter((d) => d.severity === 'error');
    expect(diags.map((d) => [d.code, d.path])).toEqual([['ValueOutOfRange', 'InstanceGroup/nodes-us-east-1a spec.maxSize']]);
  });
});
