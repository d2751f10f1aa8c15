/**
 * Random faults for the reliability tests, reproducible from a seed: the fault proxy
 * (`test/fakes/aws-fault-proxy.ts`) with a `beforeForward` hook that resets a fraction of
 * connections before the request reaches AWS, and answers a fraction of AWS calls with a server
 * error or the service's throttling error (in the service's wire format). Resets and faults are
 * drawn from two streams of the seed, so one does not shift the other; a request draws its fault
 * once, and only if its connection was not reset.
 */
import { startFaultProxy, throttlingCode, type AwsService, type FaultProxy } from '../fakes/aws-fault-proxy.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosRates {
  /** Answered 500 InternalError (S3, EC2) / InternalFailure (the others). */
  readonly serverError: number;
  /** Answered with the service's throttling error. */
  readonly throttle: number;
  /** Connection reset before the request is forwarded. */
  readonly reset: number;
}

export const TEN_PERCENT: ChaosRates = { serverError: 0.04, throttle: 0.04, reset: 0.02 };

function serverErrorCode(s: AwsService): string {
  return s === 'ec2' || s === 's3' ? 'InternalError' : 'InternalFailure';
}

export interface Chaos {
  /** Give this to the clients (or AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  /** The proxy: its `requests` are the calls that were answered (not reset). */
  readonly faults: FaultProxy;
  /** Connections reset so far. */
  readonly resets: number;
  /** Faults injected so far (server errors and throttling). */
  injected(kind: 'serverError' | 'throttle'): number;
  /** Stop injecting (everything forwarded). */
  calm(): void;
  close(): Promise<void>;
}

export async function startChaos(target: string, seed: number, rates: ChaosRates = TEN_PERCENT): Promise<Chaos> {
  const random = seededRandom(seed);
  const resetRandom = seededRandom(seed ^ 0x5eed);
  let calm = false;
  let resets = 0;
  const injected = { serverError: 0, throttle: 0 };
  const faults = await startFaultProxy(target, {}, {
    beforeForward(r) {
      if (!calm && resetRandom() < rates.reset) {
        resets++;
        return 'reset';
      }
      if (r.service === 'unknown') return undefined;
      const x = random();
      if (calm) return undefined;
      if (x < rates.serverError) {
        injected.serverError++;
        return { fail: { code: serverErrorCode(r.service), status: 500 } };
      }
      if (x < rates.serverError + rates.throttle) {
        injected.throttle++;
        return { fail: { code: throttlingCode(r.service) } };
      }
      return undefined;
    },
  });
  return {
    endpoint: faults.endpoint,
    faults,
    get resets() {
      return resets;
    },
    injected: (kind) => injected[kind],
    calm() {
      calm = true;
    },
    close: () => faults.close(),
  };
}
