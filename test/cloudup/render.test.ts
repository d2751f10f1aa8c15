import { beforeAll, describe, expect, it } from 'vitest';
import { planToJson, renderPlanJson, toJsonValue, type PlanDocument } from '../../src/cloudup/render/json.js';
import { renderPlanDocumentText, renderPlanText } from '../../src/cloudup/render/text.js';
import { formatValue, lineDiff } from '../../src/cloudup/render/values.js';
import { applyPlan } from '../../src/tasks/apply.js';
import { planTasks, type Plan } from '../../src/tasks/plan.js';
import { UNKNOWN, type Task } from '../../src/tasks/types.js';
import { FakeCloud, fakeRegistry, network, rule, server, subnet, type FakeCtx } from '../tasks/fake-kinds.js';

const script = (middle: string) => ['#!/bin/sh', 'set -e', 'apt-get update', 'apt-get install -y containerd', middle, 'systemctl enable kubelet', 'systemctl start kubelet', 'exit 0', ''].join('\n');

const before: Task[] = [
  network('main', '10.0.0.0/16'),
  network('old', '10.8.0.0/16'),
  subnet('a', 'main', '10.0.1.0/24'),
  subnet('x', 'main', '10.0.5.0/24'),
  rule('ssh', 'main', 22, ['10.0.0.0/8']),
  server('web', 'a', ['ssh'], script('kubeadm join --v=1'), 'old-secret'),
];

const after: Task[] = [
  network('main', '10.0.0.0/16'),
  network('fresh', '10.1.0.0/16'),
  subnet('a', 'main', '10.0.1.0/24'),
  subnet('x', 'main', '10.0.6.0/24'),
  subnet('c', 'main', '10.0.3.0/24'),
  subnet('f', 'fresh', '10.1.1.0/24'),
  rule('ssh', 'main', 22, ['0.0.0.0/0']),
  rule('https', 'main', 443, ['0.0.0.0/0']),
  server('web', 'a', ['ssh'], script('kubeadm join --v=2'), 'new-secret'),
];

let plan: Plan;
let netId: string;
let text: string[];

beforeAll(async () => {
  const ctx: FakeCtx = { cloud: new FakeCloud() };
  const registry = fakeRegistry();
  await applyPlan(ctx, registry, before, await planTasks(ctx, registry, before));
  // The old network's subnets are gone; the network itself is now an orphan.
  plan = (await planTasks(ctx, registry, after, { cluster: 'test.example.com' })).plan;
  netId = ctx.cloud.byName('Network', 'main')?.id as string;
  text = renderPlanText(plan).split('\n');
});

const at = (line: string) => {
  const i = text.indexOf(line);
  expect(i, `missing line ${JSON.stringify(line)} in:\n${text.join('\n')}`).toBeGreaterThanOrEqual(0);
  return i;
};

describe('text plan', () => {
  it('lists security-sensitive changes first, under a banner with a summary table', () => {
    expect(text.slice(0, 5)).toEqual([
      'Security-sensitive changes (review these first):',
      '  ACTION  RESOURCE    CATEGORY  FIELDS',
      '  create  Rule/https  ingress   cidrs',
      '  update  Rule/ssh    ingress   cidrs',
      '',
    ]);
    const https = at('  create Rule/https');
    expect(text.slice(https + 1, https + 5)).toEqual(['  \tcidrs               \t[0.0.0.0/0]', `  \tnetwork             \tid:${netId}`, '  \tport                \t443', '']);
    expect(text[at('  update Rule/ssh') + 1]).toBe('  \tcidrs               \t [10.0.0.0/8] -> [0.0.0.0/0]');
    // Security changes are not repeated in the normal sections.
    expect(text.filter((l) => l.includes('Rule/ssh'))).toHaveLength(2);
    expect(at('  update Rule/ssh')).toBeLessThan(at('Will create resources:'));
  });

  it('prints creates as kops does, refs as id:<id> when known and name:<target> when not', () => {
    const create = at('Will create resources:');
    expect(text.slice(create + 1, create + 4)).toEqual(['  Network/fresh', '  \tcidr                \t10.1.0.0/16', '']);
    const c = at('  Subnet/c');
    expect(text.slice(c + 1, c + 3)).toEqual(['  \tcidr                \t10.0.3.0/24', `  \tnetwork             \tid:${netId}`]);
    expect(text[at('  Subnet/f') + 2]).toBe('  \tnetwork             \tname:fresh');
  });

  it('prints modifications as `old -> new`, blobs as a line diff, sensitive values redacted', () => {
    const web = at('  Server/web');
    expect(at('Will modify resources:')).toBe(web - 1);
    expect(text.slice(web + 1, web + 10)).toEqual([
      '  \tsecret              \t (sensitive) -> (sensitive)',
      '  \tuserData            ',
      '  \t                    \t...',
      '  \t                    \t  apt-get update',
      '  \t                    \t  apt-get install -y containerd',
      '  \t                    \t- kubeadm join --v=1',
      '  \t                    \t+ kubeadm join --v=2',
      '  \t                    \t  systemctl enable kubelet',
      '  \t                    \t  systemctl start kubelet',
    ]);
    expect(text[web + 10]).toBe('  \t                    \t...');
    expect(text.join('\n')).not.toContain('secret\u0000');
    expect(text.join('\n')).not.toMatch(/old-secret|new-secret/);
  });

  it('prints replacements with the reason and the fields that force them, then deletions', () => {
    const x = at('  Subnet/x (cidr cannot be changed in place)');
    expect(at('Will replace resources:')).toBe(x - 1);
    expect(text[x + 1]).toBe('  \tcidr                \t 10.0.5.0/24 -> 10.0.6.0/24  (forces replacement)');
    const del = at('Will delete resources:');
    expect(text[del + 1]).toBe('  Network/old');
  });

  it('ends with a summary and the --yes hint, or says nothing needs doing', () => {
    expect(text.slice(-4)).toEqual(['Plan: 4 to create, 2 to modify, 1 to replace, 1 to delete, 2 unchanged.', '', 'Must specify --yes to apply changes', '']);
    const empty: Plan = { ...plan, changes: [], summary: { create: 0, update: 0, replace: 0, delete: 0, noop: 4 } };
    expect(renderPlanText(empty)).toBe('No changes need to be applied\n');
    const failing: Plan = { ...empty, diagnostics: [{ severity: 'error', code: 'SharedResourceNotFound', summary: 'x' }] };
    expect(renderPlanText(failing)).toBe('The plan has 1 error; fix it before applying\n');
    expect(renderPlanText(plan, { footer: false })).not.toContain('--yes');
  });

  it('colours only when asked', () => {
    expect(text.join('\n')).not.toContain('\u001b[');
    const coloured = renderPlanText(plan, { color: true });
    expect(coloured).toContain('\u001b[32mWill create resources:\u001b[0m');
    expect(coloured).toContain('\u001b[1;31mSecurity-sensitive changes (review these first):\u001b[0m');
    expect(coloured).toContain('  \u001b[33mupdate\u001b[0m Rule/ssh');
  });

  it('is rendered from the JSON document alone', () => {
    const doc = JSON.parse(renderPlanJson(plan)) as PlanDocument;
    expect(renderPlanDocumentText(doc)).toBe(renderPlanText(plan));
  });

  it('shows values only known after apply', () => {
    const manual: Plan = {
      ...plan,
      changes: [{ key: 'Network/n', kind: 'Network', name: 'n', action: 'create', fields: [{ field: 'arn', before: undefined, after: UNKNOWN, forcesReplacement: false }], security: [] }],
    };
    expect(renderPlanText(manual)).toContain('  Network/n\n  \tarn                 \t(known after apply)\n');
  });

  it('shows an additive field (compare: includes) as the members it adds, the others staying', () => {
    const manual: Plan = {
      ...plan,
      changes: [
        {
          key: 'DNSZone/Z1',
          kind: 'DNSZone',
          name: 'Z1',
          action: 'update',
          fields: [{ field: 'vpcs', before: ['vpc-a', 'vpc-b'], after: ['vpc-b', 'vpc-c'], afterDisplay: ['vpc-b', { $refValue: true, ref: 'VPC/c', output: 'id' }], forcesReplacement: false, additive: true }],
          security: [],
        },
      ],
    };
    expect(renderPlanText(manual)).toContain('  DNSZone/Z1\n  \tvpcs                \t + name:c\n');
    const field = planToJson(manual).changes[0]?.fields[0];
    expect(field).toEqual({ field: 'vpcs', before: ['vpc-a', 'vpc-b'], after: ['vpc-b', { ref: 'VPC/c', output: 'id' }], forcesReplacement: false, additive: true });
    // Without the flag the same values read as a replacement of the list.
    const plain: Plan = { ...manual, changes: [{ ...manual.changes[0]!, fields: [{ field: 'vpcs', before: ['vpc-a'], after: ['vpc-c'], forcesReplacement: false }] }] };
    expect(renderPlanText(plain)).toContain('\tvpcs                \t [vpc-a] -> [vpc-c]\n');
  });
});

describe('JSON plan', () => {
  it('is one document with a stable shape', () => {
    const doc = JSON.parse(renderPlanJson(plan)) as PlanDocument;
    expect(doc).toMatchObject({ apiVersion: 'kops-ts.io/v1', kind: 'Plan', cluster: 'test.example.com', summary: { create: 4, update: 2, replace: 1, delete: 1, noop: 2 } });
    expect(doc.changes.map((c) => `${c.action} ${c.key}`)).toEqual([
      'create Network/fresh',
      'delete Network/old',
      'create Rule/https',
      'update Rule/ssh',
      'update Server/web',
      'create Subnet/c',
      'create Subnet/f',
      'replace Subnet/x',
    ]);
    expect(doc.unchanged).toEqual(['Network/main', 'Subnet/a']);
    expect(Object.keys(doc.fingerprint.desired)).toHaveLength(after.length);
  });

  it('writes refs, unknowns, sensitive values, security and replacement flags as documented', () => {
    const doc = planToJson(plan);
    const field = (key: string, name: string) => doc.changes.find((c) => c.key === key)?.fields.find((f) => f.field === name);
    expect(field('Subnet/f', 'network')).toEqual({ field: 'network', after: { ref: 'Network/fresh', output: 'id' }, forcesReplacement: false });
    expect(field('Subnet/c', 'network')?.after).toEqual({ ref: 'Network/main', output: 'id', value: netId });
    expect(field('Server/web', 'secret')).toEqual({ field: 'secret', before: { sensitive: true }, after: { sensitive: true }, forcesReplacement: false, sensitive: true });
    expect(field('Server/web', 'userData')).toMatchObject({ blob: true, before: script('kubeadm join --v=1'), after: script('kubeadm join --v=2') });
    expect(field('Rule/ssh', 'cidrs')).toEqual({ field: 'cidrs', before: ['10.0.0.0/8'], after: ['0.0.0.0/0'], forcesReplacement: false, security: 'ingress' });
    expect(field('Subnet/x', 'cidr')).toMatchObject({ before: '10.0.5.0/24', after: '10.0.6.0/24', forcesReplacement: true });
    expect(doc.changes.find((c) => c.key === 'Subnet/x')?.reason).toBe('cidr cannot be changed in place');
    expect(doc.changes.find((c) => c.key === 'Network/old')?.fields).toEqual([]);
    expect(JSON.stringify(doc)).not.toMatch(/old-secret|new-secret/);
  });

  it('converts any value to JSON', () => {
    expect(toJsonValue(UNKNOWN)).toEqual({ unknown: true });
    expect(toJsonValue({ a: [1, undefined, new Date(0)], b: undefined, m: new Map([['k', 1]]) })).toEqual({ a: [1, null, '1970-01-01T00:00:00.000Z'], m: [['k', 1]] });
  });
});

describe('values', () => {
  it('formats like kops', () => {
    expect(formatValue(['a', 1, true])).toBe('[a, 1, true]');
    expect(formatValue({ b: 'x', a: { ref: 'VPC/main', output: 'id' } })).toBe('{a: name:main, b: x}');
    expect(formatValue({ ref: 'VPC/main', output: 'arn', value: 'arn:aws:ec2:1' })).toBe('arn:arn:aws:ec2:1');
    expect(formatValue({ unknown: true })).toBe('(known after apply)');
  });

  it('diffs lines with two lines of context', () => {
    expect(lineDiff('a\nb\nc\n', 'a\nB\nc\n')).toEqual(['  a', '- b', '+ B', '  c']);
    expect(lineDiff('', 'x\ny\n')).toEqual(['+ x', '+ y']);
    const long = Array.from({ length: 10 }, (_, i) => `l${i}`);
    const changed = [...long];
    changed[0] = 'first';
    changed[9] = 'last';
    expect(lineDiff(`${long.join('\n')}\n`, `${changed.join('\n')}\n`)).toEqual(['- l0', '+ first', '  l1', '  l2', '...', '  l7', '  l8', '- l9', '+ last']);
  });
});
