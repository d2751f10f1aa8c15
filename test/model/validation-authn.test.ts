/**
 * validation-authn.ts: `kubeAPIServer.anonymousAuth: false` is taken, and refused only with what
 * its authentication configuration cannot carry (kops's authenticationConfigFile, a switched-off
 * feature gate it needs, an OIDC CA no fileAsset delivers, a fileAsset at its path, a Kubernetes
 * older than 1.32); OIDC claims a flag or the file would not carry unchanged are refused with or
 * without it.
 */
import { describe, expect, it } from 'vitest';
import { validateCluster } from '../../src/model/validation.js';
import type { FileAssetSpec, InstanceGroup } from '../../src/model/api/types.js';
import { errorLines, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];
/** A real certificate (a self-signed P-256 CA): the API server parses every certificate of certificateAuthority. */
const PEM = `-----BEGIN CERTIFICATE-----
MIIBeTCCAR+gAwIBAgIUODdC/H6beEmDxGMT5jdSE2aizuEwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHb2lkYy1jYTAeFw0yNjEyMDUwNzI2NDRaFw0zNjEyMDIwNzI2
NDRaMBIxEDAOBgNVBAMMB29pZGMtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAQ43uCSnUqjJH/rsR2M83QMmLwYgw4DIL57h9KamE1BcXfsksgBTXk43Y8/+8tA
BhtkwPqCNLY/7XJeNgy8G/JTo1MwUTAdBgNVHQ4EFgQUvvcFpvNOgpjR+Tnm6J7n
h0TEXw8wHwYDVR0jBBgwFoAUvvcFpvNOgpjR+Tnm6J7nh0TEXw8wDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA22Ml4ucuIaU5nfT/iH56fiSxeIIK
HFXAAU6IdDOGxA0CIHc7Tdie9rrd8Gj756M67mnyQ5kvMhv+l4jr7dfRMo30
-----END CERTIFICATE-----
`;
const CA = '/srv/kubernetes/oidc/ca.crt';
const OIDC = { oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'kubernetes' };

function errors(kubeAPIServer: Record<string, unknown>, more: { fileAssets?: FileAssetSpec[]; kubernetesVersion?: string; igs?: InstanceGroup[] } = {}): string[] {
  const c = userCluster(ZONES);
  c.spec.kubeAPIServer = kubeAPIServer;
  if (more.fileAssets) c.spec.fileAssets = more.fileAssets;
  if (more.kubernetesVersion) c.spec.kubernetesVersion = more.kubernetesVersion;
  return errorLines(validateCluster(c, more.igs ?? userIGs(ZONES, ZONES))).filter((l) => /^(spec\.kubeAPIServer|spec\.fileAssets|instancegroup)/.test(l));
}

describe('anonymousAuth: false', () => {
  it('is taken alone, with OIDC, and with an OIDC CA a fileAsset delivers to the control planes', () => {
    expect(errors({ anonymousAuth: false })).toEqual([]);
    expect(errors({ anonymousAuth: false, ...OIDC, oidcUsernameClaim: 'email', oidcGroupsClaim: 'groups', oidcRequiredClaim: ['hd=example.com'] })).toEqual([]);
    expect(errors({ anonymousAuth: false, ...OIDC, oidcCAFile: CA }, { fileAssets: [{ name: 'ca', path: CA, roles: ['ControlPlane'], content: PEM }] })).toEqual([]);
    expect(errors({ anonymousAuth: false, ...OIDC, oidcCAFile: CA }, { fileAssets: [{ name: 'ca', path: CA, content: Buffer.from(PEM).toString('base64'), isBase64: true }] })).toEqual([]);
  });

  it.each([
    ['kops\'s authenticationConfigFile', { anonymousAuth: false, authenticationConfigFile: '/srv/kubernetes/authn.yaml' }, {}, [
      "spec.kubeAPIServer.authenticationConfigFile: is set with anonymousAuth: false, for which kops-ts writes the API server's --authentication-config itself (the API server takes one file)",
    ]],
    ['a feature gate it needs switched off', { anonymousAuth: false, featureGates: { AnonymousAuthConfigurableEndpoints: 'false', StructuredAuthenticationConfiguration: 'true' } }, {}, [
      'spec.kubeAPIServer.featureGates.AnonymousAuthConfigurableEndpoints: is false, but anonymousAuth: false needs it: kops-ts gives the API server an authentication configuration that allows anonymous requests to the health endpoints only',
    ]],
    ['an OIDC CA no fileAsset delivers', { anonymousAuth: false, ...OIDC, oidcCAFile: CA }, {}, [
      "spec.kubeAPIServer.oidcCAFile: is set with anonymousAuth: false, so the CA goes into the API server's authentication configuration, which holds the certificates themselves; no fileAsset delivers /srv/kubernetes/oidc/ca.crt to the control planes, so kops-ts cannot read it",
    ]],
    ['an OIDC CA only one control-plane group gets', { anonymousAuth: false, ...OIDC, oidcCAFile: CA }, { own: true }, [
      "spec.kubeAPIServer.oidcCAFile: is set with anonymousAuth: false, so the CA goes into the API server's authentication configuration, which holds the certificates themselves; no fileAsset delivers /srv/kubernetes/oidc/ca.crt to control-plane group(s) control-plane-us-east-1b, so kops-ts cannot read it",
    ]],
    ['an OIDC CA that is no PEM', { anonymousAuth: false, ...OIDC, oidcCAFile: CA }, { fileAssets: [{ name: 'ca', path: CA, content: 'not a certificate' }] }, [
      "spec.kubeAPIServer.oidcCAFile: is delivered by a fileAsset whose content (for control-plane group control-plane-us-east-1a) has no PEM certificate; with anonymousAuth: false it becomes the authentication configuration's certificateAuthority, which the API server refuses unless every certificate in it parses",
    ]],
    ['an OIDC CA whose second certificate does not parse', { anonymousAuth: false, ...OIDC, oidcCAFile: CA }, { fileAssets: [{ name: 'ca', path: CA, content: `${PEM}-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n` }] }, [
      "spec.kubeAPIServer.oidcCAFile: is delivered by a fileAsset whose content (for control-plane group control-plane-us-east-1a) has a certificate that does not parse (the second PEM block); with anonymousAuth: false it becomes the authentication configuration's certificateAuthority, which the API server refuses unless every certificate in it parses",
    ]],
    ['a fileAsset at the file\'s path', { anonymousAuth: false }, { fileAssets: [{ name: 'x', path: '/etc/kubernetes/kops-ts/authentication-config.yaml', content: 'x' }] }, [
      "spec.fileAssets[0].path: is /etc/kubernetes/kops-ts/authentication-config.yaml, where kops-ts writes the API server's authentication configuration (anonymousAuth: false)",
    ]],
  ])('refused with %s', (_name, settings, more, expected) => {
    let igs: InstanceGroup[] | undefined;
    if ('own' in more) {
      igs = userIGs(ZONES, ZONES);
      igs[0]!.spec.fileAssets = [{ name: 'ca', path: CA, content: PEM }];
    }
    expect(errors(settings, { ...more, ...(igs ? { igs } : {}) })).toEqual(expected);
  });

  it('the file is what the API server reads, not the CA file: no warning that the CA file must exist on the hosts', () => {
    const c = userCluster(ZONES);
    c.spec.kubeAPIServer = { anonymousAuth: false, ...OIDC, oidcCAFile: CA };
    const codes = validateCluster(c, userIGs(ZONES)).map((d) => d.code);
    expect(codes).not.toContain('ComponentFileNotDelivered');
    c.spec.kubeAPIServer = { ...OIDC, oidcCAFile: CA };
    expect(validateCluster(c, userIGs(ZONES)).map((d) => d.code)).toContain('ComponentFileNotDelivered');
  });

  it('needs Kubernetes 1.32 or later', () => {
    expect(errors({ anonymousAuth: false }, { kubernetesVersion: '1.31.4' })).toContain(
      'spec.kubeAPIServer.anonymousAuth: is false, which needs Kubernetes 1.32 or later (anonymous requests limited to the health endpoints); the cluster runs 1.31.4',
    );
    expect(errors({ anonymousAuth: false }, { kubernetesVersion: '1.32.0' })).toEqual([]);
  });
});

describe('OIDC claims (with or without anonymousAuth: false)', () => {
  it.each([
    ['a claim name with a space', { oidcUsernameClaim: 'user name' }, ['spec.kubeAPIServer.oidcUsernameClaim: "user name" has white space or a control character, which no claim name has']],
    ['a groups claim with a line break', { oidcGroupsClaim: 'groups\nx' }, ['spec.kubeAPIServer.oidcGroupsClaim: "groups\\nx" has white space or a control character, which no claim name has']],
    ['a prefix with a tab', { oidcGroupsPrefix: 'oidc:\t', oidcGroupsClaim: 'groups' }, ['spec.kubeAPIServer.oidcGroupsPrefix: "oidc:\\t" has a control character (a line break or a tab)']],
    ['a required claim value with a space at an end', { oidcRequiredClaim: ['hd= example.com'] }, [
      'spec.kubeAPIServer.oidcRequiredClaim[0]: "hd= example.com": the value has white space at an end, which --oidc-required-claim trims (the API server would require "example.com")',
    ]],
    ['a required claim with a line break', { oidcRequiredClaim: ['hd=example.com\nx'] }, ['spec.kubeAPIServer.oidcRequiredClaim[0]: "hd=example.com\\nx" has a control character (a line break or a tab)']],
    ['a required claim name with a space (as before)', { oidcRequiredClaim: ['h d=example.com'] }, ['spec.kubeAPIServer.oidcRequiredClaim[0]: "h d=example.com" is not claim=value']],
    ['a claim required twice', { oidcRequiredClaim: ['hd=a.example.com', 'team=ops', 'hd=b.example.com'] }, [
      'spec.kubeAPIServer.oidcRequiredClaim[2]: requires claim "hd" again (first at oidcRequiredClaim[0]): the API server requires one value per claim (--oidc-required-claim keeps the last, the authentication configuration of anonymousAuth: false refuses the duplicate and the API server does not start)',
    ]],
  ])('%s', (_name, claims, expected) => {
    expect(errors({ ...OIDC, ...claims })).toEqual(expected);
    expect(errors({ anonymousAuth: false, ...OIDC, ...claims })).toEqual(expected);
  });

  it('a value with spaces inside, prefixes with spaces and the flag\'s "-" are carried unchanged', () => {
    expect(errors({ ...OIDC, oidcRequiredClaim: ['org=Example Corp'], oidcUsernamePrefix: '-', oidcGroupsPrefix: 'oidc group: ', oidcGroupsClaim: 'groups' })).toEqual([]);
  });
});
