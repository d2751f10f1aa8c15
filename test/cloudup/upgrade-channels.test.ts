/**
 * Channels in kops's format: parsing (every problem with its file and field), where a channel
 * reference points (shipped, file, https URL), loading over https with an injected fetch, and the
 * first-match lookups.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHIPPED_CHANNEL_FILE, channelLocation, findImage, findKubernetesVersion, loadChannel, parseChannel } from '../../src/cloudup/channels.js';
import { KopsError } from '../../src/diagnostics.js';
import { rejectionOf, thrownBy } from '../helpers/errors.js';

describe('parseChannel', () => {
  it("reads kops's shape, first match wins", () => {
    const ch = parseChannel(
      `spec:
  images:
  - {name: img-a, providerID: aws, architectureID: amd64, kubernetesVersion: ">=1.34.0"}
  - {name: img-any, providerID: aws}
  kubernetesVersions:
  - {range: ">=1.35.0", recommendedVersion: v1.35.2, requiredVersion: 1.35.0}
  - {range: ">=1.34.0", recommendedVersion: 1.34.1}
`,
      'c.yaml',
    );
    expect(findKubernetesVersion(ch, '1.36.0')?.recommendedVersion).toBe('1.35.2');
    expect(findKubernetesVersion(ch, '1.34.9')?.recommendedVersion).toBe('1.34.1');
    expect(findKubernetesVersion(ch, '1.33.0')).toBeUndefined();
    expect(findImage(ch, 'aws', '1.35.0', 'amd64')?.name).toBe('img-a');
    expect(findImage(ch, 'aws', '1.35.0', 'arm64')?.name).toBe('img-any');
    expect(findImage(ch, 'gce', '1.35.0', 'amd64')).toBeUndefined();
  });

  it('reports every problem with the file and the field', () => {
    const e = thrownBy(() =>
      parseChannel(
        `spec:
  images:
  - {providerID: aws, kubernetesVersion: "not a range"}
  - {name: x, providerID: aws, architectureID: sparc}
  kubernetesVersions:
  - {recommendedVersion: 1.35.2}
  - {range: ">=1.34.0", recommendedVersion: "1.34", requiredVersion: banana}
`,
        '/tmp/bad-channel.yaml',
      ),
      KopsError,
    );
    expect(e.code).toBe('InvalidChannel');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('channel /tmp/bad-channel.yaml has 6 problems');
    expect(e.diagnostics.map((d) => d.path)).toEqual([
      'spec.kubernetesVersions[0].range',
      'spec.kubernetesVersions[1].recommendedVersion',
      'spec.kubernetesVersions[1].requiredVersion',
      'spec.images[0].name',
      'spec.images[0].kubernetesVersion',
      'spec.images[1].architectureID',
    ]);
    for (const d of e.diagnostics) {
      expect(d.file).toBe('/tmp/bad-channel.yaml');
      expect(d.hint).toBeTruthy();
    }
  });

  it('refuses YAML that does not parse, or has no spec', () => {
    expect(thrownBy(() => parseChannel('spec: [unclosed', 'y.yaml'), KopsError).diagnostics[0]).toMatchObject({ code: 'InvalidChannel', file: 'y.yaml' });
    expect(thrownBy(() => parseChannel('kind: Channel\n', 'n.yaml'), KopsError).diagnostics[0]).toMatchObject({ path: 'spec', file: 'n.yaml' });
    expect(thrownBy(() => parseChannel('spec:\n  images: {a: 1}\n', 'm.yaml'), KopsError).diagnostics[0]).toMatchObject({ path: 'spec.images', summary: 'expected a list, got object' });
  });
});

describe('channel references', () => {
  it('stable is the shipped file; paths and file:// are files; https is a URL', () => {
    expect(channelLocation(undefined)).toEqual({ kind: 'shipped', location: SHIPPED_CHANNEL_FILE });
    expect(channelLocation('stable')).toEqual({ kind: 'shipped', location: SHIPPED_CHANNEL_FILE });
    expect(channelLocation('./mine.yaml', '/work')).toEqual({ kind: 'file', location: '/work/mine.yaml' });
    expect(channelLocation('file:///etc/ch.yaml')).toEqual({ kind: 'file', location: '/etc/ch.yaml' });
    expect(channelLocation('https://example.com/channels/stable')).toEqual({ kind: 'url', location: 'https://example.com/channels/stable' });
  });

  it('refuses plain http and channels kops-ts does not ship', () => {
    expect(thrownBy(() => channelLocation('http://example.com/stable'), KopsError).code).toBe('InsecureChannelURL');
    const e = thrownBy(() => channelLocation('alpha'), KopsError);
    expect(e.code).toBe('UnknownChannel');
    expect(e.diagnostics[0]?.hint).toContain('--channel stable');
  });

  it('loads a file, and names a missing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-channel-'));
    writeFileSync(join(dir, 'c.yaml'), 'spec:\n  kubernetesVersions:\n  - {range: ">=1.32.0", recommendedVersion: 1.32.5}\n');
    expect((await loadChannel('c.yaml', { cwd: dir })).kubernetesVersions).toEqual([{ range: '>=1.32.0', recommendedVersion: '1.32.5' }]);
    const e = await rejectionOf(loadChannel('missing.yaml', { cwd: dir }), KopsError);
    expect(e.code).toBe('ChannelNotFound');
    expect(e.message).toContain(join(dir, 'missing.yaml'));
  });

  it('loads an https URL through fetch, and says why one fails', async () => {
    const seen: string[] = [];
    const ok = await loadChannel('https://example.com/ch', {
      fetch: async (u) => {
        seen.push(u);
        return { ok: true, status: 200, text: async () => 'spec:\n  kubernetesVersions:\n  - {range: ">=1.36.0", recommendedVersion: 1.36.9}\n' };
      },
    });
    expect(seen).toEqual(['https://example.com/ch']);
    expect(ok.source).toBe('https://example.com/ch');
    expect(findKubernetesVersion(ok, '1.36.0')?.recommendedVersion).toBe('1.36.9');
    const notFound = await rejectionOf(loadChannel('https://example.com/none', { fetch: async () => ({ ok: false, status: 404, text: async () => '' }) }), KopsError);
    expect(notFound.message).toBe('cannot read channel https://example.com/none: HTTP 404');
    const down = await rejectionOf(
      loadChannel('https://example.com/down', {
        fetch: async () => {
          throw new Error('getaddrinfo ENOTFOUND example.com');
        },
      }),
      KopsError,
    );
    expect(down.code).toBe('ChannelUnreachable');
    expect(down.message).toContain('ENOTFOUND');
  });
});

describe('the shipped channel file', () => {
  it('is in the package: at channels/stable.yaml, which package.json "files" packs', () => {
    const root = dirname(new URL('../../package.json', import.meta.url).pathname);
    expect(relative(root, SHIPPED_CHANNEL_FILE)).toBe(join('channels', 'stable.yaml'));
    expect(existsSync(SHIPPED_CHANNEL_FILE)).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('channels');
  });
});
