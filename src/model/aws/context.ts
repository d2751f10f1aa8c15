/**
 * What every AWS model builder reads: the completed spec and the facts derived from it once
 * (region, zones, subnets by name, tags). Builders read this; tasks never see the spec.
 */
import { normalizeRole, type Cluster, type ClusterSubnetSpec, type InstanceGroup } from '../api/types.js';
import { regionOfZone } from '../validation-util.js';
import { ownershipTags, type Tags } from '../../tasks/aws/context.js';
import type { Task } from '../../tasks/types.js';
import type { StateStoreLocation } from './iam-policies.js';
import { fitAwsName } from './names.js';
import { groupKubernetesVersion } from '../kubelet-skew.js';

export interface AwsModelInput {
  /** The completed cluster and instance groups. */
  readonly cluster: Cluster;
  /** Every instance group of the spec: the whole cluster is modelled from all of them. */
  readonly instanceGroups: readonly InstanceGroup[];
  /**
   * `update cluster --instance-group`/`--instance-group-roles`: the groups whose own resources
   * (image, launch template, autoscaling group) are built. Everything else (firewall, IAM, load
   * balancers, etcd volumes) is still built from every group, so a selection never changes what
   * the cluster-wide resources are: without the bastion group selected, SSH must still go
   * through the bastion, not open to `sshAccess` on every instance.
   */
  readonly selectedInstanceGroups?: readonly InstanceGroup[];
  /** The admin SSH public key (authorized_keys line) and its MD5 fingerprint, if any. */
  readonly sshPublicKey?: { readonly key: string; readonly fingerprint: string };
  /** Node and Bastion groups' Kubernetes version when held back behind the control plane (src/model/kubelet-skew.ts); unset: the spec's. */
  readonly nodeKubernetesVersion?: string;
  /** The S3 state store, so control planes may read their cluster's prefix. */
  readonly stateStore?: StateStoreLocation;
  readonly partition?: string;
  /** The AWS account (pre-flight's STS answer): the ARNs a manifest names (the cluster autoscaler's role). */
  readonly accountId?: string;
}

export class AwsModelContext {
  readonly name: string;
  readonly region: string;
  readonly cluster: Cluster;
  /** Every instance group of the spec. */
  readonly instanceGroups: readonly InstanceGroup[];
  /** The groups whose own resources are built (all of them unless a selection was given). */
  readonly computeGroups: readonly InstanceGroup[];
  readonly input: AwsModelInput;
  readonly subnets: readonly ClusterSubnetSpec[];
  private readonly tasks: Task[] = [];

  constructor(input: AwsModelInput) {
    this.input = input;
    this.cluster = input.cluster;
    this.name = input.cluster.metadata.name;
    this.instanceGroups = input.instanceGroups;
    this.computeGroups = input.selectedInstanceGroups ?? input.instanceGroups;
    this.subnets = input.cluster.spec.subnets ?? [];
    const zone = this.subnets.find((s) => s.zone)?.zone ?? '';
    this.region = regionOfZone(zone);
  }

  /** `Name`, the ownership tags and the cluster's cloudLabels, plus `extra`. `Name` fits a tag value (256). */
  tags(name: string, extra: Tags = {}): Tags {
    return { ...(this.cluster.spec.cloudLabels ?? {}), ...ownershipTags(this.name), Name: fitAwsName('tagValue', name), ...extra };
  }

  add<D>(task: Task<D>): void {
    this.tasks.push(task as Task);
  }

  built(): Task[] {
    return [...this.tasks];
  }

  get sharedVpc(): boolean {
    return Boolean(this.cluster.spec.networkID);
  }

  /** The zones subnets of a type live in, sorted. */
  zonesOf(type: ClusterSubnetSpec['type']): string[] {
    return [...new Set(this.subnets.filter((s) => s.type === type).map((s) => s.zone ?? ''))].sort();
  }

  subnet(name: string): ClusterSubnetSpec | undefined {
    return this.subnets.find((s) => s.name === name);
  }

  role(ig: InstanceGroup) {
    return normalizeRole(ig.spec.role);
  }

  /** The Kubernetes version a group's instances install: the spec's, or the held-back one for nodes. */
  kubernetesVersion(ig: InstanceGroup): string {
    return groupKubernetesVersion(this.role(ig), this.cluster.spec.kubernetesVersion ?? '', this.input.nodeKubernetesVersion);
  }

  get hasBastion(): boolean {
    return this.instanceGroups.some((ig) => this.role(ig) === 'Bastion');
  }

  get privateTopology(): boolean {
    return this.subnets.some((s) => s.type === 'Private');
  }
}
