/**
 * docs/cli-reference.md, generated from the commander definitions themselves (descriptions,
 * arguments, aliases, flags with their defaults, the help's examples), so the reference cannot
 * drift from the CLI: `npm run docs:cli` writes it, and test/cli/cli-reference.test.ts fails when
 * the checked-in file differs from what this renders.
 */
import type { Command, Option } from 'commander';
import { buildProgram } from './main.js';
import { commandPath, examplesOf } from './help-examples.js';

export const CLI_REFERENCE_PATH = 'docs/cli-reference.md';

/** The reference of the real command tree. */
export function cliReference(): string {
  const quiet = () => undefined;
  return renderCliReference(buildProgram({ stdout: quiet, stderr: quiet, isTTY: false, env: {}, readFile: () => '', edit: () => 0 }));
}

export function renderCliReference(root: Command): string {
  const cmds = visibleTree(root);
  const out: string[] = [
    '# kops-ts command reference',
    '',
    '<!-- Generated from the commander definitions by `npm run docs:cli` (scripts/gen-cli-reference.ts): do not edit by hand. -->',
    '',
    `Every command of \`kops-ts\`, as its \`--help\` describes it: arguments, flags with their defaults, and examples. What the commands do in depth, their output and exit codes: [cli.md](cli.md). Shell completion: \`kops-ts completion bash|zsh|fish\`.`,
    '',
    '## Global flags',
    '',
    'Accepted by every command.',
    '',
    ...optionTable(root.options),
    '',
    '## Commands',
    '',
    ...cmds.map((c) => `${'  '.repeat(depth(c) - 1)}- [${title(c)}](#${anchor(c)})${c.description() ? `: ${firstSentence(c.description())}` : ''}`),
  ];
  for (const c of cmds) out.push('', ...section(c));
  return out.join('\n') + '\n';
}

function section(cmd: Command): string[] {
  const lines = [`## ${title(cmd)}`, ''];
  if (cmd.description()) lines.push(escapeText(cmd.description()), '');
  lines.push('```', `kops-ts ${commandPath(cmd)} ${cmd.usage()}`.trimEnd(), '```', '');
  if (cmd.aliases().length > 0) lines.push(`Aliases: ${cmd.aliases().map((a) => `\`${a}\``).join(', ')}`, '');
  const subs = visible(cmd);
  if (subs.length > 0) lines.push(`Subcommands: ${subs.map((s) => `[\`${s.name()}\`](#${anchor(s)})`).join(', ')}`, '');
  const args = cmd.registeredArguments;
  if (args.length > 0) {
    lines.push('| argument | required | description |', '|---|---|---|');
    for (const a of args) lines.push(`| \`${a.name()}${a.variadic ? '...' : ''}\` | ${a.required ? 'yes' : 'no'} | ${cell(a.description || '')} |`);
    lines.push('');
  }
  if (cmd.options.length > 0) lines.push(...optionTable(cmd.options), '');
  const examples = examplesOf(cmd)[0] ?? [];
  if (examples.length > 0) lines.push('Examples:', '', '```sh', ...examples, '```', '');
  while (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function optionTable(options: readonly Option[]): string[] {
  const rows = options.filter((o) => !o.hidden).map((o) => `| \`${o.flags}\` | ${defaultOf(o)} | ${cell(o.description)} |`);
  return ['| flag | default | description |', '|---|---|---|', ...rows];
}

function defaultOf(o: Option): string {
  if (o.defaultValue === undefined) return '';
  const v = o.defaultValueDescription ?? (typeof o.defaultValue === 'string' ? o.defaultValue : JSON.stringify(o.defaultValue));
  return `\`${v}\``;
}

function visible(cmd: Command): Command[] {
  return cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
}

function visibleTree(cmd: Command): Command[] {
  return visible(cmd).flatMap((c) => [c, ...visibleTree(c)]);
}

function depth(cmd: Command): number {
  return commandPath(cmd).split(' ').length;
}

function title(cmd: Command): string {
  return `kops-ts ${commandPath(cmd)}`;
}

/** GitHub's heading anchor of `## kops-ts <path>`. */
function anchor(cmd: Command): string {
  return title(cmd)
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

function firstSentence(text: string): string {
  return escapeText(text.split(/(?<=\.)\s|\n/)[0]!);
}

/** Text in a table cell: pipes escaped, on one line. */
function cell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** Markdown would read `<file>` as an HTML tag and `$EDITOR`/`*` as text; angle brackets are escaped. */
function escapeText(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
