/**
 * The edit distance behind every "did you mean" of kops-ts: a mistyped field or key (the manifest
 * checks, src/model/api/check.ts), task name (src/tasks/suggest.ts) or get subcommand
 * (src/cli/commands/get-all.ts). Users mistype by swapping two letters (`clsuters`), so a swap of
 * two neighbours is one edit, as in commander's own suggestions, not two.
 */

/**
 * Optimal string alignment distance: the fewest insertions, deletions, substitutions and swaps of
 * two neighbouring characters that turn `a` into `b` (no substring edited twice). Case-sensitive;
 * callers lower-case both when case should not count. Three rows: the names compared are short.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0); // row i-2
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j); // row i-1
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur.push(d);
    }
    [before, prev] = [prev, cur];
  }
  return prev[b.length]!;
}
