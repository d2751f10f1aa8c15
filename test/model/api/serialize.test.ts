import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../../src/model/api/parse.js';
import { sortObjects, toJson, toYaml } from '../../../src/model/api/serialize.js';
import type { KopsObject } from '../../../src/model/api/types.js';
import { FIXTURES, fixtureText, ig, KOPS_WRITTEN, userCluster } from '../helpers.js';

describe('round trip', () => {
  for (const name of FIXTURES) {
    it(`${name}: parse → toYaml → parse gives the same objects`, () => {
      const text = fixtureText(name);
      const first = parseManifests(text, name);
      const written = toYaml(first.objects);
      const second = parseManifests(written, name);
      expect(second.objects).toEqual(first.objects);
      expect(second.diagnostics).toEqual(first.diagnostics);
      // Written as kops writes (sorted keys there, quoted ambiguous scalars, `---` between blank lines).
      if ((KOPS_WRITTEN as readonly string[]).includes(name)) expect(written).toBe(text);
    });

    it(`${name}: JSON round-trips too`, () => {
      const objects = parseManifests(fixtureText(name)).objects;
      const back = (JSON.parse(toJson(objects)) as unknown[]).map((o) => o as KopsObject);
      expect(back).toEqual(sortObjects(objects));
    });
  }

  it('keeps nulls, unknown-to-kops-ts kops fields and strings that look like other types', () => {
    const objects = parseManifests(fixtureText('kops-full')).objects;
    const written = toYaml(objects);
    expect(written).toContain('creationTimestamp: null');
    expect(written).toContain('maxPrice: "0.08"');
    expect(written).toContain('InPlacePodVerticalScaling: "true"');
    expect(written).toContain('sshKeyName: ""');
    expect(written).toContain('      #!/bin/sh\n');
  });
});

describe('toYaml', () => {
  it('writes the Cluster first, then instance groups by name, keys in each object’s own order', () => {
    const cluster = userCluster(['us-east-1a']);
    const objs: KopsObject[] = [ig('nodes-b', 'Node', ['b']), cluster, ig('bastions', 'Bastion', ['a']), ig('nodes-a', 'Node', ['a'])];
    const text = toYaml(objs);
    const docs = text.split('\n---\n\n');
    expect(docs.map((d) => /name: (\S+)/.exec(d)![1])).toEqual(['test.example.com', 'bastions', 'nodes-a', 'nodes-b']);
    expect(docs[0]!.startsWith('apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  name: test.example.com\nspec:\n  cloudProvider: aws\n')).toBe(true);
    // A single object is one document; the input list is not reordered in place.
    expect(toYaml(cluster)).toBe(docs[0]);
    expect(objs[0]!.metadata.name).toBe('nodes-b');
  });

  it('quotes what go-yaml would read as another type', () => {
    const c = userCluster(['us-east-1a']);
    c.metadata.creationTimestamp = '2017-01-01T00:00:00Z';
    c.spec.cloudLabels = { a: 'yes', b: 'off', c: '0755', d: '10:30', e: '1e3', y: 'n' };
    const text = toYaml(c);
    expect(text).toContain('creationTimestamp: "2017-01-01T00:00:00Z"');
    expect(text).toContain('a: "yes"\n    b: "off"\n    c: "0755"\n    d: "10:30"\n    e: "1e3"\n    "y": "n"\n');
    expect(parseManifests(text).objects[0]).toEqual(c);
  });
});

describe('toJson', () => {
  it('writes one object as a JSON object and a list as a sorted array', () => {
    const c = userCluster(['us-east-1a']);
    expect(JSON.parse(toJson(c))).toEqual(c);
    const list = JSON.parse(toJson([ig('z', 'Node', []), c])) as KopsObject[];
    expect(list.map((o) => o.kind)).toEqual(['Cluster', 'InstanceGroup']);
    expect(toJson(c).endsWith('}\n')).toBe(true);
  });
});
