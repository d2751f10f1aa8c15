/**
 * The `kops-ts ...` command lines a Markdown page shows: every line of a fenced code block that
 * runs kops-ts (with `\` continuations joined, a `$ ` prompt or `VAR=value` prefixes removed, and
 * cut at a comment, a pipe, `&&`, `||` or `;`), and every inline code span that starts with
 * `kops-ts `. Placeholders (`<id>`, `NAME`, `V`) become `X`, so that `unrunnable()` sees the
 * command and its flags only.
 */

/** One command line found in a page, with the line it starts on (for failure messages). */
export interface DocCommand {
  readonly line: number;
  readonly command: string;
}

const PLACEHOLDERS = /<[^>]*>|\bNAME\b|\bV\b|\bVERSION\b|\bIG\b|\bCLUSTER\b/g;

function clean(command: string): string {
  return command
    .replace(/\\\|/g, '|') // `\|` in a table cell is a literal `|` (alternatives: json\|yaml)
    .replace(PLACEHOLDERS, 'X')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `kops-ts` followed by a word: a diagram's `kops-ts CLI` or a prose `kops-ts ...` is not a command. */
function isCommand(s: string): boolean {
  return /^kops-ts [a-z][a-z-]*(\s|$)/.test(s);
}

/** Commands quoted inside output or a message: `error: ...: run 'kops-ts get clusters'`. */
function embedded(text: string, line: number): DocCommand[] {
  return [...text.matchAll(/['"](kops-ts [^'"\n]*)['"]|: (kops-ts [^\n'"`]*)/g)]
    .map((m) => (m[1] ?? m[2]!).replace(/[.;]$/, ''))
    .filter(isCommand)
    .map((c) => ({ line, command: clean(c) }));
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** The commands in a fenced code block's body. */
function blockCommands(body: string, firstLine: number): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i]!;
    while (/\\\s*$/.test(l) && i + 1 < lines.length) l = l.replace(/\\\s*$/, ' ') + lines[++i]!.trim();
    l = l.replace(/^\s*\$\s+/, '').trim();
    // Environment assignments before the command: `KOPS_STATE_STORE=s3://b kops-ts get clusters`.
    while (/^[A-Z_][A-Z0-9_]*=\S*\s/.test(l)) l = l.replace(/^[A-Z_][A-Z0-9_]*=\S*\s+/, '');
    if (!isCommand(l)) {
      out.push(...embedded(l, firstLine + start));
      continue;
    }
    const command = l.split(/\s#|\s\|\|?\s|\s&&\s|;\s*|\s>\s|\s2>/)[0]!;
    out.push({ line: firstLine + start, command: clean(command) });
  }
  return out;
}

/** Every `kops-ts ...` command line of a Markdown page. */
export function docCommands(text: string): DocCommand[] {
  const found: DocCommand[] = [];
  let prose = text;
  for (const m of text.matchAll(/^( *)(```+|~~~+)[^\n]*\n([\s\S]*?)^\1\2[ \t]*$/gm)) {
    found.push(...blockCommands(m[3]!, lineOf(text, m.index!) + 1));
    prose = prose.replace(m[0], (s) => s.replace(/[^\n]/g, ' ')); // keep line numbers
  }
  for (const m of prose.matchAll(/(`+)([^`][\s\S]*?)\1/g)) {
    const line = lineOf(prose, m.index!);
    const span = m[2]!.replace(/\s+/g, ' ').trim();
    if (!isCommand(span)) {
      found.push(...embedded(span, line));
      continue;
    }
    // A table cell or a sentence quotes a command up to a comma or a parenthesis.
    found.push({ line, command: clean(span.split(/, | \(|\)/)[0]!) });
  }
  return found;
}

/**
 * The line from which a page's reader has KOPS_CLUSTER_NAME set: the first line of the page that
 * runs `export KOPS_CLUSTER_NAME=…` (in a code block or inline code), or undefined when it never
 * does. Commands before that line, or on a page without it, must name their cluster.
 */
export function clusterExportedFrom(text: string): number | undefined {
  const m = /^(?:.*[`$]\s*|\s*)export KOPS_CLUSTER_NAME=\S/m.exec(text);
  return m ? lineOf(text, m.index) : undefined;
}
