/**
 * Every file kops-ts writes for a program on the instances is read as YAML 1.1: kubeadm, kubectl,
 * the API server and the cluster autoscaler decode with sigs.k8s.io/yaml (go-yaml v2), and the
 * addons script reads its descriptions with PyYAML. YAML 1.1 takes a bare `yes`, `no`, `on`, `off`,
 * `y` or `n` for a boolean, `1:30` for the number 90 and `0755` for 493, where YAML 1.2 (the `yaml`
 * package's default) reads them as strings and so writes them bare. A taint `dedicated=yes` written
 * `value: yes` makes kubeadm refuse the file (a boolean where a string is expected) and the instance
 * never joins. Written as YAML 1.1, such strings are quoted, and every reader sees the same values.
 *
 * Also: no anchors or aliases for a value used twice (plain YAML for every reader), no folding of
 * long lines, and a JavaScript Map or Set written as a plain mapping or sequence. YAML 1.1's own
 * `!!omap` and `!!set`, which the `yaml` package would use for them, are types none of these readers
 * decodes into a Go map or a Python dict (the autoscaler's priorities, keyed by number, are a Map).
 */
import { stringify, type Tags } from 'yaml';

const NOT_WRITTEN = new Set(['tag:yaml.org,2002:omap', 'tag:yaml.org,2002:set']);
const OPTIONS = {
  version: '1.1',
  lineWidth: 0,
  aliasDuplicateObjects: false,
  customTags: (tags: Tags): Tags => tags.filter((t) => typeof t === 'string' || !NOT_WRITTEN.has(t.tag)),
} as const;

/** One YAML document, written as a YAML 1.1 reader reads it back. */
export function yaml11(value: unknown): string {
  return stringify(value, OPTIONS);
}

/** A stream of YAML 1.1 documents (`---` between them). */
export function yaml11Stream(values: readonly unknown[]): string {
  return values.map(yaml11).join('---\n');
}
