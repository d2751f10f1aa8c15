/**
 * A fake `KubeOps` and `ClusterValidator` over the memory cloud, for the engine's tests: a Node per
 * running instance (it appears when the instance is in service, goes when it terminates), cordons,
 * taints and drains recorded with the clock's time. The Kubernetes API over HTTP is the kube part's
 * (test/fakes/); these only stand in for it behind the same interfaces.
 */
import type { BudgetFindings, Clock, ClusterValidator, KubeNode, KubeOps, DrainOptions, ValidationFailure, ValidationResult } from '../../src/rolling-update/types.js';
import type { MemoryCloud } from '../fakes/memory-cloud.js';

export interface KubeCall {
  readonly op: 'taint' | 'cordon' | 'drain' | 'drained' | 'delete';
  readonly node: string;
  readonly at: number;
}

export class FakeKube implements KubeOps {
  readonly notReady = new Set<string>();
  readonly annotated = new Set<string>();
  readonly tainted = new Set<string>();
  readonly cordoned = new Set<string>();
  /** Nodes whose drain a PodDisruptionBudget blocks until the drain timeout. */
  readonly blocked = new Set<string>();
  /** Nodes with a pod (default/api-0) that two PodDisruptionBudgets select (default/api-a, default/api-b). */
  readonly underTwoBudgets = new Set<string>();
  readonly calls: KubeCall[] = [];
  /** The node lists the PodDisruptionBudget check was asked about, in order. */
  readonly budgetChecks: (readonly string[])[] = [];
  /** Set to make the PodDisruptionBudget check fail (the API unreadable). */
  budgetError: Error | undefined;
  readonly observers: ((c: KubeCall) => void)[] = [];

  constructor(
    private readonly cloud: MemoryCloud,
    private readonly clock: Clock,
    private readonly drainMs = 20_000,
  ) {}

  async listNodes(): Promise<KubeNode[]> {
    const out: KubeNode[] = [];
    for (const g of this.cloud.groups.values()) {
      for (const i of g.instances) {
        if (!this.cloud.inService(i)) continue;
        out.push({
          name: i.nodeName,
          providerId: `aws:///us-east-1a/${i.id}`,
          instanceId: i.id,
          ready: !this.notReady.has(i.nodeName),
          unschedulable: this.cordoned.has(i.nodeName),
          instanceGroup: g.name,
          roles: g.role === 'ControlPlane' ? ['control-plane'] : ['node'],
          needsUpdate: this.annotated.has(i.nodeName),
        });
      }
    }
    return out;
  }

  async taintForUpdate(node: string): Promise<void> {
    this.tainted.add(node);
    this.record('taint', node);
  }

  async cordon(node: string): Promise<void> {
    this.cordoned.add(node);
    this.record('cordon', node);
  }

  async drain(node: string, opts: DrainOptions): Promise<void> {
    this.record('drain', node);
    if (this.blocked.has(node)) {
      await opts.clock.sleep(opts.timeoutMs, opts.signal);
      throw new Error(`drain of node ${node} timed out after ${opts.timeoutMs / 1000}s: pod default/web-0 cannot be evicted: PodDisruptionBudget default/web-pdb allows no disruption`);
    }
    await opts.clock.sleep(this.drainMs, opts.signal);
    this.record('drained', node);
  }

  async deleteNode(node: string): Promise<void> {
    this.record('delete', node);
  }

  /** The budget that blocks the drain of the `blocked` nodes among `nodes` (its pod web-0 on each), and the pods under two budgets on `underTwoBudgets` nodes. */
  async blockingBudgets(nodes: readonly string[]): Promise<BudgetFindings> {
    this.budgetChecks.push([...nodes]);
    if (this.budgetError) throw this.budgetError;
    const hit = nodes.filter((n) => this.blocked.has(n));
    const severalBudgets = nodes.filter((n) => this.underTwoBudgets.has(n)).map((node) => ({ pod: 'default/api-0', node, budgets: ['default/api-a', 'default/api-b'] }));
    if (hit.length === 0) return { atZero: [], severalBudgets };
    return { atZero: [{ namespace: 'default', name: 'web-pdb', currentHealthy: 2, desiredHealthy: 2, pods: hit.map((node) => ({ node, pods: ['default/web-0'] })) }], severalBudgets };
  }

  private record(op: KubeCall['op'], node: string): void {
    const c = { op, node, at: this.clock.now() };
    this.calls.push(c);
    for (const o of this.observers) o(c);
  }
}

/**
 * Validates as `validate cluster` would, from the cloud and the fake nodes: a group below its
 * desired size of in-service instances, a NotReady node; plus `extra(n)` failures on call n.
 */
export class FakeValidator implements ClusterValidator {
  calls = 0;
  constructor(
    private readonly cloud: MemoryCloud,
    private readonly kube: FakeKube | undefined,
    private readonly extra: (call: number) => ValidationFailure[] = () => [],
  ) {}

  async validate(): Promise<ValidationResult> {
    const n = ++this.calls;
    const failures: ValidationFailure[] = [];
    const groups = await this.cloud.listGroups('x');
    for (const g of groups) {
      // As the real validator: members of the group (an instance marked for a detach that never happened is one).
      const inService = g.instances.filter((i) => i.state === 'InService').length;
      if (inService < g.targetSize) {
        failures.push({ kind: 'InstanceGroup', name: g.name, instanceGroup: g.name, message: `InstanceGroup "${g.name}" did not have enough nodes ${inService} vs ${g.targetSize}` });
      }
    }
    const nodes = this.kube ? await this.kube.listNodes() : [];
    for (const node of nodes) {
      if (!node.ready) failures.push({ kind: 'Node', name: node.name, message: `node "${node.name}" of role "${node.roles[0]}" is not ready`, ...(node.instanceGroup ? { instanceGroup: node.instanceGroup } : {}) });
    }
    failures.push(...this.extra(n));
    return { failures, nodes: nodes.map((x) => ({ name: x.name, role: x.roles[0] ?? 'node', ready: x.ready, ...(x.instanceGroup ? { instanceGroup: x.instanceGroup } : {}) })), groups };
  }
}
