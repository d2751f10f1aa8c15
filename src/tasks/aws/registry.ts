/** Every AWS task kind, registered explicitly (no reflection: the type checker sees each one). */
import { TaskRegistry } from '../registry.js';
import { autoscalingGroupKind } from './autoscaling-group.js';
import { withAwsCallScope } from './call-scope.js';
import type { AwsTaskContext } from './context.js';
import { dhcpOptionsKind } from './dhcp-options.js';
import { dnsNameKind } from './dns-name.js';
import { dnsZoneKind } from './dns-zone.js';
import { ebsVolumeKind } from './ebs-volume.js';
import { elasticIpKind } from './elastic-ip.js';
import { iamInstanceProfileRoleKind } from './iam-instance-profile-role.js';
import { iamInstanceProfileKind } from './iam-instance-profile.js';
import { iamOidcProviderKind } from './iam-oidc-provider.js';
import { iamRolePolicyAttachmentKind } from './iam-role-policy-attachment.js';
import { iamRolePolicyKind } from './iam-role-policy.js';
import { iamRoleKind } from './iam-role.js';
import { imageKind } from './image.js';
import { instanceKind } from './instance.js';
import { internetGatewayKind } from './internet-gateway.js';
import { launchTemplateKind } from './launch-template.js';
import { natGatewayKind } from './nat-gateway.js';
import { networkLoadBalancerListenerKind } from './network-load-balancer-listener.js';
import { networkLoadBalancerKind } from './network-load-balancer.js';
import { routeTableAssociationKind } from './route-table-association.js';
import { routeTableKind } from './route-table.js';
import { routeKind } from './route.js';
import { securityGroupRuleKind } from './security-group-rule.js';
import { securityGroupKind } from './security-group.js';
import { sshKeyKind } from './ssh-key.js';
import { subnetKind } from './subnet.js';
import { targetGroupKind } from './target-group.js';
import { vpcAmazonIpv6CidrBlockKind } from './vpc-amazon-ipv6-cidr-block.js';
import { vpcCidrBlockKind } from './vpc-cidr-block.js';
import { vpcDhcpOptionsAssociationKind } from './vpc-dhcp-options-association.js';
import { vpcKind } from './vpc.js';

export function awsTaskRegistry(): TaskRegistry<AwsTaskContext> {
  return new TaskRegistry<AwsTaskContext>({ wrap: withAwsCallScope })
    .register(vpcKind)
    .register(vpcAmazonIpv6CidrBlockKind)
    .register(vpcCidrBlockKind)
    .register(dhcpOptionsKind)
    .register(vpcDhcpOptionsAssociationKind)
    .register(internetGatewayKind)
    .register(subnetKind)
    .register(routeTableKind)
    .register(routeKind)
    .register(routeTableAssociationKind)
    .register(elasticIpKind)
    .register(natGatewayKind)
    .register(instanceKind)
    .register(securityGroupKind)
    .register(securityGroupRuleKind)
    .register(sshKeyKind)
    .register(iamRoleKind)
    .register(iamRolePolicyKind)
    .register(iamRolePolicyAttachmentKind)
    .register(iamInstanceProfileKind)
    .register(iamInstanceProfileRoleKind)
    .register(iamOidcProviderKind)
    .register(imageKind)
    .register(launchTemplateKind)
    .register(autoscalingGroupKind)
    .register(ebsVolumeKind)
    .register(networkLoadBalancerKind)
    .register(targetGroupKind)
    .register(networkLoadBalancerListenerKind)
    .register(dnsZoneKind)
    .register(dnsNameKind);
}
