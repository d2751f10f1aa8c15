/**
 * `kops-ts validate cluster [name]`, as kops's: the cluster's instance groups against its Nodes,
 * node readiness, the control-plane pods, the system-critical pods (src/kube/validate.ts, the same
 * check the rolling update runs between steps). `-o table|json|yaml`; `--wait 10m` keeps trying,
 * `--count N` needs N successes in a row `--interval` apart. Exit 0 when the cluster is ready,
 * 2 with the failures (kops's "cluster not yet healthy").
 */
import type { Command } from 'commander';
import { ExitCode, KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';
import { parseDuration } from '../timeouts.js';

interface Flags {
  output?: string;
  wait?: string;
  count?: string;
  interval?: string;
  kubeconfig?: string;
}

function durationFlag(flag: string, value: string, example: string, allowZero: boolean): number {
  const ms = parseDuration(value);
  if (ms === undefined || (!allowZero && ms === 0)) {
    throw new KopsError('InvalidFlag', `${flag} ${JSON.stringify(value)}: expected a duration such as ${example}`, { hint: `e.g. ${flag} ${example}`, exitCode: 2 });
  }
  return ms;
}

export function registerValidateCluster(program: Command, ctx: () => CommandContext, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('Validate a cluster: its instance groups, nodes and control-plane and system pods')
    .command('cluster [name]')
    .description('Check that every instance group has its nodes, every node is Ready and the control-plane and system-critical pods run')
    .option('-o, --output <format>', 'table, json or yaml (default table)')
    .option('--wait <duration>', 'keep validating this long until the cluster is ready (default 0: once)')
    .option('--count <n>', 'successful validations in a row required (default 1)')
    .option('--interval <duration>', 'time between validations with --wait (default 10s)')
    .option('--kubeconfig <file>', 'the kubeconfig to read the cluster context from (default: $KUBECONFIG, else ~/.kube/config)')
    .action(async (positional: string | undefined, f: Flags) => {
      const c = ctx();
      const name = c.clusterName(positional);
      const format = parseOutputFormat(f.output);
      const waitMs = durationFlag('--wait', f.wait ?? '0s', '10m', true);
      const intervalMs = durationFlag('--interval', f.interval ?? '10s', '10s', false);
      const countText = f.count ?? '1';
      const count = /^\d+$/.test(countText) && Number(countText) >= 1 ? Number(countText) : undefined;
      if (count === undefined) throw new KopsError('InvalidFlag', `--count ${JSON.stringify(f.count)}: expected a whole number of at least 1`, { hint: 'e.g. --count 2', exitCode: 2 });

      const cs = c.clientset();
      const cluster = (await cs.getCluster(name)).object;
      const instanceGroups = (await cs.listInstanceGroups(name)).map((v) => v.object);
      const [{ openCloudProvider }, { systemClock }] = await Promise.all([import('../../rolling-update/providers.js'), import('../../rolling-update/types.js')]);
      const cloud = await openCloudProvider(cluster, { aws: { timeouts: c.awsTimeouts() }, operation: 'validate cluster' });
      const [{ kubeClient }, { clusterValidator, waitForValidation, VALIDATION_FAILED_EXIT_CODE }, out] = await Promise.all([
        import('../../kube/client.js'),
        import('../../kube/validate.js'),
        import('../../kube/validate-output.js'),
      ]);
      const client = kubeClient({ clusterName: name, env: c.io.env, ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}) });
      const validator = clusterValidator({ clusterName: name, instanceGroups, cloud, client });
      const r = await waitForValidation({
        validator,
        clock: systemClock,
        waitMs,
        count,
        intervalMs,
        onAttempt: (res, consecutive) => {
          if (waitMs === 0) return;
          if (res.failures.length > 0) c.io.stderr(`Validation failed: ${res.failures.map((x) => `${x.kind} ${x.name}: ${x.message}`).join('; ')}\n`);
          else if (consecutive < count) c.io.stderr(`Validation succeeded ${consecutive} of ${count} time(s) in a row\n`);
        },
      });
      if (format === 'json') c.io.stdout(out.renderValidationJson(r.result));
      else if (format === 'yaml') c.io.stdout(out.renderValidationYaml(r.result));
      else c.io.stdout(out.renderValidationTable({ clusterName: name, instanceGroups, result: r.result }));
      if (!r.ok) {
        const n = r.result.failures.length;
        c.io.stderr(`error: cluster ${name} is not yet healthy: ${n} validation failure(s)${waitMs > 0 ? ` after waiting ${f.wait}` : ''}\n`);
        setExit(VALIDATION_FAILED_EXIT_CODE);
        return;
      }
      setExit(ExitCode.OK);
    });
}
