/**
 * `export kubeconfig` on AWS for a cluster without DNS: the API load balancer's own DNS name,
 * read from AWS by its name as kops does (`elasticloadbalancing:DescribeLoadBalancers`).
 */
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { regionOfCluster } from '../../cloudup/aws/regions.js';
import { KopsError } from '../../diagnostics.js';
import type { Cluster } from '../../model/api/types.js';
import { apiLoadBalancerAwsName } from '../../model/aws/names.js';
import { AwsClients, type AwsClientOptions } from './clients.js';
import { awsErrorCode } from './errors.js';

export async function awsApiEndpoint(cluster: Cluster, aws: Omit<AwsClientOptions, 'region'> = {}): Promise<string> {
  const name = cluster.metadata.name;
  const lbName = apiLoadBalancerAwsName(name);
  const clients = new AwsClients({ region: regionOfCluster(cluster), ...aws });
  let dns: string | undefined;
  try {
    const out = await clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [lbName] }));
    dns = out.LoadBalancers?.[0]?.DNSName;
  } catch (e) {
    if (awsErrorCode(e) !== 'LoadBalancerNotFound') {
      if (KopsError.is(e)) throw e;
      throw new KopsError('AwsError', `cluster ${name} has DNS None: reading its API load balancer ${lbName} from AWS failed (${awsErrorCode(e) ?? (e as Error).name}: ${(e as Error).message.split('\n')[0]})`, {
        hint: 'check the AWS credentials and region, or use --internal from inside the VPC',
        cause: e,
      });
    }
  }
  if (!dns) {
    throw new KopsError('LoadBalancerNotFound', `cluster ${name} has DNS None, and its API load balancer ${lbName} does not exist yet`, {
      hint: `create it with kops-ts update cluster --name ${name} --yes`,
    });
  }
  return dns;
}
