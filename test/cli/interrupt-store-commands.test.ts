/**
 * The commands that take the cluster lock only to write the state store (`create -f`, `replace -f
 * --force`, `delete cluster --yes`) handle SIGINT/SIGTERM like `update cluster --yes`: a signal that
 * arrives while they run lets their writes finish and the lock go, then the command exits 130,
 * saying it had done its work. (Before, Node's default ended the process mid-write with the lock
 * held for its 5 minutes.) Signals are delivered by hand at the moment the command starts
 * listening, i.e. while it holds or is about to take the lock.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SignalSource, StopSignal } from '../../src/cli/io.js';
import { cli, tempStore } from './harness.js';

const MANIFEST = new URL('../fixtures/kops/minimal.yaml', import.meta.url).pathname;
const NAME = 'minimal.example.com';

/** Sends `sig` as soon as the command listens; records what the command asks exit() for. */
class SignalOnListen implements SignalSource {
  readonly exits: number[] = [];
  listened = 0;
  constructor(private readonly sig: StopSignal) {}
  listen(handler: (s: StopSignal) => void): () => void {
    this.listened++;
    handler(this.sig);
    return () => undefined;
  }
  exit(code: number): void {
    this.exits.push(code);
  }
}

describe('store-only commands that take the lock stop cleanly on a signal', () => {
  it('create -f: the spec is written whole, the lock released, exit 130', async () => {
    const s = tempStore();
    const signals = new SignalOnListen('SIGINT');
    const r = await cli(['create', '-f', MANIFEST, '--state', s.url], { signals });
    expect(signals.listened).toBe(1);
    expect(r.code).toBe(130);
    expect(r.stdout).toContain(`Created Cluster/${NAME}`);
    expect(r.stderr).toContain('Stopping on SIGINT');
    expect(r.stderr).toMatch(/^error: SIGINT arrived after create -f had done its work/m);
    expect(existsSync(join(s.dir, NAME, 'config'))).toBe(true);
    expect(existsSync(join(s.dir, NAME, 'lock'))).toBe(false);
    // Nothing was cut short: the store reads back as a healthy cluster.
    expect((await cli(['get', 'clusters', '--state', s.url])).code).toBe(0);
  });

  it('replace -f --force: written, lock released, exit 130 on SIGTERM', async () => {
    const s = tempStore();
    const signals = new SignalOnListen('SIGTERM');
    const r = await cli(['replace', '-f', MANIFEST, '--force', '--state', s.url], { signals });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^error: SIGTERM arrived after replace -f had done its work/m);
    expect(existsSync(join(s.dir, NAME, 'config'))).toBe(true);
    expect(existsSync(join(s.dir, NAME, 'lock'))).toBe(false);
  });

  it('delete cluster --yes: the leftovers of an interrupted create are deleted, lock released, exit 130', async () => {
    const s = tempStore();
    expect((await cli(['create', '-f', MANIFEST, '--state', s.url])).code).toBe(0);
    // What an interrupted create leaves: no config (its commit point), instance groups present.
    const config = join(s.dir, NAME, 'config');
    rmSync(config);
    const signals = new SignalOnListen('SIGINT');
    const r = await cli(['delete', 'cluster', '--name', NAME, '--yes', '--state', s.url], { signals });
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/^Deleted \d+ object\(s\) of cluster minimal\.example\.com/m);
    expect(r.stderr).toMatch(/^error: SIGINT arrived after delete cluster had done its work/m);
    expect(existsSync(join(s.dir, NAME, 'lock'))).toBe(false);
    expect(existsSync(join(s.dir, NAME, 'instancegroup'))).toBe(false);
  });
});
