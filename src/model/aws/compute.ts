/**
 * Per instance group: the image it boots (a find-only `Image` task shared by every group that
 * names it), a launch template (IMDSv2, encrypted root volume, the placeholder user-data) and an
 * autoscaling group, named and tagged as kops does (pkg/model/awsmodel/autoscalinggroup.go).
 * Control planes and API servers register with the API target groups, bastions with the bastion's.
 */
import { ref, type Val } from '../../tasks/types.js';
import type { Tags } from '../../tasks/aws/context.js';
import type { InstanceGroup, NormalizedRole } from '../api/types.js';
import type { AwsModelContext } from './context.js';
import { roleSecurityGroupName } from './firewall.js';
import { autoscalingGroupName, iamName, launchTemplateName, roleGroupPrefix, sshKeyName, subnetTaskName } from './names.js';
import { placeholderUserData } from './user-data.js';

export function sshKeyTaskName(cluster: string, fingerprint: string): string {
  return sshKeyName(cluster, fingerprint);
}

function roleTags(m: AwsModelContext, ig: InstanceGroup): Tags {
  const role = m.role(ig);
  const tags: Record<string, string> = { 'kops.k8s.io/instancegroup': ig.metadata.name };
  if (role === 'ControlPlane') Object.assign(tags, { 'k8s.io/role/control-plane': '1', 'k8s.io/role/master': '1' });
  else if (role === 'Bastion') tags['k8s.io/role/bastion'] = '1';
  else if (role === 'APIServer') tags['k8s.io/role/apiserver'] = '1';
  else tags['k8s.io/role/node'] = '1';
  for (const [k, v] of Object.entries(ig.spec.nodeLabels ?? {})) tags[`k8s.io/cluster-autoscaler/node-template/label/${k}`] = v;
  return { ...tags, ...(ig.spec.cloudLabels ?? {}) };
}

/** Target groups (task names) the autoscaling groups of each role register with. */
export type TargetGroupsByRole = Readonly<Partial<Record<NormalizedRole, readonly string[]>>>;

export function buildCompute(m: AwsModelContext, targetGroups: TargetGroupsByRole): void {
  const c = m.name;
  const key = m.input.sshPublicKey;
  const keyTask = key ? sshKeyTaskName(c, key.fingerprint) : undefined;
  if (key && keyTask) m.add({ kind: 'SSHKey', name: keyTask, desired: { publicKey: key.key, tags: m.tags(keyTask) } });
  const images = new Set<string>();
  for (const ig of m.instanceGroups) {
    const image = ig.spec.image ?? '';
    if (!images.has(image)) {
      images.add(image);
      m.add({ kind: 'Image', name: image, shared: true, desired: { spec: image } });
    }
    const name = autoscalingGroupName(ig, c);
    const template = launchTemplateName(ig, c);
    const prefix = roleGroupPrefix(ig);
    const role = m.role(ig);
    const publicSubnets = (ig.spec.subnets ?? []).every((s) => {
      const t = m.subnet(s)?.type;
      return t === 'Public' || t === 'Utility';
    });
    const tags = m.tags(name, roleTags(m, ig));
    // The spec is completed: the root volume's size and type are always set by now.
    const volumeSize = ig.spec.rootVolume?.size ?? ig.spec.rootVolumeSize ?? 0;
    m.add({
      kind: 'LaunchTemplate',
      name: template,
      desired: {
        imageId: ref('Image', image),
        instanceType: ig.spec.machineType ?? '',
        iamInstanceProfile: ref('IAMInstanceProfile', iamName(prefix === 'apiservers' ? 'masters' : prefix, c), 'name'),
        securityGroupIds: [ref('SecurityGroup', roleSecurityGroupName(ig, c)), ...(ig.spec.additionalSecurityGroups ?? [])] as Val[],
        ...(keyTask ? { keyName: ref('SSHKey', keyTask, 'name') } : {}),
        userData: placeholderUserData(c, ig, m.cluster.spec.kubernetesVersion ?? ''),
        rootVolume: {
          deviceName: ref('Image', image, 'rootDeviceName'),
          size: volumeSize,
          type: ig.spec.rootVolume?.type ?? ig.spec.rootVolumeType ?? 'gp3',
          encrypted: ig.spec.rootVolume?.encryption ?? ig.spec.rootVolumeEncryption ?? true,
        },
        metadataOptions: {
          httpTokens: ig.spec.instanceMetadata?.httpTokens ?? 'required',
          httpPutResponseHopLimit: ig.spec.instanceMetadata?.httpPutResponseHopLimit ?? 1,
          httpEndpoint: 'enabled',
        },
        associatePublicIp: ig.spec.associatePublicIp ?? publicSubnets,
        instanceTags: tags,
        tags: m.tags(template),
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
        ...((targetGroups[role] ?? []).length > 0 ? { targetGroupArns: (targetGroups[role] ?? []).map((tg) => ref('TargetGroup', tg, 'arn')) } : {}),
        tags,
      },
    });
  }
}
