/**
 * `rolling-update cluster` without `--yes`: kops's table
 * `NAME STATUS NEEDUPDATE READY MIN TARGET MAX NODES` (NODES left out with `--cloudonly`), one row
 * per instance group, then "No rolling-update required." or "Must specify --yes to rolling-update.".
 * `-o json` gives the same rows as objects. Pure: the caller decides which instances need an update
 * (the same function the roll uses), so the preview and the roll can never disagree.
 */
import { nodeOf } from './order.js';
import type { CloudInstance, CloudInstanceGroup, KubeNode } from './types.js';

export interface PreviewRow {
  readonly name: string;
  /** kops's group status: `NeedsUpdate` when any instance needs one, else `Ready`. */
  readonly status: 'Ready' | 'NeedsUpdate';
  readonly needUpdate: number;
  readonly ready: number;
  readonly min: number;
  readonly target: number;
  readonly max: number;
  /** Kubernetes Nodes backed by the group's instances; undefined with --cloudonly. */
  readonly nodes?: number;
}

export interface Preview {
  readonly rows: readonly PreviewRow[];
  /** True when some instance needs an update. */
  readonly required: boolean;
}

export const NO_ROLLING_UPDATE = 'No rolling-update required.';
export const MUST_SPECIFY_YES = 'Must specify --yes to rolling-update.';

export function buildPreview(
  groups: readonly CloudInstanceGroup[],
  needsUpdate: (group: CloudInstanceGroup, instance: CloudInstance) => boolean,
  nodes: readonly KubeNode[] | undefined,
): Preview {
  const rows = [...groups]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((g): PreviewRow => {
      const need = g.instances.filter((i) => needsUpdate(g, i)).length;
      return {
        name: g.name,
        status: need > 0 ? 'NeedsUpdate' : 'Ready',
        needUpdate: need,
        ready: g.instances.length - need,
        min: g.minSize,
        target: g.targetSize,
        max: g.maxSize,
        ...(nodes ? { nodes: g.instances.filter((i) => nodeOf(i, nodes) !== undefined).length } : {}),
      };
    });
  return { rows, required: rows.some((r) => r.needUpdate > 0) };
}

type TableRenderer = (headers: readonly string[], rows: readonly (readonly string[])[]) => string;

/** The kops table and its closing line. */
export function renderPreview(p: Preview, cloudOnly: boolean, renderTable: TableRenderer): string {
  return `${renderPreviewTable(p, cloudOnly, renderTable)}\n${p.required ? MUST_SPECIFY_YES : NO_ROLLING_UPDATE}\n`;
}

/** The table alone (what `--yes` prints before it starts). */
export function renderPreviewTable(p: Preview, cloudOnly: boolean, renderTable: TableRenderer): string {
  const headers = ['NAME', 'STATUS', 'NEEDUPDATE', 'READY', 'MIN', 'TARGET', 'MAX', ...(cloudOnly ? [] : ['NODES'])];
  const rows = p.rows.map((r) => [r.name, r.status, String(r.needUpdate), String(r.ready), String(r.min), String(r.target), String(r.max), ...(cloudOnly ? [] : [String(r.nodes ?? 0)])]);
  return renderTable(headers, rows);
}
