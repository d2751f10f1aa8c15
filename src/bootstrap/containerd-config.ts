/**
 * The spec's `containerd.registryMirrors` on the node, as kops's nodeup writes them
 * (nodeup/pkg/model/containerd.go, buildRegistryHosts): containerd's hosts directory. One
 * `/etc/containerd/certs.d/<registry>/hosts.toml` per registry (kops's `*` is containerd's catch-all
 * directory `_default`), each mirror a `[host."<url>"]` table with `capabilities = ["pull", "resolve"]`
 * in the order given (containerd tries them in that order). No `server` line, as kops: containerd then
 * falls back to the registry itself (docker.io's registry-1.docker.io) after the mirrors, and a `*`
 * entry cannot name one upstream for every registry anyway.
 *
 * containerd reads the directory only when the CRI plugin's registry section names it:
 * `config_path = "/etc/containerd/certs.d"`. install.sh writes `containerd config default` of the
 * containerd it installs (CONTAINERD_PACKAGE_VERSION, Ubuntu's 1.7: config version 2), whose
 * `[plugins."io.containerd.grpc.v1.cri".registry]` section has `config_path = ""`. The step below sets
 * that one line (the transfer plugin's own `config_path` is left alone, as kops does), checks with
 * python3's tomllib that containerd will read the value there, and restarts containerd. Any other
 * config (containerd 2's version 3 moved the section to `io.containerd.cri.v1.images`) stops the
 * boot with one line naming the section it lacks, as install.sh's SystemdCgroup check does.
 */
import type { ContainerdSpec } from '../model/api/types.js';

/** containerd's hosts directory, as kops names it. */
export const CONTAINERD_HOSTS_DIR = '/etc/containerd/certs.d';
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
/** The section of containerd 1.7's config (version 2) that holds the CRI plugin's `config_path`. */
export const CRI_REGISTRY_SECTION = '[plugins."io.containerd.grpc.v1.cri".registry]';

/** One registry's mirrors, in the order containerd tries them. */
export interface RegistryMirror {
  /** The registry host as the spec names it (`docker.io`, `host:5000`, or `*`). */
  readonly registry: string;
  readonly mirrors: readonly string[];
}

/**
 * kops's merge (nodeup config.go, buildContainerdConfig: the group's ContainerdConfig JSON-merged over
 * the cluster's): a registry the group names replaces the cluster's mirrors for it; the others stay.
 * Sorted by registry, as kops writes them, so the script does not change with the manifest's order.
 */
export function mergedRegistryMirrors(cluster: ContainerdSpec | undefined, group: ContainerdSpec | undefined): RegistryMirror[] {
  const merged = { ...(cluster?.registryMirrors ?? {}), ...(group?.registryMirrors ?? {}) };
  return Object.keys(merged)
    .sort()
    .map((registry) => ({ registry, mirrors: [...(merged[registry] ?? [])] }))
    .filter((m) => m.mirrors.length > 0);
}

/** The registry's directory under the hosts directory: `*` is containerd's `_default`. */
export function hostsDirName(registry: string): string {
  return registry === '*' ? '_default' : registry;
}

/** The registry's hosts.toml (its path and content). */
export function hostsToml(m: RegistryMirror): { path: string; content: string } {
  const content = m.mirrors.map((url) => `[host.${JSON.stringify(url)}]\n  capabilities = ["pull", "resolve"]\n`).join('\n');
  return { path: `${CONTAINERD_HOSTS_DIR}/${hostsDirName(m.registry)}/hosts.toml`, content };
}

/** An ERE matching the section's header line (awk's dialect: `[`, `]`, `.` escaped). */
const SECTION_ERE = `^[[:space:]]*${CRI_REGISTRY_SECTION.replace(/[[\].]/g, (c) => `\\${c}`)}[[:space:]]*$`;

/**
 * The script's lines after the hosts.toml files are written: point the CRI registry at the hosts
 * directory and check it (CONTAINERD_RESTART follows). Each failure is one line on stderr and exit 1.
 */
export function registryConfigPathStep(): string[] {
  const missing = `kops-ts: $1 has no config_path in a ${CRI_REGISTRY_SECTION} section (containerd 1.7's config, version 2), where registryMirrors must name ${CONTAINERD_HOSTS_DIR}`;
  return [
    `# containerd reads ${CONTAINERD_HOSTS_DIR} only when the CRI plugin's registry section names it (config version 2, containerd 1.7).`,
    '# set_registry_config_path CONFIG: the config_path line of its CRI registry section names the hosts directory.',
    'set_registry_config_path() {',
    '  local tmp',
    '  tmp=$(mktemp "$1.XXXXXX")',
    // A header line starts a section; inside the CRI registry section the config_path line gets the directory.
    `  if ! awk '/^[[:space:]]*\\[/ { inside = ($0 ~ /${SECTION_ERE.replace(/\//g, '\\/')}/) }`,
    `    inside && /^[[:space:]]*config_path[[:space:]]*=/ { sub(/=.*/, "= \\"${CONTAINERD_HOSTS_DIR}\\""); done = 1 }`,
    `    { print } END { exit !done }' "$1" >"$tmp"; then`,
    '    rm -f "$tmp"',
    `    echo ${shDouble(missing)} >&2`,
    '    exit 1',
    '  fi',
    '  chmod --reference="$1" "$tmp"',
    '  mv -fT "$tmp" "$1"',
    // What containerd will read: the TOML parses and the value is in the CRI plugin's registry table.
    `  python3 -c 'import sys, tomllib; c = tomllib.load(open(sys.argv[1], "rb")); sys.exit(c["plugins"]["io.containerd.grpc.v1.cri"]["registry"]["config_path"] != sys.argv[2])' "$1" '${CONTAINERD_HOSTS_DIR}' ||`,
    `    { echo "kops-ts: $1 does not read back config_path = \\"${CONTAINERD_HOSTS_DIR}\\" in its CRI registry section" >&2; exit 1; }`,
    '}',
    `set_registry_config_path '${CONTAINERD_CONFIG}'`,
  ];
}

/** After the hosts directory and the config additions: containerd reads its config only at start. */
export const CONTAINERD_RESTART = 'systemctl restart containerd || { echo "kops-ts: containerd did not restart with the spec\'s containerd settings (journalctl -u containerd)" >&2; exit 1; }';

/** A double-quoted shell word (the message above: its only expansion is `$1`). */
function shDouble(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
