/**
 * Sane limits on what kops-ts reads, checked before (or, for the shape of the YAML, while) it is
 * parsed, so that hostile or mistaken input is refused quickly with the file and field named
 * rather than parsed for minutes. Each is far above what a real kops spec reaches; docs/spec.md
 * ("Limits") gives the reason for each.
 */

/** A manifest (`create -f`, `replace -f`, an edited object). The largest real specs are ~200 KB. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** One object read from the state store (a Cluster or InstanceGroup spec, a completed spec). */
export const MAX_STORED_OBJECT_BYTES = 1024 * 1024;

/**
 * Any object a state-store backend reads (YAML specs, the lock, history, keys): checked against the
 * object's size before its body is read, so that a huge object in the store cannot exhaust memory.
 */
export const MAX_STORE_READ_BYTES = 64 * 1024 * 1024;

/** A saved plan (`update cluster --plan`): JSON, parsed in linear time, larger for big clusters. */
export const MAX_PLAN_BYTES = 16 * 1024 * 1024;

/** Whatever the CLI reads is refused past this without being read whole (stdin included). */
export const MAX_INPUT_READ_BYTES = 64 * 1024 * 1024;

/** Keys of one YAML mapping (`cloudLabels`, `nodeLabels`, ...). AWS allows 50 tags a resource. */
export const MAX_MAP_KEYS = 1000;

/** Items of one YAML sequence (subnets, access lists, taints, ...). */
export const MAX_LIST_ITEMS = 1000;

/** Nesting of mappings and sequences; kops's deepest field is about 10 levels down. */
export const MAX_DEPTH = 64;

/** Alias expansions in one document (a YAML "billion laughs" is refused past this). */
export const MAX_ALIAS_COUNT = 100;

/** `1048576` as `1 MiB`, `5767168` as `5.5 MiB`, `2048` as `2 KiB` (rounded down to `digits` decimals). */
export function formatBytes(n: number, digits = 1): string {
  if (n >= 1024 * 1024) return `${trim(n / (1024 * 1024), digits)} MiB`;
  if (n >= 1024) return `${trim(n / 1024, digits)} KiB`;
  return `${n} bytes`;
}

/** `size` and `limit` formatted so that they differ: exact bytes when the rounded figures would not. */
export function sizeAndLimit(size: number, limit: number): [string, string] {
  for (const digits of [1, 2]) {
    const [a, b] = [formatBytes(size, digits), formatBytes(limit, digits)];
    if (a !== b) return [a, b];
  }
  return [`${size} bytes`, `${limit} bytes`];
}

function trim(x: number, digits: number): string {
  const f = 10 ** digits;
  return (Math.floor(x * f) / f).toString();
}

/** The spec path of a map key: `.name`, or `["kops.k8s.io/x"]` when the key needs quoting. */
export function childPath(path: string, key: string): string {
  if (/^[A-Za-z_][\w-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

export interface DominantBlock {
  /** e.g. `spec.cloudLabels`, prefixed `InstanceGroup/<name> ` inside an instance group. */
  readonly path: string;
  readonly lines: number;
  readonly totalLines: number;
}

const KEY_LINE = /^( *)(- +)?("[^"]*"|'[^']*'|[^\s#'"\-{[][^:#]*?|-[^\s:#][^:#]*?) *:(?: |$)/;

/**
 * For a manifest too large to parse: the deepest block-style key whose block holds more than half
 * of the lines, found by indentation alone in one linear pass. It names where the bulk is (e.g.
 * `spec.cloudLabels`), so the error can say which field to fix without parsing the YAML. Flow
 * style (`{...}` on one line) is not followed: then no field is named.
 */
export function dominantBlock(text: string): DominantBlock | undefined {
  const lines = text.split('\n');
  const total = lines.length;
  const stack: { indent: number; path: string; start: number }[] = [];
  let kind = '';
  let name = '';
  let found: DominantBlock | undefined;
  const close = (lineNo: number, indent: number): void => {
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) {
      const open = stack.pop()!;
      const n = lineNo - open.start;
      // Nested blocks close first, and two blocks that each hold over half must nest: the first found is the deepest.
      if (!found && n * 2 > total) found = { path: `${kind === 'InstanceGroup' && name ? `InstanceGroup/${name} ` : ''}${open.path}`, lines: n, totalLines: total };
    }
  };
  for (let i = 0; i < total; i++) {
    const line = lines[i]!;
    if (line.startsWith('---')) {
      close(i, -1);
      kind = '';
      name = '';
      continue;
    }
    const m = KEY_LINE.exec(line);
    if (!m) continue; // scalars, list items without a key, comments, blank lines: inside the open block
    const dashIndent = m[1]!.length;
    const indent = m[2] ? dashIndent + m[2].length : dashIndent;
    // A list item at its parent key's indent (go-yaml's layout) stays inside that key's block.
    close(i, m[2] ? dashIndent + 1 : indent);
    const key = m[3]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    const parent = stack[stack.length - 1]?.path ?? '';
    const path = m[2] ? childPath(`${parent}[]`, key) : childPath(parent, key);
    if (path === 'kind') kind = line.slice(line.indexOf(':') + 1).trim();
    if (path === 'metadata.name') name = line.slice(line.indexOf(':') + 1).trim();
    stack.push({ indent, path, start: i });
  }
  close(total, -1);
  return found;
}
