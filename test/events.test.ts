import { describe, expect, it } from 'vitest';
import { RecordingSink, safeSink, type KopsEvent } from '../src/events.js';

describe('events', () => {
  it('RecordingSink keeps events in order and filters them by code, typed', () => {
    const rec = new RecordingSink();
    rec.sink({ code: 'task.start', key: 'A/a', attempt: 1 });
    rec.sink({ code: 'task.retry', key: 'A/a', attempt: 1, errorCode: 'Throttling', message: 'Rate exceeded', delayMs: 120 });
    rec.sink({ code: 'task.done', key: 'A/a', attempts: 2, ms: 130 });
    expect(rec.codes()).toEqual(['task.start', 'task.retry', 'task.done']);
    const [retry] = rec.of('task.retry');
    expect(retry?.delayMs).toBe(120);
    rec.clear();
    expect(rec.events).toEqual([]);
  });

  it('safeSink isolates a throwing printer: it stops receiving, the caller goes on', () => {
    const got: KopsEvent[] = [];
    const sink = safeSink((e) => {
      got.push(e);
      throw new Error('printer bug');
    });
    expect(() => sink({ code: 'task.start', key: 'A/a', attempt: 1 })).not.toThrow();
    sink({ code: 'task.start', key: 'A/b', attempt: 1 });
    expect(got).toHaveLength(1);
    expect(() => safeSink(undefined)({ code: 'task.start', key: 'A/a', attempt: 1 })).not.toThrow();
  });
});
