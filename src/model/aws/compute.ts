/**
 * Per instance group: the image it boots (a find-only `Image` task shared by every group that
 * names it), a launch template (IMDSv2, encrypted root volume, the group's extra volumes, the node bootstrap's gzipped
 * cloud-config: src/bootstrap/user-data.ts) and an
 * autoscaling group, named and tagged as kops does (pkg/model/awsmodel/autoscalinggroup.go).
 * Control planes and API servers register with the API target groups, bastions with the bastion's.
 *
 * Spot and mixed instances, as kops: `mixedInstancesPolicy` makes the group launch its types as
 * overrides of the template (whose InstanceType stays `machineType`), with `maxPrice` as the
 * policy's SpotMaxPrice; without a policy, `maxPrice` makes the template request Spot instances.
 *
 * The SSH key pair, as kops's SSHKeyModelBuilder: `spec.sshKeyName` names an existing key pair
 * (a shared `SSHKey` task: found, never imported or changed); `sshKeyName: ""` means no key pair
 * at all; unset, the state store's admin key is imported as `kubernetes.<cluster>-<fingerprint>`.
 */
import { ref, type Task, type Val } from '../../tasks/types.js';
import type { Tags } from '../../tasks/aws/context.js';
import type { MixedInstancesPolicyDesired } from '../../tasks/aws/autoscaling-mixed.js';
import type { InstanceGroup, NormalizedRole } from '../api/types.js';
import type { AwsModelContext } from './context.js';
import { autoscalingGroupName, launchTemplateName, sshKeyName, subnetTaskName } from './names.js';
import { instanceProfileOf, launchOptions, securityGroupsOf } from './ig-overrides.js';
import { instanceGroupRoleTags } from './autoscaler-tags.js';
import { effectiveRootVolume } from './root-volume.js';
import { extraVolumes, volumeMountInputs } from './volumes.js';
import { maxInstanceLifetimeSeconds } from '../validation-asg.js';
import { igPath } from '../validation-util.js';
import { awsCloudBootstrap, nodeUserData, type NodeBootstrapInput } from '../../bootstrap/user-data.js';
import { addonsSha256, ccmAddon } from '../../bootstrap/addons.js';
import { clusterAutoscalerAddon, type ClusterAutoscalerRenderOptions } from '../../bootstrap/cluster-autoscaler.js';
import { clusterAutoscalerRoleArn } from './iam-service-accounts.js';
import { autoscalerDiscoveryTags } from '../cluster-autoscaler.js';
import { nodeExtrasHash } from '../../bootstrap/node-extras.js';
import { withAdditionalUserData } from '../../bootstrap/user-data-parts.js';
import { encodeUserData, USER_DATA_LIMIT, userDataTooLarge } from '../../tasks/aws/launch-template-data.js';
import { kubeletConfigHash } from '../../bootstrap/kubelet-config.js';
import { clusterConfigHash } from '../../bootstrap/kubeadm.js';

export function sshKeyTaskName(cluster: string, fingerprint: string): string {
  return sshKeyName(cluster, fingerprint);
}

/** The tags of an instance group's autoscaling group beyond the cluster's (`instanceGroupRoleTags`). */
function roleTags(m: AwsModelContext, ig: InstanceGroup): Tags {
  return instanceGroupRoleTags(m.role(ig), ig);
}

/** The key pair task to add (if any) and the ref the launch templates use. */
function sshKey(m: AwsModelContext): { task?: Task; keyName?: Val<string> } {
  const named = m.cluster.spec.sshKeyName;
  if (named === '') return {};
  if (named !== undefined) {
    return { task: { kind: 'SSHKey', name: named, shared: true, desired: { tags: {} } }, keyName: ref('SSHKey', named, 'name') };
  }
  const key = m.input.sshPublicKey;
  if (!key) return {};
  const name = sshKeyTaskName(m.name, key.fingerprint);
  return { task: { kind: 'SSHKey', name, desired: { publicKey: key.key, tags: m.tags(name) } }, keyName: ref('SSHKey', name, 'name') };
}

/** Target groups (task names) the autoscaling groups of each role register with. */
export type TargetGroupsByRole = Readonly<Partial<Record<NormalizedRole, readonly string[]>>>;

/** The first control-plane group by name: it runs `kubeadm init` when no API server answers yet. */
function initCandidate(m: AwsModelContext): string | undefined {
  return m.instanceGroups.filter((ig) => m.role(ig) === 'ControlPlane').map((ig) => ig.metadata.name).sort()[0];
}

function bootstrapInput(m: AwsModelContext, ig: InstanceGroup): NodeBootstrapInput {
  const role = m.role(ig);
  return {
    cluster: m.name,
    instanceGroup: ig.metadata.name,
    // API servers join as workers until kops-ts builds that role's own bootstrap.
    role: role === 'ControlPlane' ? 'control-plane' : role === 'Bastion' ? 'bastion' : 'node',
    initCandidate: initCandidate(m) === ig.metadata.name,
    kubernetesVersion: m.kubernetesVersion(ig),
    ...(role === 'Bastion' ? {} : { kubeletConfigHash: kubeletConfigHash(m.cluster, ig) }),
    // A control plane's cluster configuration (kubeadm-upload.ts): a change rolls the control planes.
    ...(role === 'ControlPlane' ? { clusterConfigHash: clusterConfigHash(m.cluster, ig) } : {}),
    // The addons its control planes apply (addons-script.ts): a new version rolls the control planes only.
    ...(role === 'ControlPlane' ? { addonsSha256: addonsSha256(awsCloudBootstrap(m.region), m.cluster, ccmAddon(m.cluster), clusterAutoscalerAddon(m.cluster, m.instanceGroups, autoscalerRender(m))) } : {}),
    region: m.region,
    ...(m.input.stateStore ? { stateStore: m.input.stateStore } : {}),
    ...(ig.spec.volumeMounts?.length ? { volumeMounts: volumeMountInputs(ig.spec) } : {}),
    // The group's fileAssets, hooks and sysctlParameters: their script's sha256 (node-extras.ts).
    ...nodeExtrasHash(m.cluster.spec, ig),
  };
}

/** The autoscaler's own role's ARN, when it has one (the account is pre-flight's; absent where the model is built without it). update's prepare hands the same ARN to the bootstrap writer (src/cloud/aws/provider.ts). */
function autoscalerRender(m: AwsModelContext): ClusterAutoscalerRenderOptions {
  const roleArn = clusterAutoscalerRoleArn(m.cluster.spec, m.name, { ...(m.input.accountId ? { id: m.input.accountId } : {}), ...(m.input.partition ? { partition: m.input.partition } : {}) });
  return roleArn ? { roleArn } : {};
}

export function buildCompute(m: AwsModelContext, targetGroups: TargetGroupsByRole): void {
  const c = m.name;
  const key = sshKey(m);
  if (key.task) m.add(key.task);
  const images = new Set<string>();
  for (const ig of m.computeGroups) {
    const image = ig.spec.image ?? '';
    if (!images.has(image)) {
      images.add(image);
      m.add({ kind: 'Image', name: image, shared: true, desired: { spec: image } });
    }
    const name = autoscalingGroupName(ig, c);
    const template = launchTemplateName(ig, c);
    const role = m.role(ig);
    const publicSubnets = (ig.spec.subnets ?? []).every((s) => {
      const t = m.subnet(s)?.type;
      return t === 'Public' || t === 'Utility';
    });
    const tags = m.tags(name, roleTags(m, ig));
    const root = effectiveRootVolume(ig.spec);
    const external = ig.spec.externalLoadBalancers ?? [];
    m.add({
      kind: 'LaunchTemplate',
      name: template,
      desired: {
        imageId: ref('Image', image),
        // kops: the first of a comma-separated machineType (a list is Spotinst's; AWS takes one type).
        instanceType: (ig.spec.machineType ?? '').split(',')[0]!.trim(),
        iamInstanceProfile: instanceProfileOf(ig, c),
        securityGroupIds: securityGroupsOf(m, ig),
        ...(key.keyName ? { keyName: key.keyName } : {}),
        userData: checkedUserData(ig, withAdditionalUserData(nodeUserData(bootstrapInput(m, ig)), ig.spec.additionalUserData)),
        compressUserData: true,
        rootVolume: { deviceName: ref('Image', image, 'rootDeviceName'), ...root },
        ...(ig.spec.volumes?.length ? { volumes: extraVolumes(ig.spec) } : {}),
        metadataOptions: {
          httpTokens: ig.spec.instanceMetadata?.httpTokens ?? 'required',
          httpPutResponseHopLimit: ig.spec.instanceMetadata?.httpPutResponseHopLimit ?? 1,
          httpEndpoint: 'enabled',
        },
        associatePublicIp: ig.spec.associatePublicIp ?? publicSubnets,
        instanceTags: tags,
        tags: m.tags(template),
        ...(ig.spec.maxPrice !== undefined && !ig.spec.mixedInstancesPolicy ? { spotMaxPrice: ig.spec.maxPrice } : {}),
        detailedMonitoring: ig.spec.detailedInstanceMonitoring ?? false,
        ...(ig.spec.cpuCredits !== undefined ? { cpuCredits: ig.spec.cpuCredits } : {}),
        ...(ig.spec.tenancy !== undefined ? { tenancy: ig.spec.tenancy } : {}),
        ...launchOptions(ig),
      },
    });
    m.add({
      kind: 'AutoscalingGroup',
      name,
      desired: {
        launchTemplate: ref('LaunchTemplate', template),
        minSize: ig.spec.minSize ?? 1,
        maxSize: ig.spec.maxSize ?? ig.spec.minSize ?? 1,
        subnets: (ig.spec.subnets ?? []).map((s) => ref('Subnet', subnetTaskName(s, c))),
        // kops: the spec owns the group's attachments, its own target groups and the user's.
        targetGroupArns: [...(targetGroups[role] ?? []).map((tg) => ref('TargetGroup', tg, 'arn')), ...external.flatMap((lb) => (lb.targetGroupArn ? [lb.targetGroupArn] : []))],
        loadBalancerNames: external.flatMap((lb) => (lb.loadBalancerName ? [lb.loadBalancerName] : [])),
        // The autoscaler's discovery tags on the group only (instances get them at launch): its
        // launch template, and so its nodes, do not change when the autoscaler is turned on.
        tags: { ...tags, ...autoscalerDiscoveryTags(m.cluster.spec, c, ig) },
        ...(ig.spec.mixedInstancesPolicy ? { mixedInstancesPolicy: mixedPolicy(ig) } : {}),
        // kops: always the spec's list, so a process removed from it is resumed.
        suspendProcesses: [...(ig.spec.suspendProcesses ?? [])],
        capacityRebalance: ig.spec.capacityRebalance ?? false,
        newInstancesProtectedFromScaleIn: ig.spec.instanceProtection ?? false,
        maxInstanceLifetime: maxInstanceLifetimeSeconds(ig.spec) ?? 0,
      },
    });
  }
}

/** The user data, refused before any change when it is over AWS's limit gzipped (as it is sent). */
function checkedUserData(ig: InstanceGroup, text: string): string {
  const size = encodeUserData(text, true).length;
  if (size > USER_DATA_LIMIT) throw userDataTooLarge(`instance group ${ig.metadata.name}`, size, true, { path: igPath(ig.metadata.name, 'spec.additionalUserData') });
  return text;
}

/** kops's `Mixed*` fields of the group: the spec's values; AWS's defaults are the task's. */
function mixedPolicy(ig: InstanceGroup): MixedInstancesPolicyDesired {
  const p = ig.spec.mixedInstancesPolicy ?? {};
  return {
    instanceTypes: [...(p.instances ?? [])],
    ...(p.onDemandAllocationStrategy !== undefined ? { onDemandAllocationStrategy: p.onDemandAllocationStrategy } : {}),
    ...(p.onDemandBase !== undefined ? { onDemandBase: p.onDemandBase } : {}),
    ...(p.onDemandAboveBase !== undefined ? { onDemandAboveBase: p.onDemandAboveBase } : {}),
    ...(p.spotAllocationStrategy !== undefined ? { spotAllocationStrategy: p.spotAllocationStrategy } : {}),
    ...(p.spotInstancePools !== undefined ? { spotInstancePools: p.spotInstancePools } : {}),
    ...(ig.spec.maxPrice !== undefined ? { spotMaxPrice: ig.spec.maxPrice } : {}),
  };
}
