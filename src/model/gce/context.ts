/**
 * What every GCE model builder reads: the completed spec and the facts derived from it once
 * (project, region, network, networking mode, role tags). Builders read this; tasks never see the spec.
 */
import { KopsError } from '../../diagnostics.js';
import { normalizeRole, type Cluster, type ClusterSubnetSpec, type InstanceGroup, type NormalizedRole } from '../api/types.js';
import { regionOfZone } from '../validation-util.js';
import { ref, type Task, type Val } from '../../tasks/types.js';
import { GCE_KINDS } from '../../tasks/gce/types.js';
import type { StateStoreLocation } from '../aws/iam-policies.js';
import { networkName, subnetName, tagForRole } from './names.js';
import { groupKubernetesVersion } from '../kubelet-skew.js';

export interface GceModelInput {
  /** The completed cluster and instance groups. */
  readonly cluster: Cluster;
  /** Every instance group of the spec: cluster-wide resources are modelled from all of them. */
  readonly instanceGroups: readonly InstanceGroup[];
  /** `update cluster --instance-group`: the groups whose templates and MIGs are built. */
  readonly selectedInstanceGroups?: readonly InstanceGroup[];
  /**
   * The admin SSH public keys (authorized_keys lines) and their MD5 fingerprints: every one goes
   * into the instance metadata `ssh-keys`, a line each, in fingerprint order (as kops does).
   */
  readonly sshPublicKeys?: readonly { readonly key: string; readonly fingerprint: string }[];
  /** Node and Bastion groups' Kubernetes version when held back behind the control plane (src/model/kubelet-skew.ts); unset: the spec's. */
  readonly nodeKubernetesVersion?: string;
  /** The `gs://` state store the instances read their configuration from. */
  readonly stateStore?: StateStoreLocation;
}

export class GceModelContext {
  readonly name: string;
  readonly project: string;
  readonly region: string;
  readonly cluster: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
  readonly computeGroups: readonly InstanceGroup[];
  readonly subnets: readonly ClusterSubnetSpec[];
  readonly input: GceModelInput;
  private readonly tasks: Task[] = [];

  constructor(input: GceModelInput) {
    this.input = input;
    this.cluster = input.cluster;
    this.name = input.cluster.metadata.name;
    this.project = input.cluster.spec.project ?? '';
    this.instanceGroups = input.instanceGroups;
    this.computeGroups = input.selectedInstanceGroups ?? input.instanceGroups;
    this.subnets = input.cluster.spec.subnets ?? [];
    const first = this.subnets[0];
    this.region = first?.region ?? (first?.zone ? regionOfZone(first.zone, 'gce') : '');
    if (!this.project) {
      throw new KopsError('MissingProject', `cluster ${this.name}: spec.project is not set: a GCE cluster's resources live in a project`, { hint: `set spec.project to the GCP project id (kops-ts edit cluster ${this.name})` });
    }
  }

  add<D>(task: Task<D>): void {
    this.tasks.push(task as Task);
  }

  built(): Task[] {
    return [...this.tasks];
  }

  get sharedNetwork(): boolean {
    return Boolean(this.cluster.spec.networkID);
  }

  get networkName(): string {
    return networkName(this.name, this.cluster.spec.networkID);
  }

  /** The network's `selfLink`, which subnets, firewall rules and templates reference. */
  get networkRef(): Val {
    return ref(GCE_KINDS.network, this.networkName, 'selfLink');
  }

  subnetRef(subnet: ClusterSubnetSpec): Val {
    return ref(GCE_KINDS.subnet, subnetName(subnet, this.name), 'selfLink');
  }

  subnet(name: string): ClusterSubnetSpec | undefined {
    return this.subnets.find((s) => s.name === name);
  }

  role(ig: InstanceGroup): NormalizedRole {
    return normalizeRole(ig.spec.role);
  }

  /** The Kubernetes version a group's instances install: the spec's, or the held-back one for nodes. */
  kubernetesVersion(ig: InstanceGroup): string {
    return groupKubernetesVersion(this.role(ig), this.cluster.spec.kubernetesVersion ?? '', this.input.nodeKubernetesVersion);
  }

  private get networking(): Record<string, unknown> {
    return (this.cluster.spec.networking ?? {}) as Record<string, unknown>;
  }

  /** kops's `UsesIPAliases`: GCE IP-alias networking (`gce`/`gcp`), or kindnet. */
  get ipAlias(): boolean {
    const n = this.networking;
    return n['gce'] != null || n['gcp'] != null || n['kindnet'] != null;
  }

  /** kubenet: GCE routes carry the pod ranges. */
  get kubenet(): boolean {
    return this.networking['kubenet'] != null;
  }

  get calico(): boolean {
    return this.networking['calico'] != null;
  }

  get cilium(): boolean {
    return this.networking['cilium'] != null;
  }

  get hasBastion(): boolean {
    return this.instanceGroups.some((ig) => this.role(ig) === 'Bastion');
  }

  get hasApiServerGroups(): boolean {
    return this.instanceGroups.some((ig) => this.role(ig) === 'APIServer');
  }

  /** A public API load balancer (forwarding rule → target pool): `spec.api.loadBalancer` of type Public (the default). */
  get publicApiLoadBalancer(): boolean {
    const lb = this.cluster.spec.api?.loadBalancer;
    return lb != null && (lb.type ?? 'Public') === 'Public';
  }

  tag(role: NormalizedRole | 'Master'): string {
    return tagForRole(this.name, role);
  }

  /** kops's `GCETagsForAPIServerTargets`: the control-plane tag, and the API servers' if any. */
  get apiServerTargetTags(): string[] {
    return [this.tag('ControlPlane'), ...(this.hasApiServerGroups ? [this.tag('APIServer')] : [])];
  }

  /** The API targets plus the legacy `master` tag: what kops's control-plane rules target. */
  get controlPlaneTags(): string[] {
    return [...this.apiServerTargetTags, this.tag('Master')];
  }
}
