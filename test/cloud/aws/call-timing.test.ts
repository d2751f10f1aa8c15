import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AwsCallRecorder, sequentialDepth, type CallSpan } from '../../../src/cloud/aws/call-scope.js';
import { AwsClients } from '../../../src/cloud/aws/clients.js';
import { testAws } from '../../helpers/aws.js';

const span = (startMs: number, endMs: number): CallSpan => ({ startMs, endMs });

describe('sequentialDepth', () => {
  it('counts calls one after another in full, and concurrent calls once', () => {
    expect(sequentialDepth([])).toBe(0);
    expect(sequentialDepth([span(0, 10), span(10, 20), span(20, 30)])).toBe(3);
    // create, then three reads at once (a Promise.all after a create): 2, not 4
    expect(sequentialDepth([span(0, 10), span(11, 20), span(11, 22), span(12, 21)])).toBe(2);
  });

  it('follows the longest chain through partly overlapping calls, in any input order', () => {
    // a 0..10, b 5..15 (overlaps a), c 10..20 (after a), d 16..30 (after b and c's start, not c's end), e 20..25 (after c)
    const spans = [span(16, 30), span(0, 10), span(20, 25), span(5, 15), span(10, 20)];
    expect(sequentialDepth(spans)).toBe(3); // a -> c -> e
    expect(sequentialDepth([...spans, span(30, 31)])).toBe(4); // a -> c -> e -> (30..31); b -> d -> (30..31) is only 3
  });

  it('chains a call that starts exactly when another ended, and handles instantaneous calls', () => {
    expect(sequentialDepth([span(0, 5), span(5, 5), span(5, 9)])).toBe(3);
    expect(sequentialDepth([span(3, 3), span(3, 3)])).toBe(2);
  });

  it('refuses a call that ends before it starts or has no time', () => {
    expect(() => sequentialDepth([span(5, 4)])).toThrow('must end at or after it starts, got 5..4');
    expect(() => sequentialDepth([span(Number.NaN, 4)])).toThrow('must end at or after it starts');
  });
});

describe('AwsCallRecorder timing', () => {
  it('records when each call started and ended, so concurrent calls are told from sequential ones', async () => {
    const aws = testAws();
    const recorder = new AwsCallRecorder();
    const clients = new AwsClients({ ...aws.options, hooks: [...(aws.options.hooks ?? []), recorder.hook] });
    await clients.ec2.send(new DescribeVpcsCommand({}));
    await clients.ec2.send(new DescribeVpcsCommand({}));
    await Promise.all([clients.ec2.send(new DescribeVpcsCommand({})), clients.ec2.send(new DescribeVpcsCommand({}))]);
    expect(recorder.calls).toHaveLength(4);
    const spans = recorder.calls.map((c) => {
      expect(c.endMs).toBeGreaterThanOrEqual(c.startMs!);
      return { startMs: c.startMs!, endMs: c.endMs! };
    });
    expect(spans[0]!.endMs).toBeLessThanOrEqual(spans[1]!.startMs);
    expect(sequentialDepth(spans)).toBe(3);
  });

  it('ends a call that failed too', async () => {
    const aws = testAws();
    const recorder = new AwsCallRecorder();
    const clients = new AwsClients({ ...aws.options, hooks: [...(aws.options.hooks ?? []), recorder.hook] });
    await expect(clients.ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-00000000000000000'] }))).rejects.toThrow();
    expect(recorder.calls).toHaveLength(1);
    expect(recorder.calls[0]!.endMs).toBeGreaterThanOrEqual(recorder.calls[0]!.startMs!);
  });
});
