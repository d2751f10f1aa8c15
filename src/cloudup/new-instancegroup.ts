/**
 * `create instancegroup`: new instance groups with kops's defaults for their role, added to a stored
 * cluster as one validated change.
 *
 * A control-plane group holds one member of every etcd cluster, so creating one also adds, in the
 * same change, a member for its zone to each etcd cluster (named after the zone, `b` for
 * us-east-1b, with the volume settings of the existing members). Quorum needs an odd member count:
 * growing 1 → 3 therefore creates the two new groups together (`create instancegroup A B --role
 * ControlPlane --subnet zoneA,zoneB`); one alone would leave 2 members and is refused by validation.
 *
 * On GCE, as kops: subnets are regional (`--subnet` names one, default the cluster's) and the
 * zones come from `--zone`, required there; a control-plane group takes one zone, one per name.
 *
 * The write: each new group is created only if absent, then the Cluster is written conditional on
 * the version read; if that fails the groups just created are deleted again, so the store is left
 * as it was.
 */
import { initGroup } from '../bootstrap/kubeadm.js';
import { KopsError, hasErrors, warning, type Diagnostic } from '../diagnostics.js';
import { completeCluster } from '../model/completion.js';
import {
  DEFAULT_AWS_BASTION_MACHINE_TYPE,
  DEFAULT_AWS_MACHINE_TYPE,
  DEFAULT_GCE_BASTION_MACHINE_TYPE,
  DEFAULT_GCE_MACHINE_TYPE,
  defaultImage,
} from '../model/defaults.js';
import { validateCluster } from '../model/validation.js';
import { regionOfZone } from '../model/validation-util.js';
import { cloudProviderOf, normalizeRole, type Cluster, type EtcdMemberSpec, type InstanceGroup, type InstanceGroupRole, type NormalizedRole } from '../model/api/types.js';
import type { Clientset } from '../statestore/clientset.js';
import { DEFAULT_KUBERNETES_VERSION } from '../version.js';
import { invalidSpec } from './create-cluster.js';
import { instanceGroup } from './new-cluster-groups.js';

export interface NewInstanceGroupsOptions {
  readonly cluster: Cluster;
  readonly existing: readonly InstanceGroup[];
  readonly names: readonly string[];
  /** ControlPlane (or Master), Node, Bastion, APIServer; any case. Default Node. */
  readonly role?: string;
  /** Subnet names. Control plane: one per group, in order (on GCE: every group's, regional). Others: all go to every group. Default: see `defaultSubnets`. */
  readonly subnets?: readonly string[];
  /** GCE only (kops's `--zone`, required there): control plane one per group, in order; others: all go to every group. */
  readonly zones?: readonly string[];
}

export interface AddedEtcdMember {
  readonly etcdCluster: string;
  readonly member: string;
  readonly instanceGroup: string;
}

export interface NewInstanceGroupsResult {
  readonly instanceGroups: InstanceGroup[];
  /** The Cluster as it will be written (etcd members added), or undefined when unchanged. */
  readonly cluster?: Cluster;
  readonly addedMembers: readonly AddedEtcdMember[];
}

const ROLES: Readonly<Record<string, NormalizedRole>> = {
  controlplane: 'ControlPlane',
  'control-plane': 'ControlPlane',
  master: 'ControlPlane',
  node: 'Node',
  bastion: 'Bastion',
  apiserver: 'APIServer',
};

function usage(code: string, message: string, hint: string): KopsError {
  return new KopsError(code, message, { hint, exitCode: 2 });
}

export function parseRole(role: string | undefined): NormalizedRole {
  if (role === undefined) return 'Node';
  const r = ROLES[role.trim().toLowerCase()];
  if (!r) throw usage('InvalidRole', `--role ${JSON.stringify(role)} is not an instance group role`, 'use ControlPlane, Node or Bastion');
  return r;
}

/** kops's defaults: one instance for control planes and bastions, two for nodes and API servers. */
function defaultSize(role: NormalizedRole): number {
  return role === 'ControlPlane' || role === 'Bastion' ? 1 : 2;
}

function defaultMachineType(cloud: string, role: NormalizedRole): string {
  if (cloud === 'gce') return role === 'Bastion' ? DEFAULT_GCE_BASTION_MACHINE_TYPE : DEFAULT_GCE_MACHINE_TYPE;
  return role === 'Bastion' ? DEFAULT_AWS_BASTION_MACHINE_TYPE : DEFAULT_AWS_MACHINE_TYPE;
}

/** kops: without `--subnet`, a group spans the cluster's subnets (bastions: the private ones; never the utility ones). */
function defaultSubnets(cluster: Cluster, role: NormalizedRole): string[] {
  const subnets = cluster.spec.subnets ?? [];
  if (role === 'Bastion') return subnets.filter((s) => s.type !== 'Utility' && s.type !== 'DualStack' && s.type !== 'Public').map((s) => s.name);
  return subnets.filter((s) => s.type !== 'Utility').map((s) => s.name);
}

/** The member name for a zone: the zone's letter suffix (`us-east-1b` → `b`), made unique. */
function memberName(zone: string, taken: ReadonlySet<string>): string {
  const base = /[a-z]+$/.exec(zone)?.[0] ?? zone;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** The new groups and the Cluster with their etcd members; validation is left to `createInstanceGroups`. */
export function newInstanceGroups(o: NewInstanceGroupsOptions): NewInstanceGroupsResult {
  const role = parseRole(o.role);
  const clusterName = o.cluster.metadata.name;
  const cloud = cloudProviderOf(o.cluster.spec) ?? 'aws';
  if (o.names.length === 0) throw usage('MissingName', 'no instance group name given', `e.g. kops-ts create instancegroup nodes-us-east-1b --name ${clusterName} --role Node --subnet us-east-1b`);
  const dup = o.names.find((n, i) => o.names.indexOf(n) !== i);
  if (dup) throw usage('DuplicateName', `instance group ${dup} is named twice`, 'give each new group its own name');
  for (const n of o.names) {
    if (o.existing.some((g) => g.metadata.name === n)) {
      throw new KopsError('InstanceGroupExists', `instance group "${n}" already exists in cluster "${clusterName}"`, { hint: `use 'kops-ts edit instancegroup ${n} --name ${clusterName}' to change it`, exitCode: 1 });
    }
  }
  if (role !== 'ControlPlane' && o.names.length > 1) {
    throw usage('TooManyNames', `${o.names.length} names given for role ${role}`, 'create one group at a time; several names are for control-plane groups, one per subnet');
  }
  const subnets = o.subnets && o.subnets.length > 0 ? [...o.subnets] : defaultSubnets(o.cluster, role);
  if (subnets.length === 0) throw usage('MissingSubnets', `cluster ${clusterName} has no subnet for a ${role} group`, 'pass --subnet <name> (see the cluster spec\'s subnets)');
  const zones = cloud === 'gce' ? gceZones(o, role, subnets) : noZones(o);
  const version = o.cluster.spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  const base = (name: string, groupSubnets: string[], groupZones?: string[]) => {
    const machineType = defaultMachineType(cloud, role);
    const image = defaultImage(cloud, version, machineType);
    const size = defaultSize(role);
    const written: InstanceGroupRole = role === 'ControlPlane' ? 'Master' : role;
    return instanceGroup(clusterName, name, written, { ...(image ? { image } : {}), machineType, maxSize: size, minSize: size, subnets: groupSubnets, ...(groupZones ? { zones: groupZones } : {}) });
  };
  if (role !== 'ControlPlane') return { instanceGroups: [base(o.names[0]!, subnets, zones)], addedMembers: [] };
  if (zones) return controlPlaneMembers(o.cluster, o.names.map((n, i) => base(n, subnets, [zones[i]!])), zones);

  // Control plane: one subnet per group (its etcd volumes live in that subnet's zone).
  if (subnets.length !== o.names.length) {
    throw usage(
      'ControlPlaneSubnets',
      `${o.names.length} control-plane group${o.names.length === 1 ? '' : 's'} but ${subnets.length} subnet${subnets.length === 1 ? '' : 's'}: each control-plane group runs in exactly one subnet`,
      `pass one --subnet per name, in order, e.g. kops-ts create instancegroup control-plane-us-east-1b control-plane-us-east-1c --name ${clusterName} --role ControlPlane --subnet us-east-1b,us-east-1c`,
    );
  }
  const igs = o.names.map((n, i) => base(n, [subnets[i]!]));
  const memberZones = subnets.map((subnet) => {
    const zone = (o.cluster.spec.subnets ?? []).find((s) => s.name === subnet)?.zone;
    if (!zone) throw usage('UnknownSubnet', `subnet ${subnet} is not a zonal subnet of cluster ${clusterName}`, `use one of: ${(o.cluster.spec.subnets ?? []).filter((s) => s.zone).map((s) => s.name).join(', ') || '(none)'}`);
    return zone;
  });
  return controlPlaneMembers(o.cluster, igs, memberZones);
}

/** The Cluster with one member per new control-plane group (in `zones[i]`) in every etcd cluster. */
function controlPlaneMembers(before: Cluster, igs: InstanceGroup[], zones: readonly string[]): NewInstanceGroupsResult {
  const cluster = structuredClone(before);
  const added: AddedEtcdMember[] = [];
  const etcds = cluster.spec.etcdClusters ?? [];
  if (etcds.length === 0) throw usage('MissingEtcd', `cluster ${cluster.metadata.name} defines no etcd clusters`, `define main and events in the cluster spec first (kops-ts edit cluster ${cluster.metadata.name})`);
  for (const etcd of etcds) {
    etcd.etcdMembers ??= [];
    const template: Partial<EtcdMemberSpec> = { ...etcd.etcdMembers[0] };
    delete template.name;
    delete template.instanceGroup;
    const taken = new Set(etcd.etcdMembers.map((m) => m.name));
    igs.forEach((ig, i) => {
      const name = memberName(zones[i]!, taken);
      taken.add(name);
      etcd.etcdMembers.push({ ...template, instanceGroup: ig.metadata.name, name });
      added.push({ etcdCluster: etcd.name, member: name, instanceGroup: ig.metadata.name });
    });
  }
  return { instanceGroups: igs, cluster, addedMembers: added };
}

/** `--zone` is GCE's: an AWS group's zones are its subnets'. */
function noZones(o: NewInstanceGroupsOptions): undefined {
  if (o.zones && o.zones.length > 0) {
    throw usage('ZonesNotSupported', `--zone ${o.zones.join(',')}: a group's zones are given with --zone only on GCE; on ${cloudProviderOf(o.cluster.spec) ?? 'aws'} a group runs in its subnets' zones`, 'pass --subnet with the zones\' subnets instead');
  }
  return undefined;
}

/**
 * GCE, as kops's `create instancegroup`: subnets are regional, so the group's zones come from
 * `--zone`, which kops requires there (its MIGs are zonal, one per zone); a control-plane group
 * takes one zone (its etcd disks are zonal), one per name in order. Every zone must be in the
 * region of the group's subnets. `--subnet` names a regional subnet (default: the cluster's).
 */
function gceZones(o: NewInstanceGroupsOptions, role: NormalizedRole, subnets: readonly string[]): string[] {
  const clusterName = o.cluster.metadata.name;
  const clusterSubnets = o.cluster.spec.subnets ?? [];
  const regions = new Set<string>();
  for (const name of subnets) {
    const s = clusterSubnets.find((x) => x.name === name);
    if (!s) {
      const zoneLike = /-[a-z]$/.test(name);
      throw usage(
        'UnknownSubnet',
        `--subnet ${name}: cluster ${clusterName} has no subnet of that name${zoneLike ? ' (GCE subnets are regional, not per zone)' : ''}`,
        `use one of: ${clusterSubnets.map((x) => x.name).join(', ') || '(none)'}${zoneLike ? `, and give the zone with --zone ${name}` : ''}`,
      );
    }
    // A subnet's region: its own, else that of the zones of the groups already in it (completion's rule).
    const inIt = o.existing.filter((g) => g.spec.subnets?.includes(name)).flatMap((g) => g.spec.zones ?? []);
    for (const r of s.region ? [s.region] : inIt.map((z) => regionOfZone(z, 'gce'))) regions.add(r);
  }
  const known = [...new Set(o.existing.flatMap((g) => g.spec.zones ?? []))].sort();
  const example = known[0] ?? `${[...regions][0] ?? 'us-central1'}-a`;
  const zones = [...(o.zones ?? [])];
  if (zones.length === 0) {
    throw usage('MissingZones', `a GCE instance group needs its zones: cluster ${clusterName} is on GCE, whose subnets are regional`, `pass --zone, e.g. --zone ${example}${role === 'ControlPlane' ? ' (one per control-plane group, in order)' : ''}${known.length > 0 ? ` (the cluster's groups use ${known.join(', ')})` : ''}`);
  }
  for (const z of zones) {
    if (regions.size > 0 && !regions.has(regionOfZone(z, 'gce'))) {
      throw usage('ZoneOutsideRegion', `--zone ${z} is not in the region of subnet ${subnets.join(', ')} (${[...regions].join(', ')})`, `pass zones of ${[...regions].join(', ')}, e.g. --zone ${example}`);
    }
  }
  if (role === 'ControlPlane' && zones.length !== o.names.length) {
    throw usage(
      'ControlPlaneZones',
      `${o.names.length} control-plane group${o.names.length === 1 ? '' : 's'} but ${zones.length} zone${zones.length === 1 ? '' : 's'}: each GCE control-plane group runs in exactly one zone (its etcd disks are zonal)`,
      `pass one --zone per name, in order, e.g. kops-ts create instancegroup control-plane-${example} --name ${clusterName} --role ControlPlane --zone ${example}`,
    );
  }
  return zones;
}

/** Validates the cluster with the new groups (and members) as it will be applied; every problem at once. */
export function checkNewInstanceGroups(cluster: Cluster, existing: readonly InstanceGroup[], created: readonly InstanceGroup[], applied?: Cluster): Diagnostic[] {
  const completed = completeCluster(cluster, [...existing, ...created]);
  return validateCluster(completed.cluster, completed.instanceGroups, applied ? { previous: applied } : {});
}

export interface CreateInstanceGroupsOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  readonly names: readonly string[];
  readonly role?: string;
  readonly subnets?: readonly string[];
  /** GCE: the groups' zones (`--zone`). */
  readonly zones?: readonly string[];
  /** Called with each new group before validation (`--edit`): returns the group to write. */
  readonly edit?: (ig: InstanceGroup, check: (ig: InstanceGroup) => Diagnostic[]) => InstanceGroup | undefined;
  /** Validate only; write nothing (`--dry-run`). */
  readonly dryRun?: boolean;
}

export interface CreateInstanceGroupsResult extends NewInstanceGroupsResult {
  readonly warnings: readonly Diagnostic[];
  /** False when the edit was cancelled, or with `dryRun`. */
  readonly written: boolean;
}

/** Builds, validates and writes the new groups (and etcd members) as one change. */
export async function createInstanceGroups(o: CreateInstanceGroupsOptions): Promise<CreateInstanceGroupsResult> {
  const cs = o.clientset;
  const current = await cs.getCluster(o.clusterName);
  const existing = (await cs.listInstanceGroups(o.clusterName)).map((v) => v.object);
  const applied = (await cs.readCompletedSpec(o.clusterName))?.object;
  const built = newInstanceGroups({ cluster: current.object, existing, names: o.names, ...(o.role !== undefined ? { role: o.role } : {}), ...(o.subnets ? { subnets: o.subnets } : {}), ...(o.zones ? { zones: o.zones } : {}) });
  const cluster = built.cluster ?? current.object;
  let igs = built.instanceGroups;
  if (o.edit) {
    const edited: InstanceGroup[] = [];
    for (const ig of igs) {
      const others = igs.filter((g) => g.metadata.name !== ig.metadata.name);
      const e = o.edit(ig, (candidate) => checkNewInstanceGroups(cluster, existing, [...others, candidate], applied));
      if (!e) return { ...built, warnings: [], written: false };
      if (e.metadata.name !== ig.metadata.name) {
        throw usage('InstanceGroupRenamed', `the edit renamed instance group ${ig.metadata.name} to ${e.metadata.name}`, 'keep metadata.name; pass the name you want on the command line');
      }
      edited.push(e);
    }
    igs = edited;
  }
  const diags = [...checkNewInstanceGroups(cluster, existing, igs, applied), ...initGroupMoves(current.object, cluster)];
  if (hasErrors(diags)) throw invalidSpec(explained(diags, current.object, igs));
  if (o.dryRun) return { ...built, instanceGroups: igs, warnings: diags.filter((d) => d.severity === 'warning'), written: false };
  const created: string[] = [];
  try {
    for (const ig of igs) {
      await cs.createInstanceGroup(o.clusterName, ig);
      created.push(ig.metadata.name);
    }
    if (built.cluster) await cs.updateCluster(built.cluster, current.version);
  } catch (e) {
    // Leave the store as it was: the groups this call created go again.
    for (const n of created.reverse()) await cs.deleteInstanceGroup(o.clusterName, n).catch(() => undefined);
    throw e;
  }
  return { ...built, instanceGroups: igs, warnings: diags.filter((d) => d.severity === 'warning'), written: true };
}

/** An even etcd member count caused by adding one control plane to one: say how to grow 1 → 3. */
function explained(diags: readonly Diagnostic[], before: Cluster, igs: readonly InstanceGroup[]): Diagnostic[] {
  const cps = igs.filter((g) => normalizeRole(g.spec.role) === 'ControlPlane');
  if (cps.length === 0) return [...diags];
  return diags.map((d) => {
    if (d.code !== 'InvalidEtcdMembers' || !/quorum needs an odd number/.test(d.summary)) return d;
    const had = (before.spec.etcdClusters ?? [])[0]?.etcdMembers?.length ?? 0;
    return {
      ...d,
      hint:
        `adding ${cps.length} control-plane group${cps.length === 1 ? '' : 's'} to ${had} gives an even count; ` +
        `create the groups together, one subnet each, e.g. kops-ts create instancegroup NAME1 NAME2 --name ${before.metadata.name} --role ControlPlane --subnet ZONE1,ZONE2 for 1 → 3`,
    };
  });
}

/**
 * The group whose control plane runs `kubeadm init` is the first `main` member's by name
 * (src/bootstrap/kubeadm.ts). A new member whose name sorts first moves it to a new group; that
 * group still joins when the API answers at the endpoint, but say so.
 */
function initGroupMoves(before: Cluster, after: Cluster): Diagnostic[] {
  const was = initGroup(before);
  const now = initGroup(after);
  if (was === undefined || now === undefined || was === now) return [];
  return [
    warning('InitGroupChanged', `the new group ${now} holds the first etcd member by name, so it becomes the group that initialises the cluster instead of ${was}`, {
      path: 'spec.etcdClusters',
      hint: `its control planes still join while the API answers; to keep ${was} first, name the new members after it (edit the cluster spec)`,
    }),
  ];
}
