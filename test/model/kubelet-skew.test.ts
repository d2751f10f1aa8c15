/**
 * The kubelet skew protection's decisions (src/model/kubelet-skew.ts): which version each role
 * gets for what was read of the control plane, when the API is asked at all, and what is recorded.
 */
import { describe, expect, it } from 'vitest';
import type { Cluster, InstanceGroup, NormalizedRole } from '../../src/model/api/types.js';
import {
  NODE_VERSION_ANNOTATION,
  decideNodeVersion,
  groupKubernetesVersion,
  lastNodeVersionOf,
  needsControlPlaneKubelets,
  nodeVersionWarnings,
  recordNodeVersion,
  type NodeVersionInput,
} from '../../src/model/kubelet-skew.js';

const ROLES: NormalizedRole[] = ['ControlPlane', 'APIServer', 'Node', 'Bastion'];

describe('the version each role gets', () => {
  const cases: { name: string; input: NodeVersionInput; node: string; heldBack: boolean; reason: string }[] = [
    { name: 'not read (no upgrade): the spec', input: { specVersion: '1.36.3' }, node: '1.36.3', heldBack: false, reason: 'spec' },
    { name: 'control plane older: its oldest kubelet', input: { specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { versions: ['v1.36.3', 'v1.35.2', 'v1.36.3'] } }, node: '1.35.2', heldBack: true, reason: 'control-plane' },
    { name: 'control plane rolled: the spec', input: { specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { versions: ['v1.36.3', 'v1.36.3'] } }, node: '1.36.3', heldBack: false, reason: 'control-plane' },
    { name: 'a kubelet newer than the spec: the spec', input: { specVersion: '1.36.1', lastNodeVersion: '1.35.2', controlPlane: { versions: ['v1.36.3'] } }, node: '1.36.1', heldBack: false, reason: 'control-plane' },
    { name: 'unreadable: what the node groups last had', input: { specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { unreadable: 'connect ECONNREFUSED' } }, node: '1.35.2', heldBack: true, reason: 'unreadable' },
    { name: 'no control-plane node: what they last had', input: { specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { versions: [] } }, node: '1.35.2', heldBack: true, reason: 'unreadable' },
    { name: 'unparseable versions only: what they last had', input: { specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { versions: ['weird'] } }, node: '1.35.2', heldBack: true, reason: 'unreadable' },
    { name: 'the flag: the spec, whatever was read', input: { specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { versions: ['v1.35.2'] }, ignoreSkew: true }, node: '1.36.3', heldBack: false, reason: 'ignored' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideNodeVersion(c.input);
      expect({ node: d.nodeVersion, heldBack: d.heldBack, reason: d.reason }).toEqual({ node: c.node, heldBack: c.heldBack, reason: c.reason });
      const byRole = Object.fromEntries(ROLES.map((r) => [r, groupKubernetesVersion(r, c.input.specVersion, d.heldBack ? d.nodeVersion : undefined)]));
      expect(byRole).toEqual({ ControlPlane: c.input.specVersion, APIServer: c.input.specVersion, Node: c.node, Bastion: c.node });
    });
  }
});

describe('when the control plane is read', () => {
  it('only when node groups are rendered and the spec is newer than they last had, never with the flag', () => {
    expect(needsControlPlaneKubelets({ specVersion: '1.36.3', lastNodeVersion: '1.35.2' }, true)).toBe(true);
    expect(needsControlPlaneKubelets({ specVersion: '1.36.3', lastNodeVersion: '1.36.3' }, true)).toBe(false);
    expect(needsControlPlaneKubelets({ specVersion: '1.36.1', lastNodeVersion: '1.36.3' }, true)).toBe(false);
    expect(needsControlPlaneKubelets({ specVersion: '1.36.3' }, true)).toBe(false);
    expect(needsControlPlaneKubelets({ specVersion: '1.36.3', lastNodeVersion: '1.35.2' }, false)).toBe(false);
    expect(needsControlPlaneKubelets({ specVersion: '1.36.3', lastNodeVersion: '1.35.2', ignoreSkew: true }, true)).toBe(false);
  });
});

const cluster = (version: string, annotations?: Record<string, string>): Cluster => ({
  apiVersion: 'kops.k8s.io/v1alpha2',
  kind: 'Cluster',
  metadata: { name: 'c.example.com', ...(annotations ? { annotations } : {}) },
  spec: { kubernetesVersion: version },
}) as Cluster;
const ig = (name: string, role: string): InstanceGroup => ({ apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: { name }, spec: { role } }) as InstanceGroup;

describe('what is recorded on the completed spec', () => {
  const groups = [ig('cp', 'ControlPlane'), ig('nodes', 'Node'), ig('bastions', 'Bastion')];
  it('the held-back version, read back as the last node version', () => {
    const c = recordNodeVersion(cluster('1.36.3', { other: 'x' }), groups, new Set(['cp', 'nodes', 'bastions']), '1.35.2', '1.35.2');
    expect(c.metadata.annotations).toEqual({ other: 'x', [NODE_VERSION_ANNOTATION]: '1.35.2' });
    expect(lastNodeVersionOf(c)).toBe('1.35.2');
  });
  it('nothing once the node groups have the spec (and the completed spec version is then the last)', () => {
    const c = recordNodeVersion(cluster('1.36.3', { [NODE_VERSION_ANNOTATION]: '1.35.2' }), groups, new Set(['cp', 'nodes', 'bastions']), '1.36.3', '1.35.2');
    expect(c.metadata.annotations).toBeUndefined();
    expect(lastNodeVersionOf(c)).toBe('1.36.3');
    expect(lastNodeVersionOf(undefined)).toBeUndefined();
  });
  it('groups not rendered (--instance-group-roles) keep what they last had', () => {
    const c = recordNodeVersion(cluster('1.36.3'), groups, new Set(['cp']), '1.36.3', '1.35.2');
    expect(c.metadata.annotations?.[NODE_VERSION_ANNOTATION]).toBe('1.35.2');
  });
});

describe('the warning', () => {
  it('one line naming the groups, both versions and what to do; none when nothing is held back', () => {
    const held = nodeVersionWarnings('c.example.com', decideNodeVersion({ specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { versions: ['v1.35.2'] } }), '1.36.3', ['nodes', 'bastions']);
    expect(held.map((w) => w.summary)).toEqual([
      'instance group(s) nodes, bastions get Kubernetes 1.35.2, not 1.36.3: the oldest control-plane kubelet runs v1.35.2; roll the control plane (kops-ts rolling-update cluster --name c.example.com --instance-group-roles control-plane --yes), then run kops-ts update cluster --name c.example.com --yes again',
    ]);
    const unread = nodeVersionWarnings('c.example.com', decideNodeVersion({ specVersion: '1.36.3', lastNodeVersion: '1.35.2', controlPlane: { unreadable: 'connect ECONNREFUSED 127.0.0.1:9' } }), '1.36.3', ['nodes']);
    expect(unread).toHaveLength(1);
    expect(unread[0]!.summary).toContain('keep Kubernetes 1.35.2, not 1.36.3');
    expect(unread[0]!.summary).toContain('(connect ECONNREFUSED 127.0.0.1:9)');
    expect(nodeVersionWarnings('c.example.com', decideNodeVersion({ specVersion: '1.36.3' }), '1.36.3', ['nodes'])).toEqual([]);
  });
});
