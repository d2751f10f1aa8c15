/**
 * Parse-and-check time against manifest size: `parseManifests` (the YAML read with kops's rules,
 * the limits of src/model/api/limits.ts, the schema check) on manifests from a few KB up to the
 * 1 MiB limit, and on the hostile inputs the limits refuse. For comparison, the YAML parser with
 * its own duplicate-key check (what kops-ts used before: quadratic in a map's keys).
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parseManifests } from '../src/model/api/parse.js';
import { MAX_MAP_KEYS } from '../src/model/api/limits.js';
import { fmt, measure, table } from './harness.js';

const minimal = readFileSync(new URL('../test/fixtures/kops/minimal.yaml', import.meta.url), 'utf8');
const nodeGroup = minimal.slice(minimal.lastIndexOf('apiVersion:'));

function labelLines(n: number, indent: string, value: string): string {
  return Array.from({ length: n }, (_, i) => `${indent}label-${i}: ${value}-${i}\n`).join('');
}

/** The minimal cluster with `labels` cloudLabels and `groups` extra node groups of 10 node labels each. */
function manifest(labels: number, groups: number, value = 'value'): string {
  let text = labels > 0 ? minimal.replace('\nspec:\n', `\nspec:\n  cloudLabels:\n${labelLines(labels, '    ', value)}`) : minimal;
  for (let g = 0; g < groups; g++) {
    text += `\n---\n${nodeGroup.replace('name: nodes-us-east-1a', `name: nodes-${g}`).replace('\nspec:\n', `\nspec:\n  nodeLabels:\n${labelLines(10, '    ', 'pool')}`)}`;
  }
  return text;
}

interface Case {
  readonly name: string;
  readonly text: string;
}

const ACCEPTED: Case[] = [
  { name: 'minimal (cluster + 2 groups)', text: manifest(0, 0) },
  { name: '10 cloudLabels, 10 groups', text: manifest(10, 10) },
  { name: `${MAX_MAP_KEYS} cloudLabels (the limit)`, text: manifest(MAX_MAP_KEYS, 0) },
  { name: '100 cloudLabels, 200 groups', text: manifest(100, 200) },
  { name: `${MAX_MAP_KEYS} cloudLabels, 900 groups`, text: manifest(MAX_MAP_KEYS, 900) },
];

const REFUSED: Case[] = [
  { name: `${MAX_MAP_KEYS + 1} cloudLabels`, text: manifest(MAX_MAP_KEYS + 1, 0) },
  { name: '20,000 cloudLabels (1 MiB)', text: manifest(20_000, 0, 'v'.repeat(20)) },
  { name: '100,000 cloudLabels (5.5 MiB)', text: manifest(100_000, 0, 'value-to-make-five-and-a-half-mb-x') },
];

const kb = (text: string) => Buffer.byteLength(text) / 1024;

export function benchParse(): string {
  const out: string[] = [];
  // Warm the JIT on every case first, so the first case measured is not the slowest by accident.
  for (const c of [...ACCEPTED, ...REFUSED]) parseManifests(c.text, 'bench.yaml');
  const measured = [...ACCEPTED, ...REFUSED].map((c) => {
    let outcome = '';
    const m = measure(() => {
      const r = parseManifests(c.text, 'bench.yaml');
      const e = r.diagnostics.find((d) => d.severity === 'error');
      outcome = e ? `refused: ${e.code}` : `${r.objects.length} objects`;
    });
    return { c, m, outcome };
  });
  const base = measured[0]!.m.medianMs;
  const rows = measured.map(({ c, m, outcome }) => {
    const size = kb(c.text);
    return [c.name, size >= 1024 ? `${(size / 1024).toFixed(2)} MiB` : `${size.toFixed(1)} KiB`, outcome, fmt(m.medianMs), (m.medianMs * 1000 / size).toFixed(0), (m.medianMs / base).toFixed(1)];
  });
  out.push('### parseManifests against manifest size\n');
  out.push(table(['manifest', 'size', 'outcome', 'median ms', 'µs per KiB', 'x minimal'], rows));

  // The parser's own duplicate-key check, on one map of n keys, against the linear check used now.
  const keyRows: string[][] = [];
  let first: { quad: number; lin: number } | undefined;
  for (const n of [1000, 2000, 4000, 8000]) {
    const text = `cloudLabels:\n${labelLines(n, '  ', 'value')}`;
    const quad = measure(() => parseAllDocuments(text, { version: '1.1', uniqueKeys: true }), { minRuns: 3, maxRuns: 10 });
    const lin = measure(() => parseAllDocuments(text, { version: '1.1', uniqueKeys: false }), { minRuns: 3, maxRuns: 10 });
    first ??= { quad: quad.medianMs, lin: lin.medianMs };
    keyRows.push([String(n), fmt(quad.medianMs), (quad.medianMs / first.quad).toFixed(1), fmt(lin.medianMs), (lin.medianMs / first.lin).toFixed(1)]);
  }
  out.push('\n### One map of n keys: the YAML parser with its duplicate-key check (before) and without it (now; kops-ts checks duplicates with a set)\n');
  out.push(table(['keys', 'before ms', 'before x1000', 'now ms', 'now x1000'], keyRows));
  return out.join('\n');
}
