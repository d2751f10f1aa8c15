/** Validation of instance groups: names, sizes, subnets, volumes, metadata options. */
import { normalizeRole, type ClusterSpec, type InstanceGroup } from './api/types.js';
import { objectLabel } from './api/parse.js';
import { checkIntOrPercent, DNS_LABEL, type Reporter } from './validation-util.js';

const AWS_VOLUME_TYPES = ['gp3', 'gp2', 'io1', 'io2', 'st1', 'sc1', 'standard'];

export function validateInstanceGroups(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[], clusterName: string, cloud: string | undefined): void {
  const subnetsByName = new Map((spec.subnets ?? []).map((s) => [s.name, s]));
  const names = new Set<string>();
  if (!igs.some((ig) => normalizeRole(ig.spec.role) === 'ControlPlane')) {
    r.err('MissingControlPlane', 'instancegroups', 'the cluster has no control-plane instance group', 'add an InstanceGroup with role: Master');
  }
  for (const ig of igs) {
    const at = (f: string) => `${objectLabel(ig)} ${f}`;
    const name = ig.metadata.name;
    if (!DNS_LABEL.test(name)) r.err('InvalidName', at('metadata.name'), `${JSON.stringify(name)} is not a valid instance group name`, 'use lower-case letters, digits and -, at most 63 characters');
    if (names.has(name)) r.err('DuplicateInstanceGroup', at('metadata.name'), `instance group ${name} is defined twice`);
    names.add(name);
    const label = ig.metadata.labels?.['kops.k8s.io/cluster'];
    if (label !== undefined && label !== clusterName) r.err('WrongCluster', at('metadata.labels'), `labelled for cluster ${label}, not ${clusterName}`);
    const s = ig.spec;
    const role = normalizeRole(s.role);
    if (s.minSize !== undefined && s.minSize < 0) r.err('InvalidSize', at('spec.minSize'), `minSize ${s.minSize} is negative`);
    if (s.maxSize !== undefined && s.minSize !== undefined && s.maxSize < s.minSize) {
      r.err('InvalidSize', at('spec.maxSize'), `maxSize ${s.maxSize} is smaller than minSize ${s.minSize}`, 'make maxSize >= minSize');
    }
    if (!s.subnets || s.subnets.length === 0) {
      if (cloud !== 'gce') r.err('MissingSubnets', at('spec.subnets'), 'the instance group names no subnets', 'list the subnets (by name) it runs in');
    } else {
      s.subnets.forEach((sn, i) => {
        const subnet = subnetsByName.get(sn);
        if (!subnet) r.err('UnknownSubnet', at(`spec.subnets[${i}]`), `subnet ${sn} is not defined in the cluster`, `use one of: ${[...subnetsByName.keys()].join(', ')}`);
        else if (role !== 'Bastion' && subnet.type === 'Utility') r.err('InvalidSubnet', at(`spec.subnets[${i}]`), `${role} instances cannot run in utility subnet ${sn}`, 'use a Public or Private subnet');
      });
    }
    if (role === 'Bastion' && !(spec.subnets ?? []).some((sn) => sn.type === 'Private')) {
      r.err('BastionWithoutPrivateTopology', at('spec.role'), 'a bastion is only useful with private topology', 'remove the bastion or use private subnets');
    }
    const size = s.rootVolume?.size ?? s.rootVolumeSize;
    if (size !== undefined && size <= 0) r.err('InvalidVolume', at(s.rootVolume ? 'spec.rootVolume.size' : 'spec.rootVolumeSize'), `root volume size ${size} must be > 0`);
    const type = s.rootVolume?.type ?? s.rootVolumeType;
    if (type !== undefined && cloud === 'aws' && !AWS_VOLUME_TYPES.includes(type)) {
      r.err('InvalidVolume', at(s.rootVolume ? 'spec.rootVolume.type' : 'spec.rootVolumeType'), `${type} is not an EBS volume type`, `use one of ${AWS_VOLUME_TYPES.join(', ')}`);
    }
    const hop = s.instanceMetadata?.httpPutResponseHopLimit;
    if (hop !== undefined && (hop < 1 || hop > 64)) r.err('InvalidInstanceMetadata', at('spec.instanceMetadata.httpPutResponseHopLimit'), `${hop} is not between 1 and 64`);
    checkIntOrPercent(r, at('spec.rollingUpdate.maxSurge'), s.rollingUpdate?.maxSurge);
    checkIntOrPercent(r, at('spec.rollingUpdate.maxUnavailable'), s.rollingUpdate?.maxUnavailable);
  }
}
