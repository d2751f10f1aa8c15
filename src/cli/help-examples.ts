/**
 * The "Examples:" section of every command's `--help`, as kops prints it: a `# what it does` line
 * above each command line. Kept in one table (keyed by the command's path) rather than in each
 * command's file, so adding them touches no command's code; a command that attaches its own
 * examples (`addHelpText('after', '\nExamples: ...')`) is left out of the table. Every line is a
 * real command line: test/cli/help-examples.test.ts runs each through the command tree, and
 * fails for a command of the tree that has no example (or two Examples sections).
 */
import type { Command } from 'commander';

/** One example: what it does, and the command line that does it. */
export interface HelpExample {
  readonly comment: string;
  readonly line: string;
}

const ex = (comment: string, line: string): HelpExample => ({ comment, line });

/**
 * Examples by command path (`create cluster`, `get`). Absent here because their own files attach
 * them: `create instancegroup`, `delete cluster`, `upgrade cluster`.
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly HelpExample[]>> = {
  create: [
    ex('Create a cluster and its instance groups from a kops manifest', 'kops-ts create -f cluster.yaml --state s3://my-state-store'),
    ex('The same from standard input', 'kops-ts create -f - --state s3://my-state-store'),
  ],
  'create cluster': [
    ex('A cluster in one zone of AWS (only the spec: apply it with update cluster --yes)', 'kops-ts create cluster --name my.example.com --zones us-east-1a --state s3://my-state-store'),
    ex(
      'A highly available control plane over three zones, private topology',
      'kops-ts create cluster --name my.example.com --zones us-east-1a,us-east-1b,us-east-1c --control-plane-count 3 --topology private --networking calico',
    ),
    ex('Print the spec that would be written, without writing it', 'kops-ts create cluster --name my.example.com --zones us-east-1a --dry-run -o yaml'),
  ],
  'create sshpublickey': [
    ex("Add an admin SSH public key to the cluster's state", 'kops-ts create sshpublickey --name my.example.com -i ~/.ssh/id_rsa.pub'),
    ex('On GCE, add a second key (AWS takes one: delete sshpublickey --yes first, then add the new one)', 'kops-ts create sshpublickey --name my-gce.example.com -i ~/.ssh/colleague.pub'),
  ],
  'create keypair': [
    ex('Add a new (secondary) CA to the kubernetes-ca keyset, to rotate it', 'kops-ts create keypair kubernetes-ca --name my.example.com'),
    ex('Bring your own CA and make it the signer at once', 'kops-ts create keypair kubernetes-ca --name my.example.com --cert ca.crt --key ca.key --primary'),
  ],
  replace: [
    ex('Replace the cluster and instance-group specs from a manifest', 'kops-ts replace -f cluster.yaml'),
    ex('The same, creating those that do not exist yet', 'kops-ts replace -f cluster.yaml --force'),
  ],
  get: [
    ex('List the clusters in the state store', 'kops-ts get clusters --state s3://my-state-store'),
    ex("List a cluster's instance groups", 'kops-ts get instancegroups --name my.example.com'),
    ex('Export a cluster and its instance groups as one manifest, for replace -f', 'kops-ts get all my.example.com -o yaml > cluster.yaml'),
    ex("The same, in kops's older form", 'kops-ts get my.example.com -o yaml'),
    ex('The cluster from --name (or KOPS_CLUSTER_NAME) and its instance groups, as two tables', 'kops-ts get --name my.example.com'),
  ],
  'get all': [
    ex('A cluster and its instance groups, as two tables', 'kops-ts get all my.example.com'),
    ex('Export them as one manifest to edit and write back with kops-ts replace -f cluster.yaml', 'kops-ts get all my.example.com -o yaml > cluster.yaml'),
    ex('The same as one JSON array (replace -f reads it too)', 'kops-ts get all --name my.example.com -o json'),
  ],
  'get clusters': [
    ex('List every cluster in the state store', 'kops-ts get clusters --state s3://my-state-store'),
    ex("Print one cluster's spec as YAML", 'kops-ts get cluster my.example.com -o yaml'),
    ex("The kept earlier versions of a cluster's spec", 'kops-ts get cluster my.example.com --history'),
  ],
  toolbox: [ex("Dump a cluster's cloud resources as YAML", 'kops-ts toolbox dump --name my.example.com')],
  'get instancegroups': [
    ex("List a cluster's instance groups", 'kops-ts get instancegroups --name my.example.com'),
    ex('Print one instance group as YAML', 'kops-ts get ig nodes-us-east-1a --name my.example.com -o yaml'),
    ex('The kept earlier versions of one instance group', 'kops-ts get ig nodes-us-east-1a --name my.example.com --history'),
  ],
  'get sshpublickeys': [ex("List the cluster's admin SSH public keys", 'kops-ts get sshpublickeys --name my.example.com')],
  'get iam-policy': [
    ex('The IAM policy whoever runs kops-ts needs, scoped to the state store', 'kops-ts get iam-policy --operator --state s3://my-state-store -o json'),
    ex("On GCE, the plan job's custom role, for gcloud iam roles create --file", 'kops-ts get iam-policy --operator --cloud gce --read-only -o yaml'),
    ex("The inline policies update cluster puts on a cluster's roles", 'kops-ts get iam-policy --name my.example.com'),
  ],
  'get secrets': [ex("List the cluster's keypairs and secrets (names only, never values)", 'kops-ts get secrets --name my.example.com')],
  'get keypairs': [
    ex('List every keyset and its items', 'kops-ts get keypairs --name my.example.com'),
    ex('One keyset, as YAML', 'kops-ts get keypairs kubernetes-ca --name my.example.com -o yaml'),
  ],
  promote: [ex('Make the newest secondary CA of kubernetes-ca its signer', 'kops-ts promote keypair kubernetes-ca --name my.example.com')],
  'promote keypair': [
    ex('Make the newest trusted secondary of kubernetes-ca its signer', 'kops-ts promote keypair kubernetes-ca --name my.example.com'),
    ex('Make a given item the signer (its id from get keypairs)', 'kops-ts promote keypair kubernetes-ca 7312984567123456789 --name my.example.com'),
  ],
  distrust: [ex('Drop an old CA from the trust bundle (its id from get keypairs)', 'kops-ts distrust keypair kubernetes-ca 7312984567123456789 --name my.example.com')],
  'distrust keypair': [ex('Drop an old CA from the trust bundle (its id from get keypairs)', 'kops-ts distrust keypair kubernetes-ca 7312984567123456789 --name my.example.com')],
  migrate: [ex("Say what moving a cluster's state to another bucket would copy (nothing changes)", 'kops-ts migrate state --name my.example.com --to s3://new-state-store --state s3://my-state-store')],
  'migrate state': [
    ex('Say what would be copied (objects and bytes per area), the configBase change, the checks and the commands to run afterwards', 'kops-ts migrate state --name my.example.com --to s3://new-state-store --state s3://my-state-store'),
    ex('Copy it (config last), then mark the old store as moved', 'kops-ts migrate state --name my.example.com --to s3://new-state-store --state s3://my-state-store --yes'),
    ex('The result for a pipeline', 'kops-ts migrate state --name my.example.com --to s3://new-state-store --yes -o json'),
  ],
  rotate: [ex('Say what rotating the nodes\' bootstrap token would do', 'kops-ts rotate bootstrap-token --name my.example.com')],
  'rotate bootstrap-token': [
    ex('Say what would happen: the token ids, the join files, the tokens to delete (nothing changes)', 'kops-ts rotate bootstrap-token --name my.example.com'),
    ex('Rotate it (after a join file may have leaked)', 'kops-ts rotate bootstrap-token --name my.example.com --yes'),
  ],
  'rotate secret-key': [
    ex('Count the keysets and secrets under each key (nothing changes)', 'kops-ts rotate secret-key --name my.example.com --secret-key old.key --new-secret-key new.key'),
    ex('Re-encrypt them under the new key (a person with the old key left)', 'kops-ts rotate secret-key --name my.example.com --secret-key old.key --new-secret-key new.key --yes'),
    ex('Encrypt a store written before any key was configured', 'kops-ts rotate secret-key --name my.example.com --new-secret-key new.key --yes'),
  ],
  export: [ex('Add a context for the cluster to your kubeconfig', 'kops-ts export kubeconfig --name my.example.com --admin')],
  'export kubeconfig': [
    ex('A context with an admin credential valid for 18 hours (the default)', 'kops-ts export kubeconfig --name my.example.com --admin'),
    ex('A context for your own user, written to a file of its own', 'kops-ts export kubeconfig my.example.com --user my-user --kubeconfig ./kubeconfig'),
  ],
  edit: [ex('Edit the cluster spec in $EDITOR', 'kops-ts edit cluster my.example.com')],
  'edit cluster': [
    ex('Edit the cluster spec in $EDITOR (then apply it with update cluster --yes)', 'kops-ts edit cluster my.example.com --state s3://my-state-store'),
    ex('Set a field without an editor (CI): validated, written only if changed', 'kops-ts edit cluster my.example.com --set spec.cloudLabels.team=platform'),
    ex('Replace a list: --unset runs before --set', 'kops-ts edit cluster my.example.com --unset spec.sshAccess --set spec.sshAccess=10.0.0.0/8'),
  ],
  'edit instancegroup': [
    ex('Edit an instance group, e.g. its size or machine type', 'kops-ts edit ig nodes-us-east-1a --name my.example.com'),
    ex('Resize it without an editor', 'kops-ts edit ig nodes-us-east-1a --name my.example.com --set spec.minSize=3 --set spec.maxSize=5'),
  ],
  delete: [
    ex('List what deleting the cluster would delete', 'kops-ts delete cluster --name my.example.com'),
    ex('Remove an instance group from the spec', 'kops-ts delete ig nodes-us-east-1b --name my.example.com --yes'),
    ex('Replace one instance (its group launches the replacement first)', 'kops-ts delete instance i-0a5ed581b862d3425 --name my.example.com --yes'),
    ex("Say what deleting a manifest's Clusters and InstanceGroups would delete (nothing changes)", 'kops-ts delete -f my-cluster.yaml --state s3://my-state-store'),
    ex('Delete them: a Cluster as delete cluster --yes does, an InstanceGroup from the spec', 'kops-ts delete -f my-cluster.yaml --state s3://my-state-store --yes'),
  ],
  'delete sshpublickey': [
    ex('Say what deleting the admin SSH key would change (nothing changes)', 'kops-ts delete sshpublickey my.example.com'),
    ex('Delete it; the next update cluster --yes removes it from the launch templates', 'kops-ts delete sshpublickey my.example.com --yes'),
  ],
  'delete instance': [
    ex('Say what deleting an instance would do', 'kops-ts delete instance i-0a5ed581b862d3425 --name my.example.com'),
    ex('Replace it: detach (the group launches a replacement), validate, drain, terminate', 'kops-ts delete instance i-0a5ed581b862d3425 --name my.example.com --yes'),
    ex('The same by its Kubernetes Node name', 'kops-ts delete instance ip-172-20-44-12.ec2.internal --name my.example.com --yes'),
    ex('Without surge: drain and terminate first, then the group replaces it', 'kops-ts delete instance i-0a5ed581b862d3425 --name my.example.com --surge=false --yes'),
    ex('Without the Kubernetes API (no drain, no validation)', 'kops-ts delete instance i-0a5ed581b862d3425 --name my.example.com --cloudonly --yes'),
  ],
  'delete instancegroup': [
    ex('Remove an instance group from the spec (update cluster --yes then deletes its cloud resources)', 'kops-ts delete ig nodes-us-east-1b --name my.example.com --yes'),
  ],
  update: [ex('Show what would change in the cloud', 'kops-ts update cluster --name my.example.com')],
  'update cluster': [
    ex('Show what would change in the cloud', 'kops-ts update cluster --name my.example.com'),
    ex('Apply it, and add an admin context to your kubeconfig', 'kops-ts update cluster --name my.example.com --yes --admin'),
    ex('In CI: the plan as JSON, exit 2 when there are changes', 'kops-ts update cluster --name my.example.com --detailed-exitcode -o json'),
    ex('Save a plan, then apply exactly that plan', 'kops-ts update cluster --name my.example.com --out plan.json'),
    ex('', 'kops-ts update cluster --name my.example.com --plan plan.json --yes'),
    ex('A pull request: plan a manifest before it is written (after the merge: replace -f cluster.yaml, then --plan plan.json --yes)', 'kops-ts update cluster --name my.example.com -f cluster.yaml --out plan.json'),
  ],
  rollback: [ex('Restore the cluster spec to a kept version (from get cluster --history)', 'kops-ts rollback cluster my.example.com --to 2026-01-01T00-00-00.000Z-0a1b2c3d')],
  'rollback cluster': [
    ex('Restore the cluster spec to a kept version (from get cluster --history)', 'kops-ts rollback cluster my.example.com --to 2026-01-01T00-00-00.000Z-0a1b2c3d'),
  ],
  'rollback instancegroup': [
    ex('Restore an instance group to a kept version (from get ig --history)', 'kops-ts rollback ig nodes-us-east-1a --name my.example.com --to 2026-01-01T00-00-00.000Z-0a1b2c3d'),
  ],
  reconcile: [ex('See what the sequence would apply (one update plan)', 'kops-ts reconcile cluster --name my.example.com')],
  'reconcile cluster': [
    ex('See what the sequence would apply (one update plan)', 'kops-ts reconcile cluster --name my.example.com'),
    ex('Apply it: control plane updated and rolled first, then every group, orphans deleted last', 'kops-ts reconcile cluster --name my.example.com --yes'),
  ],
  'rolling-update': [ex('Preview which instances need replacing', 'kops-ts rolling-update cluster --name my.example.com')],
  'rolling-update cluster': [
    ex('Preview which instances need replacing', 'kops-ts rolling-update cluster --name my.example.com'),
    ex('Replace them, validating the cluster between steps', 'kops-ts rolling-update cluster --name my.example.com --yes'),
    ex('Replace every node instance, needed or not', 'kops-ts rolling-update cluster --name my.example.com --instance-group-roles node --force --yes'),
  ],
  validate: [ex('Validate the cluster once', 'kops-ts validate cluster --name my.example.com')],
  'validate cluster': [
    ex('Validate the cluster once', 'kops-ts validate cluster --name my.example.com'),
    ex('Wait up to 10 minutes for it to become valid, as JSON', 'kops-ts validate cluster --name my.example.com --wait 10m -o json'),
  ],
  upgrade: [ex('Show the upgrade the channel recommends', 'kops-ts upgrade cluster --name my.example.com')],
  version: [ex('Print the version', 'kops-ts version'), ex('As JSON', 'kops-ts version -o json')],
  completion: [
    ex('Load completion into the current bash (add the line to ~/.bashrc for every shell)', 'source <(kops-ts completion bash)'),
    ex('The same for zsh (~/.zshrc)', 'source <(kops-ts completion zsh)'),
    ex('The same for fish (~/.config/fish/config.fish)', 'kops-ts completion fish | source'),
  ],
};

/** A command's path from the root, without the program's name: `create cluster`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The Examples section as help prints it. */
export function formatExamples(examples: readonly HelpExample[]): string {
  const lines = examples.flatMap((e) => [...(e.comment ? [`  # ${e.comment}`] : []), `  ${e.line}`]);
  return `\nExamples:\n${lines.join('\n')}\n`;
}

/** Attaches the table's examples to every command of the tree that has an entry. */
export function attachExamples(root: Command): void {
  const walk = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      const examples = HELP_EXAMPLES[commandPath(sub)];
      if (examples) sub.addHelpText('after', formatExamples(examples));
      walk(sub);
    }
  };
  walk(root);
}

/** `cmd`'s help exactly as `--help` prints it (its attached sections included), captured. */
export function renderedHelp(cmd: Command): string {
  const saved = { ...cmd.configureOutput() };
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 100, getOutHasColors: () => false });
  try {
    cmd.outputHelp();
  } finally {
    cmd.configureOutput(saved);
  }
  return text;
}

/** The Examples sections of `cmd`'s help: each a list of lines (`# ...` comments and command lines). */
export function examplesOf(cmd: Command): string[][] {
  const sections: string[][] = [];
  let current: string[] | undefined;
  for (const line of renderedHelp(cmd).split('\n')) {
    if (line === 'Examples:') sections.push((current = []));
    else if (current && line.startsWith('  ')) current.push(line.trim());
    else current = undefined;
  }
  return sections;
}

/** The kops-ts command line in one example line (shell around it and trailing `# comment` dropped). */
export function exampleCommand(line: string): string | undefined {
  if (line.startsWith('#')) return undefined;
  const at = line.indexOf('kops-ts ');
  if (at < 0) return undefined;
  return line.slice(at).split(/\s#|\)|\s\||\s>/)[0]!.trim();
}
