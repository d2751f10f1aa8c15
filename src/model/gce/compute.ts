/**
 * kops's gcemodel AutoscalingGroupModelBuilder: per instance group one instance template (machine
 * type, boot disk, network tags of its role, labels, metadata with the bootstrap script, service
 * account and scopes) and one zonal managed instance group per zone of the group, named
 * `<zone letter>-<ig>-<safe cluster>`, its target size the group's `minSize` split over the zones
 * as kops's `SplitCountAcrossZones` splits it (the remainder to the first zones). Control-plane
 * MIGs register their instances in the API target pool when the API has a public load balancer.
 */
import { KopsError } from '../../diagnostics.js';
import { ref, type Val } from '../../tasks/types.js';
import { GCE_KINDS, type GceInstanceGroupManagerDesired, type GceInstanceTemplateDesired } from '../../tasks/gce/types.js';
import type { InstanceGroup } from '../api/types.js';
import { DEFAULT_GCE_ROOT_VOLUME_TYPE, DEFAULT_ROOT_VOLUME_SIZE } from '../defaults.js';
import { igPath } from '../validation-util.js';
import type { GceModelContext } from './context.js';
import { instanceGroupLabels } from './labels.js';
import { apiLoadBalancerName, instanceGroupManagerName, instanceTemplatePrefix } from './names.js';
import { natRouterFor } from './network.js';
import { accountDependencies, serviceAccountOf } from './service-accounts.js';
import { gceStartupScript } from './startup-script.js';
import { nodeExtrasHash } from '../../bootstrap/node-extras.js';
import { kubeletConfigHash } from '../../bootstrap/kubelet-config.js';
import { clusterConfigHash } from '../../bootstrap/kubeadm.js';
import { addonsSha256 } from '../../bootstrap/addons.js';
import { gceCloudBootstrap } from '../../bootstrap/gce-bootstrap.js';
import { gceCcmAddon } from '../../bootstrap/gce-ccm.js';

const SCOPE = 'https://www.googleapis.com/auth/';

/** kops's `SplitCountAcrossZones`: `count / zones` each, the remainder one by one from the first zone. */
export function splitCountAcrossZones(count: number, zones: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  if (zones.length === 0) return out;
  const base = Math.floor(count / zones.length);
  let rest = count - base * zones.length;
  for (const z of zones) {
    out.set(z, base + (rest > 0 ? 1 : 0));
    rest--;
  }
  return out;
}

/**
 * An image as a Compute API source: kops writes GCE images as `<project>/<image>`
 * (`ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20260615`); a bare name is the cluster's project's;
 * `projects/...` and URLs are kept.
 */
export function sourceImage(image: string, project: string): string {
  if (image.startsWith('https://') || image.startsWith('projects/')) return image;
  const slash = image.indexOf('/');
  if (slash < 0) return `projects/${project}/global/images/${image}`;
  // `<project>/family/<family>` becomes the family's URL, `projects/<project>/global/images/family/<family>`.
  return `projects/${image.slice(0, slash)}/global/images/${image.slice(slash + 1)}`;
}

/** kops's `SSHUsernameForImage`: `ubuntu` on Ubuntu images (kops#16175), else `admin`. */
export function sshUserForImage(image: string): string {
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.toLowerCase().startsWith('ubuntu') ? 'ubuntu' : 'admin';
}

/**
 * GCE's `ssh-keys` metadata: `<user>: <key>` a line for every admin key, sorted by fingerprint so
 * the template does not change with the order the store lists them in. None: no metadata.
 */
export function sshKeysMetadata(keys: readonly { readonly key: string; readonly fingerprint: string }[], user: string): string | undefined {
  if (keys.length === 0) return undefined;
  const sorted = [...keys].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  return sorted.map((k) => `${user}: ${k.key.trim()}`).join('\n');
}

/** The first control-plane group by name runs `kubeadm init` (as on AWS). */
function initCandidate(m: GceModelContext): string | undefined {
  return m.instanceGroups.filter((ig) => m.role(ig) === 'ControlPlane').map((ig) => ig.metadata.name).sort()[0];
}

function template(m: GceModelContext, ig: InstanceGroup): GceInstanceTemplateDesired {
  const role = m.role(ig);
  const subnetNames = ig.spec.subnets ?? [];
  const subnet = subnetNames.length === 1 ? m.subnet(subnetNames[0] ?? '') : undefined;
  if (!subnet) {
    throw new KopsError('InvalidSubnets', `${igPath(ig.metadata.name, 'spec.subnets')}: a GCE instance group runs in exactly one of the cluster's subnets, found ${JSON.stringify(subnetNames)}`, {
      hint: `set subnets to one of ${m.subnets.map((s) => s.name).join(', ')}`,
    });
  }
  const image = ig.spec.image ?? '';
  const tags = role === 'ControlPlane' ? [m.tag('ControlPlane'), m.tag('Master')] : [m.tag(role)];
  // kops's scopes (compute-rw, monitoring, logging-write, cloud-platform) in their long form.
  const scopes = ['compute', 'monitoring', 'logging.write', 'cloud-platform'].map((s) => SCOPE + s);
  // Control planes write etcd backups to the state store (kops's WriteableVFSPaths).
  scopes.push(`${SCOPE}${role === 'ControlPlane' ? 'devstorage.read_write' : 'devstorage.read_only'}`);
  if (role === 'ControlPlane' || role === 'APIServer') scopes.push(`${SCOPE}ndev.clouddns.readwrite`);
  const metadata: Record<string, string> = {
    'cluster-name': m.name,
    'kops-k8s-io-instance-group-name': ig.metadata.name,
    'startup-script': gceStartupScript({
      cluster: m.name,
      instanceGroup: ig.metadata.name,
      role: role === 'ControlPlane' ? 'control-plane' : role === 'Bastion' ? 'bastion' : 'node',
      initCandidate: initCandidate(m) === ig.metadata.name,
      kubernetesVersion: m.kubernetesVersion(ig),
      ...(role === 'Bastion' ? {} : { kubeletConfigHash: kubeletConfigHash(m.cluster, ig) }),
      // A control plane's cluster configuration (kubeadm-upload.ts): a change rolls the control planes.
      ...(role === 'ControlPlane' ? { clusterConfigHash: clusterConfigHash(m.cluster, ig) } : {}),
      // The addons its control planes apply (addons-script.ts): a new version rolls the control planes only.
      ...(role === 'ControlPlane' ? { addonsSha256: addonsSha256(gceCloudBootstrap(''), m.cluster, gceCcmAddon(m.cluster, m.instanceGroups)) } : {}),
      ...(m.input.stateStore ? { stateStore: m.input.stateStore } : {}),
      ...nodeExtrasHash(m.cluster.spec, ig),
    }),
  };
  if (role === 'Node') {
    let env = `os_distribution=${image.startsWith('cos-cloud/') ? 'cos' : 'ubuntu'};arch=amd64;os=linux`;
    const labels = Object.keys(ig.spec.nodeLabels ?? {}).sort().map((k) => `${k}=${ig.spec.nodeLabels?.[k] ?? ''}`);
    if (labels.length > 0) env += `;node_labels=${labels.join(',')}`;
    if ((ig.spec.taints ?? []).length > 0) env += `;node_taints=${(ig.spec.taints ?? []).join(',')}`;
    metadata['kube-env'] = `AUTOSCALER_ENV_VARS: ${env}`;
  }
  const sshKeys = sshKeysMetadata(m.input.sshPublicKeys ?? [], sshUserForImage(image));
  if (sshKeys) metadata['ssh-keys'] = sshKeys;
  return {
    namePrefix: instanceTemplatePrefix(ig, m.name),
    machineType: ig.spec.machineType ?? '',
    subnetwork: m.subnetRef(subnet),
    network: m.networkRef,
    externalIp: ig.spec.associatePublicIp ?? (subnet.type === 'Public' || subnet.type === 'Utility' || role === 'Bastion'),
    canIpForward: !m.ipAlias,
    disks: [{
      boot: true,
      sizeGb: ig.spec.rootVolume?.size ?? ig.spec.rootVolumeSize ?? DEFAULT_ROOT_VOLUME_SIZE[role],
      type: ig.spec.rootVolume?.type ?? ig.spec.rootVolumeType ?? DEFAULT_GCE_ROOT_VOLUME_TYPE,
      sourceImage: sourceImage(image, m.project),
    }],
    tags,
    labels: instanceGroupLabels(m.name, m.cluster.spec.cloudLabels, ig),
    metadata,
    // The role's account (kops's ServiceAccountsBuilder), or the legacy single account.
    serviceAccount: { email: serviceAccountOf(m, ig), scopes },
    // kops's gcpProvisioningModel: SPOT is a preemptible Spot VM (kops's autoscalinggroup.go).
    ...(ig.spec.gcpProvisioningModel === 'SPOT' ? { preemptible: true, provisioningModel: 'SPOT' as const } : {}),
    shieldedVm: { secureBoot: false, vtpm: true, integrityMonitoring: true },
  };
}

export function buildCompute(m: GceModelContext): void {
  const hasApiServers = m.hasApiServerGroups;
  for (const ig of m.computeGroups) {
    const desired = template(m, ig);
    // Created after its account and the account's grant on the state store (the instances run as
    // it and read their bootstrap files with it), deleted before them.
    const dependsOn = accountDependencies(m, ig);
    m.add<GceInstanceTemplateDesired>({ kind: GCE_KINDS.instanceTemplate, name: desired.namePrefix, desired, ...(dependsOn.length > 0 ? { dependsOn } : {}) });
    const zones = ig.spec.zones ?? [];
    if (zones.length === 0) {
      throw new KopsError('MissingZones', `${igPath(ig.metadata.name, 'spec.zones')}: a GCE instance group must list its zones`, { hint: 'set zones, e.g. [us-central1-a]' });
    }
    const role = m.role(ig);
    const size = ig.spec.minSize ?? (role === 'Node' ? 2 : 1);
    const inPool = m.publicApiLoadBalancer && (role === 'APIServer' || (!hasApiServers && role === 'ControlPlane'));
    const pools: Val[] = inPool ? [ref(GCE_KINDS.targetPool, apiLoadBalancerName(m.name), 'selfLink')] : [];
    // Instances without an external IP boot once the private subnet's Cloud NAT exists.
    const subnet = m.subnet(ig.spec.subnets?.[0] ?? '');
    const nat = subnet ? natRouterFor(m, subnet) : undefined;
    for (const [zone, targetSize] of splitCountAcrossZones(size, zones)) {
      const name = instanceGroupManagerName(m.name, ig.metadata.name, zone);
      m.add<GceInstanceGroupManagerDesired>({
        kind: GCE_KINDS.instanceGroupManager,
        name,
        desired: {
          name,
          zone,
          instanceTemplate: ref(GCE_KINDS.instanceTemplate, desired.namePrefix, 'selfLink'),
          baseInstanceName: ig.metadata.name,
          targetSize,
          ...(pools.length > 0 ? { targetPools: pools } : {}),
        },
        ...(nat ? { dependsOn: [nat] } : {}),
      });
    }
  }
}
