/**
 * apiserver-authn.ts: `kubeAPIServer.anonymousAuth: false` as kubeadm allows it. Per supported
 * minor, the control plane's kubeadm-init.yaml gives the API server `--authentication-config`
 * (no `--anonymous-auth`, no `--oidc-*`) and mounts the file read-only; the file, written by the
 * group's node-extras.sh, is an AuthenticationConfiguration kube-apiserver would load (checked
 * against a schema written from the API types) that allows anonymous requests to the health
 * endpoints and kubeadm's cluster-info only, with the OIDC fields as its jwt authenticator; the
 * control planes' digest follows its content; specs without the field are unchanged.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { normalizeRole, type Cluster, type FileAssetSpec, type InstanceGroup } from '../../src/model/api/types.js';
import { bootstrapFiles, clusterConfigHash, type BootstrapFacts } from '../../src/bootstrap/kubeadm.js';
import { ANONYMOUS_PATHS, AUTHN_CONFIG_PATH, authenticationConfiguration, jwtAuthenticator, usernamePrefix } from '../../src/bootstrap/apiserver-authn.js';
import { nodeExtras, nodeExtrasScript, nodeExtrasWithOwnFiles } from '../../src/bootstrap/node-extras.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { parseKopsYaml } from '../../src/model/api/yaml.js';
import { authenticationConfigurationProblems } from '../helpers/authentication-configuration-schema.js';

const FACTS: BootstrapFacts = { loadBalancerDnsName: 'api.elb.example.com', bootstrapToken: 'abcdef.0123456789abcdef', caCertHashes: [`sha256:${'ab'.repeat(32)}`] };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUc29tZSBjZXJ0aWZpY2F0ZSBieXRlcw==\n-----END CERTIFICATE-----\n';
const CA_PATH = '/srv/kubernetes/oidc/ca.crt';
const OIDC = {
  oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'kubernetes', oidcUsernameClaim: 'email', oidcUsernamePrefix: 'oidc:',
  oidcGroupsClaim: 'groups', oidcGroupsPrefix: 'oidc:', oidcRequiredClaim: ['hd=example.com', 'team=ops'], oidcCAFile: CA_PATH,
};
const CA_ASSET: FileAssetSpec = { name: 'oidc-ca', path: CA_PATH, roles: ['ControlPlane'], content: PEM };

function completed(version: string, kubeAPIServer: Record<string, unknown>, fileAssets: FileAssetSpec[] = []): { cluster: Cluster; cp: InstanceGroup; node: InstanceGroup } {
  const built = newCluster({ name: 'authn.example.com', zones: ['us-east-1a'], kubernetesVersion: version });
  const c = completeCluster(built.cluster, built.instanceGroups);
  const cluster = c.cluster;
  cluster.spec.kubeAPIServer = { ...(cluster.spec.kubeAPIServer ?? {}), ...kubeAPIServer };
  if (fileAssets.length > 0) cluster.spec.fileAssets = fileAssets;
  return { cluster, cp: c.instanceGroups.find((g) => normalizeRole(g.spec.role) === 'ControlPlane')!, node: c.instanceGroups.find((g) => normalizeRole(g.spec.role) === 'Node')! };
}

function clusterConfiguration(cluster: Cluster, cp: InstanceGroup): { apiServer: { extraArgs: { name: string; value: string }[]; extraVolumes?: Record<string, unknown>[] } } {
  const init = bootstrapFiles(cluster, cp, FACTS)!.files.find((f) => f.name === 'kubeadm-init.yaml')!.content;
  return parseAllDocuments(init).map((d) => d.toJS() as Record<string, unknown>).find((d) => d.kind === 'ClusterConfiguration') as never;
}

/** The file as node-extras.sh writes it on the control plane. */
function writtenFile(cluster: Cluster, cp: InstanceGroup): Record<string, unknown> {
  const f = nodeExtrasWithOwnFiles(cluster.spec, cp.spec).files.find((x) => x.path === AUTHN_CONFIG_PATH)!;
  expect(f.mode).toBe('0644');
  return parse(f.content.toString('utf8')) as Record<string, unknown>;
}

const MINORS = ['1.32.9', '1.33.5', '1.34.1', '1.35.0', '1.36.3', '1.37.0'] as const;

describe('anonymousAuth: false, per supported minor', () => {
  it.each(MINORS)('%s: --authentication-config instead of --anonymous-auth, the file mounted read-only, a document the API server loads', (version) => {
    const minor = Number(version.split('.')[1]);
    const { cluster, cp } = completed(version, { anonymousAuth: false });
    const api = clusterConfiguration(cluster, cp).apiServer;
    expect(api.extraArgs.filter((a) => a.name === 'authentication-config')).toEqual([{ name: 'authentication-config', value: AUTHN_CONFIG_PATH }]);
    expect(api.extraArgs.some((a) => a.name === 'anonymous-auth' || a.name.startsWith('oidc-'))).toBe(false);
    expect(api.extraVolumes).toEqual([{ name: 'kops-ts-authentication-config', hostPath: AUTHN_CONFIG_PATH, mountPath: AUTHN_CONFIG_PATH, readOnly: true, pathType: 'File' }]);
    const doc = writtenFile(cluster, cp);
    expect(doc).toEqual({
      apiVersion: minor >= 34 ? 'apiserver.config.k8s.io/v1' : 'apiserver.config.k8s.io/v1beta1',
      kind: 'AuthenticationConfiguration',
      jwt: [],
      anonymous: { enabled: true, conditions: [{ path: '/livez' }, { path: '/readyz' }, { path: '/healthz' }, { path: '/api/v1/namespaces/kube-public/configmaps/cluster-info' }] },
    });
    expect(authenticationConfigurationProblems(doc, minor)).toEqual([]);
  });

  it.each(MINORS)('%s: the OIDC fields are the file\'s jwt authenticator, no --oidc-* flag, no volume for the CA (its content is inline)', (version) => {
    const minor = Number(version.split('.')[1]);
    const { cluster, cp } = completed(version, { anonymousAuth: false, ...OIDC }, [CA_ASSET]);
    const api = clusterConfiguration(cluster, cp).apiServer;
    expect(api.extraArgs.filter((a) => /^(oidc-|anonymous-auth|authentication-config)/.test(a.name)).map((a) => a.name)).toEqual(['authentication-config']);
    expect(api.extraVolumes!.map((v) => v.name)).toEqual(['kops-ts-authentication-config']);
    const doc = writtenFile(cluster, cp);
    expect(doc.jwt).toEqual([{
      issuer: { url: 'https://sso.example.com', certificateAuthority: PEM, audiences: ['kubernetes'] },
      claimValidationRules: [{ claim: 'hd', requiredValue: 'example.com' }, { claim: 'team', requiredValue: 'ops' }],
      claimMappings: { username: { claim: 'email', prefix: 'oidc:' }, groups: { claim: 'groups', prefix: 'oidc:' } },
    }]);
    expect(authenticationConfigurationProblems(doc, minor)).toEqual([]);
  });

  it('the schema stand-in refuses what the API server refuses (so the checks above mean something)', () => {
    const ok = authenticationConfiguration(completed('1.36.3', { anonymousAuth: false, ...OIDC }, [CA_ASSET]).cluster.spec, [{ path: CA_PATH, mode: '0440', content: Buffer.from(PEM) }])!;
    expect(authenticationConfigurationProblems(ok, 36)).toEqual([]);
    expect(authenticationConfigurationProblems(ok, 33)).toEqual(['apiVersion: apiserver.config.k8s.io/v1 is not read by 1.33']);
    const bad = structuredClone(ok) as unknown as Record<string, unknown> & { jwt: Record<string, Record<string, unknown>>[] };
    delete (bad.jwt[0]!.claimMappings!.username as Record<string, unknown>).prefix;
    (bad.anonymous as Record<string, unknown>).enabled = false;
    bad.anonymus = {};
    expect(authenticationConfigurationProblems(bad, 36)).toEqual([': unknown field "anonymus"']);
    delete bad.anonymus;
    expect(authenticationConfigurationProblems(bad, 36)).toEqual([
      'jwt[0].claimMappings.username.prefix: required with claim (may be "")',
      'anonymous.conditions: enabled must be true with conditions',
    ]);
  });
});

describe('the OIDC flags as the file spells them (the Kubernetes documentation\'s mapping)', () => {
  it.each([
    ['unset, claim sub: the issuer URL and #', undefined, 'sub', 'https://sso.example.com#'],
    ['unset, claim email: none', undefined, 'email', ''],
    ['empty, claim sub: the issuer URL and #', '', 'sub', 'https://sso.example.com#'],
    ['"-": none', '-', 'sub', ''],
    ['a prefix: itself', 'oidc:', 'email', 'oidc:'],
  ])('username prefix %s', (_name, prefix, claim, expected) => {
    expect(usernamePrefix('https://sso.example.com', claim, prefix)).toBe(expected);
  });

  it('the username claim defaults to sub; a groups prefix without its claim does nothing (as the flag); no CA, no certificateAuthority', () => {
    expect(jwtAuthenticator({ oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'k8s', oidcGroupsPrefix: 'g:' }, undefined)).toEqual({
      issuer: { url: 'https://sso.example.com', audiences: ['k8s'] },
      claimMappings: { username: { claim: 'sub', prefix: 'https://sso.example.com#' } },
    });
    expect(jwtAuthenticator({ oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'k8s', oidcGroupsClaim: 'groups' }, undefined)).toMatchObject({ claimMappings: { groups: { claim: 'groups', prefix: '' } } });
    // A required claim's value keeps everything after the first "=".
    expect(jwtAuthenticator({ oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'k8s', oidcRequiredClaim: ['aud2=a=b'] }, undefined)).toMatchObject({ claimValidationRules: [{ claim: 'aud2', requiredValue: 'a=b' }] });
  });

  it('quotes what the API server\'s decoder (go-yaml v2, YAML 1.1) would read as a boolean: a required value "yes" stays the string', () => {
    const { cluster, cp } = completed('1.36.3', { anonymousAuth: false, oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'y', oidcUsernamePrefix: 'no', oidcRequiredClaim: ['verified=yes', 'mfa=on'] });
    const f = nodeExtrasWithOwnFiles(cluster.spec, cp.spec).files.find((x) => x.path === AUTHN_CONFIG_PATH)!;
    const doc = parseKopsYaml(f.content.toString('utf8')) as { jwt: Record<string, any>[] };
    expect(doc.jwt[0]!.claimValidationRules).toEqual([{ claim: 'verified', requiredValue: 'yes' }, { claim: 'mfa', requiredValue: 'on' }]);
    expect(doc.jwt[0]!.issuer.audiences).toEqual(['y']);
    expect(doc.jwt[0]!.claimMappings.username).toEqual({ claim: 'sub', prefix: 'no' });
    expect(authenticationConfigurationProblems(doc, 36)).toEqual([]);
  });

  it('the CA comes from the fileAsset that delivers oidcCAFile (base64 decoded, the group\'s own over the cluster\'s)', () => {
    const { cluster, cp } = completed('1.36.3', { anonymousAuth: false, ...OIDC }, [{ ...CA_ASSET, content: 'cluster' }]);
    cp.spec.fileAssets = [{ name: 'own-ca', path: CA_PATH, content: Buffer.from(PEM).toString('base64'), isBase64: true }];
    expect((writtenFile(cluster, cp).jwt as { issuer: { certificateAuthority: string } }[])[0]!.issuer.certificateAuthority).toBe(PEM);
    // Without one the file cannot be written (validation-authn.ts refuses such a spec before).
    expect(() => authenticationConfiguration(cluster.spec, [])).toThrow(/oidcCAFile \/srv\/kubernetes\/oidc\/ca.crt is delivered by no fileAsset/);
  });
});

describe('delivery and rolling', () => {
  it('only the control planes\' node-extras.sh writes it, after the file assets; a node\'s script is unchanged', () => {
    const { cluster, cp, node } = completed('1.36.3', { anonymousAuth: false });
    const nodeBefore = nodeExtrasScript(cluster.spec, node.spec);
    const script = nodeExtrasScript(cluster.spec, cp.spec)!.content;
    expect(script).toContain(`put '${AUTHN_CONFIG_PATH}' 0644 <<'EOF'`);
    expect(nodeExtrasScript(cluster.spec, node.spec)).toEqual(nodeBefore);
    expect(nodeBefore?.content ?? '').not.toContain(AUTHN_CONFIG_PATH);
    // The spec's own customisations (validation's view) do not include it.
    expect(nodeExtras(cluster.spec, cp.spec).files.map((f) => f.path)).not.toContain(AUTHN_CONFIG_PATH);
    const decoded = Buffer.from(script.split(`put '${AUTHN_CONFIG_PATH}' 0644 <<'EOF'\n`)[1]!.split('\nEOF')[0]!.replace(/\n/g, ''), 'base64').toString('utf8');
    expect(parse(decoded)).toMatchObject({ kind: 'AuthenticationConfiguration', anonymous: { conditions: ANONYMOUS_PATHS.map((path) => ({ path })) } });
  });

  it('the control planes\' digest changes with the field and with the file\'s content; unchanged without the field', () => {
    const plain = completed('1.36.3', {});
    const explicitTrue = completed('1.36.3', { anonymousAuth: true });
    const off = completed('1.36.3', { anonymousAuth: false });
    const withOidc = completed('1.36.3', { anonymousAuth: false, oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'kubernetes' });
    const otherClaim = completed('1.36.3', { anonymousAuth: false, oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'kubernetes', oidcUsernameClaim: 'email' });
    const hashes = [plain, explicitTrue, off, withOidc, otherClaim].map((x) => clusterConfigHash(x.cluster, x.cp));
    expect(new Set(hashes).size).toBe(5);
    // The CA's content is only in the file: a new CA changes the digest though the ClusterConfiguration does not change.
    const ca1 = completed('1.36.3', { anonymousAuth: false, ...OIDC }, [CA_ASSET]);
    const ca2 = completed('1.36.3', { anonymousAuth: false, ...OIDC }, [{ ...CA_ASSET, content: PEM.replace('MIIB', 'MIIC') }]);
    expect(clusterConfiguration(ca1.cluster, ca1.cp)).toEqual(clusterConfiguration(ca2.cluster, ca2.cp));
    expect(clusterConfigHash(ca1.cluster, ca1.cp)).not.toBe(clusterConfigHash(ca2.cluster, ca2.cp));
    // The same spec, the same digest.
    expect(clusterConfigHash(off.cluster, off.cp)).toBe(clusterConfigHash(completed('1.36.3', { anonymousAuth: false }).cluster, off.cp));
  });

  it('the control plane\'s launch template names the script\'s sha256 and the new digest (a plan shows the change, a roll applies it); the workers\' are unchanged', () => {
    const userData = (x: ReturnType<typeof completed>) => new Map(buildAwsTasks({ cluster: x.cluster, instanceGroups: [x.cp, x.node], stateStore: { bucket: 'b', prefix: '' } })
      .filter((t) => t.kind === 'LaunchTemplate').map((t) => [t.name.startsWith('control-plane') ? 'cp' : 'node', (t.desired as { userData: string }).userData]));
    const plain = completed('1.36.3', {});
    const off = completed('1.36.3', { anonymousAuth: false });
    const [before, after] = [userData(plain), userData(off)];
    expect(before.get('cp')).not.toContain('NODE_EXTRAS_SHA256');
    expect(after.get('cp')).toContain(`NODE_EXTRAS_SHA256='${nodeExtrasScript(off.cluster.spec, off.cp.spec)!.sha256}'`);
    expect(after.get('cp')).toContain(`clusterConfig: ${clusterConfigHash(off.cluster, off.cp)}`);
    expect(after.get('node')).toBe(before.get('node'));
  });

  it('run in a scratch root, the control plane\'s node-extras.sh writes the file, mode 0644, the document itself', () => {
    const root = mkdtempSync(join(tmpdir(), 'kops-ts-authn-'));
    try {
      const { cluster, cp } = completed('1.33.5', { anonymousAuth: false, ...OIDC }, [CA_ASSET]);
      const script = nodeExtrasScript(cluster.spec, cp.spec)!.content;
      execFileSync('bash', ['-c', script.replace(/put '\//g, `put '${root}/`)]);
      const path = join(root, AUTHN_CONFIG_PATH);
      expect(statSync(path).mode & 0o7777).toBe(0o644);
      expect(readFileSync(join(root, CA_PATH), 'utf8')).toBe(PEM);
      const doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      expect(doc).toEqual(authenticationConfiguration(cluster.spec, nodeExtras(cluster.spec, cp.spec).files));
      expect(authenticationConfigurationProblems(doc, 33)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

