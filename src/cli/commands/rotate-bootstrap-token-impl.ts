/**
 * `rotate bootstrap-token`'s implementation: the preview, or under the cluster lock the rotation
 * of src/cloudup/rotate-bootstrap-token.ts, with SIGINT/SIGTERM handled as `update cluster`'s (no
 * new step starts, the lock is released, exit 130, the same command finishes). Token ids are
 * printed (they are public: the Secrets' names); the tokens' secret parts never are.
 */
import { ExitCode, KopsError } from '../../diagnostics.js';
import { planRotation, rotateBootstrapToken, RotationStopped, type RotationPlan, type RotationProgress } from '../../cloudup/rotate-bootstrap-token.js';
import { bootstrapTokenApi, bootstrapTokenSecretName } from '../../kube/bootstrap-tokens.js';
import { kubeClient } from '../../kube/client.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import type { CommandContext } from '../context.js';
import { commandLine, valueFlag, type CommandLine } from '../command-line.js';
import { commandInterrupts } from '../interrupt.js';
import type { RotateBootstrapTokenFlags } from './rotate-bootstrap-token.js';

/** The same rotation, for the messages that say how to finish it. */
function rotateLine(c: CommandContext, cluster: string, raw: RotateBootstrapTokenFlags): CommandLine {
  return commandLine({ verb: ['rotate', 'bootstrap-token'], cluster, globals: c.globals, flags: valueFlag('--kubeconfig', raw.kubeconfig) });
}

function ids(list: readonly string[]): string {
  return list.map(bootstrapTokenSecretName).join(', ');
}

function preview(p: RotationPlan): string {
  const lines = [
    `Bootstrap token of cluster ${p.cluster}: the state store names token id ${p.currentId}${p.currentRegistered ? '' : ' (not registered in the cluster)'}`,
    'With --yes:',
    '  1. a new token is registered in the cluster (kube-system, type bootstrap.kubernetes.io/token, no expiry)',
    `  2. the state store's secret bootstrap-token and ${p.files.length} join file(s) get the new token${p.files.length ? `:\n${p.files.map((f) => `       ${f}`).join('\n')}` : ''}`,
    `  3. ${p.toDelete.length ? `deleted from the cluster: ${ids(p.toDelete)}` : 'no old token is registered: nothing to delete'}`,
  ];
  if (p.kept.length) lines.push(`Kept (not made by kops-ts): ${ids(p.kept)}`);
  lines.push('Running nodes are not affected; instances launched after it join with the new token.');
  return `${lines.join('\n')}\n`;
}

function progressLine(p: RotationProgress): string {
  if (p.step === 'registered') return `Registered ${bootstrapTokenSecretName(p.id)} in kube-system`;
  if (p.step === 'stored') return `Wrote the new token to the state store's secret bootstrap-token and ${p.files.length} join file(s)`;
  return p.absent ? `${bootstrapTokenSecretName(p.id)} was already gone` : `Deleted ${bootstrapTokenSecretName(p.id)} from kube-system`;
}

export async function rotateBootstrapTokenCommand(c: CommandContext, name: string, raw: RotateBootstrapTokenFlags): Promise<void> {
  if (raw.forceUnlock !== undefined && !raw.yes) {
    throw new KopsError('InvalidFlag', '--force-unlock needs --yes', { hint: 'breaking a lock is only useful to rotate: add --yes', exitCode: 2 });
  }
  const cs = c.clientset();
  await cs.getCluster(name); // a cluster that does not exist is said so before the kubeconfig is read
  const client = kubeClient({ clusterName: name, env: c.io.env, ...(raw.kubeconfig !== undefined ? { kubeconfig: raw.kubeconfig } : {}) });
  const api = bootstrapTokenApi(client);
  if (!raw.yes) {
    c.io.stdout(preview(await planRotation({ store: cs.store, cluster: name, api })));
    c.io.stdout('\nMust specify --yes to rotate the bootstrap token\n');
    return;
  }
  const line = rotateLine(c, name, raw);
  const it = commandInterrupts(c.io, 'rotate bootstrap-token', name, line);
  await it.run(c.io.signals, async () => {
    if (raw.forceUnlock) await forceUnlock(cs.store, name, raw.forceUnlock);
    try {
      const r = await withClusterLock(cs.store, name, 'rotate bootstrap-token', (lock) =>
        rotateBootstrapToken({
          store: cs.store,
          cluster: name,
          api,
          signal: AbortSignal.any([it.signal, lock.signal]),
          progress: (p) => {
            lock.heartbeat();
            c.io.stderr(`${progressLine(p)}\n`);
          },
        }),
        it.lockHooks(),
      );
      if (r.kept.length) c.io.stderr(`Kept (not made by kops-ts): ${ids(r.kept)}\n`);
      c.io.stdout(`Bootstrap token of cluster ${name} rotated: ${bootstrapTokenSecretName(r.newId)} replaces ${bootstrapTokenSecretName(r.currentId)}; ${r.files.length} join file(s) rewritten\n`);
    } catch (e) {
      if (!(e instanceof RotationStopped)) throw e;
      throw new KopsError('Interrupted', `${e.message}; the cluster lock is released`, { hint: `a re-run finishes it: ${line(['--yes'])}`, exitCode: ExitCode.INTERRUPTED, cause: e });
    }
  });
}
