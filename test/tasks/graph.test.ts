import { describe, expect, it } from 'vitest';
import { KopsError, formatDiagnostic } from '../../src/diagnostics.js';
import { Graph, buildGraph } from '../../src/tasks/graph.js';
import { findRefs } from '../../src/tasks/refs.js';
import { ref, type Task } from '../../src/tasks/types.js';
import { thrownBy } from '../helpers/errors.js';
import { fakeRegistry, network, rule, server, smallCluster, subnet } from './fake-kinds.js';

describe('findRefs', () => {
  it('finds refs at any depth with their paths', () => {
    const refs = findRefs({ a: ref('VPC', 'x'), list: [{ deep: { r: ref('Subnet', 'y', 'arn') } }, 'plain'], n: 3 }, 'desired');
    expect(refs.map((r) => [r.path, r.ref.kind, r.ref.name, r.ref.output])).toEqual([
      ['desired.a', 'VPC', 'x', 'id'],
      ['desired.list[0].deep.r', 'Subnet', 'y', 'arn'],
    ]);
  });
});

describe('buildGraph', () => {
  it('takes edges from nested refs and dependsOn', () => {
    const tasks: Task[] = [
      ...smallCluster(),
      { kind: 'Network', name: 'late', desired: { cidr: '10.1.0.0/16' }, dependsOn: [ref('Server', 'web')] },
    ];
    const g = buildGraph(tasks, fakeRegistry());
    expect(g.dependencies('Server/web')).toEqual(['Rule/ssh', 'Subnet/a']);
    expect(g.dependencies('Subnet/a')).toEqual(['Network/main']);
    expect(g.dependencies('Network/late')).toEqual(['Server/web']);
    expect(g.dependents('Network/main')).toEqual(['Rule/ssh', 'Subnet/a', 'Subnet/b']);
    expect(g.transitiveDependents('Network/main')).toEqual(['Network/late', 'Rule/ssh', 'Server/web', 'Subnet/a', 'Subnet/b']);
    expect(g.kindOf('Rule/ssh')).toBe('Rule');
  });

  it('orders dependencies first, ties by key', () => {
    const g = buildGraph(smallCluster(), fakeRegistry());
    // Server/web sorts before Subnet/b and is ready once Subnet/a is done.
    expect(g.order()).toEqual(['Network/main', 'Rule/ssh', 'Subnet/a', 'Server/web', 'Subnet/b']);
  });

  it('rejects duplicate keys', () => {
    const e = thrownBy(() => buildGraph([network('main'), network('main', '10.9.0.0/16')]), KopsError);
    expect(e.code).toBe('DuplicateTask');
    expect(e.message).toContain('Network/main');
  });

  it('names the referring task, the field path and close keys for an unknown ref', () => {
    const tasks = [network('main'), network('other'), subnet('a', 'mian', '10.0.1.0/24'), rule('r', 'nope', 22, [])];
    const e = thrownBy(() => buildGraph(tasks), KopsError);
    expect(e.code).toBe('UnknownRef');
    expect(e.diagnostics).toHaveLength(2);
    const [first, second] = e.diagnostics.map(formatDiagnostic);
    expect(first).toBe('error: desired.network refers to Network/mian, which is not a task (Subnet/a): did you mean Network/main?');
    // Nothing close: every known task of the kind is listed instead.
    expect(second).toContain('desired.network refers to Network/nope');
    expect(second).toContain('(Rule/r): known Network tasks: Network/main, Network/other');
  });

  it('suggests the same name under the right kind for a mistyped kind', () => {
    const e = thrownBy(() => buildGraph([network('main'), { kind: 'Subnet', name: 's', desired: { network: ref('Netwrok', 'main') } }]), KopsError);
    expect(e.diagnostics[0]?.hint).toBe('did you mean Network/main?');
  });

  it('rejects a task of an unregistered kind', () => {
    const e = thrownBy(() => buildGraph([{ kind: 'Bogus', name: 'x', desired: {} }], fakeRegistry()), KopsError);
    expect(e.code).toBe('UnknownTaskKind');
    expect(e.message).toContain('known kinds: Network, Rule, Server, Subnet');
  });

  it('reports a cycle with its path', () => {
    const tasks: Task[] = [
      { kind: 'Network', name: 'a', desired: { cidr: 'x' }, dependsOn: [ref('Subnet', 'b')] },
      subnet('b', 'c', '10.0.0.0/24'),
      { kind: 'Network', name: 'c', desired: { cidr: 'y' }, dependsOn: [ref('Network', 'a')] },
      network('free'),
    ];
    const e = thrownBy(() => buildGraph(tasks), KopsError);
    expect(e.code).toBe('DependencyCycle');
    expect(e.message).toContain('Network/a -> Subnet/b -> Network/c -> Network/a');
  });

  it('reports a self reference as a cycle', () => {
    const e = thrownBy(() => buildGraph([{ kind: 'Network', name: 'a', desired: { peer: ref('Network', 'a') } }]), KopsError);
    expect(e.message).toContain('Network/a -> Network/a');
  });

  it('Graph.of rejects edges to nodes it was not given', () => {
    expect(() => Graph.of([{ key: 'A/a', kind: 'A' }], new Map([['A/a', ['B/b']]]))).toThrow(/no such node/);
  });

  it('handles a long chain without deep recursion', () => {
    const tasks: Task[] = [network('n0')];
    for (let i = 1; i < 5000; i++) tasks.push({ kind: 'Network', name: `n${i}`, desired: { cidr: 'x' }, dependsOn: [ref('Network', `n${i - 1}`)] });
    tasks[0] = { kind: 'Network', name: 'n0', desired: { cidr: 'x' }, dependsOn: [ref('Network', 'n4999')] };
    const e = thrownBy(() => buildGraph(tasks), KopsError);
    expect(e.code).toBe('DependencyCycle');
    expect(e.message.split(' -> ')).toHaveLength(5001);
  });

  it('servers referring to rules are edges even inside arrays', () => {
    const g = buildGraph([network('n'), subnet('s', 'n', 'c'), rule('r1', 'n', 1, []), rule('r2', 'n', 2, []), server('v', 's', ['r2', 'r1'], '')]);
    expect(g.dependencies('Server/v')).toEqual(['Rule/r1', 'Rule/r2', 'Subnet/s']);
  });
});
