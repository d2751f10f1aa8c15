/**
 * The GCE cloud controller addon (src/bootstrap/gce-ccm.ts): its manifest parsed as YAML documents
 * (kinds, namespace, the DaemonSet's placement and tolerations, the RBAC it binds), the
 * controller's arguments and gce.conf derived from the cluster (two clusters that differ in
 * project, network and IP aliases give different values), the image per Kubernetes minor, the
 * description that pins the manifest by sha256, and `writeBootstrapConfig` on a GCE cluster.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { GCE_CCM_IMAGE_TAGS, gceCcmAddon } from '../../src/bootstrap/gce-ccm.js';
import { writeBootstrapConfig } from '../../src/bootstrap/store.js';
import { ensureClusterKeysets } from '../../src/pki/cluster.js';
import { KeysetStore } from '../../src/pki/store.js';
import { openStateStore } from '../../src/statestore/open.js';
import { KopsError } from '../../src/diagnostics.js';
import type { Cluster } from '../../src/model/api/types.js';

const NAME = 'ccm.example.com';

function completed(o: Partial<NewClusterOptions> = {}) {
  const built = newCluster({ name: NAME, cloud: 'gce', zones: ['us-central1-a'], project: 'my-project', ...o });
  return completeCluster(built.cluster, built.instanceGroups);
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
  spec?: { template: { spec: PodSpec } };
}
interface PodSpec {
  hostNetwork: boolean;
  serviceAccountName: string;
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: string; effect: string }[];
  containers: { image: string; args: string[]; env: { name: string; value: string }[]; volumeMounts: { name: string; mountPath: string }[] }[];
  volumes: { name: string; configMap: { name: string } }[];
}

function objects(manifest: string): K8sObject[] {
  const docs = parseAllDocuments(manifest);
  if (!Array.isArray(docs)) throw new Error('not a YAML stream');
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as K8sObject);
}

function rendered(o: Partial<NewClusterOptions> = {}, edit: (c: Cluster) => void = () => {}) {
  const { cluster, instanceGroups } = completed(o);
  edit(cluster);
  const addon = gceCcmAddon(cluster, instanceGroups);
  const objs = objects(addon.manifest!.content);
  const ds = objs.find((x) => x.kind === 'DaemonSet')!;
  const pod = ds.spec!.template.spec;
  const conf = objs.find((x) => x.kind === 'ConfigMap')!.data!['gce.conf']!;
  return { cluster, addon, objs, pod, args: pod.containers[0]!.args, conf };
}

describe('the GCE cloud controller manifest', () => {
  it('is a DaemonSet on the control planes, its ServiceAccounts, RBAC and cloud config, all in kube-system', () => {
    const { objs, pod } = rendered();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/gcp-cloud-controller-manager',
      'ServiceAccount/cloud-controller-manager',
      'ServiceAccount/cloud-provider',
      'ClusterRole/kops-ts:cloud-controller-manager',
      'ClusterRoleBinding/kops-ts:cloud-controller-manager',
      'RoleBinding/kops-ts:cloud-controller-manager:apiserver-authentication-reader',
      'Role/kops-ts:gce-cloud-provider',
      'RoleBinding/kops-ts:gce-cloud-provider',
      'ClusterRole/kops-ts:gce-cloud-provider',
      'ClusterRoleBinding/kops-ts:gce-cloud-provider',
      'DaemonSet/cloud-controller-manager',
    ]);
    for (const o of objs) {
      if (o.kind.startsWith('Cluster')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('kube-system');
    }
    // Every binding names a role of the manifest (or kube-system's authentication reader) and an account of it.
    const accounts = objs.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name);
    for (const b of objs.filter((o) => o.kind.endsWith('Binding'))) {
      const known = objs.some((o) => o.kind === b.roleRef!.kind && o.metadata.name === b.roleRef!.name) || b.roleRef!.name === 'extension-apiserver-authentication-reader';
      expect(known, b.metadata.name).toBe(true);
      for (const s of b.subjects!) {
        expect(s).toMatchObject({ kind: 'ServiceAccount', namespace: 'kube-system' });
        expect(accounts).toContain(s.name);
      }
    }
    expect(accounts).toContain(pod.serviceAccountName);
    // What its arguments need: leader election, tokens for the per-controller accounts
    // (--use-service-account-credentials), and the GCE provider's cluster-id ConfigMap.
    const rules = (name: string, kind = 'ClusterRole') => (objs.find((o) => o.kind === kind && o.metadata.name === name) as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules;
    const allows = (rs: ReturnType<typeof rules>, group: string, resource: string, verb: string) => rs.some((r) => (r.apiGroups.includes(group) || r.apiGroups.includes('*')) && (r.resources.includes(resource) || r.resources.includes('*')) && r.verbs.includes(verb));
    const ccm = rules('kops-ts:cloud-controller-manager');
    for (const [group, resource, verb] of [['coordination.k8s.io', 'leases', 'create'], ['coordination.k8s.io', 'leases', 'update'], ['', 'serviceaccounts', 'create'], ['', 'serviceaccounts/token', 'create'], ['', 'nodes', 'watch'], ['authentication.k8s.io', 'tokenreviews', 'create']] as const) {
      expect(allows(ccm, group, resource, verb), `${resource} ${verb}`).toBe(true);
    }
    expect(allows(ccm, '', 'secrets', 'get')).toBe(false);
    expect(allows(rules('kops-ts:gce-cloud-provider', 'Role'), '', 'configmaps', 'update')).toBe(true);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.tolerations).toEqual(expect.arrayContaining([
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.cloudprovider.kubernetes.io/uninitialized', operator: 'Exists', effect: 'NoSchedule' },
    ]));
    // The API server of its own host (its certificate names 127.0.0.1), on the port kubeadm binds.
    expect(pod.containers[0]!.env).toEqual([{ name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' }, { name: 'KUBERNETES_SERVICE_PORT', value: '443' }]);
    // The cloud config is the ConfigMap, mounted where --cloud-config points.
    expect(pod.volumes).toEqual([{ name: 'cloud-config', configMap: { name: 'gcp-cloud-controller-manager' } }]);
    expect(pod.containers[0]!.volumeMounts).toEqual([{ name: 'cloud-config', mountPath: '/etc/kubernetes/gce', readOnly: true }]);
    expect(pod.containers[0]!.args).toContain('--cloud-config=/etc/kubernetes/gce/gce.conf');
  });

  it("takes the controller's arguments and gce.conf from the cluster: project, network, node tag, IP aliases", () => {
    const own = rendered();
    expect(own.cluster.spec.networking).toHaveProperty('cilium');
    expect(own.args).toEqual([
      '--cloud-provider=gce',
      '--cloud-config=/etc/kubernetes/gce/gce.conf',
      '--cluster-name=ccm-example-com',
      '--leader-elect=true',
      '--use-service-account-credentials=true',
      '--controllers=*',
      '--configure-cloud-routes=false',
      '--allocate-node-cidrs=false',
      '--v=2',
    ]);
    expect(own.conf).toBe([
      '[global]',
      'project-id = my-project',
      'network-name = ccm-example-com',
      'subnetwork-name = us-central1-ccm-example-com',
      'node-tags = ccm-example-com-k8s-io-role-node',
      'multizone = true',
      '',
    ].join('\n'));

    // Another project, a shared network of a third project, IP-alias networking.
    const shared = rendered({ project: 'other-project', networking: 'gce' }, (c) => {
      c.spec.networkID = 'host-project/shared-vpc';
    });
    expect(shared.args).toEqual(expect.arrayContaining(['--allocate-node-cidrs=true', '--cidr-allocator-type=CloudAllocator', `--cluster-cidr=${shared.cluster.spec.podCIDR}`]));
    expect(shared.args).not.toContain('--allocate-node-cidrs=false');
    expect(shared.cluster.spec.podCIDR).toMatch(/\/\d+$/);
    expect(shared.conf).toContain('project-id = other-project\n');
    expect(shared.conf).toContain('network-project-id = host-project\n');
    expect(shared.conf).toContain('network-name = shared-vpc\n');
    expect(shared.conf).not.toContain('network-name = ccm-example-com');
    // Same name, so the same node tag and cluster name.
    expect(shared.conf).toContain('node-tags = ccm-example-com-k8s-io-role-node\n');

    // A network of the cluster's own project named by project/name: no separate network project.
    const sameProject = rendered({}, (c) => {
      c.spec.networkID = 'my-project/vpc';
    });
    expect(sameProject.conf).not.toContain('network-project-id');
    expect(sameProject.conf).toContain('network-name = vpc\n');
  });

  it('a long cluster name gives the cut names the GCE model gives (network, node tag)', () => {
    const long = `a-very-long-cluster-name-that-goes-on-and-on-and-on.${'sub.'.repeat(3)}example.com`;
    const { conf, args } = rendered({ name: long });
    const network = /network-name = (.*)\n/.exec(conf)![1]!;
    const tag = /node-tags = (.*)\n/.exec(conf)![1]!;
    expect(network.length).toBeLessThanOrEqual(63);
    expect(tag.length).toBeLessThanOrEqual(63);
    expect(tag).toMatch(/-k8s-io-role-node$/);
    expect(network).not.toBe(long.replaceAll('.', '-'));
    // The cluster name is kops's SafeClusterName, uncut.
    expect(args).toContain(`--cluster-name=${long.replaceAll('.', '-')}`);
  });

  it('spec.cloudProvider.gce.nodeInstancePrefix is passed on as kops does; one that is no instance-name prefix is refused', () => {
    const { conf } = rendered({}, (c) => {
      c.spec.cloudProvider = { gce: { nodeInstancePrefix: 'nodes-' } };
    });
    expect(conf).toContain('node-instance-prefix = nodes-\n');
    const { cluster, instanceGroups } = completed();
    cluster.spec.cloudProvider = { gce: { nodeInstancePrefix: 'x\nproject-id = evil' } };
    expect(() => gceCcmAddon(cluster, instanceGroups)).toThrowError(/^spec\.cloudProvider\.gce\.nodeInstancePrefix /);
  });

  it('runs the image of the Kubernetes minor, by tag and the promotion list\'s digest, and refuses a minor it has none for', () => {
    const { cluster, instanceGroups } = completed();
    const digests: Record<string, string> = {
      'v32.2.5': 'e9a8094ea0fc5884d4cd3a09e851023c2c7331100e66cbb05a372af81323206b',
      'v33.4.0': 'd9719ba3d95f3d3ce4811fcf9ffd64b158ab9ac8c81b151cc9faa73a945b5170',
      'v34.2.0': '4795f50bd273894d46e21b5569a716374377ae06d276343a6e5eae5aa93d5de8',
      'v35.0.2': 'f1cfeca80d58695683ddaeebb41215bf7239cb49534c5eb2b6e6205929822389',
    };
    for (const [version, tag] of [['1.32.5', 'v32.2.5'], ['1.33.1', 'v33.4.0'], ['1.34.0', 'v34.2.0'], ['1.35.2', 'v35.0.2'], ['1.36.3', 'v35.0.2']] as const) {
      const a = gceCcmAddon({ ...cluster, spec: { ...cluster.spec, kubernetesVersion: version } }, instanceGroups);
      expect(objects(a.manifest!.content).find((o) => o.kind === 'DaemonSet')!.spec!.template.spec.containers[0]!.image, version).toBe(`registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:${tag}@sha256:${digests[tag]!}`);
      expect(a.addon.version.startsWith(`${tag}-`)).toBe(true);
    }
    expect(Object.keys(GCE_CCM_IMAGE_TAGS)).toEqual(['1.32', '1.33', '1.34', '1.35', '1.36']);
    const err = (() => {
      try {
        gceCcmAddon({ ...cluster, spec: { ...cluster.spec, kubernetesVersion: '1.31.4' } }, instanceGroups);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(KopsError.is(err, 'UnsupportedKubernetesVersion')).toBe(true);
    expect((err as Error).message).toMatch(/^spec\.kubernetesVersion "1\.31\.4": kops-ts pins the GCE cloud controller for Kubernetes 1\.32, 1\.33, 1\.34, 1\.35, 1\.36 only/);
  });

  it('the description pins the manifest by its sha256, and its path changes when the manifest does', () => {
    const a = rendered().addon;
    const sha = createHash('sha256').update(a.manifest!.content).digest('hex');
    expect(parse(a.content)).toMatchObject({
      apiVersion: 'addons.kops-ts.io/v1alpha1',
      kind: 'Addon',
      name: 'gcp-cloud-controller-manager',
      version: `v35.0.2-${sha.slice(0, 12)}`,
      source: { format: 'stored-manifest', object: `addons/gcp-cloud-controller-manager/v35.0.2-${sha.slice(0, 12)}/manifest.yaml`, sha256: sha },
    });
    expect(a.path).toBe(`${NAME}/addons/gcp-cloud-controller-manager/v35.0.2-${sha.slice(0, 12)}/addon.yaml`);
    expect(a.manifest!.path).toBe(`${NAME}/${a.addon.source.format === 'stored-manifest' ? a.addon.source.object : ''}`);
    // The same cluster renders the same bytes; another project is another version.
    expect(rendered().addon.manifest!.content).toBe(a.manifest!.content);
    const other = rendered({ project: 'other-project' }).addon;
    expect(other.addon.version).not.toBe(a.addon.version);
    expect(other.path).not.toBe(a.path);
  });
});

describe('writeBootstrapConfig on a GCE cluster', () => {
  it("writes the controller's description and manifest and names it in every group's bootstrap.env (no AWS controller)", async () => {
    const store = openStateStore('memory://gce-ccm-written');
    const { cluster, instanceGroups } = completed();
    await ensureClusterKeysets(new KeysetStore(store), cluster);
    const r = await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: '203.0.113.10' });
    const expected = gceCcmAddon(cluster, instanceGroups);
    const addons = r.written.filter((p) => p.includes('/addons/')).sort();
    expect(addons).toEqual([expected.path, expected.manifest!.path, `${NAME}/addons/cilium/1.17.4/addon.yaml`].sort());
    const read = async (p: string) => Buffer.from((await store.read(p))!.data).toString();
    expect(await read(expected.path)).toBe(expected.content);
    expect(await read(expected.manifest!.path)).toBe(expected.manifest!.content);
    for (const ig of instanceGroups) {
      const role = ig.spec.role === 'Node' ? 'node' : 'control-plane';
      const env = await read(`${NAME}/igconfig/${role}/${ig.metadata.name}/bootstrap.env`);
      expect(env).toContain(`CCM_ADDON='${expected.path.slice(NAME.length + 1)}'\n`);
      expect(env).not.toContain('aws-cloud-controller-manager');
      // cilium's chart and helm are pinned, and so is the controller's manifest.
      expect(env).toContain("ADDONS_ALLOW_UNPINNED='0'\n");
    }
    // A second write changes nothing.
    const again = await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: '203.0.113.10' });
    expect(again.written).toEqual([]);
  });
});
