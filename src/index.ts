/**
 * The kops-ts library: what the CLI is made of, for pipelines that would rather import than parse
 * text. Every function here is the one the command of the same name calls; none prints or exits.
 *
 *   import { Clientset, openStateStore, newCluster, createClusterSpec } from 'kops-ts';
 *   const cs = new Clientset(openStateStore('s3://my-state'));
 *   const { cluster, instanceGroups } = newCluster({ name: 'dev.example.com', zones: ['us-east-1a'] });
 *   await createClusterSpec({ clientset: cs, cluster, instanceGroups });
 *   const { plan } = await updateCluster({ clientset: cs, clusterName: 'dev.example.com' });
 *
 * Failures are `KopsError`s with a stable `code`, an `exitCode` and one `Diagnostic` per problem.
 */

// Errors and diagnostics.
export { ExitCode, KopsError, formatDiagnostic, hasErrors } from './diagnostics.js';
export type { Diagnostic, Severity } from './diagnostics.js';

// Versions.
export { DEFAULT_KUBERNETES_VERSION, KOPS_TS_VERSION } from './version.js';

// The spec model: kops's v1alpha2 Cluster and InstanceGroup.
export { API_VERSION, KIND_CLUSTER, KIND_INSTANCE_GROUP, LABEL_CLUSTER_NAME, checkObject, completeCluster, parseManifests, toJson, toYaml, validateCluster } from './model/index.js';
export type { Cluster, ClusterSpec, InstanceGroup, InstanceGroupSpec, KopsObject } from './model/index.js';

// The state store.
export { Clientset, acquireClusterLock, forceUnlock, openStateStore, resolveStateStoreURL, withClusterLock } from './statestore/index.js';
export type { ListedObject, LockInfo, StateStore, Versioned } from './statestore/index.js';

// Secrets (`secrets/<name>`), the envelope key (`openStateStore(url, { secretKey })`), redaction.
export { ensureClusterSecrets, getOrCreateSecret, listSecretNames, loadSecretKey, readSecret, redact, writeSecret } from './secrets/index.js';
export type { StoredSecret } from './secrets/index.js';
export { EnvelopeStateStore, secretKeyId } from './statestore/envelope.js';

// create cluster, create -f, replace -f.
export { newCluster } from './cloudup/new-cluster.js';
export type { NewClusterOptions } from './cloudup/new-cluster.js';
export { checkSpec, createClusterSpec } from './cloudup/create-cluster.js';
export type { CreateClusterSpecOptions } from './cloudup/create-cluster.js';
export { createFromManifest, replaceFromManifest } from './cloudup/manifests.js';
export type { ManifestResult } from './cloudup/manifests.js';

// Spec history: list the kept versions, roll back to one (validated, a new conditional write).
export { describeHistory, listHistory } from './statestore/index.js';
export type { HistoryVersion, StoredSpec } from './statestore/index.js';
export { rollbackCluster, rollbackInstanceGroup } from './cloudup/rollback.js';
// Moving a cluster's state to another store (docs/state-store.md, "Moving a cluster's state"); the caller holds the source's lock.
export { migrateState, planMigration, MigrationStopped } from './cloudup/migrate-state.js';
export type { MigrateStateOptions, MigrationPlan, MigrationResult, AreaSummary } from './cloudup/migrate-state.js';
export type { MovedMarker } from './statestore/moved.js';
export type { RollbackResult } from './cloudup/rollback.js';

// update cluster: plan, and with `yes` apply under the cluster lock.
export { updateCluster } from './cloudup/update-cluster.js';
export type { UpdateClusterOptions, UpdateClusterResult } from './cloudup/update-cluster.js';
// `update cluster -f`: the plan of a manifest as if `replace -f` had written it (docs/ci.md).
export { planManifest } from './cloudup/plan-manifest.js';
export type { PlanManifestOptions, PlanManifestResult } from './cloudup/plan-manifest.js';
// Kubelet skew protection (docs/upgrades.md): the reader `updateCluster`'s `controlPlaneKubelets` takes.
export { kubeconfigKubeletReader } from './cloudup/node-version.js';
export type { ControlPlaneKubeletReader } from './cloudup/node-version.js';
// Stopped by the caller's `signal` (the CLI: SIGINT/SIGTERM): what was done, and the lock.
export { InterruptedError } from './cloudup/interrupted.js';
export type { InterruptedLock, InterruptedProgress, InterruptedStage } from './cloudup/interrupted.js';

// Bounded waits on AWS: timeouts (`aws: { timeouts }` in the options above, and in openStateStore's).
export { DEFAULT_AWS_TIMEOUTS, DEFAULT_ENDPOINT_HEALTH } from './cloud/aws/endpoint.js';
export type { AwsTimeouts, EndpointHealthOptions } from './cloud/aws/endpoint.js';

// IAM: the policy a pipeline running kops-ts needs (docs/iam.md).
export { operatorPolicy, readOnlyOperatorPolicy } from './cloudup/aws/operator-policy.js';
export type { OperatorPolicyOptions } from './cloudup/aws/operator-policy.js';
export { gceOperatorRole, gceReadOnlyOperatorRole } from './cloudup/gce/operator-role.js';
export type { GceCustomRole, GceOperatorRoleOptions } from './cloudup/gce/operator-role.js';
export type { PolicyDocument, PolicyStatement } from './model/aws/iam-policies.js';

// The cluster PKI (docs/pki.md): keysets, rotation, certificates; export kubeconfig.
export * as pki from './pki/index.js';
export { exportKubeconfig, defaultKubeconfigPath } from './cloudup/kubeconfig.js';
export type { ExportKubeconfigOptions, ExportKubeconfigResult } from './cloudup/kubeconfig.js';

// delete cluster (docs/teardown.md): list what the cluster owns, delete it in rounds, then its state.
export { listClusterResources, deleteResources } from './cloudup/delete-cluster.js';
export type { ClusterInventory, DeleteProgress, DeleteResourcesOptions, DeleteResourcesResult, OwnedResource, Remaining } from './cloudup/delete-cluster.js';
export { deleteKnownClusterState } from './cloudup/delete-cluster-state.js';
export { removeKubeconfigContext } from './cloudup/kubeconfig.js';

// Inspecting a built cluster (get instances, toolbox dump): read-only.
export { dumpCluster, joinInstances, listInstances } from './cloudup/inspect.js';
export type { ClusterDump, DumpClusterOptions, InstanceListing, InstanceRow, ListInstancesOptions } from './cloudup/inspect.js';

// The command line itself, runnable in-process with injected I/O.
export { run } from './cli/main.js';
export type { CliIO } from './cli/io.js';
