/** "Did you mean": the known names closest to a mistyped one. */
import { editDistance } from '../text/edit-distance.js';

/**
 * Up to `max` candidates close to `name`: within an edit distance of a third of the name's length
 * after the kind (at least 2), or with the same name under another kind (`VPC/main` for
 * `Vpc/main`), closest first.
 */
export function closest(name: string, candidates: Iterable<string>, max = 5): string[] {
  const tail = name.slice(name.indexOf('/') + 1);
  const limit = Math.max(2, Math.floor(tail.length / 3));
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    const sameName = tail !== '' && c.slice(c.indexOf('/') + 1) === tail;
    if (d <= limit || sameName) scored.push({ c, d: sameName ? Math.min(d, limit) : d });
  }
  return scored
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, max)
    .map((s) => s.c);
}
