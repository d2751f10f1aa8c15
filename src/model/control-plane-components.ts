/**
 * The settings of the control plane's components kops-ts acts on: kops's `kubeAPIServer`,
 * `kubeControllerManager` and `kubeScheduler` fields (pkg/apis/kops/v1alpha2/componentconfig.go),
 * each with the command-line flag kops gives it (its `flag:"…"` tag), which kops-ts passes through
 * kubeadm's ClusterConfiguration (`apiServer`/`controllerManager`/`scheduler` `extraArgs`:
 * src/bootstrap/component-args.ts). Validated in src/model/validation-components.ts; the schema's
 * shapes of these structs are built from the same tables (src/model/api/schema-components.ts).
 *
 * The fields kops-ts does not act on stay kops's (kept, one warning each). Some of them name a flag
 * kubeadm or kops-ts sets itself (certificates, etcd, ports, service accounts, kubeconfigs): those
 * are kept with a warning that says so (`KUBEADM_OWNED`), and never passed through, since another
 * value would break the control plane kubeadm builds. `featureGates` is mapped by kubeadm.ts.
 */

export type ComponentName = 'kubeAPIServer' | 'kubeControllerManager' | 'kubeScheduler';
export const COMPONENTS: readonly ComponentName[] = ['kubeAPIServer', 'kubeControllerManager', 'kubeScheduler'];

/**
 * How a field's value becomes its flag's:
 * - `string`, `url` (https), `path` (absolute), `auditLogPath` (absolute or `-`): as is;
 * - `enum`: one of `values`; `boolean`: `true`/`false`; `int32`/`int64`: a whole number >= 0;
 * - `portRange`: `from-to` (also kube's `from+offset` and a single port), as written;
 * - `duration`: a Go duration >= 0, as written; `quantity`: kops's resource.Quantity, a decimal
 *   (`100m` → `0.1`), as kops renders it;
 * - `list`: comma-joined; `repeat`: the flag once per item (kops's `,repeat`); `keyValues`: each
 *   item `key=value`, the flag once per item; `map`: `k=v` pairs sorted by key, comma-joined.
 */
export type ArgKind =
  | { readonly t: 'string' | 'url' | 'path' | 'auditLogPath' | 'boolean' | 'int32' | 'int64' | 'duration' | 'quantity' | 'list' | 'keyValues' | 'map' | 'portRange' }
  | { readonly t: 'enum'; readonly values: readonly string[] };

export interface ComponentArg {
  /** kops's JSON field name. */
  readonly field: string;
  /** The component's flag, without `--`. */
  readonly flag: string;
  readonly kind: ArgKind;
}

const k = (t: Exclude<ArgKind, { t: 'enum' }>['t']): ArgKind => ({ t });
const oneOf = (...values: string[]): ArgKind => ({ t: 'enum', values });
const a = (field: string, flag: string, kind: ArgKind): ComponentArg => ({ field, flag, kind });

/** The TLS versions kops-ts lets the components take (older ones are refused). */
export const TLS_VERSIONS = ['VersionTLS12', 'VersionTLS13'] as const;
const LOG_FORMATS = oneOf('text', 'json');

/** Fields every component has, with the same flag. */
const COMMON: readonly ComponentArg[] = [
  a('logLevel', 'v', k('int32')),
  a('logFormat', 'logging-format', LOG_FORMATS),
  a('enableProfiling', 'profiling', k('boolean')),
  a('enableContentionProfiling', 'contention-profiling', k('boolean')),
];

const TLS: readonly ComponentArg[] = [
  a('tlsCipherSuites', 'tls-cipher-suites', k('list')),
  a('tlsMinVersion', 'tls-min-version', oneOf(...TLS_VERSIONS)),
];

/**
 * The API server's. The admission plugin fields are one flag together (component-args.ts:
 * `NodeRestriction`, kubeadm's, stays enabled unless disabled); `anonymousAuth: false` and the
 * OIDC fields become an authentication configuration file instead of their flags
 * (src/bootstrap/apiserver-authn.ts: kubeadm's health probes of the API server are anonymous).
 */
export const KUBE_APISERVER_ARGS: readonly ComponentArg[] = [
  ...COMMON,
  ...TLS,
  a('anonymousAuth', 'anonymous-auth', k('boolean')),
  a('enableAdmissionPlugins', 'enable-admission-plugins', k('list')),
  a('appendAdmissionPlugins', 'enable-admission-plugins', k('list')),
  a('disableAdmissionPlugins', 'disable-admission-plugins', k('list')),
  a('runtimeConfig', 'runtime-config', k('map')),
  // Also the range the nodePortAccess firewall rules open (src/model/aws/firewall.ts, gce/firewall.ts), as in kops.
  a('serviceNodePortRange', 'service-node-port-range', k('portRange')),
  a('oidcIssuerURL', 'oidc-issuer-url', k('url')),
  a('oidcClientID', 'oidc-client-id', k('string')),
  a('oidcUsernameClaim', 'oidc-username-claim', k('string')),
  a('oidcUsernamePrefix', 'oidc-username-prefix', k('string')),
  a('oidcGroupsClaim', 'oidc-groups-claim', k('string')),
  a('oidcGroupsPrefix', 'oidc-groups-prefix', k('string')),
  a('oidcRequiredClaim', 'oidc-required-claim', k('keyValues')),
  a('oidcCAFile', 'oidc-ca-file', k('path')),
  a('auditLogPath', 'audit-log-path', k('auditLogPath')),
  a('auditLogMaxAge', 'audit-log-maxage', k('int32')),
  a('auditLogMaxBackups', 'audit-log-maxbackup', k('int32')),
  a('auditLogMaxSize', 'audit-log-maxsize', k('int32')),
  a('auditLogFormat', 'audit-log-format', oneOf('legacy', 'json')),
  a('auditPolicyFile', 'audit-policy-file', k('path')),
  a('auditWebhookConfigFile', 'audit-webhook-config-file', k('path')),
  a('auditWebhookMode', 'audit-webhook-mode', oneOf('batch', 'blocking', 'blocking-strict')),
  a('auditWebhookBatchMaxWait', 'audit-webhook-batch-max-wait', k('duration')),
  a('auditWebhookBatchMaxSize', 'audit-webhook-batch-max-size', k('int32')),
  a('auditWebhookBatchBufferSize', 'audit-webhook-batch-buffer-size', k('int32')),
  a('auditWebhookInitialBackoff', 'audit-webhook-initial-backoff', k('duration')),
  a('maxRequestsInflight', 'max-requests-inflight', k('int32')),
  a('maxMutatingRequestsInflight', 'max-mutating-requests-inflight', k('int32')),
  a('requestTimeout', 'request-timeout', k('duration')),
  a('minRequestTimeout', 'min-request-timeout', k('int32')),
  a('eventTTL', 'event-ttl', k('duration')),
  a('apiAudiences', 'api-audiences', k('list')),
  a('corsAllowedOrigins', 'cors-allowed-origins', k('list')),
  a('defaultNotReadyTolerationSeconds', 'default-not-ready-toleration-seconds', k('int64')),
  a('defaultUnreachableTolerationSeconds', 'default-unreachable-toleration-seconds', k('int64')),
];

export const KUBE_CONTROLLER_MANAGER_ARGS: readonly ComponentArg[] = [
  ...COMMON,
  ...TLS,
  a('horizontalPodAutoscalerSyncPeriod', 'horizontal-pod-autoscaler-sync-period', k('duration')),
  a('horizontalPodAutoscalerDownscaleStabilization', 'horizontal-pod-autoscaler-downscale-stabilization', k('duration')),
  a('horizontalPodAutoscalerInitialReadinessDelay', 'horizontal-pod-autoscaler-initial-readiness-delay', k('duration')),
  a('horizontalPodAutoscalerCpuInitializationPeriod', 'horizontal-pod-autoscaler-cpu-initialization-period', k('duration')),
  a('horizontalPodAutoscalerTolerance', 'horizontal-pod-autoscaler-tolerance', k('quantity')),
  a('nodeMonitorPeriod', 'node-monitor-period', k('duration')),
  a('nodeMonitorGracePeriod', 'node-monitor-grace-period', k('duration')),
  a('terminatedPodGCThreshold', 'terminated-pod-gc-threshold', k('int32')),
  a('ClusterSigningDuration', 'cluster-signing-duration', k('duration')),
  a('attachDetachReconcileSyncPeriod', 'attach-detach-reconcile-sync-period', k('duration')),
  a('disableAttachDetachReconcileSync', 'disable-attach-detach-reconcile-sync', k('boolean')),
  a('endpointUpdatesBatchPeriod', 'endpoint-updates-batch-period', k('duration')),
  a('endpointSliceUpdatesBatchPeriod', 'endpointslice-updates-batch-period', k('duration')),
  a('kubeAPIQPS', 'kube-api-qps', k('quantity')),
  a('kubeAPIBurst', 'kube-api-burst', k('int32')),
  a('concurrentDeploymentSyncs', 'concurrent-deployment-syncs', k('int32')),
  a('concurrentEndpointSyncs', 'concurrent-endpoint-syncs', k('int32')),
  a('concurrentNamespaceSyncs', 'concurrent-namespace-syncs', k('int32')),
  a('concurrentReplicasetSyncs', 'concurrent-replicaset-syncs', k('int32')),
  a('concurrentResourceQuotaSyncs', 'concurrent-resource-quota-syncs', k('int32')),
  a('concurrentServiceaccountTokenSyncs', 'concurrent-serviceaccount-token-syncs', k('int32')),
  a('concurrentRcSyncs', 'concurrent-rc-syncs', k('int32')),
  a('concurrentHorizontalPodAustoscalerSyncs', 'concurrent-horizontal-pod-autoscaler-syncs', k('int32')),
  a('concurrentJobSyncs', 'concurrent-job-syncs', k('int32')),
];

/**
 * The scheduler's: kubeadm starts it with flags only (no `--config`), so the flags kops gives
 * these fields take effect. (kops's `qps`/`burst` go to its configuration file: kept.)
 */
export const KUBE_SCHEDULER_ARGS: readonly ComponentArg[] = [
  ...COMMON,
  a('kubeAPIQPS', 'kube-api-qps', k('quantity')),
  a('kubeAPIBurst', 'kube-api-burst', k('int32')),
];

export const COMPONENT_ARGS: Readonly<Record<ComponentName, readonly ComponentArg[]>> = {
  kubeAPIServer: KUBE_APISERVER_ARGS,
  kubeControllerManager: KUBE_CONTROLLER_MANAGER_ARGS,
  kubeScheduler: KUBE_SCHEDULER_ARGS,
};

/** The warning of a kops field whose flag kubeadm or kops-ts sets (kept, never passed through). */
export const KUBEADM_OWNED_REASON = "a kops field for a flag kubeadm or kops-ts sets itself (another value would break the control plane it builds); not acted on, kept as is";

/** Per component, kops's fields whose flag kubeadm or kops-ts sets (docs/spec.md, "Control plane components"). */
export const KUBEADM_OWNED: Readonly<Record<ComponentName, readonly string[]>> = {
  kubeAPIServer: [
    'cloudProvider', 'securePort', 'address', 'advertiseAddress', 'bindAddress', 'insecurePort', 'insecureBindAddress',
    'enableBootstrapTokenAuth', 'serviceClusterIPRange', 'etcdServers', 'etcdServersOverrides', 'etcdCaFile',
    'etcdCertFile', 'etcdKeyFile', 'clientCAFile', 'tlsCertFile', 'tlsPrivateKeyFile', 'allowPrivileged',
    'kubeletClientCertificate', 'kubeletCertificateAuthority', 'kubeletClientKey', 'kubeletPreferredAddressTypes',
    'proxyClientCertFile', 'proxyClientKeyFile', 'authorizationMode', 'requestheaderUsernameHeaders',
    'requestheaderGroupHeaders', 'requestheaderExtraHeaderPrefixes', 'requestheaderClientCAFile',
    'requestheaderAllowedNames', 'serviceAccountKeyFile', 'serviceAccountSigningKeyFile', 'serviceAccountIssuer',
    'serviceAccountJWKSURI',
  ],
  kubeControllerManager: [
    'master', 'serviceAccountPrivateKeyFile', 'cloudProvider', 'clusterName', 'clusterCIDR', 'allocateNodeCIDRs',
    'configureCloudRoutes', 'controllers', 'rootCAFile', 'leaderElection', 'useServiceAccountCredentials', 'tlsCertFile',
    'tlsPrivateKeyFile', 'authenticationKubeconfig', 'authorizationKubeconfig',
  ],
  kubeScheduler: ['master', 'leaderElection', 'authenticationKubeconfig', 'authorizationKubeconfig', 'tlsCertFile', 'tlsPrivateKeyFile'],
};

/** kops fields kops itself refuses (pkg/apis/kops/validation): the reason and what to do. */
export const REFUSED_BY_KOPS: Readonly<Record<ComponentName, Readonly<Record<string, { reason: string; hint: string }>>>> = {
  kubeAPIServer: {
    admissionControl: { reason: 'admissionControl has been replaced with enableAdmissionPlugins (kops refuses it too)', hint: 'list the plugins in enableAdmissionPlugins instead' },
  },
  kubeControllerManager: {
    experimentalClusterSigningDuration: { reason: 'experimentalClusterSigningDuration has been replaced with ClusterSigningDuration as of Kubernetes 1.25 (kops refuses it too)', hint: 'set ClusterSigningDuration instead' },
  },
  kubeScheduler: {},
};

/**
 * The host directories kubeadm mounts into the API server's pod (its certificates and the system's
 * CA bundles, those when they exist on the host; /etc/pki before kubeadm 1.31, its two
 * subdirectories since): a file there is visible already, and a second volume at the same path would make
 * the pod invalid. They are mounted read-only, so the audit log cannot be written there.
 */
export const KUBEADM_APISERVER_MOUNTS: readonly string[] = [
  '/etc/kubernetes/pki', '/etc/ssl/certs', '/etc/ca-certificates', '/etc/pki', '/etc/pki/ca-trust', '/etc/pki/tls/certs',
  '/usr/share/ca-certificates', '/usr/local/share/ca-certificates',
];

/** A component's settings in the spec (an object, or undefined). */
export function componentSpec(spec: object, component: ComponentName): Readonly<Record<string, unknown>> | undefined {
  const v = (spec as Record<string, unknown>)[component];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const QUANTITY_DECIMAL = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/;

/**
 * kops's resource.Quantity as the decimal its flag takes (`100m` → `0.1`, `2` → `2`), or undefined
 * if it is not a plain or milli quantity (a rate or a tolerance has no unit).
 */
export function quantityDecimal(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? String(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = QUANTITY_DECIMAL.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  return String(Number(n.toPrecision(12)));
}

/** The API server's default NodePort range (and kops's). */
export const DEFAULT_NODE_PORT_RANGE = { from: 30000, to: 32767 } as const;

/**
 * kube's port range (`30000-32767`, `30000+2767`, or one port `30080`), or undefined if it is not
 * one with 1 <= from <= to <= 65535.
 */
export function parsePortRange(v: unknown): { from: number; to: number } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{1,5})(?:([-+])(\d{1,5}))?$/.exec(v.trim());
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : m[2] === '-' ? Number(m[3]) : from + Number(m[3]);
  return from >= 1 && from <= to && to <= 65535 ? { from, to } : undefined;
}

/** The NodePort range of the cluster: `kubeAPIServer.serviceNodePortRange`, else the default. */
export function nodePortRange(spec: object): { from: number; to: number } {
  return parsePortRange(componentSpec(spec, 'kubeAPIServer')?.serviceNodePortRange) ?? DEFAULT_NODE_PORT_RANGE;
}
