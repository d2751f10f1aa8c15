/**
 * component-args.ts: the spec's kubeAPIServer, kubeControllerManager and kubeScheduler settings as
 * the flags kubeadm passes (ClusterConfiguration extraArgs, v1beta4 lists) and the API server's
 * extra volumes, read back from the rendered kubeadm-init.yaml as kubeadm would read it.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { bootstrapFiles, type BootstrapFacts } from '../../src/bootstrap/kubeadm.js';
import { apiServerVolumes, componentArgs } from '../../src/bootstrap/component-args.js';
import { COMPONENT_ARGS, KUBEADM_OWNED, REFUSED_BY_KOPS } from '../../src/model/control-plane-components.js';
import { KUBE_APISERVER_FIELDS, KUBE_CONTROLLER_MANAGER_FIELDS, KUBE_SCHEDULER_FIELDS } from '../../src/model/api/schema-kops-fields.js';

const FACTS: BootstrapFacts = { loadBalancerDnsName: 'api.elb.example.com', bootstrapToken: 'abcdef.0123456789abcdef', caCertHashes: [`sha256:${'ab'.repeat(32)}`] };

function completed(): { cluster: Cluster; igs: InstanceGroup[] } {
  const built = newCluster({ name: 'components.example.com', zones: ['us-east-1a'] });
  const c = completeCluster(built.cluster, built.instanceGroups);
  return { cluster: c.cluster, igs: c.instanceGroups };
}

function withSpec(fields: Record<string, unknown>): Cluster {
  const { cluster } = completed();
  Object.assign(cluster.spec, fields);
  return cluster;
}

/** The ClusterConfiguration of the control plane's kubeadm-init.yaml. */
function clusterConfiguration(fields: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const { cluster, igs } = completed();
  Object.assign(cluster.spec, fields);
  const cp = igs.find((g) => g.spec.role !== 'Node')!;
  const init = bootstrapFiles(cluster, cp, FACTS)!.files.find((f) => f.name === 'kubeadm-init.yaml')!.content;
  return parseAllDocuments(init).map((d) => d.toJS() as Record<string, unknown>).find((d) => d.kind === 'ClusterConfiguration') as Record<string, Record<string, unknown>>;
}

describe('the API server\'s flags', () => {
  it('every field kops-ts acts on, as kops renders it', () => {
    const kubeAPIServer = {
      logLevel: 2, logFormat: 'json', enableProfiling: false, enableContentionProfiling: false,
      tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'], tlsMinVersion: 'VersionTLS13',
      anonymousAuth: true, enableAdmissionPlugins: ['PodNodeSelector', 'NodeRestriction'], appendAdmissionPlugins: ['EventRateLimit'],
      disableAdmissionPlugins: ['DefaultStorageClass'], runtimeConfig: { 'batch/v1alpha1': 'true', 'api/all': 'true' }, serviceNodePortRange: '30000-33000',
      oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'kubernetes', oidcUsernameClaim: 'email', oidcUsernamePrefix: 'oidc:',
      oidcGroupsClaim: 'groups', oidcGroupsPrefix: 'oidc:', oidcRequiredClaim: ['hd=example.com', 'team=ops'], oidcCAFile: '/srv/kubernetes/oidc/ca.crt',
      auditLogPath: '/var/log/kube-apiserver/audit.log', auditLogMaxAge: 10, auditLogMaxBackups: 1, auditLogMaxSize: 100, auditLogFormat: 'json',
      auditPolicyFile: '/srv/kubernetes/kube-apiserver/audit-policy.yaml', auditWebhookConfigFile: '/srv/kubernetes/kube-apiserver/audit-webhook.yaml',
      auditWebhookMode: 'batch', auditWebhookBatchMaxWait: '5s', auditWebhookBatchMaxSize: 400, auditWebhookBatchBufferSize: 10000, auditWebhookInitialBackoff: '10s',
      maxRequestsInflight: 800, maxMutatingRequestsInflight: 400, requestTimeout: '2m', minRequestTimeout: 1800, eventTTL: '3h',
      apiAudiences: ['kubernetes.svc.default', 'sts.amazonaws.com'], corsAllowedOrigins: ['https://dash\\.example\\.com'],
      defaultNotReadyTolerationSeconds: 60, defaultUnreachableTolerationSeconds: 90,
      featureGates: { SomeGate: 'true' }, watchCache: false, etcdServers: ['https://elsewhere:2379'],
    };
    expect(componentArgs(withSpec({ kubeAPIServer }), 'kubeAPIServer')).toEqual([
      { name: 'v', value: '2' },
      { name: 'logging-format', value: 'json' },
      { name: 'profiling', value: 'false' },
      { name: 'contention-profiling', value: 'false' },
      { name: 'tls-cipher-suites', value: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' },
      { name: 'tls-min-version', value: 'VersionTLS13' },
      { name: 'anonymous-auth', value: 'true' },
      // kubeadm's NodeRestriction first, then enableAdmissionPlugins and appendAdmissionPlugins, each once.
      { name: 'enable-admission-plugins', value: 'NodeRestriction,PodNodeSelector,EventRateLimit' },
      { name: 'disable-admission-plugins', value: 'DefaultStorageClass' },
      { name: 'runtime-config', value: 'api/all=true,batch/v1alpha1=true' },
      { name: 'service-node-port-range', value: '30000-33000' },
      { name: 'oidc-issuer-url', value: 'https://sso.example.com' },
      { name: 'oidc-client-id', value: 'kubernetes' },
      { name: 'oidc-username-claim', value: 'email' },
      { name: 'oidc-username-prefix', value: 'oidc:' },
      { name: 'oidc-groups-claim', value: 'groups' },
      { name: 'oidc-groups-prefix', value: 'oidc:' },
      // kops's `,repeat`: one flag per claim (v1beta4's extraArgs may name a flag twice).
      { name: 'oidc-required-claim', value: 'hd=example.com' },
      { name: 'oidc-required-claim', value: 'team=ops' },
      { name: 'oidc-ca-file', value: '/srv/kubernetes/oidc/ca.crt' },
      { name: 'audit-log-path', value: '/var/log/kube-apiserver/audit.log' },
      { name: 'audit-log-maxage', value: '10' },
      { name: 'audit-log-maxbackup', value: '1' },
      { name: 'audit-log-maxsize', value: '100' },
      { name: 'audit-log-format', value: 'json' },
      { name: 'audit-policy-file', value: '/srv/kubernetes/kube-apiserver/audit-policy.yaml' },
      { name: 'audit-webhook-config-file', value: '/srv/kubernetes/kube-apiserver/audit-webhook.yaml' },
      { name: 'audit-webhook-mode', value: 'batch' },
      { name: 'audit-webhook-batch-max-wait', value: '5s' },
      { name: 'audit-webhook-batch-max-size', value: '400' },
      { name: 'audit-webhook-batch-buffer-size', value: '10000' },
      { name: 'audit-webhook-initial-backoff', value: '10s' },
      { name: 'max-requests-inflight', value: '800' },
      { name: 'max-mutating-requests-inflight', value: '400' },
      { name: 'request-timeout', value: '2m' },
      { name: 'min-request-timeout', value: '1800' },
      { name: 'event-ttl', value: '3h' },
      { name: 'api-audiences', value: 'kubernetes.svc.default,sts.amazonaws.com' },
      { name: 'cors-allowed-origins', value: 'https://dash\\.example\\.com' },
      { name: 'default-not-ready-toleration-seconds', value: '60' },
      { name: 'default-unreachable-toleration-seconds', value: '90' },
    ]);
  });

  it('admission plugins: kubeadm\'s NodeRestriction stays unless disabled; nothing set, no flag (kubeadm\'s stands)', () => {
    const args = (s: Record<string, unknown>) => componentArgs(withSpec({ kubeAPIServer: s }), 'kubeAPIServer');
    expect(args({})).toEqual([]);
    expect(args({ appendAdmissionPlugins: ['PodNodeSelector'] })).toEqual([{ name: 'enable-admission-plugins', value: 'NodeRestriction,PodNodeSelector' }]);
    expect(args({ enableAdmissionPlugins: ['PodNodeSelector'], disableAdmissionPlugins: ['NodeRestriction'] })).toEqual([
      { name: 'enable-admission-plugins', value: 'PodNodeSelector' },
      { name: 'disable-admission-plugins', value: 'NodeRestriction' },
    ]);
    // Disabling kubeadm's plugin alone also replaces kubeadm's enable-admission-plugins, which names it.
    expect(args({ disableAdmissionPlugins: ['NodeRestriction'] })).toEqual([
      { name: 'enable-admission-plugins', value: '' },
      { name: 'disable-admission-plugins', value: 'NodeRestriction' },
    ]);
  });

  it('ClusterConfiguration: kops-ts\'s own flags first, then the gates, then the spec\'s; the files\' directories mounted', () => {
    const cc = clusterConfiguration({
      kubeAPIServer: {
        featureGates: { G: 'true' }, oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'k8s',
        auditLogPath: '/var/log/kube-apiserver/audit.log', auditPolicyFile: '/srv/kubernetes/kube-apiserver/audit-policy.yaml',
      },
    });
    expect(cc.apiServer!.extraArgs).toEqual([
      { name: 'cloud-provider', value: 'external' },
      { name: 'authorization-mode', value: 'Node,RBAC' },
      { name: 'feature-gates', value: 'G=true' },
      { name: 'oidc-issuer-url', value: 'https://sso.example.com' },
      { name: 'oidc-client-id', value: 'k8s' },
      { name: 'audit-log-path', value: '/var/log/kube-apiserver/audit.log' },
      { name: 'audit-policy-file', value: '/srv/kubernetes/kube-apiserver/audit-policy.yaml' },
    ]);
    expect(cc.apiServer!.extraVolumes).toEqual([
      { name: 'kops-ts-audit-log', hostPath: '/var/log/kube-apiserver', mountPath: '/var/log/kube-apiserver', readOnly: false, pathType: 'DirectoryOrCreate' },
      { name: 'kops-ts-audit-policy', hostPath: '/srv/kubernetes/kube-apiserver', mountPath: '/srv/kubernetes/kube-apiserver', readOnly: true, pathType: 'Directory' },
    ]);
    // Without settings: no extraVolumes key at all, the scheduler without extraArgs (as before).
    const plain = clusterConfiguration({});
    expect(plain.apiServer!.extraVolumes).toBeUndefined();
    expect(plain.scheduler).toEqual({});
  });
});

describe('the API server\'s volumes', () => {
  const volumes = (s: Record<string, unknown>) => apiServerVolumes(withSpec({ kubeAPIServer: s })).map((v) => `${v.name} ${v.hostPath} ${v.readOnly ? 'ro' : 'rw'} ${v.pathType}`);

  it('one a directory (read-write if the log is there), none for stdout or a directory kubeadm mounts', () => {
    expect(volumes({
      auditLogPath: '/srv/kubernetes/kube-apiserver/audit.log', auditPolicyFile: '/srv/kubernetes/kube-apiserver/policy.yaml',
      auditWebhookConfigFile: '/srv/kubernetes/kube-apiserver/webhook.yaml', oidcCAFile: '/etc/kubernetes/pki/oidc-ca.crt',
    })).toEqual(['kops-ts-audit-log /srv/kubernetes/kube-apiserver rw DirectoryOrCreate']);
    expect(volumes({ auditLogPath: '-', auditPolicyFile: '/etc/audit/policy.yaml', oidcCAFile: '/srv/oidc/ca.pem' })).toEqual([
      'kops-ts-audit-policy /etc/audit ro Directory',
      'kops-ts-oidc-ca /srv/oidc ro Directory',
    ]);
    expect(volumes({ auditWebhookConfigFile: '/etc/audit/webhook.yaml', oidcCAFile: '/etc/ssl/certs/corp.pem' })).toEqual(['kops-ts-audit-webhook /etc/audit ro Directory']);
    expect(volumes({})).toEqual([]);
  });
});

describe('the controller manager\'s and the scheduler\'s flags', () => {
  it('kubeControllerManager: every field kops-ts acts on', () => {
    const kubeControllerManager = {
      logLevel: 3, logFormat: 'text', enableProfiling: false, enableContentionProfiling: true,
      tlsCipherSuites: ['TLS_AES_128_GCM_SHA256'], tlsMinVersion: 'VersionTLS12',
      horizontalPodAutoscalerSyncPeriod: '15s', horizontalPodAutoscalerDownscaleStabilization: '5m',
      horizontalPodAutoscalerInitialReadinessDelay: '30s', horizontalPodAutoscalerCpuInitializationPeriod: '5m',
      horizontalPodAutoscalerTolerance: '100m', nodeMonitorPeriod: '5s', nodeMonitorGracePeriod: '40s', terminatedPodGCThreshold: 100,
      ClusterSigningDuration: '8760h', attachDetachReconcileSyncPeriod: '1m', disableAttachDetachReconcileSync: false,
      endpointUpdatesBatchPeriod: '1s', endpointSliceUpdatesBatchPeriod: '2s', kubeAPIQPS: 50, kubeAPIBurst: 100,
      concurrentDeploymentSyncs: 10, concurrentEndpointSyncs: 11, concurrentNamespaceSyncs: 12, concurrentReplicasetSyncs: 13,
      concurrentResourceQuotaSyncs: 14, concurrentServiceaccountTokenSyncs: 15, concurrentRcSyncs: 16,
      concurrentHorizontalPodAustoscalerSyncs: 17, concurrentJobSyncs: 18, clusterCIDR: '10.0.0.0/8',
    };
    expect(componentArgs(withSpec({ kubeControllerManager }), 'kubeControllerManager')).toEqual([
      { name: 'v', value: '3' },
      { name: 'logging-format', value: 'text' },
      { name: 'profiling', value: 'false' },
      { name: 'contention-profiling', value: 'true' },
      { name: 'tls-cipher-suites', value: 'TLS_AES_128_GCM_SHA256' },
      { name: 'tls-min-version', value: 'VersionTLS12' },
      { name: 'horizontal-pod-autoscaler-sync-period', value: '15s' },
      { name: 'horizontal-pod-autoscaler-downscale-stabilization', value: '5m' },
      { name: 'horizontal-pod-autoscaler-initial-readiness-delay', value: '30s' },
      { name: 'horizontal-pod-autoscaler-cpu-initialization-period', value: '5m' },
      // kops's resource.Quantity as the decimal the flag parses.
      { name: 'horizontal-pod-autoscaler-tolerance', value: '0.1' },
      { name: 'node-monitor-period', value: '5s' },
      { name: 'node-monitor-grace-period', value: '40s' },
      { name: 'terminated-pod-gc-threshold', value: '100' },
      { name: 'cluster-signing-duration', value: '8760h' },
      { name: 'attach-detach-reconcile-sync-period', value: '1m' },
      { name: 'disable-attach-detach-reconcile-sync', value: 'false' },
      { name: 'endpoint-updates-batch-period', value: '1s' },
      { name: 'endpointslice-updates-batch-period', value: '2s' },
      { name: 'kube-api-qps', value: '50' },
      { name: 'kube-api-burst', value: '100' },
      { name: 'concurrent-deployment-syncs', value: '10' },
      { name: 'concurrent-endpoint-syncs', value: '11' },
      { name: 'concurrent-namespace-syncs', value: '12' },
      { name: 'concurrent-replicaset-syncs', value: '13' },
      { name: 'concurrent-resource-quota-syncs', value: '14' },
      { name: 'concurrent-serviceaccount-token-syncs', value: '15' },
      { name: 'concurrent-rc-syncs', value: '16' },
      { name: 'concurrent-horizontal-pod-autoscaler-syncs', value: '17' },
      { name: 'concurrent-job-syncs', value: '18' },
    ]);
  });

  it('kubeScheduler: every field kops-ts acts on; both in the ClusterConfiguration after kops-ts\'s own', () => {
    const kubeScheduler = { logLevel: 4, logFormat: 'json', enableProfiling: false, enableContentionProfiling: false, kubeAPIQPS: '1500m', kubeAPIBurst: 200, qps: '3' };
    expect(componentArgs(withSpec({ kubeScheduler }), 'kubeScheduler')).toEqual([
      { name: 'v', value: '4' },
      { name: 'logging-format', value: 'json' },
      { name: 'profiling', value: 'false' },
      { name: 'contention-profiling', value: 'false' },
      { name: 'kube-api-qps', value: '1.5' },
      { name: 'kube-api-burst', value: '200' },
    ]);
    const cc = clusterConfiguration({ kubeScheduler: { logLevel: 4 }, kubeControllerManager: { featureGates: { G: 'false' }, nodeMonitorGracePeriod: '40s' } });
    expect(cc.scheduler).toEqual({ extraArgs: [{ name: 'v', value: '4' }] });
    expect(cc.controllerManager).toEqual({
      extraArgs: [{ name: 'cloud-provider', value: 'external' }, { name: 'feature-gates', value: 'G=false' }, { name: 'node-monitor-grace-period', value: '40s' }],
    });
  });
});

describe('the field tables', () => {
  it('name only kops\'s fields, each once, none both acted on and kept', () => {
    const kops = { kubeAPIServer: KUBE_APISERVER_FIELDS, kubeControllerManager: KUBE_CONTROLLER_MANAGER_FIELDS, kubeScheduler: KUBE_SCHEDULER_FIELDS } as const;
    for (const [component, args] of Object.entries(COMPONENT_ARGS) as [keyof typeof kops, typeof COMPONENT_ARGS.kubeAPIServer][]) {
      const acted = args.map((a) => a.field);
      const owned = KUBEADM_OWNED[component];
      const refused = Object.keys(REFUSED_BY_KOPS[component]);
      for (const f of [...acted, ...owned, ...refused]) expect(kops[component] as readonly string[], `${component}.${f}`).toContain(f);
      expect(new Set(acted).size, component).toBe(acted.length);
      expect(acted.filter((f) => owned.includes(f) || refused.includes(f)), component).toEqual([]);
    }
  });
});
