/**
 * helm's install by the addons script (`ensure_helm` in /opt/kops-ts/addons.sh), run with the real
 * bash, sha256sum and tar in a temporary root (test/helpers/addons-sandbox.ts) where no helm is
 * installed: the release tarball of the instance's architecture is downloaded (stub curl) and
 * checked against that architecture's pinned digest before anything is extracted. The stub curl
 * serves a real tarball holding a stub helm, not Helm's release, so with the pins as shipped it is
 * refused; the test that installs it pins the stand-in's digest in the script's text.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELM_SHA256, HELM_VERSION } from '../../src/bootstrap/user-data.js';
import { acceptStandIn, HELM_STUB, removeSandboxes, run, sandbox, script, sha256, stage, type Sandbox } from '../helpers/addons-sandbox.js';

afterAll(removeSandboxes);

const helmUrl = (arch: string) => `https://get.helm.sh/helm-v${HELM_VERSION}-linux-${arch}.tar.gz`;

/** A tarball laid out as Helm's release (`linux-<arch>/helm`) holding the stub helm, served by the stub curl. Returns its sha256. */
function serveHelm(sb: Sandbox, arch: string): string {
  const dir = join(sb.root, 'helm-release');
  mkdirSync(join(dir, `linux-${arch}`), { recursive: true });
  writeFileSync(join(dir, `linux-${arch}/helm`), `#!/bin/bash\n${HELM_STUB}\n`, { mode: 0o755 });
  const tarball = join(sb.downloads, `helm-v${HELM_VERSION}-linux-${arch}.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', dir, `linux-${arch}/helm`]);
  return sha256(readFileSync(tarball));
}

/** A cilium cluster staged in a sandbox without helm, its charts' stand-ins accepted, so addons.sh gets as far as helm. */
async function staged(arch: string, env?: (text: string) => string): Promise<{ sb: Sandbox; tarballSha: string }> {
  const sb = sandbox({ helm: false, arch });
  const vars = await stage(sb, {}, env);
  acceptStandIn(sb, vars.CNI_ADDON!);
  acceptStandIn(sb, vars.CCM_ADDON!);
  return { sb, tarballSha: serveHelm(sb, arch) };
}

const work = (sb: Sandbox) => join(sb.root, 'var/lib/kops-ts/addons');

describe('helm in addons.sh', () => {
  it('addons.sh carries helm\'s pinned digest of each architecture', async () => {
    const { sb } = await staged('amd64');
    const text = readFileSync(script(sb), 'utf8');
    expect(text).toContain(`HELM_SHA256_AMD64='${HELM_SHA256.amd64!}'\n`);
    expect(text).toContain(`HELM_SHA256_ARM64='${HELM_SHA256.arm64!}'\n`);
  });

  it('a download that is not the pinned release of the instance\'s architecture is refused with one line: nothing extracted, installed or applied', async () => {
    for (const arch of ['amd64', 'arm64'] as const) {
      const { sb, tarballSha } = await staged(arch);
      const r = await run(sb, script(sb));
      expect(r.code, arch).toBe(1);
      expect(r.stderr).toBe(`kops-ts: helm ${HELM_VERSION} (${helmUrl(arch)}): the download's sha256 is ${tarballSha}, not the pinned ${HELM_SHA256[arch]!}; refusing to install it\n`);
      expect(r.log).toContain(`curl ${helmUrl(arch)}`);
      expect(existsSync(join(sb.root, 'usr/local/bin/helm'))).toBe(false);
      expect(existsSync(join(work(sb), `linux-${arch}`))).toBe(false);
      expect(r.log.filter((l) => l.startsWith('kubectl') || l.startsWith('helm'))).toEqual([]);
    }
  });

  it('the pinned release (test-only: the script pins the stand-in tarball\'s digest) is extracted, installed and renders the chart', async () => {
    const { sb, tarballSha } = await staged('amd64');
    const pinned = `HELM_SHA256_AMD64='${HELM_SHA256.amd64!}'`;
    const file = script(sb, (t) => {
      expect(t).toContain(pinned);
      return t.replace(pinned, `HELM_SHA256_AMD64='${tarballSha}'`);
    });
    const r = await run(sb, file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('kops-ts: applied addon cilium 1.17.4\n');
    // Downloaded once, before the first chart; the second chart uses the installed helm.
    expect(r.log.filter((l) => l.startsWith('curl') || l.startsWith('helm'))).toEqual([
      'curl https://helm.cilium.io/cilium-1.17.4.tgz',
      `curl ${helmUrl('amd64')}`,
      'helm template cilium kube-system 1.36.3',
      expect.stringMatching(/^curl https:\/\/github\.com\/kubernetes\/cloud-provider-aws\/releases\/download\/helm-chart-aws-cloud-controller-manager-0\.0\.11\//),
      'helm template aws-cloud-controller-manager kube-system 1.36.3',
    ]);
    expect(statSync(join(sb.root, 'usr/local/bin/helm')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(sb.root, 'usr/local/bin/helm'), 'utf8')).toContain(HELM_STUB);
  });

  it('an architecture Helm has no pinned release for stops the script before any download', async () => {
    const { sb } = await staged('riscv64');
    const r = await run(sb, script(sb));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kops-ts: no helm release for architecture riscv64\n');
    expect(r.log.filter((l) => l.includes('get.helm.sh'))).toEqual([]);
  });

  it('helm without a digest (test-only: the script\'s is emptied) is refused unless addons.sh sets ADDONS_ALLOW_UNPINNED=1', async () => {
    const unpin = (t: string) => t.replace(`HELM_SHA256_AMD64='${HELM_SHA256.amd64!}'`, "HELM_SHA256_AMD64=''");
    const refused = await staged('amd64');
    const r = await run(refused.sb, script(refused.sb, unpin));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: helm ${HELM_VERSION} (${helmUrl('amd64')}) has no pinned sha256; refusing to install it (ADDONS_ALLOW_UNPINNED=1 accepts unpinned addons)\n`);
    expect(existsSync(join(refused.sb.root, 'usr/local/bin/helm'))).toBe(false);

    const allowed = await staged('amd64', (t) => t.replace("ADDONS_ALLOW_UNPINNED='0'", "ADDONS_ALLOW_UNPINNED='1'"));
    const a = await run(allowed.sb, script(allowed.sb, unpin));
    expect(a.stdout).toContain(`kops-ts: helm ${HELM_VERSION} (${helmUrl('amd64')}) has no pinned sha256; using it because ADDONS_ALLOW_UNPINNED=1\n`);
    expect(a.stdout).toContain('kops-ts: applied addon cilium 1.17.4\n');
    expect(existsSync(join(allowed.sb.root, 'usr/local/bin/helm'))).toBe(true);
  });
});
