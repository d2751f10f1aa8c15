/**
 * The fake Kubernetes API server's state (test/fakes/kube-apiserver.ts), shared by the resource
 * modules: the stored Nodes, Pods and PodDisruptionBudgets, the nodes backed by instances, the
 * joining nodes and terminating pods with their countdowns, and the counters behind every
 * `metadata.uid` and `metadata.resourceVersion` the fake hands out. No REST paths of its own.
 */
import type { FakeKubeOptions } from './kube-apiserver.js';
import { obj, type JsonObject } from './kube-wire.js';

export class KubeStore {
  readonly nodes = new Map<string, JsonObject>();
  /** Keyed `<namespace>/<name>`. */
  readonly pods = new Map<string, JsonObject>();
  readonly pdbs = new Map<string, JsonObject>();
  /** Nodes given to running instances (removed when the instance is gone). */
  readonly backed = new Set<string>();
  /** Terminating pods: key → requests left before deletion. */
  readonly terminating = new Map<string, number>();
  /** Joining nodes: name → requests left before Ready. */
  readonly joining = new Map<string, number>();
  private rv = 1;
  private seq = 0;

  constructor(readonly opts: FakeKubeOptions) {}

  nextRv(): string {
    return String(++this.rv);
  }

  /** The next number of the counter shared by uids and generated pod names. */
  nextSeq(): number {
    return ++this.seq;
  }

  uid(): string {
    return `00000000-0000-4000-8000-${this.nextSeq().toString(16).padStart(12, '0')}`;
  }

  touch(o: JsonObject): void {
    obj(o, 'metadata')['resourceVersion'] = this.nextRv();
  }
}
