/**
 * The marker `migrate state` leaves at the source: `<cluster>/moved`, JSON `{ to, at, by }`. The
 * clientset refuses to open a cluster that has one (one line naming the new store), and does not
 * list it among the store's clusters; the objects stay until the user deletes them
 * (docs/state-store.md, "Moving a cluster's state").
 */
import { KopsError } from '../diagnostics.js';
import { objectURL } from './errors.js';
import type { StateStore } from './types.js';

/** The marker's name under `<cluster>/`. */
export const MOVED_MARKER = 'moved';

/** `<cluster>/moved`. */
export function movedMarkerPath(cluster: string): string {
  return `${cluster}/${MOVED_MARKER}`;
}

export interface MovedMarker {
  /** The destination store's URL. */
  readonly to: string;
  /** When the copy completed (ISO 8601). */
  readonly at: string;
  /** `kops-ts <version> migrate state`. */
  readonly by: string;
}

/** The marker of `cluster`, if it was moved; an unreadable marker still counts as moved. */
export async function readMovedMarker(store: StateStore, cluster: string): Promise<MovedMarker | undefined> {
  const obj = await store.read(movedMarkerPath(cluster));
  return obj ? parseMarker(obj.data) : undefined;
}

export function parseMarker(data: Uint8Array): MovedMarker {
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as Partial<MovedMarker>;
    return { to: typeof v.to === 'string' ? v.to : 'an unknown store', at: typeof v.at === 'string' ? v.at : 'an unknown date', by: typeof v.by === 'string' ? v.by : 'migrate state' };
  } catch {
    return { to: 'an unknown store', at: 'an unknown date', by: 'migrate state' };
  }
}

/** The one line that says where a moved cluster went (the refusal, and `get clusters`' warning). */
export function movedSummary(cluster: string, m: MovedMarker): string {
  return `cluster ${cluster} was moved to ${m.to} on ${m.at} by migrate state; use --state ${m.to}`;
}

/** `ClusterMoved` (exit 2): the cluster is no longer managed from this store. */
export function movedError(store: StateStore, cluster: string, m: MovedMarker): KopsError {
  const summary = movedSummary(cluster, m);
  const hint = `run the command again with --state ${m.to} (or set KOPS_STATE_STORE); the objects left here are deleted by hand (docs/state-store.md)`;
  return new KopsError('ClusterMoved', summary, {
    hint,
    exitCode: 2,
    diagnostics: [{ severity: 'error', code: 'ClusterMoved', summary, hint, file: objectURL(store.url, movedMarkerPath(cluster)) }],
  });
}
