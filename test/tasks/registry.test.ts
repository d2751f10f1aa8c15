import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { networkKind, subnetKind, type FakeCtx } from './fake-kinds.js';

describe('TaskRegistry', () => {
  it('looks kinds up by name and lists them sorted', () => {
    const r = new TaskRegistry<FakeCtx>().register(subnetKind).register(networkKind);
    expect(r.get('Subnet')).toBe(subnetKind);
    expect(r.has('Network')).toBe(true);
    expect(r.has('Nope')).toBe(false);
    expect(r.kinds()).toEqual(['Network', 'Subnet']);
    expect(r.concurrencyLimits()).toEqual({ Subnet: 2 });
  });

  it('rejects a kind registered twice', () => {
    const r = new TaskRegistry<FakeCtx>().register(networkKind);
    expect(() => r.register(networkKind)).toThrow(expect.objectContaining({ code: 'DuplicateTaskKind' }));
  });

  it('names the known kinds when asked for an unknown one', () => {
    const r = new TaskRegistry<FakeCtx>().registerAll([networkKind, subnetKind]);
    let err: unknown;
    try {
      r.get('Subnett');
    } catch (e) {
      err = e;
    }
    expect(KopsError.is(err, 'UnknownTaskKind')).toBe(true);
    expect((err as KopsError).message).toBe('no task kind "Subnett" is registered (known kinds: Network, Subnet)');
  });
});
