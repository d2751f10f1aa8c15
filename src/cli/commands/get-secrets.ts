/**
 * `kops-ts get secrets [names...]`: the cluster's secrets and keypairs by TYPE and NAME, from the
 * state store's listing alone. No value is read, so none can be printed, and the command works
 * without the secret key even when the store is encrypted.
 */
import type { Command } from 'commander';
import type { StateStore } from '../../statestore/types.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderDocument, renderTable } from '../output.js';

export interface SecretEntry {
  /** `Keypair` (a keyset under pki/private/) or `Secret` (under secrets/), kops's TYPE column. */
  readonly type: 'Keypair' | 'Secret';
  readonly name: string;
}

/** The cluster's keypairs and secrets, keypairs first, each sorted by name. */
export async function listSecretEntries(store: StateStore, cluster: string): Promise<SecretEntry[]> {
  const [{ listSecretNames }, { clusterPaths }] = await Promise.all([import('../../secrets/store.js'), import('../../statestore/layout.js')]);
  const keysetPrefix = clusterPaths.privateKeys(cluster);
  const keypairs = (await store.list(keysetPrefix))
    .map((p) => p.slice(keysetPrefix.length))
    .filter((p) => p.endsWith('/keyset.yaml') && p.split('/').length === 2)
    .map((p) => p.slice(0, -'/keyset.yaml'.length))
    .sort();
  const secrets = await listSecretNames(store, cluster);
  return [...keypairs.map((name) => ({ type: 'Keypair' as const, name })), ...secrets.map((name) => ({ type: 'Secret' as const, name }))];
}

export function registerGetSecrets(get: Command, ctx: () => CommandContext): void {
  get
    .command('secrets [names...]')
    .alias('secret')
    .description('List the cluster\'s secrets and keypairs (TYPE NAME; values are never shown)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (names: string[], flags: { output?: string }) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output);
      const cluster = c.clusterName();
      const cs = c.clientset();
      await cs.getCluster(cluster); // ClusterNotFound, with its hint
      let entries = await listSecretEntries(cs.store, cluster);
      if (names.length > 0) entries = entries.filter((e) => names.includes(e.name));
      const doc = entries.map((e) => ({ type: e.type, name: e.name }));
      if (format !== 'table') c.io.stdout(await renderDocument(doc, format));
      else if (entries.length === 0) c.io.stdout(`no secrets or keypairs in cluster ${cluster}${names.length > 0 ? ` named ${names.join(', ')}` : ''}\n`);
      else c.io.stdout(renderTable(['TYPE', 'NAME'], entries.map((e) => [e.type, e.name])));
    });
}
