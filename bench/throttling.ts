/**
 * Benchmark 3: the first apply of a 20-group HA cluster while the proxy admits at most
 * `perSecond` AWS API requests a second (one token bucket shared by EC2, Auto Scaling, ELB, IAM,
 * Route53 and STS; the S3 state store is not metered: S3 allows thousands a second) and answers
 * the rest with the service's throttling error, as AWS does. Target: no throttling error reaches
 * the user (the SDK's adaptive retries and the executor absorb them), and the wall time is at
 * most 1.2 x (admitted requests / limit): the limit, not the retries, sets the pace.
 *
 * Side by side in one run, in turn: the clients' adaptive rate limiting as kops-ts sets it (its
 * limiter, one per endpoint: here every client talks to the one proxy, so they share one), each
 * of its two changes alone (its limiter per client; the SDK's limiter per endpoint), and the
 * SDK's default (its limiter, one per client); see src/cloud/aws/rate-limit.ts. Each run's
 * limiters are its own (shared by the run's several AwsClients, as the process's are in the CLI). `KOPS_TS_BENCH_THROTTLING_RUNS` (default 1) runs each
 * that many times. Besides the wall, each run shows where the time went: before the first AWS
 * request and after the last (the state-store work around the apply), and the bucket's capacity
 * left unused between them (tokens that would have overflowed the proxy's bucket, as seconds).
 */
import { EndpointRateLimiters, type EndpointRateLimitersOptions } from '../src/cloud/aws/rate-limit.js';
import { RecordingSink } from '../src/events.js';
import { haCluster } from './aws-env.js';
import { fmt, table } from './harness.js';

const METERED = ['ec2', 'autoscaling', 'elbv2', 'iam', 'route53', 'sts'] as const;

/** The same first apply without a limit: its wall time is what the run costs apart from the limit. */
async function unlimited(nodeGroups: number): Promise<number> {
  const c = await haCluster(nodeGroups);
  try {
    const t0 = performance.now();
    const res = await c.update(true);
    if (!res.applied?.ok) throw new Error(`bench: unthrottled apply of ${c.name} failed`);
    return performance.now() - t0;
  } finally {
    await c.close();
  }
}

interface Variant {
  readonly name: string;
  readonly limiters: EndpointRateLimitersOptions;
}

/** The clients' rate limiting: as kops-ts sets it, each of its two changes alone, the SDK's default. */
const VARIANTS: readonly Variant[] = [
  { name: 'kops-ts limiter, one per endpoint', limiters: { scope: 'endpoint', kind: 'kops-ts' } },
  { name: 'kops-ts limiter, one per client', limiters: { scope: 'client', kind: 'kops-ts' } },
  { name: 'SDK limiter, one per endpoint', limiters: { scope: 'endpoint', kind: 'sdk' } },
  { name: 'SDK limiter, one per client (SDK default)', limiters: { scope: 'client', kind: 'sdk' } },
];

interface Run {
  readonly variant: Variant;
  readonly ok: boolean;
  readonly outcome: string;
  readonly admitted: number;
  readonly throttled: number;
  readonly s3: number;
  readonly taskRetries: number;
  readonly throttledTaskRetries: number;
  readonly wallMs: number;
  readonly spanMs: number;
  readonly beforeMs: number;
  readonly afterMs: number;
  /** Capacity of the bucket left unused between the first and last AWS request, in seconds. */
  readonly idleMs: number;
}

/**
 * Replays the admitted requests' arrival times through a bucket like the proxy's (`perSecond`,
 * burst `perSecond`, full at the first request): the tokens that overflow it are capacity no
 * request used, returned as the time the limit would take to grant them.
 */
export function unusedCapacityMs(arrivals: readonly number[], perSecond: number): number {
  const ts = [...arrivals].sort((a, b) => a - b);
  if (ts.length === 0) return 0;
  const burst = perSecond;
  let tokens = burst;
  let last = ts[0]!;
  let lost = 0;
  for (const t of ts) {
    const filled = tokens + ((t - last) / 1000) * perSecond;
    if (filled > burst) lost += filled - burst;
    tokens = Math.min(burst, filled) - 1;
    last = t;
  }
  return (lost / perSecond) * 1000;
}

async function throttledRun(variant: Variant, nodeGroups: number, perSecond: number): Promise<Run> {
  const c = await haCluster(nodeGroups, { rateLimit: { perSecond, services: [...METERED] } });
  try {
    const events = new RecordingSink();
    const start = Date.now();
    const t0 = performance.now();
    let outcome: string;
    let ok = false;
    try {
      const res = await c.update(true, { events: events.sink, rateLimiters: new EndpointRateLimiters(variant.limiters) });
      ok = res.applied?.ok === true;
      outcome = ok ? 'applied' : `apply failed: ${res.applied?.failed.map((f) => `${f.key}: ${f.code}`).join(', ')}`;
    } catch (e) {
      outcome = `error: ${e instanceof Error ? e.message : String(e)}`;
    }
    const wallMs = performance.now() - t0;
    const metered = c.proxy.requests.filter((r) => (METERED as readonly string[]).includes(r.service));
    const admittedTimes = metered.filter((r) => !r.throttled).map((r) => c.proxy.receivedAt(r) ?? 0);
    const times = metered.map((r) => c.proxy.receivedAt(r) ?? 0);
    const first = Math.min(...times);
    const last = Math.max(...times);
    return {
      variant,
      ok,
      outcome,
      admitted: admittedTimes.length,
      throttled: metered.filter((r) => r.throttled).length,
      s3: c.proxy.count({ service: 's3' }),
      taskRetries: events.of('task.retry').length,
      throttledTaskRetries: events.of('task.retry').filter((e) => /Throttl|RequestLimitExceeded/.test(e.errorCode)).length,
      wallMs,
      spanMs: last - first,
      beforeMs: first - start,
      afterMs: start + wallMs - last,
      idleMs: unusedCapacityMs(admittedTimes, perSecond),
    };
  } finally {
    await c.close();
  }
}

export async function benchThrottling(nodeGroups = 20, perSecond = 5, runs = Number(process.env.KOPS_TS_BENCH_THROTTLING_RUNS ?? 1)): Promise<string> {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`KOPS_TS_BENCH_THROTTLING_RUNS must be a positive integer, not ${process.env.KOPS_TS_BENCH_THROTTLING_RUNS}`);
  const freeMs = await unlimited(nodeGroups);
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    for (const v of VARIANTS) results.push(await throttledRun(v, nodeGroups, perSecond));
  }
  const ratio = (r: Run, ms: number): string => (ms / ((r.admitted / perSecond) * 1000)).toFixed(2);
  const out = [`### First apply of an HA cluster with ${nodeGroups} node groups under a limit of ${perSecond} AWS requests/s\n`];
  out.push(table(
    ['client rate limiting', 'outcome', 'AWS requests admitted', 'answered with throttling', 'S3 requests (not metered)', 'task retries (throttling)', 'admitted / limit (s)', 'wall (s)', 'wall / (admitted / limit)', 'first to last AWS request (s)', 'span / (admitted / limit)', 'before first, after last (s)', 'limit unused in span (s)'],
    results.map((r) => [
      r.variant.name, r.outcome, String(r.admitted), String(r.throttled), String(r.s3), `${r.taskRetries} (${r.throttledTaskRetries})`,
      fmt(r.admitted / perSecond), fmt(r.wallMs / 1000), `**${ratio(r, r.wallMs)}**`, fmt(r.spanMs / 1000), ratio(r, r.spanMs),
      `${fmt(r.beforeMs / 1000)}, ${fmt(r.afterMs / 1000)}`, fmt(r.idleMs / 1000),
    ]),
  ));
  out.push(`\nThe same apply without a limit: ${fmt(freeMs / 1000)} s.`);
  for (const v of VARIANTS) {
    const mine = results.filter((r) => r.variant === v);
    const ratios = mine.map((r) => r.wallMs / ((r.admitted / perSecond) * 1000));
    const worst = Math.max(...ratios);
    const surfaced = mine.every((r) => r.ok) ? 'held' : 'NOT held';
    out.push(`\n${v.name}: target no throttling error surfaced (${surfaced}), wall <= 1.2 x (admitted / limit) (${worst <= 1.2 ? 'held' : 'NOT held'}: ${ratios.map((x) => x.toFixed(2)).join(', ')}).`);
  }
  return out.join('\n');
}
