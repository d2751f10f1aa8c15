/**
 * Saved plans, Terraform's `plan -out` → `apply plan`: `update cluster --out plan.json` writes the
 * JSON plan document (`planToJson`, with its `fingerprint`), and `update cluster --plan plan.json
 * --yes` applies only if a fresh plan, made under the cluster lock, has the same fingerprint —
 * i.e. neither the spec (desired hashes) nor the cloud (actual hashes) moved since the plan was
 * reviewed. Otherwise it refuses with `StalePlan`, naming what changed, and applies nothing.
 *
 * The file is the plan document itself, so a reviewer can read it (or render it) and a tool can
 * diff it; nothing in it is secret (sensitive values are redacted by the JSON renderer).
 */
import { KopsError, error } from '../diagnostics.js';
import { fingerprintDrift, type FingerprintDrift, type PlanFingerprint } from '../tasks/plan-fingerprint.js';
import { PLAN_API_VERSION, type Plan } from '../tasks/plan.js';
import { renderPlanJson, type PlanDocument } from './render/json.js';

/** What a stale-plan check needs of a saved plan. */
export interface SavedPlanRef {
  readonly cluster?: string;
  readonly fingerprint: PlanFingerprint;
}

/** How many drifted keys a `StalePlan` error names before `and N more`. */
const SHOWN = 10;

/** Making the plan again; `cluster` unknown: a placeholder. */
function redoHint(cluster: string | undefined): string {
  return `run \`kops-ts update cluster --name ${cluster ?? '<cluster>'} --out <file>\` again, review the new plan, then apply it with --plan <file> --yes`;
}

/** The text of a saved-plan file: the plan document, pretty-printed. */
export function savedPlanText(plan: Plan): string {
  return renderPlanJson(plan);
}

/** What --plan expects, for the message of a file that is not it. */
const EXPECTED = `expected the JSON plan document update cluster --out writes (apiVersion ${PLAN_API_VERSION}, kind Plan)`;

/** A file given as a saved plan that is not one: bad input (exit 2), naming the file and what was expected. */
function invalid(source: string, what: string, cluster: string | undefined): KopsError {
  const make = `create one with \`kops-ts update cluster --name ${cluster ?? '<cluster>'} --out <file>\``;
  return new KopsError('InvalidPlanFile', `${source} is not a kops-ts plan: ${what}; ${EXPECTED}`, {
    hint: make,
    exitCode: 2,
    diagnostics: [error('InvalidPlanFile', `not a kops-ts plan: ${what}; ${EXPECTED}`, { file: source, hint: make })],
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHashMap(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

/**
 * Parses and checks a saved-plan file (`source` names it in errors; `cluster`, the cluster it is
 * read for, names it in the hint). The envelope, the cluster and
 * the fingerprint are checked strictly (applying relies on them); `changes` only as far as the
 * text renderer needs, since they are for display.
 */
export function parseSavedPlan(text: string, source: string, cluster?: string): PlanDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(source, `not JSON (${e instanceof Error ? e.message : String(e)})`, cluster);
  }
  if (!isRecord(doc)) throw invalid(source, 'not a JSON object', cluster);
  if (doc.apiVersion !== PLAN_API_VERSION || doc.kind !== 'Plan') {
    throw invalid(source, `apiVersion/kind is ${JSON.stringify(doc.apiVersion)}/${JSON.stringify(doc.kind)}, expected ${PLAN_API_VERSION}/Plan`, cluster);
  }
  if (typeof doc.cluster !== 'string' || doc.cluster === '') throw invalid(source, 'it names no cluster', cluster);
  const fp = doc.fingerprint;
  if (!isRecord(fp) || !isHashMap(fp.desired) || !isHashMap(fp.actual)) throw invalid(source, 'it has no valid fingerprint', cluster);
  if (!isRecord(doc.summary) || !Array.isArray(doc.changes) || !Array.isArray(doc.unchanged)) throw invalid(source, 'summary, changes or unchanged is missing', cluster);
  const bad = doc.changes.findIndex((c) => !isRecord(c) || typeof c.key !== 'string' || typeof c.action !== 'string' || !Array.isArray(c.fields) || !Array.isArray(c.security));
  if (bad >= 0) throw invalid(source, `changes[${bad}] is not a planned change`, cluster);
  return { ...doc, diagnostics: Array.isArray(doc.diagnostics) ? doc.diagnostics : [] } as unknown as PlanDocument;
}

/** Refuses a saved plan made for another cluster (exit 2: bad input, like a file that is not a plan). */
export function assertPlanForCluster(saved: SavedPlanRef, clusterName: string, source = 'the saved plan'): void {
  if (saved.cluster === clusterName) return;
  throw new KopsError('PlanClusterMismatch', `${source} is for cluster ${JSON.stringify(saved.cluster ?? '')}, not ${JSON.stringify(clusterName)}`, {
    hint: `pass --name ${saved.cluster ?? '<cluster>'}, or make a plan for ${clusterName} with \`kops-ts update cluster --name ${clusterName} --out <file>\``,
    // Bad input, as a file that is not a plan is: a usage error.
    exitCode: 2,
  });
}

/** One drift in words: `AutoscalingGroup/x: its desired state changed in the spec`. */
export function describeDrift(d: FingerprintDrift): string {
  const what =
    d.part === 'desired'
      ? { added: 'added to the spec', removed: 'no longer in the spec', changed: 'its desired state changed in the spec' }[d.change]
      : { added: 'now exists in the cloud', removed: 'no longer exists in the cloud', changed: 'changed in the cloud' }[d.change];
  return `${d.key}: ${what}`;
}

/** `StalePlan`, with the structured drift for library callers (the CLI prints the message). */
export class StalePlanError extends KopsError {
  constructor(readonly drift: readonly FingerprintDrift[], cluster?: string) {
    const shown = drift.slice(0, SHOWN).map(describeDrift);
    const more = drift.length > SHOWN ? `; and ${drift.length - SHOWN} more` : '';
    super('StalePlan', `the saved plan is out of date, nothing was applied: ${shown.join('; ')}${more}`, { hint: redoHint(cluster) });
    this.name = 'StalePlanError';
  }
}

/**
 * Throws `StalePlanError` when `current` (a fresh plan's fingerprint) differs from the saved one,
 * naming up to ten keys and whether the spec or the cloud changed.
 */
export function assertSavedPlanCurrent(saved: SavedPlanRef, current: PlanFingerprint): void {
  const drift = fingerprintDrift(saved.fingerprint, current);
  if (drift.length > 0) throw new StalePlanError(drift, saved.cluster);
}
