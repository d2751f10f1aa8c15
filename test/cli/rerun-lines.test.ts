/**
 * The command lines that lock-taking commands print to finish or re-run them, byte for byte, with
 * every flag they carry over and a state store whose path needs quoting (a space, a quote, a `$`).
 * A second SIGINT as the command starts listening, before it holds the lock, prints the re-run line
 * ("finish with: ..."); the refusals of `--force-unlock` without `--yes` print the force-unlock line.
 * Commands that need a cloud or a Kubernetes API to get that far are pinned in their own tests
 * (rolling-update.test.ts, delete-instance.test.ts, rotate-bootstrap-token.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SignalSource, StopSignal } from '../../src/cli/io.js';
import { KEY, cli, cliOk } from './harness.js';

const MANIFEST = new URL('../fixtures/kops/minimal.yaml', import.meta.url).pathname;
const NAME = 'minimal.example.com';

/** A store whose path a shell would split or expand, and that same path as a shell word. */
function awkwardStore(): { dir: string; url: string; quoted: string } {
  const dir = mkdtempSync(join(tmpdir(), "kops-ts lines 'q' $x-"));
  const url = `file://${dir}`;
  return { dir, url, quoted: `'${url.replace(/'/g, `'\\''`)}'` };
}

/** SIGINT twice as soon as the command listens: the second prints the re-run line. */
class TwoSignalsOnListen implements SignalSource {
  readonly exits: number[] = [];
  listen(handler: (s: StopSignal) => void): () => void {
    handler('SIGINT');
    handler('SIGINT');
    return () => undefined;
  }
  exit(code: number): void {
    this.exits.push(code);
  }
}

/** The command after "finish with: " in the second signal's line. */
function finishWith(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith('error: exiting at once on a second SIGINT'));
  return line?.slice(line.indexOf('finish with: ') + 'finish with: '.length);
}

describe('the re-run line a second signal prints', () => {
  it('create -f and replace -f --force: the file, then --state, then replace\'s --force', async () => {
    const s = awkwardStore();
    const created = new TwoSignalsOnListen();
    const r = await cli(['create', '-f', MANIFEST, '--state', s.url], { signals: created });
    expect(created.exits).toEqual([130]);
    expect(finishWith(r.stderr)).toBe(`kops-ts create -f ${MANIFEST} --state ${s.quoted}`);

    const replaced = new TwoSignalsOnListen();
    const again = await cli(['replace', '-f', MANIFEST, '--force', '--state', s.url], { signals: replaced });
    expect(replaced.exits).toEqual([130]);
    expect(finishWith(again.stderr)).toBe(`kops-ts replace -f ${MANIFEST} --state ${s.quoted} --force`);
    rmSync(s.dir, { recursive: true, force: true });
  });

  it('delete cluster --yes (with --unregister, and of an interrupted create): --yes before the extra words', async () => {
    const s = awkwardStore();
    await cliOk(['create', '-f', MANIFEST, '--state', s.url]);
    const unregister = await cli(['delete', 'cluster', '--name', NAME, '--unregister', '--yes', '--state', s.url], { signals: new TwoSignalsOnListen() });
    expect(finishWith(unregister.stderr)).toBe(`kops-ts delete cluster --name ${NAME} --state ${s.quoted} --unregister --yes`);

    await cliOk(['create', '-f', MANIFEST, '--state', s.url]);
    rmSync(join(s.dir, NAME, 'config'));
    const leftovers = await cli(['delete', 'cluster', '--name', NAME, '--yes', '--state', s.url], { signals: new TwoSignalsOnListen() });
    expect(finishWith(leftovers.stderr)).toBe(`kops-ts delete cluster --name ${NAME} --state ${s.quoted} --yes`);
    rmSync(s.dir, { recursive: true, force: true });
  });

  it('migrate state --yes: --to before --state', async () => {
    const src = awkwardStore();
    const dst = awkwardStore();
    await cliOk(['create', '-f', MANIFEST, '--state', src.url]);
    const r = await cli(['migrate', 'state', '--name', NAME, '--to', dst.url, '--state', src.url, '--yes'], { signals: new TwoSignalsOnListen() });
    expect(finishWith(r.stderr)).toBe(`kops-ts migrate state --name ${NAME} --to ${dst.quoted} --state ${src.quoted} --yes`);
    expect(r.stderr).toContain(`a re-run completes it: kops-ts migrate state --name ${NAME} --to ${dst.quoted} --state ${src.quoted} --yes`);
    for (const s of [src, dst]) rmSync(s.dir, { recursive: true, force: true });
  });

  it('create cluster --yes: the update cluster that finishes it, with --state', async () => {
    const s = awkwardStore();
    const r = await cli(['create', 'cluster', '--name', 'lines.example.com', '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--yes', '--state', s.url], { signals: new TwoSignalsOnListen() });
    expect(r.code).toBe(130);
    expect(finishWith(r.stderr)).toBe(`kops-ts update cluster --name lines.example.com --state ${s.quoted} --yes`);
    expect(r.stderr).toContain(`a re-run finishes the rest: kops-ts update cluster --name lines.example.com --state ${s.quoted} --yes`);
    rmSync(s.dir, { recursive: true, force: true });
  });
});

describe('the force-unlock line of a refused --force-unlock without --yes', () => {
  it('update cluster: --state, then the selection flags, then --force-unlock <id> --yes', async () => {
    const s = awkwardStore();
    const r = await cli([
      'update', 'cluster', '--name', NAME, '--state', s.url, '--instance-group', 'a b,c', '--instance-group-roles', 'Node',
      '--lifecycle-overrides', 'SecurityGroup=Ignore', '--force-unlock', "it's",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `to break the lock and apply, run: kops-ts update cluster --name ${NAME} --state ${s.quoted} --instance-group 'a b,c' --instance-group-roles Node --lifecycle-overrides SecurityGroup=Ignore --force-unlock 'it'\\''s' --yes\n`,
    );
    rmSync(s.dir, { recursive: true, force: true });
  });

  it('reconcile cluster: --state, then --kubeconfig, then --force-unlock <id> --yes', async () => {
    const s = awkwardStore();
    const r = await cli(['reconcile', 'cluster', NAME, '--state', s.url, '--kubeconfig', '/tmp/kube config', '--force-unlock', '']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`to break the lock and reconcile, run: kops-ts reconcile cluster --name ${NAME} --state ${s.quoted} --kubeconfig '/tmp/kube config' --force-unlock '' --yes\n`);
    rmSync(s.dir, { recursive: true, force: true });
  });
});
