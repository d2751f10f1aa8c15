/**
 * The value syntaxes of kops's `create cluster` flags that are more than a plain list: cloud
 * labels (`Owner=John Doe,dn="cn=x, dc=y"`, a CSV record of key=value pairs, as kops's
 * parseCloudLabels reads it), feature gates (`Gate`, `+Gate`, `-Gate`) and zone → cloud guessing.
 * Pure functions; each throws a `KopsError` (exit code 2) naming the flag and the bad value.
 */
import { KopsError } from '../diagnostics.js';

function flagError(code: string, flag: string, message: string, hint: string): KopsError {
  return new KopsError(code, `${flag}: ${message}`, { hint, exitCode: 2 });
}

/** Splits one CSV record: commas separate fields, double quotes protect commas, `""` is a quote. */
export function splitCsvRecord(text: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (c === ',') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw flagError('InvalidFlagValue', '--cloud-labels', `unterminated quote in ${JSON.stringify(text)}`, 'close the double quote');
  fields.push(cur);
  return fields;
}

/** `--cloud-labels "Owner=John Doe,Team=Some Team"` → `{ Owner: 'John Doe', Team: 'Some Team' }`. */
export function parseCloudLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text.trim() === '') return out;
  for (const field of splitCsvRecord(text)) {
    const pair = field.trim();
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw flagError('InvalidFlagValue', '--cloud-labels', `${JSON.stringify(pair)} is not key=value`, 'use --cloud-labels "Key=Value,Other=Value"');
    }
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}

/** `Gate` and `+Gate` enable, `-Gate` disables; the values are the strings "true"/"false" as kops writes. */
export function parseFeatureGates(gates: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of gates) {
    let gate = raw.trim();
    let enabled = true;
    if (gate.startsWith('+')) gate = gate.slice(1).trim();
    else if (gate.startsWith('-')) {
      enabled = false;
      gate = gate.slice(1).trim();
    }
    if (gate === '' || !/^[A-Za-z][A-Za-z0-9]*$/.test(gate)) {
      throw flagError('InvalidFlagValue', '--kubernetes-feature-gates', `${JSON.stringify(raw)} is not a feature gate`, 'use Name to enable, -Name to disable, e.g. --kubernetes-feature-gates InPlacePodVerticalScaling,-AnyOtherGate');
    }
    out[gate] = String(enabled);
  }
  return out;
}

/**
 * The cloud a zone belongs to, as kops guesses it: AWS zones are `<region>` plus a letter
 * (`us-east-1a`, also local zones such as `us-east-1-bos-1a`), GCE zones `<region>-<letter>`
 * (`us-central1-a`).
 */
export function guessCloudForZone(zone: string): 'aws' | 'gce' | undefined {
  if (/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+[a-z]$/.test(zone)) return 'aws';
  if (/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+-[a-z]+-\d+[a-z]$/.test(zone)) return 'aws';
  if (/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone)) return 'gce';
  return undefined;
}

/** The cloud of a state store's scheme, kops's fallback (`s3://` → aws, `gs://` → gce). */
export function guessCloudForStore(url: string | undefined): 'aws' | 'gce' | undefined {
  if (url?.startsWith('s3://')) return 'aws';
  if (url?.startsWith('gs://')) return 'gce';
  return undefined;
}

/** The GCE region of a zone: `us-central1-a` → `us-central1`. */
export function gceRegionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}
