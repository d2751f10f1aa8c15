/**
 * Field names of kops's own v1alpha2 structs that kops-ts accepts and keeps but does not act on
 * (yet). They come from kubernetes/kops `pkg/apis/kops/v1alpha2` (componentconfig.go,
 * networking.go), so that a manifest kops wrote loads here with warnings, not errors, while a
 * misspelt name inside these structs is still caught with a "did you mean".
 *
 * The fields kops-ts acts on, and the smaller structs, are declared in `schema.ts`.
 */

/** KubeletConfigSpec (componentconfig.go). */
export const KUBELET_FIELDS = [
  'apiServers', 'anonymousAuth', 'authorizationMode', 'bootstrapKubeconfig', 'clientCaFile', 'tlsCertFile',
  'tlsPrivateKeyFile', 'tlsCipherSuites', 'tlsMinVersion', 'kubeconfigPath', 'requireKubeconfig', 'logFormat',
  'logLevel', 'podManifestPath', 'hostnameOverride', 'podInfraContainerImage', 'seccompDefault',
  'seccompProfileRoot', 'allowPrivileged', 'enableDebuggingHandlers', 'registerNode', 'nodeStatusUpdateFrequency',
  'clusterDomain', 'clusterDNS', 'networkPluginName', 'cloudProvider', 'kubeletCgroups', 'runtimeCgroups',
  'readOnlyPort', 'systemCgroups', 'cgroupRoot', 'configureCbr0', 'hairpinMode', 'babysitDaemons', 'maxPods',
  'nvidiaGPUs', 'podCIDR', 'resolvConf', 'reconcileCIDR', 'registerSchedulable', 'serializeImagePulls', 'nodeLabels',
  'nonMasqueradeCIDR', 'enableCustomMetrics', 'networkPluginMTU', 'imageMinimumGCAge', 'imageMaximumGCAge',
  'maxParallelImagePulls', 'imageGCHighThresholdPercent', 'imageGCLowThresholdPercent', 'imagePullProgressDeadline',
  'evictionHard', 'evictionSoft', 'evictionSoftGracePeriod', 'evictionPressureTransitionPeriod',
  'evictionMaxPodGracePeriod', 'evictionMinimumReclaim', 'volumePluginDirectory', 'taints', 'featureGates',
  'kernelMemcgNotification', 'kubeReserved', 'kubeReservedCgroup', 'systemReserved', 'systemReservedCgroup',
  'enforceNodeAllocatable', 'runtimeRequestTimeout', 'volumeStatsAggPeriod', 'failSwapOn',
  'experimentalAllowedUnsafeSysctls', 'allowedUnsafeSysctls', 'streamingConnectionIdleTimeout',
  'dockerDisableSharedPID', 'rootDir', 'authenticationTokenWebhook', 'authenticationTokenWebhookCacheTtl',
  'cpuCFSQuota', 'cpuCFSQuotaPeriod', 'cpuManagerPolicy', 'registryPullQPS', 'registryBurst',
  'topologyManagerPolicy', 'rotateCertificates', 'protectKernelDefaults', 'cgroupDriver', 'housekeepingInterval',
  'eventQPS', 'eventBurst', 'containerLogMaxSize', 'containerLogMaxFiles', 'enableCadvisorJsonEndpoints',
  'podPidsLimit', 'experimentalAllocatableIgnoreEviction', 'shutdownGracePeriod', 'shutdownGracePeriodCriticalPods',
  'memorySwapBehavior', 'crashLoopBackOffMaxContainerRestartPeriod', 'kubeAPIQPS', 'eventRecordQPS',
  'nodeLeaseDurationSeconds',
] as const;

/** CiliumNetworkingSpec (networking.go). */
export const CILIUM_FIELDS = [
  'registry', 'version', 'memoryRequest', 'cpuRequest', 'accessLog', 'agentLabels', 'agentPrometheusPort', 'metrics',
  'allowLocalhost', 'autoIpv6NodeRoutes', 'bpfRoot', 'chainingMode', 'containerRuntime', 'containerRuntimeEndpoint',
  'debug', 'debugVerbose', 'device', 'disableConntrack', 'disableEndpointCRD', 'disableIpv4', 'disableK8sServices',
  'enablePolicy', 'enableL7Proxy', 'enableLocalRedirectPolicy', 'enableBPFMasquerade',
  'enableEndpointHealthChecking', 'enableHostFirewall', 'enableTracing', 'enablePrometheusMetrics',
  'enableEncryption', 'encryptionType', 'nodeEncryption', 'envoyLog', 'identityAllocationMode',
  'identityChangeGracePeriod', 'ipv4ClusterCidrMaskSize', 'ipv4Node', 'ipv4Range', 'ipv4ServiceRange',
  'ipv6ClusterAllocCidr', 'ipv6Node', 'ipv6Range', 'ipv6ServiceRange', 'k8sApiServer', 'k8sKubeconfigPath',
  'keepBpfTemplates', 'keepConfig', 'labelPrefixFile', 'labels', 'lb', 'libDir', 'logDriver', 'logOpt', 'logstash',
  'logstashAgent', 'logstashProbeTimer', 'disableMasquerade', 'nat46Range', 'agentPodAnnotations',
  'operatorPodAnnotations', 'pprof', 'prefilterDevice', 'prometheusServeAddr', 'restore', 'singleClusterRoute',
  'socketPath', 'stateDir', 'tracePayloadlen', 'tunnel', 'enableipv6', 'enableipv4', 'monitorAggregation',
  'bpfCTGlobalTCPMax', 'bpfCTGlobalAnyMax', 'bpfLBAlgorithm', 'bpfLBMaglevTableSize', 'bpfNATGlobalMax',
  'bpfNeighGlobalMax', 'bpfPolicyMapMax', 'bpfLBMapMax', 'bpfLBSock', 'bpfLBSockHostNSOnly', 'preallocateBPFMaps',
  'sidecarIstioProxyImage', 'clusterName', 'clusterID', 'toFqdnsDnsRejectResponseCode', 'toFqdnsEnablePoller',
  'containerRuntimeLabels', 'ipam', 'IPTablesRulesNoinstall', 'autoDirectNodeRoutes', 'enableHostReachableServices',
  'enableNodePort', 'etcdManaged', 'enableRemoteNodeIdentity', 'enableUnreachableRoutes', 'cniExclusive', 'hubble',
  'removeCbrBridge', 'restartPods', 'reconfigureKubelet', 'nodeInitBootstrapFile', 'cniBinPath',
  'disableCNPStatusUpdates', 'enableServiceTopology', 'ingress', 'gatewayAPI', 'extraConfig',
] as const;

/** CalicoNetworkingSpec (networking.go). */
export const CALICO_FIELDS = [
  'registry', 'version', 'allowIPForwarding', 'awsSrcDstCheck', 'bpfEnabled', 'bpfExternalServiceMode',
  'bpfKubeProxyIptablesCleanupEnabled', 'bpfLogLevel', 'chainInsertMode', 'cpuRequest', 'crossSubnet',
  'encapsulationMode', 'ipipMode', 'ipv4AutoDetectionMethod', 'ipv6AutoDetectionMethod', 'iptablesBackend',
  'logSeverityScreen', 'mtu', 'nftablesMode', 'prometheusMetricsEnabled', 'prometheusMetricsPort',
  'prometheusGoMetricsEnabled', 'prometheusProcessMetricsEnabled', 'majorVersion', 'typhaPrometheusMetricsEnabled',
  'typhaPrometheusMetricsPort', 'typhaReplicas', 'vxlanMode', 'wireguardEnabled',
] as const;

/** FlannelNetworkingSpec (networking.go). */
export const FLANNEL_FIELDS = [
  'backend', 'disableTxChecksumOffloading', 'iptablesResyncSeconds',
] as const;

/** KindnetNetworkingSpec (networking.go). */
export const KINDNET_FIELDS = [
  'version', 'networkPolicies', 'adminNetworkPolicies', 'baselineAdminNetworkPolicies', 'dnsCaching', 'nat64',
  'fastPathThreshold', 'masquerade', 'logLevel',
] as const;

/** AmazonVPCNetworkingSpec (networking.go). */
export const AMAZONVPC_FIELDS = [
  'imageName', 'initImageName', 'networkPolicyAgentImage', 'env',
] as const;

/** KuberouterNetworkingSpec (networking.go). */
export const KUBEROUTER_FIELDS = [
  'useNFTablesForNetpol',
] as const;

/** CNINetworkingSpec (networking.go). */
export const CNI_FIELDS = [
  'usesSecondaryIP',
] as const;

/** KubeProxyConfig (componentconfig.go). */
export const KUBE_PROXY_FIELDS = [
  'image', 'cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit', 'logLevel', 'clusterCIDR', 'hostnameOverride',
  'bindAddress', 'master', 'metricsBindAddress', 'enabled', 'proxyMode', 'ipvsExcludeCidrs', 'ipvsMinSyncPeriod',
  'ipvsScheduler', 'ipvsSyncPeriod', 'featureGates', 'conntrackMaxPerCore', 'conntrackMin',
] as const;

/** KubeAPIServerConfig (componentconfig.go). */
export const KUBE_APISERVER_FIELDS = [
  'image', 'disableBasicAuth', 'logFormat', 'logLevel', 'cloudProvider', 'compactionInterval', 'securePort',
  'insecurePort', 'address', 'advertiseAddress', 'bindAddress', 'insecureBindAddress', 'enableBootstrapTokenAuth',
  'enableAggregatorRouting', 'admissionControl', 'appendAdmissionPlugins', 'enableAdmissionPlugins',
  'disableAdmissionPlugins', 'admissionControlConfigFile', 'serviceClusterIPRange', 'serviceNodePortRange',
  'etcdServers', 'etcdServersOverrides', 'etcdCaFile', 'etcdCertFile', 'etcdKeyFile', 'basicAuthFile',
  'clientCAFile', 'tlsCertFile', 'tlsPrivateKeyFile', 'tlsCipherSuites', 'tlsMinVersion', 'tokenAuthFile',
  'allowPrivileged', 'apiServerCount', 'runtimeConfig', 'kubeletClientCertificate', 'kubeletCertificateAuthority',
  'kubeletClientKey', 'anonymousAuth', 'kubeletPreferredAddressTypes', 'storageBackend', 'oidcUsernameClaim',
  'oidcUsernamePrefix', 'oidcGroupsClaim', 'oidcGroupsPrefix', 'oidcIssuerURL', 'oidcClientID', 'oidcRequiredClaim',
  'oidcCAFile', 'authenticationConfigFile', 'proxyClientCertFile', 'proxyClientKeyFile', 'auditLogFormat',
  'auditLogPath', 'auditLogMaxAge', 'auditLogMaxBackups', 'auditLogMaxSize', 'auditPolicyFile',
  'auditWebhookBatchBufferSize', 'auditWebhookBatchMaxSize', 'auditWebhookBatchMaxWait',
  'auditWebhookBatchThrottleBurst', 'auditWebhookBatchThrottleEnable', 'auditWebhookBatchThrottleQps',
  'auditWebhookConfigFile', 'auditWebhookInitialBackoff', 'auditWebhookMode', 'authenticationTokenWebhookConfigFile',
  'authenticationTokenWebhookCacheTtl', 'authorizationMode', 'authorizationWebhookConfigFile',
  'authorizationWebhookCacheAuthorizedTtl', 'authorizationWebhookCacheUnauthorizedTtl', 'authorizationRbacSuperUser',
  'encryptionProviderConfig', 'experimentalEncryptionProviderConfig', 'requestheaderUsernameHeaders',
  'requestheaderGroupHeaders', 'requestheaderExtraHeaderPrefixes', 'requestheaderClientCAFile',
  'requestheaderAllowedNames', 'featureGates', 'goawayChance', 'maxRequestsInflight', 'maxMutatingRequestsInflight',
  'http2MaxStreamsPerConnection', 'etcdQuorumRead', 'requestTimeout', 'storageInitializationTimeout',
  'minRequestTimeout', 'watchCache', 'watchCacheSizes', 'serviceAccountKeyFile', 'serviceAccountSigningKeyFile',
  'serviceAccountIssuer', 'additionalServiceAccountIssuers', 'serviceAccountJWKSURI', 'apiAudiences', 'cpuRequest',
  'cpuLimit', 'memoryRequest', 'memoryLimit', 'eventTTL', 'auditDynamicConfiguration', 'enableProfiling',
  'enableContentionProfiling', 'corsAllowedOrigins', 'strictTransportSecurityDirectives',
  'defaultNotReadyTolerationSeconds', 'defaultUnreachableTolerationSeconds', 'deleteCollectionWorkers', 'env',
] as const;

/** KubeControllerManagerConfig (componentconfig.go). */
export const KUBE_CONTROLLER_MANAGER_FIELDS = [
  'master', 'logFormat', 'logLevel', 'serviceAccountPrivateKeyFile', 'image', 'cloudProvider', 'clusterName',
  'clusterCIDR', 'allocateNodeCIDRs', 'nodeCIDRMaskSize', 'configureCloudRoutes', 'controllers', 'cidrAllocatorType',
  'rootCAFile', 'leaderElection', 'attachDetachReconcileSyncPeriod', 'disableAttachDetachReconcileSync',
  'terminatedPodGCThreshold', 'nodeMonitorPeriod', 'nodeMonitorGracePeriod', 'podEvictionTimeout',
  'useServiceAccountCredentials', 'horizontalPodAutoscalerSyncPeriod', 'horizontalPodAutoscalerDownscaleDelay',
  'horizontalPodAutoscalerDownscaleStabilization', 'horizontalPodAutoscalerUpscaleDelay',
  'horizontalPodAutoscalerInitialReadinessDelay', 'horizontalPodAutoscalerCpuInitializationPeriod',
  'horizontalPodAutoscalerTolerance', 'horizontalPodAutoscalerUseRestClients', 'experimentalClusterSigningDuration',
  'ClusterSigningDuration', 'featureGates', 'tlsCertFile', 'tlsCipherSuites', 'tlsMinVersion', 'tlsPrivateKeyFile',
  'minResyncPeriod', 'kubeAPIQPS', 'kubeAPIBurst', 'concurrentDeploymentSyncs', 'concurrentEndpointSyncs',
  'concurrentNamespaceSyncs', 'concurrentReplicasetSyncs', 'concurrentServiceSyncs', 'concurrentResourceQuotaSyncs',
  'concurrentServiceaccountTokenSyncs', 'concurrentRcSyncs', 'concurrentHorizontalPodAustoscalerSyncs',
  'concurrentJobSyncs', 'authenticationKubeconfig', 'authorizationKubeconfig', 'authorizationAlwaysAllowPaths',
  'externalCloudVolumePlugin', 'endpointUpdatesBatchPeriod', 'endpointSliceUpdatesBatchPeriod', 'enableProfiling',
  'enableContentionProfiling', 'enableLeaderMigration', 'cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit',
] as const;

/** KubeSchedulerConfig (componentconfig.go). */
export const KUBE_SCHEDULER_FIELDS = [
  'master', 'logFormat', 'logLevel', 'image', 'leaderElection', 'usePolicyConfigMap', 'featureGates',
  'maxPersistentVolumes', 'qps', 'burst', 'kubeAPIQPS', 'kubeAPIBurst', 'authenticationKubeconfig',
  'authorizationKubeconfig', 'authorizationAlwaysAllowPaths', 'enableProfiling', 'enableContentionProfiling',
  'tlsCertFile', 'tlsPrivateKeyFile', 'cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit',
] as const;
