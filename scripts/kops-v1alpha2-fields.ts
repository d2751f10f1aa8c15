/**
 * Lists the JSON field paths of kops's v1alpha2 Cluster and InstanceGroup, read from the Go types
 * of a kops checkout, one path per line, for test/fixtures/kops/v1alpha2-fields.txt:
 *
 *   npx tsx scripts/kops-v1alpha2-fields.ts <kops git dir> [commit] > test/fixtures/kops/v1alpha2-fields.txt
 *
 * A path is `<Kind> <json path>`: `[]` marks a list element, `{}` a map value. Fields tagged
 * `json:"-"` are not serialized in v1alpha2 and are left out; `json:",inline"` embeds. Types from
 * other packages (metav1.Duration, resource.Quantity, corev1.Toleration, ...) are leaves.
 * This reads the Go source as text (struct blocks and their json tags), which is all it needs.
 */
import { execFileSync } from 'node:child_process';

const [gitDir, commit = 'HEAD'] = process.argv.slice(2);
if (!gitDir) {
  process.stderr.write('usage: kops-v1alpha2-fields.ts <kops git dir> [commit]\n');
  process.exit(2);
}
const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const dir = 'pkg/apis/kops/v1alpha2';
const files = git('ls-tree', '--name-only', `${commit}:${dir}`)
  .split('\n')
  .filter((f) => f.endsWith('.go') && !f.startsWith('zz_') && !f.endsWith('_test.go'));

interface Field {
  readonly json: string;
  readonly type: string;
  readonly inline: boolean;
}
const structs = new Map<string, Field[]>();
for (const f of files) {
  const src = git('show', `${commit}:${dir}/${f}`).replace(/\/\/[^\n]*/g, '');
  for (const m of src.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
    const fields: Field[] = [];
    for (const line of m[2]!.split('\n')) {
      const t = line.trim();
      if (!t) continue;
      const fm = /^(?:(\w+)\s+)?([\w.*[\]]+)\s*`([^`]*)`/.exec(t);
      if (!fm) continue;
      const tag = /json:"([^"]*)"/.exec(fm[3]!)?.[1];
      if (tag === undefined) continue;
      const [name, ...opts] = tag.split(',');
      if (name === '-') continue;
      fields.push({ json: name ?? '', type: fm[2]!, inline: opts.includes('inline') || name === '' });
    }
    structs.set(m[1]!, fields);
  }
}

const out: string[] = [];
function walk(kind: string, path: string, type: string, seen: readonly string[]): void {
  let t = type.replace(/^\*/, '');
  if (t.startsWith('[]')) return walk(kind, `${path}[]`, t.slice(2), seen);
  const map = /^map\[\w+\](.*)$/.exec(t);
  if (map) return walk(kind, `${path}{}`, map[1]!, seen);
  t = t.replace(/^\*/, '');
  const s = structs.get(t);
  if (!s || seen.includes(t)) return;
  for (const f of s) {
    if (f.inline) {
      walk(kind, path, f.type, [...seen, t]);
      continue;
    }
    const p = path ? `${path}.${f.json}` : f.json;
    out.push(`${kind} ${p}`);
    walk(kind, p, f.type, [...seen, t]);
  }
}
walk('Cluster', 'spec', 'ClusterSpec', []);
walk('InstanceGroup', 'spec', 'InstanceGroupSpec', []);
const sha = git('rev-parse', commit).trim();
process.stdout.write(
  `# kops v1alpha2 JSON field paths (Cluster and InstanceGroup specs), read from kubernetes/kops\n` +
    `# ${dir} at ${sha} by scripts/kops-v1alpha2-fields.ts.\n` +
    `# "[]" is a list element, "{}" a map value. Regenerate when kops-ts follows a newer kops.\n` +
    out.join('\n') +
    '\n',
);
