/** Validation of instance groups: names, roles, sizes, subnets and zones, volumes, metadata options. */
import { intProblem } from './api/check.js';
import { LABEL_CLUSTER_NAME, normalizeRole, type ClusterSpec, type InstanceGroup, type InstanceGroupSpec } from './api/types.js';
import { checkSecurityGroups } from './validation-api.js';
import { validateSpot } from './validation-mixed.js';
import { validateAsgFields } from './validation-asg.js';
import { validateIgAwsFields, validateSharedProfiles } from './validation-ig-aws.js';
import { checkCloudLabels, checkRollingUpdate } from './validation-rules.js';
import { igPath, isDnsLabel, regionOfZone, type Reporter } from './validation-util.js';
import { NODE_TEMPLATE_LABEL, NODE_TEMPLATE_TAINT, taintTag } from './aws/autoscaler-tags.js';
import { GP3_BASELINE_IOPS, GP3_BASELINE_THROUGHPUT, PROVISIONED_IOPS_MINIMUM, effectiveRootVolume, specRootVolume } from './aws/root-volume.js';
import { ebsLimitProblems } from './aws/ebs-limits.js';
import { validateVolumes } from './validation-volumes.js';

const AWS_TAG_KEY_LIMIT = 128;

/** kops: `standard`, `gp3`, `gp2`, `io1`, `io2` (st1 and sc1 cannot be boot volumes). */
const AWS_ROOT_VOLUME_TYPES = ['gp3', 'gp2', 'io1', 'io2', 'standard'];
const TAINT = /^([A-Za-z0-9][-A-Za-z0-9_./]*)(=[-A-Za-z0-9_.]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/;

export function validateInstanceGroups(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[], clusterName: string, cloud: string | undefined): void {
  if (!igs.some((ig) => normalizeRole(ig.spec.role) === 'ControlPlane')) {
    r.err('MissingControlPlane', 'instanceGroups', 'the cluster has no control-plane instance group', 'add an InstanceGroup with role: Master (create cluster adds one per control-plane zone)');
  }
  const names = new Set<string>();
  for (const ig of igs) {
    const name = ig.metadata.name;
    const at = (field: string) => igPath(name, field);
    if (!isDnsLabel(name)) r.err('InvalidName', at('metadata.name'), `${JSON.stringify(name)} is not a valid instance group name`, 'use lower-case letters, digits and -, at most 63 characters');
    else if (names.has(name)) r.err('DuplicateName', at('metadata.name'), `instance group ${name} is defined twice`, 'give each instance group its own name');
    names.add(name);
    const label = ig.metadata.labels?.[LABEL_CLUSTER_NAME];
    if (label != null && label !== clusterName) {
      r.err('WrongCluster', at(`metadata.labels["${LABEL_CLUSTER_NAME}"]`), `labelled for cluster ${label}, not ${clusterName}`, `set it to ${clusterName}`);
    }
    if (normalizeRole(ig.spec.role) === 'APIServer') {
      // kops (1.21+) runs kube-apiserver alone on these ("dedicated API server nodes"); kops-ts's
      // kubeadm bootstrap has no configuration for them (src/bootstrap/kubeadm.ts, bootstrapRole),
      // so their instances would boot, find no join files and never serve: refused, not launched.
      r.err('UnsupportedRole', at('spec.role'), 'APIServer instance groups (kops\'s dedicated API server nodes) are not built by kops-ts: its kubeadm bootstrap has no configuration for them, so their instances would never join', `give it role Node, or remove the instance group (one already in the state store: kops-ts delete instancegroup ${name} --name ${clusterName})`);
    }
    validateSizes(r, ig, at);
    validatePlacement(r, spec, ig, at, cloud);
    validateMachine(r, ig.spec, at, cloud);
    checkRollingUpdate(r, at('spec.rollingUpdate'), ig.spec.rollingUpdate, normalizeRole(ig.spec.role) === 'ControlPlane');
    checkCloudLabels(r, at('spec.cloudLabels'), ig.spec.cloudLabels, name);
  }
  validateSharedProfiles(r, igs, cloud, clusterName);
  const bastion = igs.find((ig) => normalizeRole(ig.spec.role) === 'Bastion');
  if (bastion && !(spec.subnets ?? []).some((s) => s.type === 'Private')) {
    r.err('BastionNeedsPrivateTopology', igPath(bastion.metadata.name, 'spec.role'), 'a bastion is only used with private topology (instances in Private subnets)', 'remove the bastion, or use private subnets');
  }
}

function validateSizes(r: Reporter, ig: InstanceGroup, at: (f: string) => string): void {
  const { minSize, maxSize } = ig.spec;
  // The schema check bounds these in manifests; a spec read from the store is bounded here too.
  for (const [field, v] of [['minSize', minSize], ['maxSize', maxSize]] as const) {
    const problem = typeof v === 'number' && v >= 0 ? intProblem(v, 'int32') : undefined;
    if (problem) r.err('ValueOutOfRange', at(`spec.${field}`), problem, 'give a value in range: kops cannot read this one');
  }
  if (minSize != null && minSize < 0) r.err('InvalidSize', at('spec.minSize'), `minSize ${minSize} is negative`, 'use 0 or more');
  if (maxSize != null && maxSize < 0) r.err('InvalidSize', at('spec.maxSize'), `maxSize ${maxSize} is negative`, 'use 0 or more');
  if (maxSize != null && minSize != null && minSize >= 0 && maxSize >= 0 && maxSize < minSize) r.err('InvalidSize', at('spec.maxSize'), `maxSize ${maxSize} is smaller than minSize ${minSize}`, 'make maxSize >= minSize');
  if (normalizeRole(ig.spec.role) === 'ControlPlane') {
    // kops: one instance per control-plane group; more control planes are more groups (one etcd member each).
    if (minSize != null && minSize > 1) r.err('InvalidSize', at('spec.minSize'), `a control-plane instance group runs one instance, not ${minSize}`, 'set minSize: 1 and add more control-plane instance groups instead');
    if (maxSize != null && maxSize > 1) r.err('InvalidSize', at('spec.maxSize'), `a control-plane instance group runs one instance, not ${maxSize}`, 'set maxSize: 1 and add more control-plane instance groups instead');
  }
}

/** Subnets exist in the cluster; `zones`, when given, agree with the subnets and the region. */
function validatePlacement(r: Reporter, spec: ClusterSpec, ig: InstanceGroup, at: (f: string) => string, cloud: string | undefined): void {
  const s = ig.spec;
  const subnets = new Map((spec.subnets ?? []).map((sn) => [sn.name, sn]));
  if ((s.subnets ?? []).length === 0 && normalizeRole(s.role) === 'ControlPlane') {
    r.err('MissingSubnets', at('spec.subnets'), 'a control-plane instance group must name its subnet', 'list the subnet (by name) it runs in');
  }
  if (cloud === 'gce' && (s.zones ?? []).length === 0) r.err('MissingZones', at('spec.zones'), 'a GCE instance group must list its zones', 'set zones, e.g. [us-central1-a]');
  (s.subnets ?? []).forEach((name, i) => {
    if (!subnets.has(name)) r.err('UnknownSubnet', at(`spec.subnets[${i}]`), `subnet ${name} is not defined in the cluster`, `use one of: ${[...subnets.keys()].join(', ') || '(no subnets defined)'}`);
  });
  const zonesOfSubnets = new Set((s.subnets ?? []).map((n) => subnets.get(n)?.zone).filter((z): z is string => z != null));
  const clusterRegion = [...subnets.values()].map((sn) => sn.region ?? (sn.zone ? regionOfZone(sn.zone, cloud) : undefined)).find((x) => x);
  (s.zones ?? []).forEach((zone, i) => {
    if (zonesOfSubnets.size > 0 && !zonesOfSubnets.has(zone)) {
      r.err('ZoneMismatch', at(`spec.zones[${i}]`), `zone ${zone} is not the zone of any of the group's subnets (${[...zonesOfSubnets].join(', ')})`, 'remove the zone or fix the subnets');
    } else if (clusterRegion && regionOfZone(zone, cloud) !== clusterRegion) {
      r.err('MixedRegions', at(`spec.zones[${i}]`), `zone ${zone} is not in the cluster's region ${clusterRegion}`, `use a zone of ${clusterRegion}`);
    }
  });
}

function validateMachine(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string, cloud: string | undefined): void {
  validateRootVolume(r, s, at, cloud);
  validateVolumes(r, s, at, cloud);
  // Blank is not "unset" (completion fills only absent fields): it would reach AWS as a name.
  if (typeof s.image === 'string' && s.image.trim() === '') r.err('InvalidImage', at('spec.image'), 'the image is blank', "name an AMI (ami-..., or owner/name), or remove the field for the channel's image");
  if (typeof s.machineType === 'string' && s.machineType.trim() === '') r.err('InvalidMachineType', at('spec.machineType'), 'the machine type is blank', 'name an instance type such as t3.medium');
  const hop = s.instanceMetadata?.httpPutResponseHopLimit;
  if (hop != null && (hop < 1 || hop > 64)) r.err('InvalidInstanceMetadata', at('spec.instanceMetadata.httpPutResponseHopLimit'), `${hop} is not between 1 and 64`, 'use 1 (pods cannot reach instance credentials) or a small number');
  if (cloud === 'aws') checkSecurityGroups(r, at('spec.additionalSecurityGroups'), s.additionalSecurityGroups);
  const taints = new Set<string>();
  (s.taints ?? []).forEach((t, i) => {
    if (!TAINT.test(t)) r.err('InvalidTaint', at(`spec.taints[${i}]`), `${JSON.stringify(t)} is not a taint`, 'use key=value:Effect or key:Effect, with Effect NoSchedule, PreferNoSchedule or NoExecute');
    else if (taints.has(t)) r.err('DuplicateTaint', at(`spec.taints[${i}]`), `taint ${t} is listed twice`, 'list it once');
    taints.add(t);
  });
  for (const key of Object.keys(s.nodeLabels ?? {})) {
    if (key.split('/').length > 2) r.err('InvalidNodeLabel', at(`spec.nodeLabels["${key}"]`), `node label ${key} has more than one /`, 'use prefix/name or name');
  }
  if (cloud === 'aws') checkAutoscalerTags(r, s, at);
  validateSpot(r, s, at, cloud);
  validateAsgFields(r, s, at, cloud);
  validateIgAwsFields(r, s, at, cloud);
}

/** AWS tag keys are at most 128 characters: the autoscaler's node-template tags must fit. */
function checkAutoscalerTags(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string): void {
  const tooLong = (key: string) => key.length > AWS_TAG_KEY_LIMIT;
  for (const key of Object.keys(s.nodeLabels ?? {})) {
    if (tooLong(`${NODE_TEMPLATE_LABEL}${key}`)) {
      r.err('LabelTooLongForTag', at(`spec.nodeLabels["${key}"]`), `node label ${key} is too long for its autoscaler tag ${NODE_TEMPLATE_LABEL}${key} (AWS tag keys are at most ${AWS_TAG_KEY_LIMIT} characters)`, `shorten the label key to at most ${AWS_TAG_KEY_LIMIT - NODE_TEMPLATE_LABEL.length} characters`);
    }
  }
  (s.taints ?? []).forEach((t, i) => {
    const tag = taintTag(t);
    if (tag && tooLong(tag[0])) {
      r.err('TaintTooLongForTag', at(`spec.taints[${i}]`), `taint key of ${t} is too long for its autoscaler tag (AWS tag keys are at most ${AWS_TAG_KEY_LIMIT} characters)`, `shorten the taint key to at most ${AWS_TAG_KEY_LIMIT - NODE_TEMPLATE_TAINT.length} characters`);
    }
  });
}

/**
 * The root volume, in whichever spelling: one spelling only, sizes and rates not negative, an AWS
 * type that can boot. What kops silently drops is named in a warning: IOPS on a type without
 * provisioned IOPS, throughput on anything but gp3, a KMS key on an unencrypted volume.
 */
function validateRootVolume(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string, cloud: string | undefined): void {
  const v = specRootVolume(s);
  const sizePath = at(v.nested ? 'spec.rootVolume.size' : 'spec.rootVolumeSize');
  const typePath = at(v.nested ? 'spec.rootVolume.type' : 'spec.rootVolumeType');
  const flat = [s.rootVolumeSize, s.rootVolumeType, s.rootVolumeIops, s.rootVolumeThroughput, s.rootVolumeEncryption, s.rootVolumeEncryptionKey];
  if (v.nested && flat.some((f) => f != null)) {
    r.err('ConflictingFields', at('spec.rootVolume'), 'the root volume is given twice (rootVolume and the flat rootVolume* fields)', 'keep one spelling; kops writes the flat fields: rootVolumeSize, rootVolumeType, rootVolumeIops, rootVolumeThroughput, rootVolumeEncryption, rootVolumeEncryptionKey');
  }
  if (v.size != null && v.size <= 0) r.err('InvalidVolume', sizePath, `root volume size ${v.size} must be greater than 0`, 'give a size in GiB');
  if (cloud === 'aws' && v.type != null && !AWS_ROOT_VOLUME_TYPES.includes(v.type)) {
    r.err('InvalidVolume', typePath, `${v.type} cannot be a root volume`, `use one of ${AWS_ROOT_VOLUME_TYPES.join(', ')}`);
  }
  if (v.iops != null && v.iops < 0) r.err('InvalidVolume', at(v.path.iops), 'IOPS cannot be negative', 'give the IOPS, or leave it out for the type\'s default');
  if (v.throughput != null && v.throughput < 0) r.err('InvalidVolume', at(v.path.throughput), 'throughput cannot be negative', 'give MiB/s, or leave it out for the type\'s default');
  if (v.encryptionKey === '') r.err('InvalidVolume', at(v.path.encryptionKey), 'the KMS key is empty', 'give a KMS key id, ARN or alias, or remove the field');
  if (cloud !== 'aws' || v.type == null || !AWS_ROOT_VOLUME_TYPES.includes(v.type)) return;
  if (v.iops != null && v.iops > 0 && !['gp3', 'io1', 'io2'].includes(v.type)) {
    r.warn('RootVolumeFieldIgnored', at(v.path.iops), `${v.type} volumes have no provisioned IOPS; ignored, as kops ignores it`, 'remove it, or use gp3, io1 or io2');
  } else if (v.iops != null && v.iops > 0) {
    const floor = v.type === 'gp3' ? GP3_BASELINE_IOPS : PROVISIONED_IOPS_MINIMUM;
    if (v.iops < floor) r.warn('RootVolumeRaised', at(v.path.iops), `${v.iops} IOPS is below ${v.type}'s ${floor}; ${floor} is used, as kops does`, `set ${floor} or more`);
  }
  if (v.throughput != null && v.throughput > 0 && v.type !== 'gp3') {
    r.warn('RootVolumeFieldIgnored', at(v.path.throughput), `only gp3 volumes take a throughput; ignored for ${v.type}, as kops ignores it`, 'remove it, or use gp3');
  } else if (v.throughput != null && v.throughput > 0 && v.throughput < GP3_BASELINE_THROUGHPUT) {
    r.warn('RootVolumeRaised', at(v.path.throughput), `${v.throughput} MiB/s is below gp3's ${GP3_BASELINE_THROUGHPUT}; ${GP3_BASELINE_THROUGHPUT} is used, as kops does`, `set ${GP3_BASELINE_THROUGHPUT} or more`);
  }
  if (v.encryptionKey && v.encryption === false) {
    r.warn('RootVolumeFieldIgnored', at(v.path.encryptionKey), 'the volume is not encrypted, so its KMS key is not used (as kops)', 'remove the key, or turn encryption on');
  }
  // EBS's ranges, on the values the launch template gets (after kops's raises).
  const e = effectiveRootVolume(s);
  const paths = { size: sizePath, iops: at(v.path.iops), throughput: at(v.path.throughput) };
  for (const p of ebsLimitProblems({ type: e.type, ...(v.size != null ? { size: v.size } : {}), ...(e.iops != null ? { iops: e.iops } : {}), ...(e.throughput != null ? { throughput: e.throughput } : {}) })) {
    r.err('InvalidVolume', paths[p.field], `root volume: ${p.summary}`, p.hint);
  }
}
