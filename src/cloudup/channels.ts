/**
 * Channels in kops's format (kubernetes/kops `channels/stable`): per Kubernetes range the
 * recommended and required version, and per cloud, architecture and Kubernetes range the OS image.
 * The first entry whose range matches wins, as in kops (`FindKubernetesVersionSpec`, `FindImage`).
 *
 * kops-ts ships `channels/stable.yaml` with the package; `--channel` (or `spec.channel`) may name
 * it (`stable`), a file path (`file://` or plain), or an `https://` URL.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { KopsError, error, type Diagnostic } from '../diagnostics.js';
import { YamlError, parseKopsYaml } from '../model/api/yaml.js';
import { DEFAULT_CHANNEL } from '../model/defaults.js';

export interface ChannelKubernetesVersion {
  /** A semver range, e.g. `>=1.36.0`. */
  readonly range: string;
  readonly recommendedVersion?: string;
  readonly requiredVersion?: string;
}

export interface ChannelImage {
  readonly name: string;
  readonly providerID: string;
  /** `amd64` or `arm64`; unset matches both (kops's older channels). */
  readonly architectureID?: string;
  /** A semver range; unset matches every version. */
  readonly kubernetesVersion?: string;
}

export interface Channel {
  /** Where it was read from (file path or URL), named in every error. */
  readonly source: string;
  readonly kubernetesVersions: readonly ChannelKubernetesVersion[];
  readonly images: readonly ChannelImage[];
}

/** The channel file shipped with the package (`channels/stable.yaml`, in package.json "files"). */
export const SHIPPED_CHANNEL_FILE = fileURLToPath(new URL('../../channels/stable.yaml', import.meta.url));

/** How a channel is read; tests pass their own `fetch`. */
export interface ChannelLoaderOptions {
  /** Base for relative paths (the working directory). */
  readonly cwd?: string;
  readonly fetch?: (url: string, init: { signal: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
  /** Longest wait for an https channel (default 30 s). */
  readonly timeoutMs?: number;
}

/** What a `--channel`/`spec.channel` value names: the shipped channel, a file, or a URL. */
export function channelLocation(ref: string | undefined, cwd: string = process.cwd()): { kind: 'shipped' | 'file' | 'url'; location: string } {
  const r = (ref ?? '').trim();
  if (r === '' || r === DEFAULT_CHANNEL) return { kind: 'shipped', location: SHIPPED_CHANNEL_FILE };
  if (r.startsWith('https://')) return { kind: 'url', location: r };
  if (r.startsWith('http://')) {
    throw new KopsError('InsecureChannelURL', `channel ${r} would be read over plain http`, { hint: 'use an https:// URL or a local file', exitCode: 2 });
  }
  if (r.startsWith('file://')) return { kind: 'file', location: fileURLToPath(r) };
  if (r.includes('/') || r.endsWith('.yaml') || r.endsWith('.yml')) return { kind: 'file', location: isAbsolute(r) ? r : resolve(cwd, r) };
  throw new KopsError('UnknownChannel', `channel ${JSON.stringify(r)} is not known: kops-ts ships only the ${DEFAULT_CHANNEL} channel`, {
    hint: `use --channel ${DEFAULT_CHANNEL}, a channel file (./my-channel.yaml) or an https:// URL to one in kops's format`,
    exitCode: 2,
  });
}

/** Reads and parses the channel `ref` names (see `channelLocation`). */
export async function loadChannel(ref: string | undefined, opts: ChannelLoaderOptions = {}): Promise<Channel> {
  const where = channelLocation(ref, opts.cwd);
  let text: string;
  if (where.kind === 'url') {
    const fetchFn = opts.fetch ?? ((u, init) => fetch(u, init));
    let res: Awaited<ReturnType<typeof fetchFn>>;
    try {
      res = await fetchFn(where.location, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    } catch (e) {
      throw new KopsError('ChannelUnreachable', `cannot read channel ${where.location}: ${(e as Error).message}`, { hint: 'check the URL and the network, or pass a channel file', cause: e });
    }
    if (!res.ok) throw new KopsError('ChannelUnreachable', `cannot read channel ${where.location}: HTTP ${res.status}`, { hint: 'check the URL, or pass a channel file' });
    text = await res.text();
  } else {
    try {
      text = await readFile(where.location, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new KopsError('ChannelNotFound', `cannot read channel file ${where.location}${code ? ` (${code})` : ''}`, {
        hint: where.kind === 'shipped' ? 'the kops-ts package is incomplete: reinstall it' : 'check the path given to --channel or in spec.channel',
        exitCode: where.kind === 'shipped' ? 1 : 2,
        cause: e,
      });
    }
  }
  return parseChannel(text, where.location);
}

/** Parses a channel document; every problem at once, each with its field path, as `InvalidChannel`. */
export function parseChannel(text: string, source: string): Channel {
  let doc: unknown;
  try {
    doc = parseKopsYaml(text);
  } catch (e) {
    if (e instanceof YamlError) throw invalid([error('InvalidChannel', e.message, { file: source, hint: 'fix the YAML syntax' })], source);
    throw e;
  }
  const diags: Diagnostic[] = [];
  const err = (path: string, summary: string, hint: string) => diags.push(error('InvalidChannel', summary, { path, file: source, hint }));
  const spec = isRecord(doc) ? doc['spec'] : undefined;
  if (!isRecord(spec)) {
    err('spec', 'a channel needs a spec with kubernetesVersions and images', "see kops's channels/stable for the format");
    throw invalid(diags, source);
  }
  const versions = listAt(spec, 'kubernetesVersions', err);
  const images = listAt(spec, 'images', err);
  const kubernetesVersions: ChannelKubernetesVersion[] = [];
  versions.forEach((v, i) => {
    const p = `spec.kubernetesVersions[${i}]`;
    if (!isRecord(v)) return err(p, 'expected a mapping with range, recommendedVersion and requiredVersion', 'e.g. {range: ">=1.36.0", recommendedVersion: 1.36.3, requiredVersion: 1.36.0}');
    const range = rangeAt(v, `${p}.range`, err, true);
    const recommendedVersion = versionAt(v, 'recommendedVersion', p, err);
    const requiredVersion = versionAt(v, 'requiredVersion', p, err);
    if (range !== undefined) kubernetesVersions.push({ range, ...(recommendedVersion ? { recommendedVersion } : {}), ...(requiredVersion ? { requiredVersion } : {}) });
  });
  const out: ChannelImage[] = [];
  images.forEach((im, i) => {
    const p = `spec.images[${i}]`;
    if (!isRecord(im)) return err(p, 'expected a mapping with name, providerID and kubernetesVersion', 'e.g. {name: <image>, providerID: aws, architectureID: amd64, kubernetesVersion: ">=1.32.0"}');
    const name = im['name'];
    const provider = im['providerID'];
    const arch = im['architectureID'];
    if (typeof name !== 'string' || name.trim() === '') err(`${p}.name`, 'the image name is missing', 'set the image (AWS: owner/name or an AMI id; GCE: project/image, e.g. ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20250101)');
    if (typeof provider !== 'string' || provider.trim() === '') err(`${p}.providerID`, 'the provider is missing', 'set providerID: aws or gce');
    if (arch != null && arch !== 'amd64' && arch !== 'arm64') err(`${p}.architectureID`, `${JSON.stringify(arch)} is not an architecture`, 'use amd64 or arm64, or leave it unset');
    const range = rangeAt(im, `${p}.kubernetesVersion`, err, false);
    if (typeof name === 'string' && name.trim() && typeof provider === 'string' && provider.trim()) {
      out.push({ name: name.trim(), providerID: provider.trim(), ...(typeof arch === 'string' ? { architectureID: arch } : {}), ...(range !== undefined ? { kubernetesVersion: range } : {}) });
    }
  });
  if (diags.length > 0) throw invalid(diags, source);
  return { source, kubernetesVersions, images: out };
}

/** The first entry whose range holds `version` (kops's FindKubernetesVersionSpec). */
export function findKubernetesVersion(channel: Channel, version: string): ChannelKubernetesVersion | undefined {
  const v = semver.coerce(version, { includePrerelease: true });
  if (!v) return undefined;
  return channel.kubernetesVersions.find((e) => semver.satisfies(v, e.range, { includePrerelease: true }));
}

/** The first image for the cloud, architecture and version (kops's FindImage). */
export function findImage(channel: Channel, provider: string, version: string, arch: 'amd64' | 'arm64'): ChannelImage | undefined {
  const v = semver.coerce(version);
  if (!v) return undefined;
  return channel.images.find(
    (im) => im.providerID === provider && (im.architectureID === undefined || im.architectureID === arch) && (im.kubernetesVersion === undefined || semver.satisfies(v, im.kubernetesVersion)),
  );
}

function invalid(diagnostics: readonly Diagnostic[], source: string): KopsError {
  return new KopsError('InvalidChannel', `channel ${source} has ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}`, { diagnostics, exitCode: 2 });
}

type Err = (path: string, summary: string, hint: string) => void;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listAt(spec: Record<string, unknown>, key: string, err: Err): unknown[] {
  const v = spec[key];
  if (v == null) return [];
  if (!Array.isArray(v)) {
    err(`spec.${key}`, `expected a list, got ${typeof v}`, `make spec.${key} a YAML list`);
    return [];
  }
  return v;
}

function rangeAt(o: Record<string, unknown>, path: string, err: Err, required: boolean): string | undefined {
  const key = path.slice(path.lastIndexOf('.') + 1);
  const v = o[key];
  if (v == null) {
    if (required) err(path, 'the range is missing', 'set a semver range such as ">=1.36.0"');
    return undefined;
  }
  if (typeof v !== 'string' || semver.validRange(v) === null) {
    err(path, `${JSON.stringify(v)} is not a semver range`, 'use a range such as ">=1.36.0" or ">=1.32.0 <1.33.0" (quote it in YAML)');
    return undefined;
  }
  return v;
}

function versionAt(o: Record<string, unknown>, key: string, p: string, err: Err): string | undefined {
  const v = o[key];
  if (v == null) return undefined;
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || semver.valid(s.replace(/^v/, '')) === null) {
    err(`${p}.${key}`, `${JSON.stringify(v)} is not a full Kubernetes version`, 'use a version such as 1.36.3');
    return undefined;
  }
  return s.replace(/^v/, '');
}
