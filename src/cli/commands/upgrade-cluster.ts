/**
 * `kops-ts upgrade cluster [name] [--channel C] [--kubernetes-version V] [--yes] [--force]`: kops's
 * `ITEM PROPERTY OLD NEW` table of what the channel proposes; with `--yes` the spec is written (and
 * only the spec: `update cluster` and a rolling update apply it). `-o json|yaml` prints the actions.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderTable } from '../output.js';

interface Flags {
  channel?: string;
  kubernetesVersion?: string;
  yes?: boolean;
  force?: boolean;
  output?: string;
  kubeconfig?: string;
}

/** The nodes' kubelet versions are a check, not the command's job: a slow API does not hold it up long. */
const KUBELET_READ_TIMEOUT_MS = 10_000;

export function registerUpgradeCluster(program: Command, ctx: () => CommandContext): void {
  const upgrade = program.command('upgrade').description("Upgrade a cluster's Kubernetes version and images as its channel recommends");
  upgrade
    .command('cluster [name]')
    .description('Show (and with --yes write to the spec) the Kubernetes version and images the channel recommends, one minor version at a time')
    .addHelpText('after', '\nExamples:\n  kops-ts upgrade cluster --name my.example.com\n  kops-ts upgrade cluster --name my.example.com --kubernetes-version 1.36.3 --yes\n')
    .option('--channel <channel>', "channel to use: stable (shipped with kops-ts), a channel file, or an https:// URL (default: the cluster's spec.channel)")
    .option('--kubernetes-version <version>', "upgrade to this version instead of the channel's recommendation")
    .option('-y, --yes', 'write the upgrade to the cluster spec')
    .option('--force', 'allow a downgrade')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('--kubeconfig <file>', "the kubeconfig whose cluster context is read for the nodes' kubelet versions (default: $KUBECONFIG, else ~/.kube/config)")
    .action(async (positional: string | undefined, flags: Flags) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output);
      const name = c.clusterName(positional);
      const cs = c.clientset();
      const [{ stringify }, { channelLocation, loadChannel }, { upgradeCluster }] = await Promise.all([import('yaml'), import('../../cloudup/channels.js'), import('../../cloudup/upgrade-cluster.js')]);
      const spec = (await cs.getCluster(name)).object.spec;
      const channel = await loadChannel(flags.channel ?? spec.channel);
      const r = await upgradeCluster({
        clientset: cs,
        clusterName: name,
        channel,
        ...(flags.channel !== undefined ? { channelFlag: channelReference(channelLocation(flags.channel)) } : {}),
        ...(flags.kubernetesVersion !== undefined ? { kubernetesVersion: flags.kubernetesVersion } : {}),
        ...(flags.force ? { force: true } : {}),
        ...(flags.yes ? { yes: true } : {}),
        kubelets: async () => {
          const [{ kubeClient }, { readKubeletVersions }] = await Promise.all([import('../../kube/client.js'), import('../../kube/kubelets.js')]);
          const client = kubeClient({ clusterName: name, env: c.io.env, requestTimeoutMs: KUBELET_READ_TIMEOUT_MS, ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}) });
          return readKubeletVersions(client);
        },
      });
      for (const w of r.warnings) c.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
      if (format !== 'table') {
        const doc = { cluster: name, channel: channel.source, target: r.target, actions: r.actions, written: r.written };
        c.io.stdout(format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc));
        return;
      }
      if (r.actions.length === 0) {
        c.io.stderr('No upgrade required\n');
        return;
      }
      c.io.stdout(renderTable(['ITEM', 'PROPERTY', 'OLD', 'NEW'], r.actions.map((a) => [a.item, a.property, a.old, a.new])));
      if (!r.written) {
        c.io.stdout('\nMust specify --yes to perform upgrade\n');
        return;
      }
      c.io.stdout(
        '\nUpdates applied to configuration (the versions replaced are kept in the history).\n' +
          `You can now apply these changes, using \`kops-ts update cluster --name ${name} --yes\`,\n` +
          `then replace the instances (control planes first, one at a time) with \`kops-ts rolling-update cluster --name ${name} --yes\`.\n`,
      );
    });
}

/** What `spec.channel` records for `--channel`: `stable`, the URL, or the file's absolute path (so it reads the same from any directory). */
function channelReference(where: { readonly kind: string; readonly location: string }): string {
  return where.kind === 'shipped' ? 'stable' : where.location;
}
