/** Small commands: `create sshpublickey`, `version`. */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import { cloudProviderOf } from '../../model/api/types.js';
import { awsUsesStoredSSHKey, keepOneKeyHint } from '../../model/aws/ssh-keys.js';
import { publicKeyFromFile, sshPublicKeyFingerprint } from '../../statestore/ssh.js';
import { KOPS_TS_VERSION } from '../../version.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';

/**
 * `create sshpublickey -i <file>`: adds an admin key. The same key again (same fingerprint) is said
 * to be there and nothing is written. On AWS, where an instance has one key pair, a second key is
 * refused before anything is written (update cluster would refuse it: src/model/aws/ssh-keys.ts),
 * unless spec.sshKeyName makes the cluster use another key pair; GCE takes every key.
 */
export function registerCreateSSHPublicKey(create: Command, ctx: () => CommandContext): void {
  create
    .command('sshpublickey')
    .description('Add an admin SSH public key (kept under pki/ssh/public/admin/; one on AWS, several on GCE)')
    .option('-i, --ssh-public-key <file>', 'the public key file')
    .action(async (flags: { sshPublicKey?: string }) => {
      const c = ctx();
      if (!flags.sshPublicKey) throw new KopsError('MissingFile', 'no public key given', { hint: 'pass -i <file.pub>', exitCode: 2 });
      let key: string;
      try {
        key = c.io.readFile(flags.sshPublicKey).trim();
      } catch {
        throw new KopsError('SSHKeyNotFound', `cannot read ${flags.sshPublicKey}`, { hint: 'give the path of a public key file', exitCode: 2 });
      }
      publicKeyFromFile(key, flags.sshPublicKey);
      const name = c.clusterName();
      const cs = c.clientset();
      const cluster = (await cs.getCluster(name)).object;
      const id = sshPublicKeyFingerprint(key);
      const stored = await cs.listSSHPublicKeys(name);
      if (stored.some((k) => k.id === id)) {
        c.io.stdout(`SSH public key ${id} is already in cluster ${name}: nothing to add\n`);
        return;
      }
      if (stored.length > 0 && cloudProviderOf(cluster.spec) === 'aws' && awsUsesStoredSSHKey(cluster)) {
        const ids = stored.map((k) => k.id).join(', ');
        throw new KopsError('TooManySSHKeys', `cluster ${name} already has admin SSH public key ${ids}: an AWS instance has one key pair, so ${id} cannot be added as well`, {
          hint: keepOneKeyHint(name),
          exitCode: 2,
        });
      }
      await cs.addSSHPublicKey(name, key);
      c.io.stdout(`Added SSH public key ${id} to cluster ${name}\n`);
    });
}

/**
 * The commit of the checkout this code runs from: only when this file sits in that repository's
 * own src/ or dist/ (a source checkout), not when an installed package lies inside some other
 * repository (a project's node_modules/), whose commit says nothing about kops-ts.
 */
function gitSha(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  try {
    const [top, sha] = execFileSync('git', ['rev-parse', '--show-toplevel', '--short', 'HEAD'], { cwd: here, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
      .split('\n');
    if (!top || !sha) return undefined;
    const within = relative(realpathSync(top), realpathSync(here)).split(sep)[0];
    return within === 'src' || within === 'dist' ? sha : undefined;
  } catch {
    return undefined;
  }
}

export function registerVersion(program: Command, ctx: () => CommandContext): void {
  program
    .command('version')
    .description('Print the kops-ts version')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((flags: { output?: string }) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output, ['table', 'json', 'yaml']);
      const sha = gitSha();
      if (format === 'json') c.io.stdout(`${JSON.stringify({ clientVersion: KOPS_TS_VERSION, ...(sha ? { gitCommit: sha } : {}) })}\n`);
      else if (format === 'yaml') c.io.stdout(`clientVersion: ${KOPS_TS_VERSION}\n${sha ? `gitCommit: ${sha}\n` : ''}`);
      else c.io.stdout(`Client version: ${KOPS_TS_VERSION}${sha ? ` (git-${sha})` : ''}\n`);
    });
}
