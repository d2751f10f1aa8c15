/**
 * `validate cluster`'s renderings, pure: kops's tables (INSTANCE GROUPS, NODE STATUS, VALIDATION
 * ERRORS, then "Your cluster X is ready" or "Validation Failed"), and `-o json|yaml` in kops's
 * ValidationCluster shape (`failures: [{type,name,message}]`, `nodes: [{name,zone,role,hostname,
 * status}]`, each omitted when empty as kops's `omitempty` does).
 */
import { stringify } from 'yaml';
import { renderTable } from '../cli/output.js';
import type { InstanceGroup } from '../model/api/types.js';
import { normalizeRole } from '../model/api/types.js';
import type { ValidationResult } from '../rolling-update/types.js';
import type { ValidationNodeDetail } from './validate.js';

export interface ValidationDocument {
  failures?: { type: string; name: string; message: string }[];
  nodes?: { name: string; zone?: string; role: string; hostname?: string; status: string }[];
}

export interface RenderValidationInput {
  readonly clusterName: string;
  readonly instanceGroups: readonly Pick<InstanceGroup, 'metadata' | 'spec'>[];
  readonly result: ValidationResult;
}

export function validationDocument(r: ValidationResult): ValidationDocument {
  const doc: ValidationDocument = {};
  if (r.failures.length > 0) doc.failures = r.failures.map((f) => ({ type: f.kind, name: f.name, message: f.message }));
  if (r.nodes.length > 0) {
    doc.nodes = r.nodes.map((n) => {
      const d = n as Partial<ValidationNodeDetail> & ValidationResult['nodes'][number];
      return {
        name: n.name,
        ...(d.zone ? { zone: d.zone } : {}),
        role: n.role,
        ...(d.hostname ? { hostname: d.hostname } : {}),
        status: d.status ?? (n.ready ? 'True' : 'False'),
      };
    });
  }
  return doc;
}

export function renderValidationJson(r: ValidationResult): string {
  return JSON.stringify(validationDocument(r), null, 2) + '\n';
}

export function renderValidationYaml(r: ValidationResult): string {
  return stringify(validationDocument(r));
}

/** The table output, ending with the verdict line. */
export function renderValidationTable(i: RenderValidationInput): string {
  const out: string[] = [`Validating cluster ${i.clusterName}`, ''];
  out.push('INSTANCE GROUPS');
  out.push(
    renderTable(
      ['NAME', 'ROLE', 'MACHINETYPE', 'MIN', 'MAX', 'SUBNETS'],
      i.instanceGroups.map((ig) => [
        ig.metadata.name,
        normalizeRole(ig.spec.role),
        ig.spec.machineType ?? '',
        String(ig.spec.minSize ?? ''),
        String(ig.spec.maxSize ?? ''),
        (ig.spec.subnets ?? []).join(','),
      ]),
    ),
  );
  out.push('NODE STATUS');
  out.push(renderTable(['NAME', 'ROLE', 'READY'], i.result.nodes.map((n) => [n.name, n.role, (n as Partial<ValidationNodeDetail>).status ?? (n.ready ? 'True' : 'False')])));
  if (i.result.failures.length > 0) {
    out.push('VALIDATION ERRORS');
    out.push(renderTable(['KIND', 'NAME', 'MESSAGE'], i.result.failures.map((f) => [f.kind, f.name, f.message])));
    out.push('Validation Failed');
  } else {
    out.push(`Your cluster ${i.clusterName} is ready`);
  }
  return out.join('\n') + '\n';
}
