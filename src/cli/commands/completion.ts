/**
 * `kops-ts completion bash|zsh|fish`: a completion script in the style of kops's (cobra's). The
 * scripts hold no command names: on every TAB they call the hidden `kops-ts __complete <words...>`
 * with the words typed so far (the last one being completed, possibly empty), which answers from
 * the commander tree itself (commands, subcommands, aliases' targets, flags) and from the state
 * store (cluster names from `--state`/KOPS_STATE_STORE, instance-group and keyset names of
 * `--name`/KOPS_CLUSTER_NAME). Its answer is one candidate a line, then `:<directive>` (cobra's bits: 4 =
 * do not fall back to file names). `__complete` never fails loudly: a store it cannot read, a
 * missing flag or a slow endpoint gives no names, exit 0, nothing on stderr.
 */
import type { Command, Option } from 'commander';
import { KopsError, error } from '../../diagnostics.js';
import { isValidClusterName } from '../../model/validation-util.js';
import { commandPath } from '../help-examples.js';
import type { CommandContext } from '../context.js';
import type { CliIO } from '../io.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** cobra's ShellCompDirective bits that the scripts act on. */
export const DIRECTIVE = { default: 0, noSpace: 2, noFileComp: 4 } as const;

/** The hidden command the scripts call. */
export const COMPLETE_COMMAND = '__complete';

type Names = 'cluster' | 'instancegroup' | 'keyset' | 'shell';

/** What the positional arguments of a command name, by command path. */
export const POSITIONAL: Readonly<Record<string, Names>> = {
  'get all': 'cluster',
  'get clusters': 'cluster',
  'get instancegroups': 'instancegroup',
  'edit cluster': 'cluster',
  'edit instancegroup': 'instancegroup',
  'delete cluster': 'cluster',
  'delete instancegroup': 'instancegroup',
  'delete sshpublickey': 'cluster',
  'update cluster': 'cluster',
  'rollback cluster': 'cluster',
  'rollback instancegroup': 'instancegroup',
  'reconcile cluster': 'cluster',
  'rolling-update cluster': 'cluster',
  'validate cluster': 'cluster',
  'get instances': 'cluster',
  'toolbox dump': 'cluster',
  'upgrade cluster': 'cluster',
  'export kubeconfig': 'cluster',
  'create keypair': 'keyset',
  'promote keypair': 'keyset',
  'distrust keypair': 'keyset',
  'get keypairs': 'keyset',
  completion: 'shell',
};

/** Flag values completed from the store, by long flag. */
const FLAG_VALUES: Readonly<Record<string, 'cluster' | 'instancegroup'>> = {
  '--name': 'cluster',
  '--instance-group': 'instancegroup',
};

/** The store is asked with short timeouts: a TAB must not hang on an unreachable endpoint. */
const STORE_TIMEOUTS = { connectMs: 1_500, requestMs: 3_000 };

export function registerCompletion(program: Command, ctx: () => CommandContext): void {
  program
    .command('completion <shell>')
    .description('Print a shell completion script for bash, zsh or fish (commands, flags, and cluster and instance-group names from the state store)')
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        const summary = `"${shell}" is not a shell kops-ts completes`;
        throw new KopsError('InvalidArgument', summary, {
          exitCode: 2,
          diagnostics: [error('InvalidArgument', summary, { path: 'completion <shell>', hint: 'use one of: kops-ts completion bash, kops-ts completion zsh, kops-ts completion fish' })],
        });
      }
      ctx().io.stdout(completionScript(shell as Shell));
    });
  // Reached only through commander if run() did not answer it first (it always does); kept in the
  // tree so that the name is reserved and `kops-ts __complete` is a command, hidden from help.
  program.command(COMPLETE_COMMAND, { hidden: true }).allowUnknownOption().allowExcessArguments().helpOption(false).action(() => undefined);
}

/** The words after `kops-ts __complete`: answered without commander parsing them (they are partial). */
export async function runComplete(root: Command, words: readonly string[], io: CliIO): Promise<number> {
  let answer: Completion;
  try {
    answer = await complete(root, words, io.env);
  } catch {
    answer = { candidates: [], directive: DIRECTIVE.noFileComp };
  }
  io.stdout([...answer.candidates, `:${answer.directive}`].join('\n') + '\n');
  return 0;
}

export interface Completion {
  readonly candidates: readonly string[];
  readonly directive: number;
}


/** The candidates for the last of `words` (the one being typed) after the ones before it. */
export async function complete(root: Command, words: readonly string[], env: CliIO['env']): Promise<Completion> {
  const all = words.length === 0 ? [''] : words;
  const before = all.slice(0, -1);
  const current = all[all.length - 1]!;
  let cmd = root;
  const positionals: string[] = [];
  const values = new Map<string, string>();
  let pendingFlag: Option | undefined;
  let onlyPositionals = false;
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (!onlyPositionals && w === '--') {
      onlyPositionals = true;
    } else if (!onlyPositionals && w.startsWith('-') && w.length > 1) {
      const eq = w.indexOf('=');
      const flag = eq > 0 ? w.slice(0, eq) : w;
      const opt = findOption(cmd, root, flag);
      if (opt?.long && eq > 0) values.set(opt.long, w.slice(eq + 1));
      else if (opt?.required) {
        if (i + 1 < before.length) {
          if (opt.long) values.set(opt.long, before[i + 1]!);
          i++;
        } else pendingFlag = opt;
      }
    } else {
      const sub = positionals.length === 0 ? visible(cmd).find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
      // Not a subcommand: the default subcommand's argument (`get <cluster>` is `get all <cluster>`), its flags then.
      const fallback = !sub && positionals.length === 0 ? defaultSubcommand(cmd) : undefined;
      if (sub) cmd = sub;
      else {
        if (fallback) cmd = fallback;
        positionals.push(w);
      }
    }
  }
  const store = (): StoreQuery => ({ state: values.get('--state') ?? env.KOPS_STATE_STORE, cluster: values.get('--name') ?? env.KOPS_CLUSTER_NAME, env });

  if (pendingFlag) return flagValues(pendingFlag, current, '', store());
  if (!onlyPositionals && current.startsWith('-')) {
    const eq = current.indexOf('=');
    if (eq > 0) {
      const opt = findOption(cmd, root, current.slice(0, eq));
      if (!opt) return { candidates: [], directive: DIRECTIVE.noFileComp };
      return flagValues(opt, current.slice(eq + 1), current.slice(0, eq + 1), store());
    }
    const options = [...cmd.options, ...(cmd === root ? [] : root.options)].filter((o) => !o.hidden && o.long);
    const flags = new Map<string, string>(options.map((o) => [o.long!, o.description]));
    if (!flags.has('--help')) flags.set('--help', 'display help for command');
    const names = [...flags.keys()].sort().filter((f) => f.startsWith(current));
    return { candidates: names.map((f) => described(f, flags.get(f)!)), directive: DIRECTIVE.noFileComp };
  }
  const subs = visible(cmd);
  if (subs.length > 0 && positionals.length === 0) {
    const names = subs.filter((c) => c.name().startsWith(current)).map((c) => described(c.name(), c.description()));
    // As cobra does for a command with subcommands and arguments of its own: both (`get <cluster>`).
    const fallback = defaultSubcommand(cmd);
    const kind = fallback ? POSITIONAL[commandPath(fallback)] : undefined;
    const args = kind ? matching(await storeNames(kind, store()), current) : [];
    return { candidates: [...names, ...args], directive: DIRECTIVE.noFileComp };
  }
  const kind = POSITIONAL[commandPath(cmd)];
  const variadic = cmd.registeredArguments.some((a) => a.variadic);
  if (!kind || (positionals.length > 0 && !variadic)) return { candidates: [], directive: DIRECTIVE.noFileComp };
  const names = (await storeNames(kind, store())).filter((n) => !positionals.includes(n));
  return { candidates: matching(names, current), directive: DIRECTIVE.noFileComp };
}

interface StoreQuery {
  readonly state: string | undefined;
  readonly cluster: string | undefined;
  readonly env: CliIO['env'];
}

/** The values of one flag: names from the store, `-o`'s formats from its description, else files or nothing. */
async function flagValues(opt: Option, partial: string, prefix: string, query: StoreQuery): Promise<Completion> {
  const kind = opt.long ? FLAG_VALUES[opt.long] : undefined;
  let values: string[] = [];
  if (kind) values = await storeNames(kind, query);
  else if (opt.long === '--output') values = [...new Set(opt.description.match(/\b(table|yaml|json)\b/g) ?? [])];
  else if (opt.long === '--role') values = [...new Set(opt.description.match(/\b(ControlPlane|Node|Bastion|APIServer)\b/g) ?? [])];
  if (values.length === 0 && /<file>/.test(opt.flags)) return { candidates: [], directive: DIRECTIVE.default };
  return { candidates: matching(values, partial).map((v) => prefix + v), directive: DIRECTIVE.noFileComp };
}

async function storeNames(kind: Names, q: StoreQuery): Promise<string[]> {
  if (kind === 'shell') return [...SHELLS];
  const state = q.state?.trim();
  if (!state) return [];
  try {
    // The store modules are imported when a completion asks the store, not for every completion.
    const [{ Clientset }, { clusterPaths }, { defaultRegion, openStateStore, parseStateStoreURL }] = await Promise.all([
      import('../../statestore/clientset.js'),
      import('../../statestore/layout.js'),
      import('../../statestore/open.js'),
    ]);
    if (parseStateStoreURL(state).scheme === 'memory') return [];
    const env = q.env as NodeJS.ProcessEnv;
    const store = openStateStore(state, { env, aws: { region: defaultRegion(env), timeouts: STORE_TIMEOUTS } });
    if (kind === 'cluster') return await new Clientset(store).listClusters();
    const cluster = q.cluster?.trim();
    if (!cluster || !isValidClusterName(cluster)) return [];
    if (kind === 'keyset') {
      // The spec's keysets, as keypair.ts checks them (the spec is read, no key is).
      const cs = new Clientset(store);
      const spec = (await cs.readCompletedSpec(cluster))?.object ?? (await cs.findCluster(cluster))?.object;
      // pki/cluster.js brings the X.509 library: imported only for this question.
      return spec ? (await import('../../pki/cluster.js')).clusterKeysetNames(spec) : [];
    }
    const prefix = clusterPaths.instanceGroups(cluster);
    const paths = await store.list(prefix);
    return paths.map((p) => p.slice(prefix.length)).filter((n) => n !== '' && !n.includes('/')).sort();
  } catch {
    return [];
  }
}

function findOption(cmd: Command, root: Command, flag: string): Option | undefined {
  const is = (o: Option) => o.long === flag || o.short === flag;
  return cmd.options.find(is) ?? root.options.find(is);
}

/** The subcommand commander runs for words that name none (`isDefault`), if the command has one. */
function defaultSubcommand(cmd: Command): Command | undefined {
  const name = (cmd as unknown as { _defaultCommandName?: string | null })._defaultCommandName;
  return name ? cmd.commands.find((c) => c.name() === name) : undefined;
}

function visible(cmd: Command): Command[] {
  return cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
}

/** `name<TAB>description` (cobra's form): zsh and fish show the description, bash drops it. */
function described(name: string, description: string): string {
  const text = description.replace(/\s+/g, ' ').trim();
  return text ? `${name}\t${text}` : name;
}

function matching(candidates: readonly string[], prefix: string): string[] {
  return candidates.filter((c) => c.startsWith(prefix));
}

/** The script for `shell`. */
export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return BASH;
    case 'zsh':
      return ZSH;
    case 'fish':
      return FISH;
  }
}

const BASH = `# bash completion for kops-ts                                -*- shell-script -*-
# Load it with: source <(kops-ts completion bash)
# It asks "kops-ts ${COMPLETE_COMMAND}" for the candidates of the word under the cursor.

_kops_ts_complete() {
    local line="\${COMP_LINE:0:COMP_POINT}"
    local -a words
    read -r -a words <<< "$line"
    # A line ending in a blank completes a new, empty word.
    if [[ -z "$line" || "$line" == *[[:space:]] ]]; then
        words+=("")
    fi
    local full="\${words[\${#words[@]}-1]}"
    local bcur="\${COMP_WORDS[COMP_CWORD]}"
    local out
    out="$("\${words[0]}" ${COMPLETE_COMMAND} "\${words[@]:1}" 2>/dev/null)" || return 0
    local -a lines
    mapfile -t lines <<< "$out"
    local last="\${lines[\${#lines[@]}-1]}"
    local directive=0
    if [[ "$last" == :* ]]; then
        directive="\${last#:}"
        unset 'lines[\${#lines[@]}-1]'
    fi
    # bash splits words at "=" and ":" (COMP_WORDBREAKS): drop what lies before its current word.
    local strip="\${full%"$bcur"}"
    COMPREPLY=()
    local c
    for c in "\${lines[@]}"; do
        c="\${c%%$'\\t'*}"
        [[ -n "$c" ]] && COMPREPLY+=("\${c#"$strip"}")
    done
    # No candidates: file names, unless kops-ts said the word is not a file (directive bit 4).
    if (( \${#COMPREPLY[@]} == 0 && (directive & ${DIRECTIVE.noFileComp}) == 0 )); then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$bcur")
    fi
    if (( (directive & ${DIRECTIVE.noSpace}) != 0 )); then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

complete -F _kops_ts_complete kops-ts
`;

const ZSH = `#compdef kops-ts
# zsh completion for kops-ts
# Load it with: source <(kops-ts completion zsh)   (or save it as _kops-ts in a directory of $fpath)
# It asks "kops-ts ${COMPLETE_COMMAND}" for the candidates of the word under the cursor.

_kops-ts() {
    local -a lines candidates
    local out directive
    out="$(\${words[1]} ${COMPLETE_COMMAND} "\${(@)words[2,CURRENT]}" 2>/dev/null)" || return 1
    lines=("\${(@f)out}")
    directive=0
    if [[ "\${lines[-1]}" == :* ]]; then
        directive="\${lines[-1]#:}"
        lines=("\${(@)lines[1,-2]}")
    fi
    candidates=("\${(@)lines:#}")
    # "name<TAB>description": the name is completed, "name  -- description" is shown.
    local -a names displays
    local line
    for line in "\${candidates[@]}"; do
        names+=("\${line%%$'\\t'*}")
        if [[ "$line" == *$'\\t'* ]]; then
            displays+=("\${line%%$'\\t'*}  -- \${line#*$'\\t'}")
        else
            displays+=("$line")
        fi
    done
    if (( \${#names} > 0 )); then
        if (( directive & ${DIRECTIVE.noSpace} )); then
            compadd -Q -S '' -l -d displays -- "\${names[@]}"
        else
            compadd -Q -l -d displays -- "\${names[@]}"
        fi
    elif (( (directive & ${DIRECTIVE.noFileComp}) == 0 )); then
        _files
    fi
}

if [[ "\${funcstack[1]}" == "_kops-ts" ]]; then
    _kops-ts "$@"
else
    compdef _kops-ts kops-ts
fi
`;

const FISH = `# fish completion for kops-ts
# Load it with: kops-ts completion fish | source
# (or save it as ~/.config/fish/completions/kops-ts.fish)
# It asks "kops-ts ${COMPLETE_COMMAND}" for the candidates of the word under the cursor.

function __kops_ts_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l out ($tokens[1] ${COMPLETE_COMMAND} $tokens[2..-1] "$current" 2>/dev/null)
    or return
    set -l directive 0
    if test (count $out) -gt 0; and string match -q -- ':*' $out[-1]
        set directive (string sub -s 2 -- $out[-1])
        set -e out[-1]
    end
    if test (count $out) -gt 0
        printf '%s\\n' $out
    else if test (math "bitand($directive, ${DIRECTIVE.noFileComp})") -eq 0
        __fish_complete_path "$current"
    end
end

complete -c kops-ts -e
complete -c kops-ts -f -a '(__kops_ts_complete)'
`;
