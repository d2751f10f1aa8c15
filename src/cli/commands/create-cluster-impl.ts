/**
 * `kops-ts create cluster`'s implementation: the flags → NewClusterOptions → a checked spec in the
 * store (then `update cluster --yes` with --yes). Imported by the command's action
 * (create-cluster.ts), so its modules load only when a cluster is created.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KopsError, formatDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics.js';
import { createClusterSpec, checkSpec, invalidSpec } from '../../cloudup/create-cluster.js';
import type { AwsTimeouts } from '../../cloud/aws/endpoint.js';
import { newCluster, type NewClusterOptions } from '../../cloudup/new-cluster.js';
import { checkNewClusterOptions, resolveCloud } from '../../cloudup/new-cluster-check.js';
import { regionOfZone } from '../../model/validation-util.js';
import { parseCloudLabels, parseFeatureGates } from '../../cloudup/new-cluster-parse.js';
import { setFields, setValueHints, unsetFields } from '../../cloudup/set-fields.js';
import { disableKubeProxyForCalicoBPF } from '../../cloudup/new-cluster-networking.js';
import { toJson, toYaml } from '../../model/api/serialize.js';
import type { KopsObject } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';
import { publicKeyFromFile } from '../../statestore/ssh.js';
import { commandInterrupts } from '../interrupt.js';
import type { CreateClusterFlags as Flags } from './create-cluster.js';
import { updateCommandLine } from './update-cluster.js';
import { runUpdateAfterCreate } from './update-hook.js';

function storeURL(ctx: CommandContext): string | undefined {
  const url = ctx.globals.state?.trim() || ctx.io.env.KOPS_STATE_STORE?.trim();
  return url ? url.replace(/\/+$/, '') : undefined;
}

function toOptions(ctx: CommandContext, name: string, f: Flags): NewClusterOptions {
  const s = (k: string) => f[k] as string | undefined;
  const l = (k: string) => f[k] as string[] | undefined;
  const n = (k: string) => f[k] as number | undefined;
  const b = (k: string) => f[k] as boolean | undefined;
  const store = storeURL(ctx);
  const gates = l('kubernetesFeatureGates');
  const labels = s('cloudLabels');
  const options: Record<string, unknown> = {
    name,
    zones: f.zones,
    cloud: s('cloud'),
    controlPlaneZones: l('controlPlaneZones'),
    controlPlaneCount: n('controlPlaneCount'),
    nodeCount: n('nodeCount'),
    controlPlaneSizes: l('controlPlaneSize'),
    nodeSizes: l('nodeSize'),
    image: s('image'),
    controlPlaneImage: s('controlPlaneImage'),
    nodeImage: s('nodeImage'),
    bastionImage: s('bastionImage'),
    controlPlaneVolumeSize: n('controlPlaneVolumeSize'),
    nodeVolumeSize: n('nodeVolumeSize'),
    controlPlaneVolumeType: s('controlPlaneVolumeType'),
    nodeVolumeType: s('nodeVolumeType'),
    kubernetesVersion: s('kubernetesVersion'),
    channel: s('channel'),
    // kops asks `gcloud config get-value project`, whose environment override is CLOUDSDK_CORE_PROJECT.
    project: s('project') ?? (ctx.io.env.CLOUDSDK_CORE_PROJECT?.trim() || undefined),
    topology: s('topology'),
    dns: s('dns'),
    dnsZone: s('dnsZone'),
    networking: s('networking'),
    networkCIDRs: l('networkCidr'),
    networkID: s('networkId'),
    subnetIDs: l('subnets'),
    utilitySubnetIDs: l('utilitySubnets'),
    sshAccess: l('sshAccess'),
    adminAccess: l('adminAccess'),
    bastion: b('bastion'),
    apiLoadBalancerType: s('apiLoadbalancerType'),
    apiSSLCertificate: s('apiSslCertificate'),
    apiPublicName: s('apiPublicName'),
    cloudLabels: labels !== undefined ? parseCloudLabels(labels) : undefined,
    encryptEtcdStorage: b('encryptEtcdStorage'),
    etcdStorageType: s('etcdStorageType'),
    ipv6: b('ipv6'),
    associatePublicIP: b('associatePublicIp'),
    nodeSecurityGroups: l('nodeSecurityGroups'),
    controlPlaneSecurityGroups: l('controlPlaneSecurityGroups'),
    featureGates: gates ? parseFeatureGates(gates) : undefined,
    authorization: s('authorization'),
    configBase: store ? `${store}/${name}` : undefined,
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  return options as unknown as NewClusterOptions;
}

function sshKeys(ctx: CommandContext, flag: string | undefined): string[] {
  if (flag) {
    let text: string;
    try {
      text = ctx.io.readFile(flag).trim();
    } catch {
      throw new KopsError('SSHKeyNotFound', `cannot read SSH public key ${flag}`, { hint: 'give the path of a public key file (e.g. ~/.ssh/id_ed25519.pub)', exitCode: 2 });
    }
    return [publicKeyFromFile(text, flag)];
  }
  const home = ctx.io.env.HOME ?? homedir();
  const fallback = join(home, '.ssh', 'id_rsa.pub');
  return existsSync(fallback) ? [ctx.io.readFile(fallback).trim()] : [];
}

const key = (d: Diagnostic) => `${d.code} ${d.path ?? ''} ${d.summary}`;

/**
 * Builds the spec, applies `--unset` then `--set` (kops's order) and checks it field by field and
 * as a whole. Warnings about kops fields the builder itself writes are not news; only those the
 * user's `--set` brought in are passed on.
 */
function buildSpec(ctx: CommandContext, options: NewClusterOptions, f: Flags): { objects: KopsObject[]; warnings: Diagnostic[]; built: ReturnType<typeof newCluster> } {
  const built = newCluster(options);
  const objects: KopsObject[] = [built.cluster, ...built.instanceGroups];
  const baseline = new Set(checkSpec(built.cluster, built.instanceGroups, undefined, { schema: true }).map(key));
  if (f.unset?.length) unsetFields(objects, f.unset);
  if (f.set?.length) setFields(objects, f.set);
  disableKubeProxyForCalicoBPF(built.cluster.spec as Record<string, unknown>);
  const diags = checkSpec(built.cluster, built.instanceGroups, undefined, { schema: true }).filter((d) => d.severity === 'error' || !baseline.has(key(d)));
  if (hasErrors(diags)) throw invalidSpec([...built.warnings, ...setValueHints(diags)]);
  return { objects, built, warnings: [...built.warnings, ...diags] };
}

/**
 * kops: a shared network is read from AWS (`create cluster` only reads, never changes it): each
 * of `--subnets`/`--utility-subnets` goes to its own zone with its CIDR, the VPC defaults to the
 * first subnet's, and the network CIDR to the VPC's.
 */
async function withSharedNetwork(o: NewClusterOptions, timeouts: AwsTimeouts): Promise<NewClusterOptions> {
  const cloud = resolveCloud(o);
  // Bad flags are reported first, by newCluster, without a call to AWS.
  // (`sharedSubnets: {}` stands for the lookup to come, which finds the VPC of the subnets.)
  if (cloud !== 'aws') return o;
  // The EC2 client is imported only for an AWS cluster, when the spec is made.
  const [{ lookupSharedNetwork, usesSharedNetwork }, { AwsClients }] = await Promise.all([import('../../cloudup/new-cluster-shared.js'), import('../../cloud/aws/clients.js')]);
  if (!usesSharedNetwork(o) || checkNewClusterOptions({ ...o, sharedSubnets: {} }, cloud).length > 0) return o;
  const shared = await lookupSharedNetwork(new AwsClients({ region: regionOfZone(o.zones[0] ?? '', 'aws'), timeouts }), o);
  return { ...o, networkID: shared.networkID, sharedSubnets: shared.subnets, ...(shared.networkCIDR ? { networkCIDRs: [shared.networkCIDR] } : {}) };
}

export async function createCluster(ctx: CommandContext, positional: string | undefined, f: Flags): Promise<void> {
  const name = ctx.clusterName(positional);
  if (f.dryRun && f.output !== 'yaml' && f.output !== 'json') {
    throw new KopsError('InvalidFlag', '--dry-run needs an output format', { hint: 'add -o yaml or -o json', exitCode: 2 });
  }
  const { objects, built, warnings } = buildSpec(ctx, await withSharedNetwork(toOptions(ctx, name, f), ctx.awsTimeouts()), f);
  for (const w of warnings) ctx.io.stderr(`${formatDiagnostic(w)}\n`);
  if (f.dryRun) {
    ctx.io.stdout(f.output === 'json' ? toJson(objects) : toYaml(objects));
    return;
  }
  const keys = sshKeys(ctx, f.sshPublicKey);
  // From here the command takes the cluster lock (to store the spec, then with --yes to apply it):
  // a signal lets the store finish, and stops the apply cleanly (src/cli/interrupt.ts).
  const interrupts = commandInterrupts(ctx.io, 'create cluster', name, updateCommandLine(ctx, name, {}));
  await interrupts.run(ctx.io.signals, async () => {
    await createClusterSpec({ clientset: ctx.clientset(), cluster: built.cluster, instanceGroups: built.instanceGroups, sshPublicKeys: keys, ...(f.forceUnlock ? { forceUnlock: f.forceUnlock } : {}) });
    if (keys.length === 0) ctx.warn('no SSH public key given (--ssh-public-key) and ~/.ssh/id_rsa.pub not found: instances will have no admin key');
    if (f.yes) await runUpdateAfterCreate(ctx, name, interrupts);
    else createdMessage(ctx, name, built);
  });
}

function createdMessage(ctx: CommandContext, name: string, built: ReturnType<typeof newCluster>): void {
  const node = built.instanceGroups.find((g) => g.spec.role === 'Node');
  const cp = built.instanceGroups.find((g) => g.spec.role === 'Master');
  ctx.io.stdout(
    [
      'Cluster configuration has been created.',
      '',
      'Suggestions:',
      ' * list clusters with: kops-ts get cluster',
      ` * edit this cluster with: kops-ts edit cluster ${name}`,
      ...(node ? [` * edit your node instance group: kops-ts edit ig --name=${name} ${node.metadata.name}`] : []),
      ...(cp ? [` * edit your control-plane instance group: kops-ts edit ig --name=${name} ${cp.metadata.name}`] : []),
      '',
      `Finally configure your cluster with: kops-ts update cluster --name ${name} --yes`,
      '',
    ].join('\n'),
  );
}
