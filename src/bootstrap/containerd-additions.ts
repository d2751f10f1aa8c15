/**
 * The spec's `containerd.configAdditions` on the node: kops's TOML key path → value, set in
 * /etc/containerd/config.toml (kops: nodeup/pkg/model/containerd.go, applyConfigAdditions).
 *
 * kops's rules kept: the key is split on `.` as a CSV record with `.` as the separator, so a quoted
 * part keeps its dots (`plugins."io.containerd.grpc.v1.cri".sandbox_image` is three parts); a whole
 * number is written as a TOML integer, `"true"`/`"false"` as booleans, anything else as a string;
 * keys are applied in sorted order; the group's key replaces the cluster's of the same key.
 *
 * kops writes the whole config.toml itself and sets each path in its tree. kops-ts starts from the
 * installed containerd's own default config (install.sh: `containerd config default`, Ubuntu's
 * 1.7, config version 2), and the node has no TOML writer (python3's tomllib only reads), so the
 * script edits the file's text and proves the edit: python3 reads the config before (tomllib),
 * replaces the key's line in its table's section, or adds it under the table's header, or appends
 * the table, then reads the result and requires it to equal the config read before with exactly
 * that key set. Anything else (a path through a value or an array of tables, a line the edit
 * cannot place) stops the boot with one line naming the key, the config left as it was.
 */

import { shQuote } from '../text/shell-quote.js';

/** kops's IntOrString value as kops writes it: number → integer, "true"/"false" → boolean, else string. */
export function additionValue(v: string | number): string | number | boolean {
  if (typeof v === 'number') return v;
  return v === 'true' ? true : v === 'false' ? false : v;
}

/**
 * kops's split of a key (Go's encoding/csv with `.` as the separator): a part in double quotes may hold
 * dots, and `""` inside it is one quote. Undefined when CSV would refuse it (a stray quote).
 */
export function configAdditionPath(key: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let part = '';
    if (key[i] === '"') {
      i++;
      for (;;) {
        if (i >= key.length) return undefined;
        if (key[i] === '"') {
          if (key[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += key[i++];
      }
      if (i < key.length && key[i] !== '.') return undefined;
    } else {
      while (i < key.length && key[i] !== '.') {
        if (key[i] === '"') return undefined;
        part += key[i++];
      }
    }
    parts.push(part);
    if (i >= key.length) return parts;
    i++;
  }
}

/** The cluster's additions with the group's over them (kops's JSON merge of the group's containerd), sorted by key. */
export function mergedConfigAdditions(cluster: Record<string, string | number> | undefined, group: Record<string, string | number> | undefined): [string, string | number][] {
  const merged = { ...(cluster ?? {}), ...(group ?? {}) };
  return Object.keys(merged).sort().map((k) => [k, merged[k]!]);
}

/**
 * The program (python3, standard library) that sets the additions: `python3 - CONFIG JSON` with JSON
 * `[[key, [path...], value], ...]`. Exits 1 with one line `kops-ts: ...` when it cannot.
 */
export const CONFIG_ADDITIONS_PY = String.raw`import copy, json, os, re, shutil, sys, tempfile, tomllib

config, additions = sys.argv[1], json.loads(sys.argv[2])
PART = re.compile(r'\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|' + "'([^']*)')" + r'\s*')


def fail(key, why):
    print('kops-ts: containerd.configAdditions %s: %s; %s is left as it was' % (key, why, config), file=sys.stderr)
    sys.exit(1)


def parts(s):
    """A TOML key (dotted, bare or quoted parts) as its list of parts; None if it is not one."""
    out, i = [], 0
    while True:
        m = PART.match(s, i)
        if not m:
            return None
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            try:
                out.append(json.loads('"' + m.group(2) + '"'))
            except ValueError:
                return None
        else:
            out.append(m.group(3))
        i = m.end()
        if i == len(s):
            return out
        if s[i] != '.':
            return None
        i += 1


def header(line):
    """A table header's path; [] for an array of tables or one not understood (no key goes there)."""
    m = re.match(r'^\s*\[(?!\[)(.*)\]\s*(#.*)?$', line)
    if m:
        return parts(m.group(1)) or []
    return [] if re.match(r'^\s*\[\[', line) else None


def key_of(line):
    m = re.match(r'^(\s*)([^=#]+?)\s*=', line)
    return (m.group(1), parts(m.group(2))) if m else (None, None)


def toml_key(k):
    return k if re.fullmatch(r'[A-Za-z0-9_-]+', k) else json.dumps(k)


def toml_value(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def with_key(doc, path, value):
    d = copy.deepcopy(doc)
    t = d
    for p in path[:-1]:
        t = t.setdefault(p, {})
    t[path[-1]] = value
    return d


def place(lines, table, key, line_text):
    """Replace the key's line in the table's section, or add it under the header, or append the table."""
    current, header_at, first_header = [], None, None
    for i, line in enumerate(lines):
        h = header(line)
        if h is not None:
            current = h if h else None
            if first_header is None:
                first_header = i
            if h == table and h:
                header_at = i
            continue
        if current == table:
            indent, k = key_of(line)
            if k == [key]:
                lines[i] = indent + line_text + '\n'
                return
    if not table:
        lines.insert(first_header if first_header is not None else len(lines), line_text + '\n')
    elif header_at is not None:
        indent = re.match(r'^\s*', lines[header_at]).group(0)
        lines.insert(header_at + 1, indent + '  ' + line_text + '\n')
    else:
        if lines and not lines[-1].endswith('\n'):
            lines[-1] += '\n'
        lines.extend(['\n', '[' + '.'.join(toml_key(p) for p in table) + ']\n', '  ' + line_text + '\n'])


text = open(config, encoding='utf-8').read()
try:
    doc = tomllib.loads(text)
except tomllib.TOMLDecodeError as e:
    fail('(all)', 'the config is not TOML (%s)' % e)
lines = text.splitlines(keepends=True)
for key, path, value in additions:
    t = doc
    for i, p in enumerate(path[:-1]):
        t = t.get(p, {})
        if not isinstance(t, dict):
            fail(key, '%s is not a table' % '.'.join(path[:i + 1]))
    if isinstance(t.get(path[-1]), (dict, list)):
        fail(key, 'it is a table in the config, not a value')
    place(lines, path[:-1], path[-1], toml_key(path[-1]) + ' = ' + toml_value(value))
    want = with_key(doc, path, value)
    try:
        got = tomllib.loads(''.join(lines))
    except tomllib.TOMLDecodeError as e:
        fail(key, 'the edited config would not be TOML (%s)' % e)
    if got != want:
        fail(key, 'the edit would change more than this key')
    doc = got
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(config), prefix=os.path.basename(config) + '.')
with os.fdopen(fd, 'w', encoding='utf-8') as f:
    f.write(''.join(lines))
shutil.copymode(config, tmp)
os.replace(tmp, config)
`;

/** The additions as the program's JSON argument: `[key, path, value]` each. */
export function additionsJson(additions: readonly (readonly [string, string | number])[]): string {
  return JSON.stringify(additions.map(([k, v]) => [k, configAdditionPath(k) ?? [k], additionValue(v)]));
}

/** The script's lines that set the additions in CONFIG (the caller restarts containerd after). */
export function configAdditionsStep(additions: readonly (readonly [string, string | number])[], config: string): string[] {
  return [
    '# containerd.configAdditions: each key path set in the config, the edit proven by reading it back (src/bootstrap/containerd-additions.ts).',
    '# containerd_config_additions CONFIG JSON',
    'containerd_config_additions() {',
    "  python3 - \"$1\" \"$2\" <<'PY'",
    CONFIG_ADDITIONS_PY.replace(/\n$/, ''),
    'PY',
    '}',
    `containerd_config_additions ${shQuote(config)} ${shQuote(additionsJson(additions))}`,
  ];
}
