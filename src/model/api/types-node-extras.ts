/**
 * kops's node customisations, with kops's v1alpha2 field names (pkg/apis/kops/v1alpha2: FileAssetSpec,
 * HookSpec, ExecContainerAction, UserData): what the cluster and each instance group add to their
 * nodes. How kops-ts acts on them: src/bootstrap/node-extras.ts, src/bootstrap/user-data-parts.ts;
 * their checks: src/model/validation-node-extras.ts.
 */
import type { InstanceGroupRole } from './types.js';

/** A file written on the group's instances. */
export interface FileAssetSpec {
  name: string;
  /** Absolute; kops's default is `/srv/kubernetes/assets/<name>`. */
  path?: string;
  /** The roles whose groups get it; all when empty. */
  roles?: InstanceGroupRole[];
  content: string;
  /** `content` is base64 of the file's bytes. */
  isBase64?: boolean;
  /** Octal, e.g. `"0644"`; kops's default is `"0440"`. */
  mode?: string;
}

/** A container run once by a hook's unit (kops: `ctr run` with the host's root at /rootfs). */
export interface ExecContainerAction {
  image: string;
  command?: string[];
  environment?: Record<string, string>;
}

/** A systemd unit written, enabled and started before kubeadm runs (or an existing one switched off). */
export interface HookSpec {
  /** The unit's name (`.service` is added when missing); kops's default is `kops-hook-<index>`. */
  name?: string;
  /** v1alpha2's `disabled` (see docs/spec.md: kops reads it inverted; kops-ts takes only `true`, without an action). */
  disabled?: boolean;
  roles?: InstanceGroupRole[];
  requires?: string[];
  before?: string[];
  execContainer?: ExecContainerAction;
  /** The unit's [Service] section, or with `useRawManifest` the whole unit. */
  manifest?: string;
  useRawManifest?: boolean;
}

/** One part of a MIME multipart user data (kops's `UserData`). */
export interface UserDataPart {
  name: string;
  /** A cloud-init part type, e.g. `text/x-shellscript`, `text/cloud-config`. */
  type: string;
  content: string;
}

/**
 * kops's `containerd` (ContainerdConfig) of the cluster and of an instance group, the group's merged
 * over the cluster's. kops-ts acts on `registryMirrors` (src/bootstrap/containerd-config.ts) and
 * `configAdditions` (containerd-additions.ts); it refuses `version`, `packages` and `runc` where they
 * name another containerd or runc than the one it installs (src/model/validation-containerd.ts).
 * kops's other fields are kept with a warning each.
 */
export interface ContainerdSpec {
  /** Registry host (`docker.io`, `registry.example.com:5000`, or `*` for every registry) → mirror URLs, tried in order. */
  registryMirrors?: Record<string, string[]>;
  /** TOML key path (kops's split: a quoted part keeps its dots) → value, set in config.toml; the group's key replaces the cluster's. */
  configAdditions?: Record<string, string | number>;
  /** kops: the containerd release to install. kops-ts installs Ubuntu's 1.7 (CONTAINERD_PACKAGE_VERSION). */
  version?: string;
  /** kops: the URL and hash of containerd's tarball. Refused: kops-ts installs Ubuntu's package. */
  packages?: Record<string, unknown>;
  /** kops: runc's version or tarball. Refused: Ubuntu's runc comes with its containerd package. */
  runc?: { version?: string; packages?: Record<string, unknown> };
  [k: string]: unknown;
}
