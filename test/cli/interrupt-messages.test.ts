/**
 * What the CLI says about an interrupt, in-process with signals delivered by hand: the lines,
 * the exit codes, and that every command line they suggest exists. (The binary under real
 * signals: interrupt.test.ts.)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { updateInterrupted } from '../../src/cli/commands/update-cluster.js';
import { commandContext } from '../../src/cli/context.js';
import { Interrupts, type InterruptedCommand } from '../../src/cli/interrupt.js';
import type { CliIO, SignalSource, StopSignal } from '../../src/cli/io.js';
import { buildProgram } from '../../src/cli/main.js';
import { InterruptedError } from '../../src/cloudup/interrupted.js';
import { ExitCode, KopsError, formatDiagnostic } from '../../src/diagnostics.js';
import { KEY, cli, tempStore } from './harness.js';
import { unrunnable } from '../helpers/cli-commands.js';

function program(): Command {
  return buildProgram({ stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 });
}

function io(): CliIO & { err: string[] } {
  const err: string[] = [];
  return { err, isTTY: false, env: {}, stdout: () => undefined, stderr: (t) => err.push(t), readFile: () => '', edit: () => 0 };
}

/** Signals the test sends; `exits` records immediate exits instead of ending the test runner. */
class FakeSignals implements SignalSource {
  handler: ((s: StopSignal) => void) | undefined;
  readonly exits: number[] = [];
  constructor(private readonly onListen: (self: FakeSignals) => void = () => {}) {}
  listen(h: (s: StopSignal) => void): () => void {
    this.handler = h;
    this.onListen(this);
    return () => (this.handler = undefined);
  }
  send(s: StopSignal): void {
    this.handler?.(s);
  }
  exit(code: number): void {
    this.exits.push(code);
  }
}

const command: InterruptedCommand = {
  operation: 'update cluster',
  cluster: 'msg.example.com',
  rerun: () => 'kops-ts update cluster --name msg.example.com --yes',
  forceUnlock: (id) => `kops-ts update cluster --name msg.example.com --force-unlock ${id} --yes`,
};

/** The command a message line ends with. */
const commandIn = (line: string) => line.slice(line.lastIndexOf(': kops-ts ') + 2).trim();

describe('Interrupts', () => {
  it('first signal: one line and the abort; second: exit 130 at once, naming the lock held, or none', () => {
    const out = io();
    const it_ = new Interrupts(out, command, () => new Date('2026-12-02T16:03:00.000Z'));
    const exits: number[] = [];
    const watch = it_.watch();
    it_.onSignal('SIGTERM', (c) => exits.push(c));
    expect(it_.signal.aborted).toBe(true);
    expect(it_.received).toBe('SIGTERM');
    expect(out.err).toEqual(['Stopping on SIGTERM: no new change starts; changes in progress finish, then the cluster lock is released (SIGTERM again exits at once)\n']);
    expect(exits).toEqual([]);

    // Taken at 15:55 with a 5-minute lease, renewed since: at 16:03 it lives until 16:08 at the latest.
    watch({ code: 'lock.acquired', cluster: 'msg.example.com', id: '0123456789abcdef', operation: 'update cluster', acquired: '2026-12-02T15:55:00.000Z', expires: '2026-12-02T16:00:00.000Z' });
    it_.onSignal('SIGINT', (c) => exits.push(c));
    expect(exits).toEqual([ExitCode.INTERRUPTED]);
    expect(out.err[1]).toBe(
      'error: exiting at once on a second SIGINT; changes in progress may or may not have been made, and the lock on cluster "msg.example.com" (lock id 0123456789abcdef) stays until it expires, by 2026-12-02T16:08:00.000Z at the latest (update cluster): when no other kops-ts run is using the cluster, break it and finish with: kops-ts update cluster --name msg.example.com --force-unlock 0123456789abcdef --yes\n',
    );

    watch({ code: 'lock.released', cluster: 'msg.example.com', id: '0123456789abcdef' });
    it_.onSignal('SIGINT', (c) => exits.push(c));
    expect(out.err[2]).toMatch(/^error: exiting at once on a second SIGINT; .*if this run held the lock on cluster "msg\.example\.com", it stays until it expires .*: finish with: kops-ts update cluster --name msg\.example\.com --yes\n$/);
    for (const line of out.err.slice(1)) expect(unrunnable(commandIn(line), program())).toEqual([]);
  });

  it('turns the library error into one line with the counts, the lock, and the command that finishes', () => {
    const it_ = new Interrupts(io(), command);
    it_.onSignal('SIGINT', () => undefined);
    const progress = { total: 10, applied: 3, failed: 1, left: 6 };
    const fmt = (e: KopsError) => e.diagnostics.map((d) => formatDiagnostic(d));
    const released = it_.report(new InterruptedError('update cluster', 'msg.example.com', 'apply', progress, undefined, { id: 'aaaa', released: true }));
    expect([released.exitCode, ...fmt(released)]).toEqual([
      130,
      'error: interrupted by SIGINT: 3 of 10 change(s) applied, 1 failed, 6 not done; the cluster lock is released (update cluster msg.example.com): a re-run finishes the rest: kops-ts update cluster --name msg.example.com --yes',
    ]);
    const held = it_.report(new InterruptedError('update cluster', 'msg.example.com', 'apply', progress, undefined, { id: 'bbbb', released: false }));
    expect(fmt(held)).toEqual([
      'error: interrupted by SIGINT: 3 of 10 change(s) applied, 1 failed, 6 not done; the cluster lock (lock id bbbb) could not be released and stays until it expires (update cluster msg.example.com): when no other kops-ts run is using the cluster, break it and finish with: kops-ts update cluster --name msg.example.com --force-unlock bbbb --yes',
    ]);
  });

  it('stops listening when the command ends; a signal after the work was done still exits 130, saying so', async () => {
    const signals = new FakeSignals();
    const it_ = new Interrupts(io(), command);
    const e = await it_
      .run(signals, async () => {
        signals.send('SIGINT');
        return 'done';
      })
      .catch((x: unknown) => x);
    expect(signals.handler).toBeUndefined();
    expect(KopsError.is(e, 'Interrupted') && e.exitCode).toBe(130);
    expect((e as KopsError).message).toBe('SIGINT arrived after update cluster had done its work');
    expect(await new Interrupts(io(), command).run(signals, async () => 'done')).toBe('done');
  });

  it('the re-run commands of update cluster keep the selection and the state store, and exist', () => {
    const ctx = commandContext(io(), { state: 'file:///tmp/kops state' });
    const f = { instanceGroup: ['nodes-a', 'nodes-b'], instanceGroupRoles: ['Node'], lifecycleOverrides: ['SecurityGroup=Ignore'] };
    const plain = updateInterrupted(ctx, 'msg.example.com', f);
    expect(plain.rerun('apply')).toBe(
      "kops-ts update cluster --name msg.example.com --state 'file:///tmp/kops state' --instance-group nodes-a,nodes-b --instance-group-roles Node --lifecycle-overrides SecurityGroup=Ignore --yes",
    );
    const saved = updateInterrupted(ctx, 'msg.example.com', { plan: 'plan.json' });
    // A saved plan still matches before the apply began; after, the cloud moved on: plan again.
    expect(saved.rerun('before-apply')).toBe("kops-ts update cluster --name msg.example.com --state 'file:///tmp/kops state' --plan plan.json --yes");
    expect(saved.rerun('apply')).toBe("kops-ts update cluster --name msg.example.com --state 'file:///tmp/kops state' --out plan.json, then apply it with --plan plan.json --yes");
    expect(saved.forceUnlock('cccc')).toBe("kops-ts update cluster --name msg.example.com --state 'file:///tmp/kops state' --force-unlock cccc --plan plan.json --yes");
    const unquoted = (s: string) => s.replace(/'[^']*'/g, 'x');
    for (const line of [plain.rerun('apply'), plain.forceUnlock('dddd'), saved.rerun('before-apply'), saved.rerun('apply'), saved.forceUnlock('cccc')]) {
      expect(unrunnable(unquoted(line), program())).toEqual([]);
    }
  });
});

describe('the CLI under a signal', () => {
  it('create cluster --yes interrupted while storing the spec: the spec is stored, nothing applied, exit 130, and the next step named', async () => {
    const store = tempStore();
    // The signal arrives as soon as the command starts listening, i.e. while the spec is being stored.
    const signals = new FakeSignals((s) => s.send('SIGINT'));
    const r = await cli(['create', 'cluster', '--name', 'created.example.com', '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--yes'], { env: { KOPS_STATE_STORE: store.url }, signals });
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'Stopping on SIGINT: no new change starts; changes in progress finish, then the cluster lock is released (SIGINT again exits at once)',
      'error: interrupted by SIGINT before applying anything: nothing was changed in the cloud (create cluster created.example.com): a re-run finishes the rest: kops-ts update cluster --name created.example.com --yes',
    ]);
    expect(signals.handler).toBeUndefined();
    expect(existsSync(join(store.dir, 'created.example.com', 'config'))).toBe(true);
    expect(existsSync(join(store.dir, 'created.example.com', 'lock'))).toBe(false);
    expect(unrunnable(commandIn(r.stderr.trim().split('\n')[1]!), program())).toEqual([]);
  });

  it('--force-unlock without --yes is refused (exit 2) before anything is read, with the command that acts on it', async () => {
    const store = tempStore();
    const r = await cli(['update', 'cluster', '--name', 'locked.example.com', '--force-unlock', '0123456789abcdef'], { env: { KOPS_STATE_STORE: store.url } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      'error: --force-unlock without --yes: the lock is broken only by a run that applies: a plan without --yes takes no lock, so the lock does not block it; to break the lock and apply, run: kops-ts update cluster --name locked.example.com --force-unlock 0123456789abcdef --yes',
    ]);
    expect(unrunnable(commandIn(lines[0]!), program())).toEqual([]);
  });
});
