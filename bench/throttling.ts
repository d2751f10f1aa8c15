/**
 * Benchmark 3: the first apply of a 20-group HA cluster while the proxy admits at most
 * `perSecond` AWS API requests a second (one token bucket shared by EC2, Auto Scaling, ELB, IAM,
 * Route53 and STS; the S3 state store is not metered: S3 allows thousands a second) and answers
 * the rest with the service's throttling error, as AWS does. Target: no throttling error reaches
 * the user (the SDK's adaptive retries and the executor absorb them), and the wall time is at
 * most 1.2 x (admitted requests / limit): the limit, not the retries, sets the pace.
 */
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

export async function benchThrottling(nodeGroups = 20, perSecond = 5): Promise<string> {
  const freeMs = await unlimited(nodeGroups);
  const c = await haCluster(nodeGroups, { rateLimit: { perSecond, services: [...METERED] } });
  try {
    const events = new RecordingSink();
    const t0 = performance.now();
    let outcome: string;
    let ok = false;
    try {
      const res = await c.update(true, { events: events.sink });
      ok = res.applied?.ok === true;
      outcome = ok ? 'applied' : `apply failed: ${res.applied?.failed.map((f) => `${f.key}: ${f.code}`).join(', ')}`;
    } catch (e) {
      outcome = `error: ${e instanceof Error ? e.message : String(e)}`;
    }
    const wallMs = performance.now() - t0;
    const metered = c.proxy.requests.filter((r) => (METERED as readonly string[]).includes(r.service));
    const admitted = metered.filter((r) => !r.throttled).length;
    const throttled = metered.filter((r) => r.throttled).length;
    const taskRetries = events.of('task.retry').length;
    const throttledTaskRetries = events.of('task.retry').filter((e) => /Throttl|RequestLimitExceeded/.test(e.errorCode)).length;
    const floorMs = (admitted / perSecond) * 1000;
    const ratio = wallMs / floorMs;
    const times = metered.map((r) => c.proxy.receivedAt(r) ?? 0);
    const spanMs = Math.max(...times) - Math.min(...times);
    const out = [`### First apply of an HA cluster with ${nodeGroups} node groups under a limit of ${perSecond} AWS requests/s\n`];
    out.push(table(
      ['outcome', 'AWS requests admitted', 'answered with throttling', 'S3 requests (not metered)', 'task retries (throttling)', 'admitted / limit (s)', 'wall (s)', 'wall / (admitted / limit)', 'first to last AWS request (s)', 'same apply, no limit (s)'],
      [[outcome, String(admitted), String(throttled), String(c.proxy.count({ service: 's3' })), `${taskRetries} (${throttledTaskRetries})`, fmt(floorMs / 1000), fmt(wallMs / 1000), ratio.toFixed(2), fmt(spanMs / 1000), fmt(freeMs / 1000)]],
    ));
    out.push(`\nTarget: no throttling error surfaced (${ok ? 'held' : 'NOT held'}), wall <= 1.2 x (admitted / limit) (${ratio <= 1.2 ? 'held' : 'NOT held'}: ${ratio.toFixed(2)}; `
      + `first to last AWS request: ${(spanMs / floorMs).toFixed(2)}; (wall - unlimited wall) / (admitted / limit): ${((wallMs - freeMs) / floorMs).toFixed(2)}).`);
    return out.join('\n');
  } finally {
    await c.close();
  }
}
