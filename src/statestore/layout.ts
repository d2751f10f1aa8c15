/**
 * Where things live under `<store>/<cluster>/`, as kops lays them out (so kops users recognise it),
 * plus kops-ts's own `lock` and `history/`.
 */
import { validateName } from './paths.js';

export const clusterPaths = {
  config: (cluster: string) => `${checked(cluster)}/config`,
  instanceGroups: (cluster: string) => `${checked(cluster)}/instancegroup/`,
  instanceGroup: (cluster: string, ig: string) => {
    validateName('instance group', ig);
    return `${checked(cluster)}/instancegroup/${ig}`;
  },
  completedSpec: (cluster: string) => `${checked(cluster)}/cluster-completed.spec`,
  kopsVersion: (cluster: string) => `${checked(cluster)}/kops-version.txt`,
  sshPublicKeys: (cluster: string) => `${checked(cluster)}/pki/ssh/public/admin/`,
  /** `id` is the colon-separated fingerprint; the file name drops the colons, as kops does. */
  sshPublicKey: (cluster: string, id: string) => `${checked(cluster)}/pki/ssh/public/admin/${id.replace(/:/g, '')}`,
  secrets: (cluster: string) => `${checked(cluster)}/secrets/`,
  privateKeys: (cluster: string) => `${checked(cluster)}/pki/private/`,
  lock: (cluster: string) => `${checked(cluster)}/lock`,
  history: (cluster: string) => `${checked(cluster)}/history/`,
  /** kops-ts's own: the progress of an interrupted rolling update (src/rolling-update/progress.ts). */
  rollingUpdateState: (cluster: string) => `${checked(cluster)}/rolling-update/state.yaml`,
} as const;

/** Single objects directly under `<cluster>/` that `deleteClusterState` removes (kops's list). */
export const KNOWN_CLUSTER_FILES: readonly string[] = ['config', 'cluster.spec', 'cluster-completed.spec', 'kops-version.txt'];

/** Folders under `<cluster>/` that `deleteClusterState` removes: kops's list plus `history/` and `rolling-update/`. */
export const KNOWN_CLUSTER_PREFIXES: readonly string[] = [
  'addons/',
  'clusteraddons/',
  'pki/',
  'secrets/',
  'instancegroup/',
  'igconfig/',
  'manifests/',
  'backups/',
  'history/',
  'rolling-update/',
];

function checked(cluster: string): string {
  validateName('cluster', cluster);
  return cluster;
}
