import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { displayView, resolverOf, type OutputsOf } from '../../src/tasks/resolve.js';
import { UNKNOWN, ref } from '../../src/tasks/types.js';

const outputs: OutputsOf = (key) => (key === 'VPC/main' ? { id: 'vpc-1', arn: 'arn:aws:ec2:vpc/vpc-1' } : undefined);

describe('resolverOf', () => {
  it('resolves known outputs, UNKNOWN otherwise, and plain values as themselves', () => {
    const r = resolverOf(outputs, 'Subnet/a');
    expect(r.resolve(ref('VPC', 'main'))).toBe('vpc-1');
    expect(r.resolve(ref('VPC', 'main', 'arn'))).toBe('arn:aws:ec2:vpc/vpc-1');
    expect(r.resolve(ref('VPC', 'main', 'nope'))).toBe(UNKNOWN);
    expect(r.resolve(ref('VPC', 'new'))).toBe(UNKNOWN);
    expect(r.resolve('literal')).toBe('literal');
    expect(r.known(ref('VPC', 'main'))).toBe('vpc-1');
  });

  it('known() names the task, the target and the output when a ref is not known', () => {
    let err: unknown;
    try {
      resolverOf(outputs, 'Subnet/a').known(ref('VPC', 'new'));
    } catch (e) {
      err = e;
    }
    expect(KopsError.is(err, 'RefNotKnown')).toBe(true);
    expect((err as Error).message).toBe('Subnet/a: output "id" of VPC/new is not known');
  });
});

describe('displayView', () => {
  it('marks values that are refs, at any depth, with the value when known', () => {
    const v = displayView((refs) => ({ vpc: refs.resolve(ref('VPC', 'new')), list: [refs.resolve(ref('VPC', 'main'))], plain: 'x' }), outputs);
    expect(v).toEqual({
      vpc: { $refValue: true, ref: 'VPC/new', output: 'id' },
      list: [{ $refValue: true, ref: 'VPC/main', output: 'id', value: 'vpc-1' }],
      plain: 'x',
    });
  });

  it('splices values into strings that embed a ref', () => {
    const v = displayView((refs) => ({ a: `arn:${String(refs.resolve(ref('VPC', 'main')))}`, b: `arn:${String(refs.resolve(ref('VPC', 'new')))}` }), outputs);
    expect(v).toEqual({ a: 'arn:vpc-1', b: 'arn:(known after apply)' });
  });

  it('drops fields whose view took a marker apart, and gives up on a view that throws', () => {
    const v = displayView((refs) => ({ cut: String(refs.resolve(ref('VPC', 'main'))).slice(0, 5), ok: 'y' }), outputs);
    expect(v).toEqual({ ok: 'y' });
    expect(
      displayView(() => {
        throw new Error('parses its refs');
      }, outputs),
    ).toBeUndefined();
  });
});
