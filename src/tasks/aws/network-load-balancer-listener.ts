/**
 * `NetworkLoadBalancerListener`: a port of the API load balancer forwarding to a target group;
 * task `api.<cluster>-443` (`listenerTaskName`). kops adds `-3988` for kops-controller, and with an
 * ACM certificate a TLS listener on 443 plus a TCP one on 8443.
 *
 * Listeners carry no tags. They are found through the cluster's load balancers in the shared ELBv2
 * listing: the load balancer a task refers to is the one whose `Name` tag is the referenced
 * `NetworkLoadBalancer` task's name; then one DescribeListeners per load balancer (a cluster has
 * one), matched by port. Changing the target group, protocol or certificate is a `ModifyListener`
 * in place (kops deletes and re-creates the listener, an avoidable API outage).
 */
import {
  CreateListenerCommand,
  DeleteListenerCommand,
  ModifyListenerCommand,
  paginateDescribeListeners,
  type Action,
  type Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { KopsError } from '../../diagnostics.js';
import { isRef, type RefResolver, type TaskKind, type Val, type View } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { elbListing, isAwsError, pickByNameTag } from './elb-listing.js';

export interface NetworkLoadBalancerListenerDesired {
  /** The load balancer's ARN: `ref('NetworkLoadBalancer', 'api.<cluster>', 'arn')`, or a literal ARN. */
  readonly loadBalancer: Val<string>;
  readonly port: number;
  /** Default `TCP`; `TLS` with `certificateArn` (kops's ACM variant). */
  readonly protocol?: 'TCP' | 'TLS';
  /** The target group's ARN: `ref('TargetGroup', '<name>', 'arn')`. */
  readonly targetGroup: Val<string>;
  readonly certificateArn?: string;
  /** With TLS; kops's default is AWS's `ELBSecurityPolicy-2016-08`. */
  readonly sslPolicy?: string;
}

export interface NetworkLoadBalancerListenerActual {
  readonly arn: string;
  readonly loadBalancerArn: string;
  readonly port: number;
  readonly protocol: string;
  /** The target group of the default forward action ('' if the action is not a forward). */
  readonly targetGroupArn: string;
  readonly certificateArn: string;
  readonly sslPolicy: string;
}

function toActual(l: Listener): NetworkLoadBalancerListenerActual {
  const action = l.DefaultActions?.[0];
  const forward = action?.TargetGroupArn ?? action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? '';
  return {
    arn: l.ListenerArn ?? '',
    loadBalancerArn: l.LoadBalancerArn ?? '',
    port: l.Port ?? 0,
    protocol: l.Protocol ?? '',
    targetGroupArn: action?.Type === 'forward' ? forward : '',
    certificateArn: l.Certificates?.[0]?.CertificateArn ?? '',
    sslPolicy: l.SslPolicy ?? '',
  };
}

/** The ARN of the load balancer a task points at, as far as find can tell (refs are not resolved yet). */
async function loadBalancerArnAtFind(ctx: AwsTaskContext, lb: Val<string>): Promise<string | undefined> {
  if (!isRef(lb)) return lb;
  const listing = await elbListing(ctx);
  return pickByNameTag(listing.loadBalancers, lb.name, ctx.clusterName, (r) => r.CreatedTime?.getTime() ?? 0)?.arn;
}

async function listenersOf(ctx: AwsTaskContext, loadBalancerArn: string): Promise<Listener[]> {
  const out: Listener[] = [];
  try {
    for await (const page of paginateDescribeListeners({ client: ctx.clients.elbv2 }, { LoadBalancerArn: loadBalancerArn })) {
      out.push(...(page.Listeners ?? []));
    }
  } catch (e) {
    if (isAwsError(e, 'LoadBalancerNotFoundException', 'LoadBalancerNotFound')) return [];
    throw e;
  }
  return out;
}

function tlsSettings(d: NetworkLoadBalancerListenerDesired): { Certificates?: { CertificateArn: string }[]; SslPolicy?: string } {
  if ((d.protocol ?? 'TCP') !== 'TLS') return {};
  return {
    ...(d.certificateArn !== undefined ? { Certificates: [{ CertificateArn: d.certificateArn }] } : {}),
    SslPolicy: d.sslPolicy ?? 'ELBSecurityPolicy-2016-08',
  };
}

function forward(refs: RefResolver, d: NetworkLoadBalancerListenerDesired): Action[] {
  return [{ Type: 'forward', TargetGroupArn: refs.known(d.targetGroup) }];
}

async function deleteListener(ctx: AwsTaskContext, a: NetworkLoadBalancerListenerActual): Promise<void> {
  try {
    await ctx.clients.elbv2.send(new DeleteListenerCommand({ ListenerArn: a.arn }));
  } catch (e) {
    // Deleting the load balancer deletes its listeners: already gone is success.
    if (isAwsError(e, 'ListenerNotFoundException', 'ListenerNotFound', 'LoadBalancerNotFoundException')) return;
    throw e;
  }
}

export const networkLoadBalancerListenerKind: TaskKind<NetworkLoadBalancerListenerDesired, NetworkLoadBalancerListenerActual, AwsTaskContext> = {
  kind: 'NetworkLoadBalancerListener',
  fields: {
    loadBalancer: { mode: 'replace' },
    port: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, NetworkLoadBalancerListenerActual>();
    if (tasks.length === 0) return found;
    const lbOf = await Promise.all(tasks.map((t) => loadBalancerArnAtFind(ctx, t.desired.loadBalancer)));
    const arns = [...new Set(lbOf.filter((a): a is string => a !== undefined))];
    const listeners = new Map(await Promise.all(arns.map(async (arn) => [arn, await listenersOf(ctx, arn)] as const)));
    tasks.forEach((t, i) => {
      const lb = lbOf[i];
      const hit = lb === undefined ? undefined : listeners.get(lb)?.find((l) => l.Port === t.desired.port);
      if (hit) found.set(t.name, toActual(hit));
    });
    return found;
  },

  view(d, refs): View {
    const tls = (d.protocol ?? 'TCP') === 'TLS';
    return {
      loadBalancer: refs.resolve(d.loadBalancer),
      port: d.port,
      protocol: d.protocol ?? 'TCP',
      targetGroup: refs.resolve(d.targetGroup),
      certificateArn: tls ? d.certificateArn : undefined,
      sslPolicy: tls ? (d.sslPolicy ?? 'ELBSecurityPolicy-2016-08') : undefined,
    };
  },

  actualView(a): View {
    return {
      loadBalancer: a.loadBalancerArn,
      port: a.port,
      protocol: a.protocol,
      targetGroup: a.targetGroupArn,
      certificateArn: a.certificateArn,
      sslPolicy: a.sslPolicy,
    };
  },

  async apply(ctx, req) {
    const { desired: d, refs } = req;
    if ((req.action === 'replace' || req.action === 'delete') && req.actual) {
      await deleteListener(ctx, req.actual);
      if (req.action === 'delete') return req.actual;
    }
    const elbv2 = ctx.clients.elbv2;
    if (req.action === 'update' && req.actual) {
      const out = await elbv2.send(
        new ModifyListenerCommand({ ListenerArn: req.actual.arn, Protocol: d.protocol ?? 'TCP', DefaultActions: forward(refs, d), ...tlsSettings(d) }),
      );
      const l = out.Listeners?.[0];
      return l ? toActual(l) : { ...req.actual, targetGroupArn: refs.known(d.targetGroup), protocol: d.protocol ?? 'TCP' };
    }
    const out = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: refs.known(d.loadBalancer),
        Port: d.port,
        Protocol: d.protocol ?? 'TCP',
        DefaultActions: forward(refs, d),
        ...tlsSettings(d),
      }),
    );
    const l = out.Listeners?.[0];
    if (!l) throw new KopsError('ListenerNotCreated', `CreateListener returned no listener for NetworkLoadBalancerListener/${req.name}`);
    return toActual(l);
  },

  outputs: (a) => ({ id: a.arn, arn: a.arn }),

  delete: deleteListener,
};
