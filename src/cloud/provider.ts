/**
 * What `update`, `delete`, `get instances`/`toolbox dump`, the rolling update and `validate` need
 * from a cloud, written once against this interface. Each cloud implements it in its own module
 * (`src/cloud/aws/provider.ts`, `src/cloud/gce/provider.ts`), loaded by `loadProvider`
 * (`src/cloud/providers.ts`) with a dynamic import, so a command touches only its cluster's SDK.
 *
 * Types only: importing this file loads no cloud SDK (the `import type`s below are erased).
 */
import type { Diagnostic, KopsError } from '../diagnostics.js';
import type { Cluster, InstanceGroup } from '../model/api/types.js';
import type { CompletedCluster } from '../model/completion.js';
import type { CloudProvider as InstanceGroupCloud } from '../rolling-update/types.js';
import type { RetryContext } from '../tasks/apply.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { Task } from '../tasks/types.js';
import type { ClusterDump, DumpLoadBalancer, DumpResource } from '../cloudup/inspect.js';
import type { AwsClientOptions } from './aws/clients.js';
import type { EndpointHealthOptions } from './aws/endpoint.js';
import type { AwsCloudProviderOptions } from './aws/instance-groups.js';
import type { WaitOptions } from './gce/operations.js';

/** The clouds kops-ts knows (`spec.cloudProvider`). */
export type CloudName = 'aws' | 'gce';

/** The commands that reach a cloud; each words its own refusal of a cloud it cannot handle. */
export type CloudOperation = 'update cluster' | 'delete cluster' | 'get instances' | 'toolbox dump' | 'rolling update' | 'validate cluster' | 'export kubeconfig' | 'delete instance';

/** Per-cloud settings callers may pass; each cloud reads only its own. */
export interface CloudOptions {
  /** AWS client settings beyond the region (timeouts; tests: endpoint, credentials, hooks). */
  readonly aws?: Omit<AwsClientOptions, 'region' | 'health'>;
  /** The rolling update's AWS tuning: deregistration polling and bound (tests shorten them). */
  readonly awsProvider?: AwsCloudProviderOptions;
  /** When the cloud's endpoint counts as down, which stops an apply early. */
  readonly endpointHealth?: EndpointHealthOptions;
  /** GCE: the Compute endpoint (default `KOPS_GCE_COMPUTE_ENDPOINT`, then Google's) and how operations are awaited. */
  readonly gce?: { readonly endpoint?: string; readonly wait?: WaitOptions };
}

/** How a cloud's errors are read by the engine and by `delete cluster`. */
export interface CloudErrors {
  /** A stable code for messages (`InvalidVpcID.NotFound`, `notFound`), if the error has one. */
  errorCode(e: unknown): string | undefined;
  /** Worth retrying in an apply (throttling, server errors, eventual consistency). */
  isRetryable(e: unknown, ctx?: RetryContext): boolean;
  /** For deletions: also "still has dependencies". */
  isRetryableDelete(e: unknown, ctx?: RetryContext): boolean;
}

/**
 * The health of one run's cloud endpoint as its calls see it: responses are signs of life (the
 * lock's heartbeat), calls without one count towards "down", which aborts `signal`.
 */
export interface RunHealth {
  readonly signal: AbortSignal;
  /** The `EndpointDown` error once the endpoint is found down. */
  readonly down: KopsError | undefined;
  /** Set once the run starts changing the cloud (errors are then not "nothing was changed"). */
  applyStarted: boolean;
  /** Calls `fn` on every response; returns a function that stops it. */
  onResponse(fn: () => void): () => void;
  /**
   * Before the apply: `e` reported as the endpoint not answering when that is its cause (once,
   * instead of whichever call happened to fail); otherwise `e` itself.
   */
  explain(e: unknown, operation: string): unknown;
  /** What to do after the endpoint went down during an apply of `cluster`. */
  downHint(cluster: string): string;
}

/** An admin SSH public key (authorized_keys line) and its MD5 fingerprint (the store's id). */
export interface AdminSSHKey {
  readonly key: string;
  readonly fingerprint: string;
}

/** A cluster to model as tasks: completed spec and what the store holds for it. */
export interface ModelInput {
  readonly clusterName: string;
  readonly completed: CompletedCluster;
  /** `update --instance-group(-roles)`: only these groups' own resources. */
  readonly selectedInstanceGroups?: readonly InstanceGroup[];
  /**
   * Every admin SSH public key the store holds (pki/ssh/public/admin/), sorted by fingerprint
   * (`adminSSHKeys`): GCE puts them all into the instances' `ssh-keys`; AWS takes one (an EC2
   * instance has one key pair), and `update cluster` refuses more (src/model/aws/ssh-keys.ts).
   */
  readonly sshPublicKeys: readonly AdminSSHKey[];
  /** The state store's URL (a cloud's own store lets the control plane read its prefix). */
  readonly stateStoreUrl: string;
  /** Node and Bastion groups' Kubernetes version when held back behind the control plane (src/model/kubelet-skew.ts); unset: the spec's. */
  readonly nodeKubernetesVersion?: string;
}

/** The cluster as a cloud's tasks, with the context and kinds that find and change them. */
export interface ModelledCloud<C> {
  readonly ctx: C;
  readonly registry: TaskRegistry<C>;
  readonly tasks: Task[];
  /** The cloud's location for messages and the dump (AWS: the region). */
  readonly region: string;
}

/** `update cluster`'s modelled cluster after the cloud's pre-flight checks. */
export interface PreparedCloud<C> extends ModelledCloud<C> {
  /** The completed cluster with what pre-flight found recorded (AWS: `spec.dnsZone` by id). */
  readonly cluster: Cluster;
  /** Pre-flight's findings (errors were thrown already; warnings are reported). */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * What the node bootstrap files need of the cloud that the model also put in the tasks (the
   * launch templates name the files' digests): derived once, here, so that the files written after
   * the apply are the ones the instances were launched for.
   */
  readonly bootstrap?: BootstrapCloudFacts;
}

/** The cloud's part of the node bootstrap files (src/bootstrap/store.ts). */
export interface BootstrapCloudFacts {
  /** AWS: the cluster autoscaler's own role (useServiceAccountExternalPermissions). */
  readonly clusterAutoscalerRoleArn?: string;
}

/** One resource the cluster owns, as `delete cluster` lists (`TYPE NAME ID`) and deletes it. */
export interface OwnedResource {
  /** The task kind (`VPC`, `SecurityGroup`, ...), or a cloud's kind for what is found by tag. */
  readonly kind: string;
  /** kops-style type shown in the table and progress lines (`vpc`, `security-group`, `instance`). */
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** Deletes it (idempotent: gone counts as deleted). */
  readonly remove: () => Promise<void>;
  /** A load balancer's `toolbox dump` entry (`loadBalancers`), when it is one. */
  readonly loadBalancer?: DumpLoadBalancer;
}

/** Something left in the cloud after the delete, and why. */
export interface Remaining {
  readonly what: string;
  readonly why: string;
}

/** What `delete cluster` (and the dump's resource list) needs beyond the task kinds. */
export interface CloudDeletion<C> {
  /** kops-style lower-case type of a kind: `SecurityGroupRule` → `security-group-rule`. */
  resourceType(kind: string): string;
  /** Kinds only looked up, never the cluster's (AWS: the image, a NAT instance given by id). */
  readonly lookupKinds: ReadonlySet<string>;
  /** Found resources that are always the user's, with why they stay (AWS: the hosted zone). */
  alwaysKept(kind: string, name: string, id: string, actual: unknown): Remaining | undefined;
  /** Whether a found resource's labels/tags say the cluster owns it; undefined when it has none. */
  ownedByLabels(actual: unknown, cluster: string): boolean | undefined;
  /** The ownership label/tag named in "not owned" messages (`KubernetesCluster=NAME`). */
  ownershipLabel(cluster: string): string;
  /**
   * What is found by the cluster's tags rather than through a kind (instances, interfaces,
   * untracked volumes), and what is reported and kept (snapshots). `known`: ids already listed.
   */
  tagged(ctx: C, known: ReadonlySet<string>): Promise<{ readonly resources: OwnedResource[]; readonly kept: Remaining[] }>;
  /**
   * What `update` added to resources the user owns, undone where it is the cluster's to undo and
   * reported otherwise (AWS: a private hosted zone's association with the cluster's own VPC; the
   * tags on shared subnets, reported). `found`: every resource the kinds found.
   */
  addedToShared?(ctx: C, found: readonly FoundResource[]): { readonly resources: OwnedResource[]; readonly kept: Remaining[] };
  /** Adds the tagged kinds to the kind order (`X → deps`: X is deleted before its deps). */
  order(closure: Map<string, Set<string>>): void;
  /** Whether a failed delete only waits for dependents to go (retried next round). */
  waitsForDependents(e: unknown): boolean;
  /** What keeps the resources left from going that the cluster does not own. Best effort. */
  blockers(ctx: C, left: readonly OwnedResource[], all: readonly OwnedResource[]): Promise<Remaining[]>;
}

/** `delete cluster`'s rounds' view of the cloud, bound to one run's context. */
export interface InventoryCloud {
  errorCode(e: unknown): string | undefined;
  /** Whether a failed delete only waits for dependents to go (retried next round). */
  waitsForDependents(e: unknown): boolean;
  /** What keeps the resources left from going that the cluster does not own. Best effort. */
  blockers(left: readonly OwnedResource[], all: readonly OwnedResource[]): Promise<Remaining[]>;
}

/** A found resource as the dump sees it. */
export interface FoundResource {
  readonly kind: string;
  readonly name: string;
  readonly actual: unknown;
  readonly shared: boolean;
}

/** The cloud-shaped sections of `toolbox dump` (kops's `subnets`, `vpc`, `loadBalancers`, ...). */
export type DumpDetails = Omit<ClusterDump, 'cluster' | 'region' | 'resources' | 'instances'>;

/** One cloud, as the generic commands use it. `C` is its task context. */
export interface Cloud<C> {
  readonly name: CloudName;
  readonly errors: CloudErrors;
  /** A run's endpoint health (update: the lock is renewed on responses, an apply stops when down). */
  runHealth(): RunHealth;
  /** `update cluster`: pre-flight checks (throwing `KopsError` on errors) and the tasks. */
  prepare(input: ModelInput, health: RunHealth): Promise<PreparedCloud<C>>;
  /** `delete cluster`, `toolbox dump`: the stored cluster as tasks, without pre-flight. */
  model(input: ModelInput): ModelledCloud<C>;
  readonly deletion: CloudDeletion<C>;
  /** `toolbox dump`'s cloud-shaped sections from what the kinds found. */
  dumpDetails(found: readonly FoundResource[]): DumpDetails;
  /** The rolling update's (and `get instances`', `validate`'s) view of the instance groups. */
  instanceGroups(cluster: Cluster): InstanceGroupCloud;
  /**
   * `export kubeconfig` for a cluster whose API has no DNS name (`topology.dns.type: None`): the
   * host kubectl reaches the API by, read from the cloud (AWS: the API load balancer's DNS name;
   * GCE: the IP of its static address). A `KopsError` naming what to run when it does not exist yet.
   */
  apiEndpoint(cluster: Cluster): Promise<string>;
}

/**
 * A cloud with its context type hidden: callers that need the context's type (the engine's
 * `planTasks<C>`) open it with `use`.
 */
export interface LoadedCloud {
  readonly name: CloudName;
  use<R>(fn: <C>(cloud: Cloud<C>) => R): R;
}
