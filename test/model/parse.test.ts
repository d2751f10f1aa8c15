import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { parseManifests } from '../../src/model/api/parse.js';
import { toJson, toYaml } from '../../src/model/api/serialize.js';
import { FIXTURES, fixtureText } from './fixtures.js';

const CLUSTER_HEAD = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: t.example.com
spec:
`;

describe('parseManifests', () => {
  it.each(FIXTURES)('round-trips the %s manifest without losing a field', (name) => {
    const first = parseManifests(fixtureText(name), `${name}.yaml`);
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const again = parseManifests(toYaml(first.objects), 'again.yaml');
    expect(again.objects).toEqual(first.objects);
    expect(JSON.parse(toJson(again.objects))).toEqual(JSON.parse(toJson(first.objects)));
  });

  it('keeps kops fields it does not act on, with one warning each and no error', () => {
    const r = parseManifests(fixtureText('kops-fields'), 'kops-fields.yaml');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const warned = r.diagnostics.filter((d) => d.code === 'FieldNotActedOn').map((d) => d.path);
    expect(warned).toEqual(
      expect.arrayContaining([
        'spec.additionalPolicies',
        'spec.certManager',
        'spec.containerd',
        'spec.kubeAPIServer',
        'spec.kubelet.maxPods',
        'spec.iam.permissionsBoundary',
        'spec.api.loadBalancer.sslPolicy',
        'InstanceGroup/nodes spec.mixedInstancesPolicy',
        'InstanceGroup/nodes spec.maxPrice',
      ]),
    );
    expect(new Set(warned).size).toBe(warned.length);
    expect(toYaml(r.objects)).toContain('horizontalPodAutoscalerSyncPeriod: 15s');
  });

  it('rejects an unknown field with its path and a did-you-mean', () => {
    const r = parseManifests(`${CLUSTER_HEAD}  netwrokCIDR: 10.0.0.0/16\n  cloudProvider: aws\n`, 'c.yaml');
    const d = r.diagnostics.find((x) => x.code === 'UnknownField');
    expect(d?.path).toBe('spec.netwrokCIDR');
    expect(formatDiagnostic(d!)).toBe('error: spec.netwrokCIDR: unknown field (c.yaml): did you mean "networkCIDR"?');
    expect(r.objects).toEqual([]);
  });

  it('reports wrong types, bad enums, YAML syntax with its line, and a wrong apiVersion, all in one run', () => {
    const text = `${CLUSTER_HEAD}  subnets:\n  - name: a\n    type: Publik\n  sshAccess: 10.0.0.0/8\n---\napiVersion: kops.k8s.io/v1\nkind: InstanceGroup\nmetadata:\n  name: nodes\nspec:\n  role: Node\n  minSize: two\n---\nkind: [oops\n`;
    const r = parseManifests(text, 'bad.yaml');
    const lines = r.diagnostics.map(formatDiagnostic);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining('spec.subnets[0].type: string "Publik" is not one of Public, Private, Utility, DualStack'),
        expect.stringContaining('spec.sshAccess: expected a list'),
        expect.stringContaining('apiVersion: apiVersion "kops.k8s.io/v1" is not supported'),
        expect.stringContaining('InstanceGroup/nodes spec.minSize: expected a whole number'),
        expect.stringMatching(/InvalidYAML|at line \d+/),
      ]),
    );
    expect(lines.some((l) => /at line \d+, column \d+/.test(l))).toBe(true);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('reads YAML as kops does (go-yaml v2): a bare n is false, so a name must be quoted', () => {
    const r = parseManifests('apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: n\nspec:\n  role: Node\n');
    expect(r.diagnostics.map((d) => d.code)).toContain('MissingName');
  });

  it('writes the Cluster first, then instance groups by name', () => {
    const r = parseManifests(fixtureText('ha'), 'ha.yaml');
    const reversed = [...r.objects].reverse();
    const names = parseManifests(toYaml(reversed)).objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names[0]).toBe('Cluster/ha.example.com');
    expect(names.slice(1)).toEqual([...names.slice(1)].sort());
  });
});
