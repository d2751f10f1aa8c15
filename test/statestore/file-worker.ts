/**
 * A second (and third) process for the file backend's cross-process tests. Usage:
 *   node --import tsx file-worker.ts <root> <id> <count>
 * Prints "ready", waits for a line on stdin (so all workers start together), then:
 *  - increments the counter at `counter` `count` times by read + write-ifVersion, retrying on
 *    conflict, appending its id to the list of increments;
 *  - tries to create `race/k<i>` for i < count with ifAbsent;
 * and prints one JSON line: { increments, conflicts, created }.
 */
import { FileStateStore } from '../../src/statestore/file.js';
import { KopsError } from '../../src/diagnostics.js';

const [root, id, countArg] = process.argv.slice(2) as [string, string, string];
const count = Number(countArg);
const store = new FileStateStore(root);

async function increment(): Promise<number> {
  for (let conflicts = 0; ; conflicts++) {
    const cur = await store.read('counter');
    const list = cur ? (JSON.parse(new TextDecoder().decode(cur.data)) as string[]) : [];
    list.push(`${id}:${list.length}`);
    try {
      await store.write('counter', JSON.stringify(list), cur ? { ifVersion: cur.version } : { ifAbsent: true });
      return conflicts;
    } catch (e) {
      if (!KopsError.is(e, 'StateConflict')) throw e;
    }
  }
}

async function main(): Promise<void> {
  let conflicts = 0;
  for (let i = 0; i < count; i++) conflicts += await increment();
  const created: number[] = [];
  for (let i = 0; i < count; i++) {
    try {
      await store.write(`race/k${i}`, id, { ifAbsent: true });
      created.push(i);
    } catch (e) {
      if (!KopsError.is(e, 'StateConflict')) throw e;
    }
  }
  process.stdout.write(`${JSON.stringify({ increments: count, conflicts, created })}\n`);
}

process.stdout.write('ready\n');
process.stdin.once('data', () => {
  process.stdin.pause();
  main().catch((e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 1;
  });
});
