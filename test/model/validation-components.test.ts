/**
 * validation-components.ts: every problem of the control plane components' settings names its
 * field (spec.kubeAPIServer.<field>, ...) and says what was expected; the API server's files that
 * no fileAsset delivers to the control planes are warned about.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { parseManifests } from '../../src/model/api/parse.js';
import { validateCluster } from '../../src/model/validation.js';
import type { Cluster, InstanceGroup, InstanceGroupRole } from '../../src/model/api/types.js';
import { errorLines, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];

function spec(fields: Record<string, unknown>): { c: Cluster; igs: InstanceGroup[] } {
  const c = userCluster(ZONES);
  Object.assign(c.spec, fields);
  return { c, igs: userIGs(ZONES) };
}

function errors(component: string, settings: Record<string, unknown>): string[] {
  const { c, igs } = spec({ [component]: settings });
  return errorLines(validateCluster(c, igs)).filter((l) => l.startsWith(`spec.${component}`));
}

function warnings(fields: Record<string, unknown>, igs?: InstanceGroup[]): string[] {
  const s = spec(fields);
  return validateCluster(s.c, igs ?? s.igs).filter((d) => d.severity === 'warning').map((d) => `${d.code} ${d.path}: ${d.summary}`);
}

const OIDC = { oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'kubernetes' };

describe('kubeAPIServer', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a good spec', { serviceNodePortRange: '30000+2767', ...OIDC, oidcRequiredClaim: ['hd=example.com'], auditLogPath: '-', auditPolicyFile: '/srv/k/policy.yaml', tlsMinVersion: 'VersionTLS13', runtimeConfig: { 'api/all': 'true' }, requestTimeout: '1m30s', anonymousAuth: true }, []],
    ['an http issuer', { ...OIDC, oidcIssuerURL: 'http://sso.example.com' }, ['spec.kubeAPIServer.oidcIssuerURL: "http://sso.example.com" is not an https URL (the API server takes only https issuers)']],
    ['an issuer that is no URL', { ...OIDC, oidcIssuerURL: 'sso.example.com' }, ['spec.kubeAPIServer.oidcIssuerURL: "sso.example.com" is not a URL']],
    ['an issuer without its client', { oidcIssuerURL: 'https://sso.example.com' }, ['spec.kubeAPIServer.oidcIssuerURL: is set without oidcClientID; the API server refuses one without the other']],
    ['a client without its issuer', { oidcClientID: 'k' }, ['spec.kubeAPIServer.oidcClientID: is set without oidcIssuerURL; the API server refuses one without the other']],
    ['OIDC claims without an issuer', { oidcUsernameClaim: 'email', oidcGroupsClaim: 'groups' }, [
      'spec.kubeAPIServer.oidcUsernameClaim: is set without oidcIssuerURL and oidcClientID, so OIDC authentication is off',
      'spec.kubeAPIServer.oidcGroupsClaim: is set without oidcIssuerURL and oidcClientID, so OIDC authentication is off',
    ]],
    ['a required claim without its value', { ...OIDC, oidcRequiredClaim: ['hd'] }, ['spec.kubeAPIServer.oidcRequiredClaim[0]: "hd" is not claim=value']],
    ['a relative file', { ...OIDC, oidcCAFile: 'ca.crt' }, ['spec.kubeAPIServer.oidcCAFile: "ca.crt" is not an absolute path']],
    ['a file directly in /', { auditPolicyFile: '/policy.yaml' }, ["spec.kubeAPIServer.auditPolicyFile: \"/policy.yaml\" is directly in / (its directory is mounted into the API server's pod: put it in a directory such as /srv/kubernetes/kube-apiserver/)"]],
    ['a path with ..', { auditPolicyFile: '/srv/../etc/policy.yaml' }, ['spec.kubeAPIServer.auditPolicyFile: "/srv/../etc/policy.yaml" has a "." or ".." segment']],
    ['an audit log in a directory kubeadm mounts read-only', { auditLogPath: '/etc/kubernetes/pki/audit.log', auditPolicyFile: '/srv/k/p.yaml' }, ["spec.kubeAPIServer.auditLogPath: is in /etc/kubernetes/pki, which kubeadm mounts read-only into the API server's pod"]],
    ['a relative audit log', { auditLogPath: 'audit.log' }, ['spec.kubeAPIServer.auditLogPath: "audit.log" is not an absolute path']],
    ['a webhook without a policy', { auditWebhookConfigFile: '/srv/k/webhook.yaml' }, ['spec.kubeAPIServer.auditWebhookConfigFile: is set without auditPolicyFile: without a policy the API server sends no audit events']],
    ['a negative number', { auditLogMaxAge: -1, maxRequestsInflight: -5 }, [
      'spec.kubeAPIServer.auditLogMaxAge: is -1; expected a whole number >= 0',
      'spec.kubeAPIServer.maxRequestsInflight: is -5; expected a whole number >= 0',
    ]],
    ['durations that are not Go durations', { eventTTL: '3 hours', requestTimeout: '-1s' }, [
      'spec.kubeAPIServer.requestTimeout: is "-1s"; expected a Go duration >= 0',
      'spec.kubeAPIServer.eventTTL: is "3 hours"; expected a Go duration >= 0',
    ]],
    ['an old TLS version', { tlsMinVersion: 'VersionTLS10' }, ['spec.kubeAPIServer.tlsMinVersion: is "VersionTLS10"; expected one of VersionTLS12, VersionTLS13']],
    ['a cipher suite that is not one', { tlsCipherSuites: ['ECDHE-RSA-AES128-GCM-SHA256'] }, ['spec.kubeAPIServer.tlsCipherSuites[0]: "ECDHE-RSA-AES128-GCM-SHA256" is not a cipher suite name']],
    ['an empty admission plugin', { enableAdmissionPlugins: ['PodNodeSelector', ''] }, ['spec.kubeAPIServer.enableAdmissionPlugins[1]: is ""; expected a non-empty string']],
    ['an admission plugin both enabled and disabled', { enableAdmissionPlugins: ['PodNodeSelector'], appendAdmissionPlugins: ['EventRateLimit'], disableAdmissionPlugins: ['EventRateLimit'] }, [
      'spec.kubeAPIServer.disableAdmissionPlugins: disables EventRateLimit, which appendAdmissionPlugins enables; the API server refuses a plugin in both',
    ]],
    ['PodSecurityPolicy', { enableAdmissionPlugins: ['PodSecurityPolicy'] }, ['spec.kubeAPIServer.enableAdmissionPlugins[0]: PodSecurityPolicy was removed in Kubernetes 1.25']],
    ['a list item with a comma', { apiAudiences: ['a,b'] }, ['spec.kubeAPIServer.apiAudiences[0]: "a,b" has a comma: the items are joined by commas into one flag']],
    ['a runtimeConfig value with a comma', { runtimeConfig: { 'api/all': 'true,false' } }, ['spec.kubeAPIServer.runtimeConfig["api/all"]: is "true,false"; expected a non-empty string without commas']],
    ['a node port range that is not one', { serviceNodePortRange: '32767-30000' }, ['spec.kubeAPIServer.serviceNodePortRange: is "32767-30000"; expected a port range from-to with 1 <= from <= to <= 65535']],
    // Taken since 1.32: an authentication configuration replaces the flag (validation-authn.test.ts).
    ['anonymousAuth false', { anonymousAuth: false }, []],
  ])('%s', (_name, settings, expected) => {
    expect(errors('kubeAPIServer', settings)).toEqual(expected);
  });

  it('errors carry the code, the field and a hint', () => {
    const { c, igs } = spec({ kubeAPIServer: { tlsMinVersion: 'VersionTLS11' } });
    const d = validateCluster(c, igs, { file: 'c.yaml' }).filter((x) => x.severity === 'error');
    expect(d.map(formatDiagnostic)).toEqual(['error: spec.kubeAPIServer.tlsMinVersion: is "VersionTLS11"; expected one of VersionTLS12, VersionTLS13 (c.yaml): set one of VersionTLS12, VersionTLS13']);
    expect(d[0]!.code).toBe('InvalidComponentConfig');
  });

  it('warns of audit settings without the log or webhook they tune', () => {
    expect(warnings({ kubeAPIServer: { auditLogMaxAge: 10, auditWebhookBatchMaxWait: '5s', auditLogPath: '-' } })).toEqual([
      'ComponentSettingUnused spec.kubeAPIServer.auditLogPath: is set without auditPolicyFile: without a policy the API server logs no audit events',
      'ComponentSettingUnused spec.kubeAPIServer.auditWebhookBatchMaxWait: has no effect without auditWebhookConfigFile',
    ]);
  });
});

describe('the files the API server reads', () => {
  const policy = '/srv/kubernetes/kube-apiserver/audit-policy.yaml';
  const asset = (roles?: InstanceGroupRole[]) => ({ name: 'audit-policy', path: policy, content: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n', ...(roles ? { roles } : {}) });

  it('no fileAsset delivers the policy: a warning naming it, what happens and what to add', () => {
    expect(warnings({ kubeAPIServer: { auditLogPath: '-', auditPolicyFile: policy } })).toEqual([
      `ComponentFileNotDelivered spec.kubeAPIServer.auditPolicyFile: no fileAsset delivers ${policy} to the control planes: it must exist on their hosts (image, hook or additionalUserData), or the API server does not start`,
    ]);
  });

  it('a cluster fileAsset for the control planes (or every role) delivers it: no warning; one for nodes only does not', () => {
    for (const roles of [undefined, ['ControlPlane'], ['Master', 'Node']] as (InstanceGroupRole[] | undefined)[]) {
      expect(warnings({ kubeAPIServer: { auditLogPath: '-', auditPolicyFile: policy }, fileAssets: [asset(roles)] }), String(roles)).toEqual([]);
    }
    expect(warnings({ kubeAPIServer: { auditLogPath: '-', auditPolicyFile: policy }, fileAssets: [asset(['Node'])] })).toHaveLength(1);
  });

  it('a control-plane group\'s own fileAsset counts for that group only', () => {
    const igs = [...userIGs(ZONES), ...userIGs(['us-east-1c']).filter((g) => g.spec.role !== 'Node')];
    const cps = igs.filter((g) => g.spec.role !== 'Node');
    expect(cps.length).toBe(2);
    cps[0]!.spec.fileAssets = [asset()];
    const w = warnings({ kubeAPIServer: { oidcIssuerURL: 'https://x.example.com', oidcClientID: 'k', oidcCAFile: '/srv/oidc/ca.crt', auditPolicyFile: policy, auditLogPath: '-' } }, igs);
    expect(w).toEqual([
      `ComponentFileNotDelivered spec.kubeAPIServer.auditPolicyFile: no fileAsset delivers ${policy} to control-plane group(s) ${cps[1]!.metadata.name}: it must exist on their hosts (image, hook or additionalUserData), or the API server does not start`,
      'ComponentFileNotDelivered spec.kubeAPIServer.oidcCAFile: no fileAsset delivers /srv/oidc/ca.crt to the control planes: it must exist on their hosts (image, hook or additionalUserData), or the API server does not start',
    ]);
  });
});

describe('kubeControllerManager and kubeScheduler', () => {
  it.each<[string, string, Record<string, unknown>, string[]]>([
    ['good settings', 'kubeControllerManager', { horizontalPodAutoscalerSyncPeriod: '15s', horizontalPodAutoscalerTolerance: '100m', kubeAPIQPS: 20, ClusterSigningDuration: '8760h' }, []],
    ['a duration that is not one', 'kubeControllerManager', { nodeMonitorGracePeriod: '40' }, ['spec.kubeControllerManager.nodeMonitorGracePeriod: is "40"; expected a Go duration >= 0']],
    ['a tolerance that is no decimal', 'kubeControllerManager', { horizontalPodAutoscalerTolerance: '10%' }, ['spec.kubeControllerManager.horizontalPodAutoscalerTolerance: is "10%"; expected a decimal number >= 0']],
    ['a negative count', 'kubeControllerManager', { concurrentDeploymentSyncs: -1, terminatedPodGCThreshold: -2 }, [
      'spec.kubeControllerManager.terminatedPodGCThreshold: is -2; expected a whole number >= 0',
      'spec.kubeControllerManager.concurrentDeploymentSyncs: is -1; expected a whole number >= 0',
    ]],
    ['a negative log level', 'kubeScheduler', { logLevel: -1 }, ['spec.kubeScheduler.logLevel: is -1; expected a whole number >= 0']],
    ['a feature gate that is not true or false', 'kubeScheduler', { featureGates: { A: 'yes' } }, ['spec.kubeScheduler.featureGates.A: is "yes"; a feature gate is "true" or "false"']],
    ['a feature gate name the joined flag cannot carry', 'kubeAPIServer', { featureGates: { 'AllAlpha=true,Foo': 'true', 'A B': 'false', InPlacePodVerticalScaling: 'true' } }, [
      'spec.kubeAPIServer.featureGates["AllAlpha=true,Foo"]: "AllAlpha=true,Foo" is not a feature gate name (letters and digits, as Kubernetes names them)',
      'spec.kubeAPIServer.featureGates["A B"]: "A B" is not a feature gate name (letters and digits, as Kubernetes names them)',
    ]],
    ['a kube-proxy feature gate name that is not letters and digits', 'kubeProxy', { enabled: true, featureGates: { 'Foo=true,Bar': 'true', 'Bad Gate': 'false', InPlacePodVerticalScaling: 'true' } }, [
      'spec.kubeProxy.featureGates["Foo=true,Bar"]: "Foo=true,Bar" is not a feature gate name (letters and digits, as Kubernetes names them)',
      'spec.kubeProxy.featureGates["Bad Gate"]: "Bad Gate" is not a feature gate name (letters and digits, as Kubernetes names them)',
    ]],
    ['a kube-proxy feature gate that is not true or false, kube-proxy disabled', 'kubeProxy', { enabled: false, featureGates: { A: 'on' } }, ['spec.kubeProxy.featureGates.A: is "on"; a feature gate is "true" or "false"']],
    ['good kube-proxy feature gates', 'kubeProxy', { enabled: true, featureGates: { NFTablesProxyMode: 'true', A1: 'FALSE' } }, []],
    ['a rate with a unit', 'kubeScheduler', { kubeAPIQPS: '1Gi' }, ['spec.kubeScheduler.kubeAPIQPS: is "1Gi"; expected a decimal number >= 0']],
  ])('%s (%s)', (_name, component, settings, expected) => {
    expect(errors(component, settings)).toEqual(expected);
  });
});

describe('in a manifest', () => {
  const CLUSTER = `apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  name: c.example.com\nspec:\n`;
  it('fields kops refuses are refused; fields for flags kubeadm sets are kept with a warning saying so', () => {
    const r = parseManifests(`${CLUSTER}  kubeAPIServer:\n    admissionControl: [NodeRestriction]\n    authorizationMode: Node,RBAC,Webhook\n  kubeControllerManager:\n    experimentalClusterSigningDuration: 8760h\n`, 'c.yaml');
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'error: spec.kubeAPIServer.admissionControl: admissionControl has been replaced with enableAdmissionPlugins (kops refuses it too) (c.yaml): list the plugins in enableAdmissionPlugins instead',
      'warning: spec.kubeAPIServer.authorizationMode: a kops field for a flag kubeadm or kops-ts sets itself (another value would break the control plane it builds); not acted on, kept as is (c.yaml)',
      'error: spec.kubeControllerManager.experimentalClusterSigningDuration: experimentalClusterSigningDuration has been replaced with ClusterSigningDuration as of Kubernetes 1.25 (kops refuses it too) (c.yaml): set ClusterSigningDuration instead',
    ]);
  });

  it('typed: a string where a number belongs, an unquoted runtimeConfig value, an unknown TLS version', () => {
    const r = parseManifests(`${CLUSTER}  kubeAPIServer:\n    auditLogMaxAge: "10"\n    runtimeConfig:\n      api/all: true\n    tlsMinVersion: VersionTLS1.3\n`, 'c.yaml');
    expect(r.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'InvalidFieldType spec.kubeAPIServer.auditLogMaxAge',
      'InvalidFieldType spec.kubeAPIServer.runtimeConfig["api/all"]',
      'InvalidFieldValue spec.kubeAPIServer.tlsMinVersion',
    ]);
  });
});
