/**
 * The files written for programs on the instances read back as written by a YAML 1.1 reader
 * (src/bootstrap/yaml-1-1.ts). The reader is PyYAML, the one the addons script runs, and it resolves
 * plain scalars by YAML 1.1's rules as go-yaml v2 (kubeadm, kubectl, the autoscaler) does.
 */
import { execFileSync } from 'node:child_process';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { storedManifestAddon } from '../../src/bootstrap/addons.js';
import { kubeletPatch } from '../../src/bootstrap/kubelet-config.js';
import { renderManifest } from '../../src/bootstrap/gce-ccm.js';
import { yaml11, yaml11Stream } from '../../src/bootstrap/yaml-1-1.js';

/** Strings YAML 1.2 writes bare and YAML 1.1 reads as something else (boolean, number, null, date). */
const TRICKY = ['yes', 'No', 'on', 'OFF', 'y', 'n', '1:30', '0755', '0b101', '1_000', '2001-12-14', '~', '.inf'];

/**
 * Every document of the stream as PyYAML reads it, as JSON: a key that is not a string, and a
 * value JSON cannot carry (a date, an infinity), come back as `{ "not a string": "<repr>" }`.
 */
function pyyaml(text: string): unknown[] {
  const script = [
    'import json, math, sys, yaml',
    'def norm(o):',
    '    if isinstance(o, dict): return {(k if isinstance(k, str) else "not a string: " + repr(k)): norm(v) for k, v in o.items()}',
    '    if isinstance(o, list): return [norm(v) for v in o]',
    '    if o is None or isinstance(o, (str, bool, int)) or (isinstance(o, float) and math.isfinite(o)): return o',
    '    return {"not a string": repr(o)}',
    'print(json.dumps([norm(d) for d in yaml.safe_load_all(sys.stdin.read())]))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' })) as unknown[];
}

describe('YAML 1.1 output', () => {
  const doc = { values: Object.fromEntries(TRICKY.map((s, i) => [`k${i}`, s])), keys: Object.fromEntries(TRICKY.map((s) => [s, s])), list: TRICKY };

  it('YAML 1.2 output would be misread by a YAML 1.1 reader (why the helper exists)', () => {
    const [back] = pyyaml(stringify(doc));
    expect(back).not.toEqual(doc);
  });

  it('reads back unchanged: strings stay strings, as keys, values and list items', () => {
    expect(pyyaml(yaml11(doc))).toEqual([doc]);
    expect(pyyaml(yaml11Stream([doc, { other: 'off' }]))).toEqual([doc, { other: 'off' }]);
  });

  it('writes a Map as a plain mapping with its keys as they are (numbers stay numbers), a Set as a sequence: no !!omap, no !!set', () => {
    const text = yaml11({ priorities: new Map([[0, ['y']], [50, ['.*']]]), names: new Set(['on']) });
    expect(text).toBe('priorities:\n  0:\n    - "y"\n  50:\n    - .*\nnames:\n  - "on"\n');
    expect(pyyaml(text)).toEqual([{ priorities: { 'not a string: 0': ['y'], 'not a string: 50': ['.*'] }, names: ['on'] }]);
  });

  it('writes no anchors for a value used twice, and folds no long line', () => {
    const shared = { a: 'x'.repeat(200) };
    const text = yaml11({ one: shared, two: shared });
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.split('\n').some((l) => l.length > 200)).toBe(true);
  });
});

describe('the files written with it', () => {
  it('an addon description: its values reach helm as the strings they were', () => {
    const values = { mode: 'on', tunnel: 'off', flag: 'yes', period: '1:30' };
    const file = storedManifestAddon('k.example.com', 'example', 'v1', 'kind: List\n', values);
    const [back] = pyyaml(file.content) as [{ values: unknown }];
    expect(back.values).toEqual(values);
  });

  it("a group's kubelet patch: a cgroup named like a YAML 1.1 boolean stays a string for kubeadm", () => {
    const built = newCluster({ name: 'k.example.com', zones: ['us-east-1a'] });
    const done = completeCluster({ ...built.cluster, spec: { ...built.cluster.spec, kubelet: { ...built.cluster.spec.kubelet, kubeReservedCgroup: 'on' } } }, built.instanceGroups);
    const ig = done.instanceGroups.find((g) => g.spec.role === 'Node')!;
    const docs = pyyaml(kubeletPatch(done.cluster, ig)) as Record<string, unknown>[];
    expect(docs[1]?.kubeReservedCgroup).toBe('on');
  });

  it("the GCE cloud controller's manifest: kubectl reads an annotation 'yes' as a string", () => {
    const objects = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { enabled: 'yes' } }, data: { n: 'n' } }];
    expect(pyyaml(renderManifest(objects))).toEqual(objects);
  });
});
