/**
 * The cluster autoscaler addon: the manifest kops-ts renders (kops's objects, the flags from the
 * completed spec's fields, auto-discovery by the cluster's tags, the priority expander's
 * ConfigMap), deterministic; its place in addons.sh (so a change rolls the control planes only);
 * and addons.sh applying it as a stored manifest, with the real bash (test/helpers/addons-sandbox.ts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { clusterAutoscalerAddon, clusterAutoscalerArgs } from '../../src/bootstrap/cluster-autoscaler.js';
import { addonsVars, ccmAddon } from '../../src/bootstrap/addons.js';
import type { Cluster, ClusterAutoscalerSpec, InstanceGroup } from '../../src/model/api/types.js';
import { completeCluster } from '../../src/model/completion.js';
import { kopsDocumentValue, parseKopsYamlDocuments } from '../../src/model/api/yaml.js';
import { CLUSTER, descriptionPath, description, removeSandboxes, run, sandbox, script, acceptStandIn, stage } from '../helpers/addons-sandbox.js';

afterAll(removeSandboxes);

const NAME = 'ca.example.com';

function completed(ca: ClusterAutoscalerSpec | undefined, edit: (igs: InstanceGroup[]) => void = () => {}, o: { controlPlanes?: number } = {}) {
  const built = newCluster({ name: NAME, zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], ...(o.controlPlanes ? { controlPlaneCount: o.controlPlanes } : {}) });
  if (ca) built.cluster.spec.clusterAutoscaler = ca;
  edit(built.instanceGroups);
  return completeCluster(built.cluster, built.instanceGroups);
}

function objects(c: { cluster: Cluster; instanceGroups: InstanceGroup[] }): Record<string, any>[] {
  const addon = clusterAutoscalerAddon(c.cluster, c.instanceGroups)!;
  return parseAllDocuments(addon.manifest!.content).map((d) => d.toJS() as Record<string, any>);
}

const container = (objs: Record<string, any>[]) => objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];

describe('the manifest', () => {
  it("has kops's objects, and runs on the control planes with kops's tolerations, on the host network", () => {
    const objs = objects(completed({ enabled: true }));
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PodDisruptionBudget/cluster-autoscaler',
      'ServiceAccount/cluster-autoscaler',
      'ClusterRole/cluster-autoscaler',
      'ClusterRoleBinding/cluster-autoscaler',
      'Role/cluster-autoscaler',
      'RoleBinding/cluster-autoscaler',
      'Service/cluster-autoscaler',
      'Deployment/cluster-autoscaler',
    ]);
    const pod = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toEqual([{ operator: 'Exists', key: 'node-role.kubernetes.io/control-plane' }, { operator: 'Exists', key: 'node-role.kubernetes.io/master' }]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.map((t: any) => t.matchExpressions[0].key)).toEqual(['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master']);
    expect(pod.serviceAccountName).toBe('cluster-autoscaler');
    const c = container(objs);
    expect(c.image).toBe('registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.0');
    expect(c.env).toEqual([{ name: 'AWS_REGION', value: 'us-east-1' }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '300Mi' } });
  });

  it('discovers the node groups by the cluster\'s tags, and passes every field as its flag', () => {
    const ca: ClusterAutoscalerSpec = {
      enabled: true, expander: 'least-waste', balanceSimilarNodeGroups: true, emitPerNodegroupMetrics: true, awsUseStaticInstanceList: true,
      ignoreDaemonSetsUtilization: true, scaleDownUtilizationThreshold: 0.65, skipNodesWithCustomControllerPods: false, skipNodesWithSystemPods: false,
      skipNodesWithLocalStorage: false, newPodScaleUpDelay: '30s', scaleDownDelayAfterAdd: '5m', scaleDownUnneededTime: '6m', scaleDownUnreadyTime: '7m',
      maxNodeProvisionTime: '20m', cordonNodeBeforeTerminating: false, image: 'example.com/ca:v9', cpuRequest: '250m', memoryRequest: '1Gi',
      podAnnotations: { 'z.example.com/b': '2', 'a.example.com/a': '1' },
    };
    const objs = objects(completed(ca));
    const c = container(objs);
    expect(c.command).toEqual([
      './cluster-autoscaler',
      '--balance-similar-node-groups=true',
      '--emit-per-nodegroup-metrics=true',
      '--cloud-provider=aws',
      '--aws-use-static-instance-list=true',
      '--expander=least-waste',
      `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${NAME}`,
      '--ignore-daemonsets-utilization=true',
      '--scale-down-utilization-threshold=0.65',
      '--skip-nodes-with-custom-controller-pods=false',
      '--skip-nodes-with-local-storage=false',
      '--skip-nodes-with-system-pods=false',
      '--scale-down-delay-after-add=5m',
      '--scale-down-unneeded-time=6m',
      '--scale-down-unready-time=7m',
      '--new-pod-scale-up-delay=30s',
      '--max-node-provision-time=20m',
      '--cordon-node-before-terminating=false',
      '--logtostderr=true',
      '--stderrthreshold=info',
      '--v=4',
    ]);
    expect(c.image).toBe('example.com/ca:v9');
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' } });
    const annotations = objs.find((o) => o.kind === 'Deployment')!.spec.template.metadata.annotations;
    expect(Object.keys(annotations)).toEqual(['prometheus.io/port', 'prometheus.io/scrape', 'a.example.com/a', 'z.example.com/b']);
  });

  it('the defaults make kops\'s default flags', () => {
    const c = completed({ enabled: true }).cluster;
    expect(clusterAutoscalerArgs(c.spec.clusterAutoscaler!, NAME).filter((a) => /expander|utilization-threshold|unneeded|unready|provision|cordon|static/.test(a))).toEqual([
      '--aws-use-static-instance-list=false', '--expander=random', '--scale-down-utilization-threshold=0.5', '--scale-down-unneeded-time=10m0s',
      '--scale-down-unready-time=20m0s', '--max-node-provision-time=15m0s', '--cordon-node-before-terminating=true',
    ]);
  });

  it('runs two replicas with a highly available control plane, one otherwise', () => {
    const replicas = (n?: number) => objects(completed({ enabled: true }, () => {}, { controlPlanes: n })).find((o) => o.kind === 'Deployment')!.spec.replicas;
    expect([replicas(), replicas(3)]).toEqual([1, 2]);
  });

  it('writes the priority expander\'s ConfigMap from the groups\' autoscalePriority, by exact group names; a custom config replaces it', () => {
    const cm = (ca: ClusterAutoscalerSpec, edit?: (igs: InstanceGroup[]) => void) => objects(completed(ca, edit)).find((o) => o.kind === 'ConfigMap')?.data.priorities as string | undefined;
    const prioritised = (igs: InstanceGroup[]) => {
      igs.find((g) => g.metadata.name === 'nodes-us-east-1a')!.spec.autoscalePriority = 50;
      igs.find((g) => g.metadata.name === 'nodes-us-east-1c')!.spec.autoscale = false;
    };
    const text = cm({ enabled: true, expander: 'priority' }, prioritised)!;
    expect(parse(text)).toEqual({ 0: [`^nodes-us-east-1b\\.ca\\.example\\.com$`], 50: [`^nodes-us-east-1a\\.ca\\.example\\.com$`] });
    expect(cm({ enabled: true, expander: 'priority', customPriorityExpanderConfig: { '100': ['.*gpu.*'], '0': ['.*'] } }, prioritised)).toBe("0:\n  - .*\n100:\n  - .*gpu.*\n");
    // Two spellings of one priority keep both lists (the expander reads the keys as integers).
    expect(cm({ enabled: true, expander: 'priority', customPriorityExpanderConfig: { '7': ['.*a.*'], '007': ['.*b.*'] } })).toBe('7:\n  - .*a.*\n  - .*b.*\n');
    expect(cm({ enabled: true, expander: 'priority', createPriorityExpanderConfig: false })).toBeUndefined();
    expect(cm({ enabled: true, expander: 'least-waste' })).toBeUndefined();
  });

  it('quotes what kubectl (go-yaml v2, YAML 1.1) would read as a boolean: an annotation "yes" stays the string, a key "on" stays "on"', () => {
    const c = completed({ enabled: true, podAnnotations: { 'example.com/scrape': 'yes', on: 'off', 'example.com/n': 'n' } });
    const text = clusterAutoscalerAddon(c.cluster, c.instanceGroups)!.manifest!.content;
    const deployment = parseKopsYamlDocuments(text).map((d) => kopsDocumentValue(d) as Record<string, any>).find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.metadata.annotations).toEqual({ 'prometheus.io/port': '8085', 'prometheus.io/scrape': 'true', 'example.com/n': 'n', 'example.com/scrape': 'yes', on: 'off' });
  });

  it('is deterministic, and its version names the image tag and the manifest\'s digest', () => {
    const a = clusterAutoscalerAddon(completed({ enabled: true }).cluster, completed({ enabled: true }).instanceGroups)!;
    const b = clusterAutoscalerAddon(completed({ enabled: true }).cluster, completed({ enabled: true }).instanceGroups)!;
    expect(a.manifest).toEqual(b.manifest);
    expect(a.content).toBe(b.content);
    expect(a.path).toMatch(/^ca\.example\.com\/addons\/cluster-autoscaler\/v1\.36\.0-[0-9a-f]{12}\/addon\.yaml$/);
    expect(a.addon.source).toMatchObject({ format: 'stored-manifest', object: a.manifest!.path.slice(`${NAME}/`.length) });
    const other = completed({ enabled: true, scaleDownUnneededTime: '3m' });
    expect(clusterAutoscalerAddon(other.cluster, other.instanceGroups)!.path).not.toBe(a.path);
  });

  it('a group\'s minSize or maxSize is not in it (auto-discovery reads them from the group): no control-plane roll for a resize', () => {
    const base = completed({ enabled: true });
    const resized = completed({ enabled: true }, (igs) => Object.assign(igs.find((g) => g.spec.role === 'Node')!.spec, { minSize: 0, maxSize: 10 }));
    expect(clusterAutoscalerAddon(resized.cluster, resized.instanceGroups)!.path).toBe(clusterAutoscalerAddon(base.cluster, base.instanceGroups)!.path);
  });

  it('is absent when the autoscaler is not enabled, and addons.sh then names none', () => {
    const c = completed(undefined);
    expect(clusterAutoscalerAddon(c.cluster, c.instanceGroups)).toBeUndefined();
    expect(addonsVars(c.cluster, ccmAddon(c.cluster), undefined).CA_ADDON).toBeUndefined();
    const on = completed({ enabled: true });
    const addon = clusterAutoscalerAddon(on.cluster, on.instanceGroups)!;
    expect(addonsVars(on.cluster, ccmAddon(on.cluster), addon)).toMatchObject({ CA_ADDON: addon.path.slice(`${NAME}/`.length), ADDONS_ALLOW_UNPINNED: '0' });
  });
});

describe('addons.sh on a control plane, with the autoscaler enabled', () => {
  it('applies the stored manifest after the CNI and the cloud controller, read from the store, checked against its digest; once', async () => {
    const sb = sandbox();
    const vars = await stage(sb, { edit: (c) => (c.spec.clusterAutoscaler = { enabled: true }) });
    expect(vars.CA_ADDON).toMatch(/^addons\/cluster-autoscaler\/v1\.36\.0-[0-9a-f]{12}\/addon\.yaml$/);
    acceptStandIn(sb, vars.CNI_ADDON!);
    acceptStandIn(sb, vars.CCM_ADDON!);
    const desc = description(sb, vars.CA_ADDON!) as { version: string; source: { object: string } };
    const stored = readFileSync(descriptionPath(sb, `igconfig/control-plane/control-plane-us-east-1a/addons.sh`), 'utf8');
    expect(stored).toContain(`CA_ADDON='${vars.CA_ADDON!}'\n`);
    const r = await run(sb, script(sb));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const work = `${sb.root}/var/lib/kops-ts/addons`;
    expect(r.log.slice(-3)).toEqual([
      `fetch kops/${CLUSTER}/${vars.CA_ADDON}`,
      `fetch kops/${CLUSTER}/${desc.source.object}`,
      expect.stringContaining(`apply --server-side --force-conflicts --field-manager=kops-ts -f ${work}/cluster-autoscaler-${desc.version}/artefact`),
    ]);
    expect(readFileSync(`${work}/cluster-autoscaler-${desc.version}/artefact`, 'utf8')).toBe(readFileSync(descriptionPath(sb, desc.source.object), 'utf8'));
    expect(r.stdout).toContain(`kops-ts: applied addon cluster-autoscaler ${desc.version}\n`);
    const again = await run(sb, script(sb));
    expect(again.stdout).toContain(`kops-ts: addon cluster-autoscaler ${desc.version} already applied\n`);
  });
});
