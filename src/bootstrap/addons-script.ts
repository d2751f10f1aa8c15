/**
 * addons.sh, run by every control plane once its API server is up: after `kubeadm init` (the
 * first control plane, a restore) and after `kubeadm join` (docs/bootstrap.md, "Addons"). It is
 * kept in each control-plane group's igconfig, not in the user data: bootstrap.sh fetches it and
 * checks it against the sha256 the instance was launched with (`addons:` in its identity file),
 * so the addon versions and settings a group applies are part of its launch template, and an addon
 * change rolls the control planes. The script names the addons it applies (their descriptions' paths
 * in the store, and the sha256 of each as planned: a settings change without a new version changes
 * the script too), reads them with the cloud's reader, checks their pinned sha256, renders helm charts
 * and applies them server-side. A `stored-manifest` addon (the GCE cloud controller, the cluster
 * autoscaler) is read from the store too, not downloaded, and its sha256 is required.
 */
import { createHash } from 'node:crypto';
import { BOOTSTRAP_ENV_FILE, HELM_SHA256, HELM_VERSION, type CloudBootstrap } from './cloud-bootstrap.js';
import { shQuote } from '../text/shell-quote.js';

/** What addons.sh applies: the addons' descriptions, relative to the cluster's directory in the store. */
export interface AddonsVars {
  readonly CNI_ADDON?: string;
  readonly CCM_ADDON?: string;
  /** The cluster autoscaler's (AWS, `spec.clusterAutoscaler.enabled`): a stored manifest. */
  readonly CA_ADDON?: string;
  /** '1' only when an artefact kops-ts ships has no pinned sha256 (store.ts `unpinned`). */
  readonly ADDONS_ALLOW_UNPINNED: '0' | '1';
}

/**
 * The sha256 of each description addons.sh applies, by its path (as in AddonsVars), as the plan
 * renders it (addons.ts `addonDigests`): in the script's header, so that new settings of an addon
 * whose version stays (a CNI option, the pod CIDR, the cloud controller's arguments) make a new
 * script, and so new launch templates for the control planes.
 */
export type AddonDigests = Readonly<Record<string, string>>;

/** The parts of the cloud's bootstrap addons.sh uses. */
export type AddonsCloud = Pick<CloudBootstrap, 'fetchCommand' | 'storeScheme' | 'addonsWhat'>;

/**
 * addons.sh as a control-plane group's igconfig holds it. It carries no store location (bootstrap.sh
 * passes STATE_BUCKET, CLUSTER_DIR and the cloud's store variables), so its bytes, and so its
 * sha256 in the launch template, change only with the addons, their pins, their settings
 * (`digests`) and the script.
 */
export function addonsScript(cloud: AddonsCloud, vars: AddonsVars, digests: AddonDigests): string {
  const settings = Object.entries(digests).map(([path, sha]) => `# ${path} ${sha}\n`).join('');
  return `#!/bin/bash
# kops-ts: apply the cluster's addons (${cloud.addonsWhat}) with the admin kubeconfig (src/bootstrap/addons-script.ts).
# Run by bootstrap.sh after kubeadm init or join, with STATE_BUCKET and CLUSTER_DIR in its environment.
${settings ? `# The sha256 of each description, as planned (the API load balancer's name left out): new settings, new script.\n${settings}` : ''}set -euo pipefail

${Object.entries({
    ...(vars.CNI_ADDON ? { CNI_ADDON: vars.CNI_ADDON } : {}),
    ...(vars.CCM_ADDON ? { CCM_ADDON: vars.CCM_ADDON } : {}),
    ...(vars.CA_ADDON ? { CA_ADDON: vars.CA_ADDON } : {}),
    ADDONS_ALLOW_UNPINNED: vars.ADDONS_ALLOW_UNPINNED,
    HELM_VERSION,
    HELM_SHA256_AMD64: HELM_SHA256.amd64 ?? '',
    HELM_SHA256_ARM64: HELM_SHA256.arm64 ?? '',
  }).map(([k, v]) => `${k}=${shQuote(v)}`).join('\n')}
${addonsBody(cloud)}${vars.CA_ADDON ? AUTOSCALER_STEP : ''}`;
}

/**
 * The cluster autoscaler's step, only in the script of a cluster that runs it: without it the
 * script is byte for byte what it was, so its digest (in the control planes' launch templates)
 * does not change and no control plane rolls for a feature the cluster does not use.
 */
const AUTOSCALER_STEP = 'apply_addon "$CA_ADDON"\n';

/** The sha256 of `addonsScript(cloud, vars, digests)`: `addons:` in a control plane's identity file. */
export function addonsScriptSha256(cloud: AddonsCloud, vars: AddonsVars, digests: AddonDigests): string {
  return createHash('sha256').update(addonsScript(cloud, vars, digests)).digest('hex');
}

/**
 * addons.sh's body: applies the addons its header names, reading them with `cloud`'s fetch.
 * Its functions are described here, not in the script:
 * - `check FILE SHA256 WHAT [VERB]`: the pinned digest must match; a missing one is refused
 *   unless the script's header sets ADDONS_ALLOW_UNPINNED=1. VERB (`apply`, `install`) is in the refusal.
 * - `ensure_helm`: helm's release tarball for the instance's architecture, checked against that
 *   architecture's digest before it is extracted; a helm already installed is used as it is
 *   (Ubuntu's images have none).
 * - `describe ADDON_YAML VALUES_OUT`: prints "name version format url sha256" (a stored
 *   manifest's object in place of the url) and writes the values as JSON, which helm reads as YAML
 *   (python3-yaml is installed with cloud-init).
 * - `apply_addon PATH`: PATH is relative to the cluster's directory in the store. A
 *   `stored-manifest` (rendered by kops-ts, kept beside its description) always has a digest.
 */
export function addonsBody(cloud: AddonsCloud): string {
  return `
ENV_FILE=/etc/kops-ts/igconfig/${BOOTSTRAP_ENV_FILE}
WORK=/var/lib/kops-ts/addons
HELM=/usr/local/bin/helm
export KUBECONFIG=/etc/kubernetes/admin.conf

die() {
  echo "kops-ts: $*" >&2
  exit 1
}

[ -n "\${STATE_BUCKET:-}" ] && [ -n "\${CLUSTER_DIR:-}" ] || die "STATE_BUCKET and CLUSTER_DIR are not set: bootstrap.sh runs this script"
[ -f "$ENV_FILE" ] || die "$ENV_FILE is missing: bootstrap.sh fetches it before kubeadm init or join"
# Only the Kubernetes version (helm's --kube-version) comes from bootstrap.env; the addons are this script's.
# shellcheck source=/dev/null
KUBERNETES_VERSION=$(. "$ENV_FILE" && printf '%s' "\${KUBERNETES_VERSION:-}")
[ -n "$KUBERNETES_VERSION" ] || die "$ENV_FILE names no KUBERNETES_VERSION"
[ -f "$KUBECONFIG" ] || die "$KUBECONFIG is missing: the addons are applied after kubeadm init or join"
ALLOW_UNPINNED=\${ADDONS_ALLOW_UNPINNED:-0}
install -d -m 0700 "$WORK"

check() {
  local got verb=\${4:-apply}
  if [ -n "$2" ]; then
    got=$(sha256sum "$1" | cut -d ' ' -f 1)
    [ "$got" = "$2" ] || die "$3: the download's sha256 is $got, not the pinned $2; refusing to $verb it"
  elif [ "$ALLOW_UNPINNED" = 1 ]; then
    echo "kops-ts: $3 has no pinned sha256; using it because ADDONS_ALLOW_UNPINNED=1"
  else
    die "$3 has no pinned sha256; refusing to $verb it (ADDONS_ALLOW_UNPINNED=1 accepts unpinned addons)"
  fi
}

download() {
  curl -fsSL --retry 5 -o "$2" "$1" || die "cannot download $1"
}

ensure_helm() {
  local arch sha url
  [ -x "$HELM" ] && return 0
  arch=$(dpkg --print-architecture)
  case "$arch" in
    amd64) sha=$HELM_SHA256_AMD64 ;;
    arm64) sha=$HELM_SHA256_ARM64 ;;
    *) die "no helm release for architecture $arch" ;;
  esac
  url="https://get.helm.sh/helm-v\${HELM_VERSION}-linux-\${arch}.tar.gz"
  download "$url" "$WORK/helm.tar.gz"
  check "$WORK/helm.tar.gz" "$sha" "helm \${HELM_VERSION} ($url)" install
  tar -xzf "$WORK/helm.tar.gz" -C "$WORK" "linux-\${arch}/helm"
  install -D -m 0755 "$WORK/linux-\${arch}/helm" "$HELM"
}

describe() {
  python3 - "$1" "$2" <<'PY'
import json, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
s = d["source"]
json.dump(d.get("values") or {}, open(sys.argv[2], "w"))
print(d["name"], d["version"], s["format"], s.get("url") or s["object"], s.get("sha256") or "")
PY
}

wait_api() {
  local i
  for ((i = 0; i < 60; i++)); do
    if kubectl get --raw /readyz >/dev/null 2>&1; then return 0; fi
    sleep 5
  done
  die "the API server did not become ready through $KUBECONFIG within 5 minutes"
}

apply_addon() {
  local desc name version format url sha rendered
  install -d -m 0700 "$WORK/fetched"
  desc="$WORK/fetched/addon.yaml"
  ${cloud.fetchCommand('"$CLUSTER_DIR/$1"', '"$desc"')} ||
    die "cannot read ${cloud.storeScheme}$STATE_BUCKET/$CLUSTER_DIR/$1"
  read -r name version format url sha < <(describe "$desc" "$WORK/fetched/values.json") ||
    die "$1 is not an addon description"
  [[ "$name/$version" =~ ^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$ ]] || die "$1 names an invalid addon or version"
  if [ -e "$WORK/$name-$version.applied" ]; then
    echo "kops-ts: addon $name $version already applied"
    return 0
  fi
  install -d -m 0700 "$WORK/$name-$version"
  mv "$WORK/fetched/values.json" "$WORK/$name-$version/values.json"
  if [ "$format" = stored-manifest ]; then
    [ -n "$sha" ] || die "addon $name $version: a stored manifest without its sha256 is refused"
    [[ "$url" =~ ^addons/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$ && "$url" != *..* ]] ||
      die "addon $name $version names an invalid manifest object"
    ${cloud.fetchCommand('"$CLUSTER_DIR/$url"', '"$WORK/$name-$version/artefact"')} ||
      die "cannot read ${cloud.storeScheme}$STATE_BUCKET/$CLUSTER_DIR/$url"
  else
    download "$url" "$WORK/$name-$version/artefact"
  fi
  check "$WORK/$name-$version/artefact" "$sha" "addon $name $version ($url)"
  rendered="$WORK/$name-$version/artefact"
  case "$format" in
    manifest | stored-manifest) ;;
    helm-chart)
      ensure_helm
      rendered="$WORK/$name-$version/rendered.yaml"
      "$HELM" template "$name" "$WORK/$name-$version/artefact" --namespace kube-system \\
        --kube-version "$KUBERNETES_VERSION" --values "$WORK/$name-$version/values.json" >"$rendered" ||
        die "helm could not render addon $name $version"
      ;;
    *) die "addon $name $version has format $format; kops-ts applies manifest, stored-manifest or helm-chart" ;;
  esac
  # --force-conflicts: kops-ts owns what its addons set. Without it, a field another manager set
  # to another value (kops's channels on an adopted cluster, a hand edit) stops this control
  # plane's bootstrap; kops's channels force their server-side apply for the same reason.
  kubectl apply --server-side --force-conflicts --field-manager=kops-ts -f "$rendered" >/dev/null ||
    die "kubectl could not apply addon $name $version"
  touch "$WORK/$name-$version.applied"
  echo "kops-ts: applied addon $name $version"
}

wait_api
if [ -n "\${CNI_ADDON:-}" ]; then apply_addon "$CNI_ADDON"; fi
if [ -n "\${CCM_ADDON:-}" ]; then apply_addon "$CCM_ADDON"; fi
`;
}
