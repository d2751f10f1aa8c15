/** Resolves a command line the CLI suggests in the real commander tree (used by the hint tests). */
import type { Command } from 'commander';

/** The problems of one suggested command line (empty when it would run). */
export function unrunnable(line: string, root: Command): string[] {
  const tokens = line.trim().split(/\s+/);
  if (tokens[0] !== 'kops-ts') return [`${line}: does not start with kops-ts`];
  let cmd = root;
  let i = 1;
  for (; i < tokens.length; i++) {
    const next = cmd.commands.find((c) => c.name() === tokens[i] || c.aliases().includes(tokens[i]!));
    if (!next) break;
    cmd = next;
  }
  if (cmd === root) return [`${line}: no such command`];
  if (cmd.commands.length > 0) return [`${line}: "${cmd.name()}" needs a subcommand`];
  const problems: string[] = [];
  for (const t of tokens.slice(i)) {
    if (!t.startsWith('-')) continue;
    const flag = t.split('=')[0]!;
    const known = [...cmd.options, ...root.options].some((o) => o.long === flag || o.short === flag);
    if (!known) problems.push(`${line}: ${cmd.name()} has no flag ${flag}`);
  }
  return problems;
}
