/**
 * Reliability 6, secrets: the commands added since test/cli/no-key-printed.test.ts and
 * test/cli/secrets.test.ts were written (validate cluster, rolling-update cluster, upgrade cluster,
 * create instancegroup, rotate bootstrap-token, rotate secret-key), run with -v 2 against an
 * applied cluster on the emulator and a fake Kubernetes API, in success and in failure (stack
 * traces printed), print no private key, no secret of the store (the join token before and after
 * its rotation included), no envelope key (old or new, base64 or hex), no AWS secret access key and
 * no Kubernetes token.
 *
 * In-process, the redaction would hide what this process registered while generating or reading
 * the secrets; the registry is cleared before each command, so each starts as a fresh process does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeysetStore } from '../../src/pki/index.js';
import { clearSecretValues } from '../../src/secrets/redact.js';
import { listSecretNames, readSecret } from '../../src/secrets/store.js';
import { openStateStore } from '../../src/statestore/open.js';
import { FakeKubeApiServer, ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore, type CliResult } from '../cli/harness.js';

const NAME = 'secret-cmds.example.com';
const FAST = ['--post-drain-delay', '0s', '--control-plane-interval', '0s', '--node-interval', '0s', '--bastion-interval', '0s', '--validate-count', '1', '--validation-timeout', '1m'];

describe('no secret is printed by the newer commands, with -v 2', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('validate, rolling-update, upgrade, create instancegroup, rotate bootstrap-token, rotate secret-key: in success and failure', async () => {
    const aws = testAws();
    const { url } = tempStore();
    const env: Record<string, string> = { KOPS_STATE_STORE: url, ...(await operatorEnv(aws)) };
    vi.stubEnv('KOPS_STATE_STORE', url);
    expect((await cli(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env })).code).toBe(0);
    const applied = await cli(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(applied.code, applied.stderr).toBe(0);
    const fake = await FakeKubeApiServer.start({ instances: ec2InstanceSource(aws.clients.ec2) });
    try {
      const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kops-ts-secrets-')), 'config');
      writeFileSync(kubeconfig, fake.kubeconfig(NAME), { mode: 0o600 });
      const outputs: Array<{ what: string; r: CliResult }> = [];
      const run = async (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
        clearSecretValues();
        const r = await cli(['-v', '2', ...args], { env: { ...env, KUBECONFIG: kubeconfig, ...extra } });
        outputs.push({ what: args.join(' '), r });
        return r;
      };
      const ok = async (args: string[], extra?: Record<string, string>): Promise<void> => {
        const r = await run(args, extra);
        expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
      };
      await ok(['validate', 'cluster', NAME]);
      await ok(['validate', 'cluster', NAME, '-o', 'yaml']);
      await ok(['rolling-update', 'cluster', NAME]);
      await ok(['upgrade', 'cluster', NAME]);
      await ok(['create', 'instancegroup', 'extra', '--name', NAME, '--role', 'Node', '--subnet', 'us-east-1a', '--edit=false']);
      await ok(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']);
      await ok(['rolling-update', 'cluster', NAME, '--cloudonly', '--force', '--yes', ...FAST]);
      await ok(['rolling-update', 'cluster', NAME, '--force', '--yes', '--instance-group', 'extra', ...FAST]);
      // The rotation handles the old and the new join token: neither may be printed.
      const store = openStateStore(url);
      const oldToken = Buffer.from((await readSecret(store, NAME, 'bootstrap-token'))!.data).toString('utf8');
      await ok(['rotate', 'bootstrap-token', '--name', NAME]);
      await ok(['rotate', 'bootstrap-token', '--name', NAME, '--yes']);
      expect(Buffer.from((await readSecret(store, NAME, 'bootstrap-token'))!.data).toString('utf8')).not.toBe(oldToken);
      // Failures, with the stack traces -v prints.
      const failures = [
        await run(['validate', 'cluster', NAME], { KUBECONFIG: '/nonexistent/kubeconfig' }),
        await run(['rolling-update', 'cluster', NAME, '--yes', '--force'], { KUBECONFIG: '/nonexistent/kubeconfig' }),
        await run(['upgrade', 'cluster', NAME, '--kubernetes-version', '0.0.1', '--yes']),
        await run(['create', 'instancegroup', 'extra', '--name', NAME, '--edit=false']),
        await run(['create', 'instancegroup', 'Bad_Name', '--name', NAME, '--edit=false']),
        await run(['rotate', 'bootstrap-token', '--name', NAME, '--yes'], { KUBECONFIG: '/nonexistent/kubeconfig' }),
      ];
      for (const f of failures) expect(f.code, f.stdout).not.toBe(0);
      expect(failures.some((f) => /\n\s+at /.test(f.stderr)), 'a stack trace was printed (so -v output was checked)').toBe(true);

      // What must never be printed: every private key, every stored secret, the AWS secret key, the Kubernetes token.
      const secrets: string[] = [env.AWS_SECRET_ACCESS_KEY!, fake.token, oldToken, oldToken.split('.')[1]!];
      const ks = new KeysetStore(store);
      for (const n of await ks.list(NAME)) {
        for (const item of (await ks.get(NAME, n)).keyset.items) {
          if (!item.privateKey) continue;
          secrets.push(...item.privateKey.split('\n').filter((l) => l.length > 40), Buffer.from(item.privateKey).toString('base64').slice(0, 60));
        }
      }
      for (const n of await listSecretNames(store, NAME)) {
        const s = await readSecret(store, NAME, n);
        const text = Buffer.from(s!.data).toString('utf8');
        secrets.push(...text.split(/[\s.:"]+/).filter((w) => w.length >= 16), Buffer.from(s!.data).toString('base64'));
      }
      expect(secrets.length).toBeGreaterThan(20);

      // The store encrypted under A (the key itself in KOPS_NEW_SECRET_KEY), then A → B (a key file),
      // then the refusals: the same key, a third key as the current one, the old key after it.
      const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const fileB = join(mkdtempSync(join(tmpdir(), 'kops-ts-secrets-')), 'new.key');
      writeFileSync(fileB, b.toString('base64'), { mode: 0o600 });
      for (const k of [a, b, c]) secrets.push(k.toString('base64'), k.toString('hex'), k.toString('base64url'));
      await ok(['rotate', 'secret-key', '--name', NAME], { KOPS_NEW_SECRET_KEY: a.toString('base64') });
      await ok(['rotate', 'secret-key', '--name', NAME, '--yes'], { KOPS_NEW_SECRET_KEY: a.toString('base64') });
      await ok(['rotate', 'secret-key', '--name', NAME, '--new-secret-key', fileB, '--yes', '-o', 'yaml'], { KOPS_SECRET_KEY: a.toString('base64') });
      const refusals = [
        await run(['rotate', 'secret-key', '--name', NAME, '--new-secret-key', fileB, '--yes'], { KOPS_SECRET_KEY: b.toString('base64') }),
        await run(['rotate', 'secret-key', '--name', NAME, '--yes'], { KOPS_SECRET_KEY: c.toString('base64'), KOPS_NEW_SECRET_KEY: a.toString('base64') }),
        await run(['get', 'keypairs', '--name', NAME], { KOPS_SECRET_KEY: a.toString('base64') }),
      ];
      expect(refusals.map((f) => f.code)).toEqual([2, 2, 1]);
      expect(refusals.every((f) => /\n\s+at /.test(f.stderr)), 'each printed its stack trace').toBe(true);
      for (const { what, r } of outputs) {
        const text = r.stdout + r.stderr;
        expect(text, what).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----\n|privateMaterial: \S{20}/);
        for (const s of secrets) expect(text.includes(s), `${what} printed a secret`).toBe(false);
      }
    } finally {
      await fake.close();
    }
  }, 300_000);
});
