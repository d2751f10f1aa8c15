import { describe, expect, it } from 'vitest';
import { progressSink } from '../../src/cli/progress.js';
import type { CliIO } from '../../src/cli/io.js';

function io(isTTY: boolean): CliIO & { err: string[]; out: string[] } {
  const err: string[] = [];
  const out: string[] = [];
  return { err, out, isTTY, env: {}, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readFile: () => '', edit: () => 0 };
}

describe('apply progress', () => {
  const events = [
    { code: 'apply.start', summary: { create: 2, update: 0, replace: 0, delete: 0 } },
    { code: 'task.retry', key: 'Subnet/a.example.com', attempt: 1, errorCode: 'RequestLimitExceeded', message: 'slow down', delayMs: 1500 },
    { code: 'task.done', key: 'Subnet/a.example.com', attempts: 2, ms: 2300 },
    { code: 'task.slow', key: 'NatGateway/a.example.com', elapsedMs: 30000, attempt: 1 },
  ] as const;

  it('shows every finished task on a terminal, with its time', () => {
    const t = io(true);
    const sink = progressSink(t);
    for (const e of events) sink(e);
    expect(t.err).toEqual([
      'Applying 2 change(s)...\n',
      '  retry Subnet/a.example.com: RequestLimitExceeded (attempt 1, again in 1.5s)\n',
      '  done  Subnet/a.example.com (2.3s, 2 attempts)\n',
      '  still running NatGateway/a.example.com after 30.0s\n',
    ]);
    expect(t.out).toEqual([]);
  });

  it('keeps pipelines quiet: only the start, retries and slow tasks, one line each, never on stdout', () => {
    const t = io(false);
    const sink = progressSink(t);
    for (const e of events) sink(e);
    expect(t.err).toEqual(['Applying 2 change(s)...\n', '  retry Subnet/a.example.com: RequestLimitExceeded (attempt 1, again in 1.5s)\n', '  still running NatGateway/a.example.com after 30.0s\n']);
    expect(t.out).toEqual([]);
  });

  it('says nothing about an apply with nothing to do', () => {
    const t = io(false);
    progressSink(t)({ code: 'apply.start', summary: { create: 0, update: 0, replace: 0, delete: 0 } });
    expect(t.err).toEqual([]);
  });
});
