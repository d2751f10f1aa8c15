/**
 * A kops manifest with the API server's OIDC and audit settings and controller-manager tuning
 * (emulator): `create -f` takes them without a "not acted on" warning (only the reminder that no
 * fileAsset delivers the audit policy), `update cluster --yes` writes them into the control plane's
 * stored kubeadm-init.yaml, and a bad value is refused (exit 2) naming the field, nothing written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { fixtureText } from '../model/fixtures.js';
import { KEY, cli, snapshot, tempStore } from './harness.js';

const NAME = 'minimal.example.com';
const POLICY = '/srv/kubernetes/kube-apiserver/audit-policy.yaml';

/** The kops minimal manifest with kops users' usual control plane settings. */
function manifest(kubeAPIServer: string): string {
  const settings = [
    '  kubeAPIServer:',
    ...kubeAPIServer.split('\n').map((l) => `    ${l}`),
    '  kubeControllerManager:',
    '    horizontalPodAutoscalerSyncPeriod: 15s',
    '    terminatedPodGCThreshold: 100',
    '  kubeScheduler:',
    '    logLevel: 2',
  ].join('\n');
  const text = fixtureText('minimal').replace('  kubelet:\n', `${settings}\n  kubelet:\n`);
  expect(text).toContain('oidc');
  return text;
}

const GOOD = [
  'oidcIssuerURL: https://sso.example.com',
  'oidcClientID: kubernetes',
  'oidcUsernameClaim: email',
  'oidcGroupsClaim: groups',
  'auditLogPath: /var/log/kube-apiserver/audit.log',
  'auditLogMaxAge: 10',
  `auditPolicyFile: ${POLICY}`,
].join('\n');

describe('control plane settings from a kops manifest', () => {
  it('create -f keeps them without a not-acted-on warning; update --yes writes them into kubeadm-init.yaml', async () => {
    const aws = testAws();
    const env = await operatorEnv(aws);
    const s = tempStore();
    const file = `${s.dir}.cluster.yaml`;
    writeFileSync(file, manifest(GOOD));
    const created = await cli(['--state', s.url, 'create', '-f', file], { env });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).not.toMatch(/spec\.kube(APIServer|ControllerManager|Scheduler)\.[a-zA-Z]+: a kops field/);
    // The one warning about them: the policy file must reach the control planes.
    expect(created.stderr).toContain(`warning: spec.kubeAPIServer.auditPolicyFile: no fileAsset delivers ${POLICY} to the control planes`);
    expect((await cli(['--state', s.url, 'create', 'sshpublickey', '--name', NAME, '-i', KEY], { env })).code).toBe(0);

    const update = await cli(['--state', s.url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(update.code, update.stderr).toBe(0);
    expect(update.stderr).not.toContain('kubeAPIServer.oidc');
    const init = readFileSync(join(s.dir, NAME, 'igconfig', 'control-plane', 'control-plane-us-east-1a', 'kubeadm-init.yaml'), 'utf8');
    const cc = parseAllDocuments(init).map((d) => d.toJS() as Record<string, Record<string, unknown>>).find((d) => (d.kind as unknown) === 'ClusterConfiguration')!;
    expect(cc.apiServer!.extraArgs).toEqual(expect.arrayContaining([
      { name: 'oidc-issuer-url', value: 'https://sso.example.com' },
      { name: 'oidc-client-id', value: 'kubernetes' },
      { name: 'oidc-username-claim', value: 'email' },
      { name: 'oidc-groups-claim', value: 'groups' },
      { name: 'audit-log-path', value: '/var/log/kube-apiserver/audit.log' },
      { name: 'audit-log-maxage', value: '10' },
      { name: 'audit-policy-file', value: POLICY },
    ]));
    expect(cc.apiServer!.extraVolumes).toEqual([
      { name: 'kops-ts-audit-log', hostPath: '/var/log/kube-apiserver', mountPath: '/var/log/kube-apiserver', readOnly: false, pathType: 'DirectoryOrCreate' },
      { name: 'kops-ts-audit-policy', hostPath: '/srv/kubernetes/kube-apiserver', mountPath: '/srv/kubernetes/kube-apiserver', readOnly: true, pathType: 'Directory' },
    ]);
    expect(cc.controllerManager!.extraArgs).toEqual(expect.arrayContaining([
      { name: 'horizontal-pod-autoscaler-sync-period', value: '15s' },
      { name: 'terminated-pod-gc-threshold', value: '100' },
    ]));
    expect(cc.scheduler).toEqual({ extraArgs: [{ name: 'v', value: '2' }] });
  }, 180_000);

  it('a bad value exits 2 naming the field and what was expected; nothing is written', async () => {
    const s = tempStore();
    const file = `${s.dir}.bad.yaml`;
    writeFileSync(file, manifest(GOOD.replace('https://sso.example.com', 'http://sso.example.com').replace('auditLogMaxAge: 10', 'auditLogMaxAge: -1')));
    const r = await cli(['--state', s.url, 'create', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: spec.kubeAPIServer.oidcIssuerURL: "http://sso.example.com" is not an https URL (the API server takes only https issuers) (${file}): give the issuer's https URL`);
    expect(r.stderr).toContain(`error: spec.kubeAPIServer.auditLogMaxAge: is -1; expected a whole number >= 0 (${file})`);
    expect(snapshot(s.dir)).toEqual({});
  });
});
