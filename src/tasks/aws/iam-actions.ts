/**
 * The AWS actions each AWS task kind calls, by step, plus those of pre-flight and the S3 state
 * store: what a person or CI pipeline running kops-ts needs (`kops-ts get iam-policy --operator`,
 * src/cloudup/aws/operator-policy.ts builds the policy from this table).
 *
 * Kept in one file, keyed by kind name, so kind files stay as they are. The lifecycle test
 * (test/cloudup/operator-policy.test.ts) records every SDK call with the kind and step that made
 * it and fails, naming the kind, step and action, when a call is not declared here.
 *
 * - `find` covers `find` and `findOrphans` (plan time, read-only); `apply` creates and updates;
 *   `delete` runs for replacements, orphans and cluster deletion.
 * - `implied`: actions AWS authorises without an operation of that name: tagging at creation
 *   (`ec2:CreateTags`, `elasticloadbalancing:AddTags`, `iam:TagRole`), passing a role to EC2
 *   (`iam:PassRole`), launching through a launch template (`ec2:RunInstances`), service-linked
 *   roles created on first use, KMS for volumes encrypted with a customer-managed key.
 * - Kinds that share a per-run listing (`ctx.once`) each declare it: whichever runs first makes
 *   the calls.
 */

export interface KindActions {
  readonly find: readonly string[];
  readonly apply: readonly string[];
  readonly delete?: readonly string[];
  readonly implied?: readonly string[];
}

/** The cluster's VPCs, subnets and route tables, listed once per run (network-common.ts). */
const NETWORK_LISTING = ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables'];
/** Roles with their inline and attached policies, and instance profiles, listed once per run (iam-listing.ts). */
const IAM_LISTING = ['iam:GetAccountAuthorizationDetails', 'iam:ListInstanceProfiles'];
/** Load balancers and target groups with their tags, listed once per run (elb-listing.ts). */
const ELB_LISTING = ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTags'];
/** Hosted zones by id or name (dns-zone.ts). */
const ZONE_LOOKUP = ['route53:GetHostedZone', 'route53:ListHostedZonesByName', 'route53:ListHostedZones'];
/** KMS calls EC2 makes for the caller when a volume is encrypted with a customer-managed key. */
const KMS_FOR_EBS = ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

export const AWS_KIND_ACTIONS: Readonly<Record<string, KindActions>> = {
  VPC: {
    find: [...NETWORK_LISTING, 'ec2:DescribeVpcAttribute'],
    apply: ['ec2:CreateVpc', 'ec2:ModifyVpcAttribute', 'ec2:CreateTags', 'ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute'],
    delete: ['ec2:DeleteVpc'],
  },
  DHCPOptions: {
    find: ['ec2:DescribeDhcpOptions', 'ec2:DescribeVpcs'],
    apply: ['ec2:CreateDhcpOptions', 'ec2:CreateTags'],
    delete: ['ec2:DescribeVpcs', 'ec2:AssociateDhcpOptions', 'ec2:DeleteDhcpOptions'],
    implied: ['ec2:CreateTags'],
  },
  VPCDHCPOptionsAssociation: { find: [...NETWORK_LISTING], apply: ['ec2:AssociateDhcpOptions'], delete: ['ec2:AssociateDhcpOptions'] },
  InternetGateway: {
    find: ['ec2:DescribeInternetGateways'],
    apply: ['ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway', 'ec2:CreateTags'],
    delete: ['ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway'],
    implied: ['ec2:CreateTags'],
  },
  Subnet: {
    find: [...NETWORK_LISTING],
    // CreateTags also on shared subnets (kubernetes.io/cluster/<c>=shared, SubnetType, role tags).
    apply: ['ec2:CreateSubnet', 'ec2:CreateTags', 'ec2:AssociateSubnetCidrBlock', 'ec2:DisassociateSubnetCidrBlock', 'ec2:ModifySubnetAttribute'],
    delete: ['ec2:DeleteSubnet'],
    implied: ['ec2:CreateTags'],
  },
  VPCCIDRBlock: {
    find: [...NETWORK_LISTING],
    apply: ['ec2:AssociateVpcCidrBlock', 'ec2:DescribeVpcs'],
    // A range is disassociated only once no subnet is left in it.
    delete: ['ec2:DisassociateVpcCidrBlock', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets'],
  },
  VPCAmazonIPv6CIDRBlock: {
    find: [...NETWORK_LISTING],
    apply: ['ec2:AssociateVpcCidrBlock', 'ec2:DescribeVpcs'],
    delete: ['ec2:DisassociateVpcCidrBlock', 'ec2:DescribeVpcs'],
  },
  /** Find-only: a private route's `egress: i-...` instance, found by id. */
  Instance: { find: ['ec2:DescribeInstances'], apply: [] },
  RouteTable: {
    find: [...NETWORK_LISTING],
    apply: ['ec2:CreateRouteTable', 'ec2:CreateTags'],
    delete: ['ec2:DisassociateRouteTable', 'ec2:DeleteRouteTable'],
    implied: ['ec2:CreateTags'],
  },
  Route: { find: [...NETWORK_LISTING], apply: ['ec2:CreateRoute', 'ec2:ReplaceRoute'], delete: ['ec2:DeleteRoute'] },
  RouteTableAssociation: {
    find: [...NETWORK_LISTING],
    apply: ['ec2:AssociateRouteTable', 'ec2:ReplaceRouteTableAssociation'],
    delete: ['ec2:DisassociateRouteTable'],
  },
  ElasticIP: { find: ['ec2:DescribeAddresses'], apply: ['ec2:AllocateAddress', 'ec2:CreateTags'], delete: ['ec2:ReleaseAddress'], implied: ['ec2:CreateTags'] },
  NatGateway: { find: ['ec2:DescribeNatGateways'], apply: ['ec2:CreateNatGateway', 'ec2:DescribeNatGateways', 'ec2:CreateTags'], delete: ['ec2:DeleteNatGateway'], implied: ['ec2:CreateTags'] },
  SecurityGroup: {
    find: ['ec2:DescribeSecurityGroups'],
    apply: ['ec2:CreateSecurityGroup', 'ec2:CreateTags'],
    delete: ['ec2:DeleteSecurityGroup'],
    implied: ['ec2:CreateTags'],
  },
  SecurityGroupRule: {
    find: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'],
    apply: [
      'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress',
      'ec2:DescribeSecurityGroupRules', 'ec2:CreateTags',
    ],
    delete: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
    implied: ['ec2:CreateTags'],
  },
  SSHKey: { find: ['ec2:DescribeKeyPairs'], apply: ['ec2:ImportKeyPair', 'ec2:CreateTags'], delete: ['ec2:DeleteKeyPair'], implied: ['ec2:CreateTags'] },
  IAMRole: {
    find: [...IAM_LISTING],
    apply: ['iam:CreateRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:TagRole'],
    delete: ['iam:ListRolePolicies', 'iam:DeleteRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:DetachRolePolicy', 'iam:ListInstanceProfilesForRole', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteRole'],
    implied: ['iam:TagRole'],
  },
  IAMRolePolicy: { find: [...IAM_LISTING], apply: ['iam:PutRolePolicy'], delete: ['iam:DeleteRolePolicy'] },
  // A managed policy of spec.externalPolicies (the operator policy scopes both to the cluster's roles).
  IAMRolePolicyAttachment: { find: [...IAM_LISTING], apply: ['iam:AttachRolePolicy'], delete: ['iam:DetachRolePolicy'] },
  IAMInstanceProfile: {
    find: [...IAM_LISTING, 'iam:ListInstanceProfileTags'],
    apply: ['iam:CreateInstanceProfile', 'iam:TagInstanceProfile'],
    delete: ['iam:GetInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
    implied: ['iam:TagInstanceProfile'],
  },
  // The service-account issuer's provider (iam-oidc-provider.ts): the mutations are scoped by the cluster's tag (operator-policy.ts).
  IAMOIDCProvider: {
    find: ['iam:ListOpenIDConnectProviders', 'iam:GetOpenIDConnectProvider'],
    apply: [
      'iam:CreateOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider', 'iam:AddClientIDToOpenIDConnectProvider',
      'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint',
    ],
    delete: ['iam:DeleteOpenIDConnectProvider'],
    implied: ['iam:TagOpenIDConnectProvider'],
  },
  IAMInstanceProfileRole: {
    find: [...IAM_LISTING],
    apply: ['iam:AddRoleToInstanceProfile', 'iam:GetInstanceProfile', 'iam:RemoveRoleFromInstanceProfile'],
    delete: ['iam:GetInstanceProfile', 'iam:RemoveRoleFromInstanceProfile'],
    // The role is passed to EC2 with the profile.
    implied: ['iam:PassRole'],
  },
  Image: { find: ['ec2:DescribeImages'], apply: [] },
  LaunchTemplate: {
    find: ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
    apply: ['ec2:CreateLaunchTemplate', 'ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:CreateTags'],
    delete: ['ec2:DeleteLaunchTemplate'],
    implied: ['ec2:CreateTags', 'iam:PassRole'],
  },
  AutoscalingGroup: {
    find: ['autoscaling:DescribeAutoScalingGroups'],
    apply: [
      'autoscaling:CreateAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup', 'autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags', 'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:AttachLoadBalancerTargetGroups', 'autoscaling:DetachLoadBalancerTargetGroups', 'autoscaling:SuspendProcesses', 'autoscaling:ResumeProcesses',
      'autoscaling:AttachLoadBalancers', 'autoscaling:DetachLoadBalancers',
    ],
    delete: ['autoscaling:DeleteAutoScalingGroup', 'autoscaling:DescribeAutoScalingGroups'],
    // Auto Scaling checks that the caller may launch the template's instances with its role,
    // and creates its service-linked role on first use.
    implied: ['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole', 'iam:CreateServiceLinkedRole', 'ec2:DescribeLaunchTemplateVersions'],
  },
  EBSVolume: {
    find: ['ec2:DescribeVolumes'],
    apply: ['ec2:CreateVolume', 'ec2:ModifyVolume', 'ec2:CreateTags'],
    delete: ['ec2:DeleteVolume'],
    implied: ['ec2:CreateTags', ...KMS_FOR_EBS],
  },
  NetworkLoadBalancer: {
    find: [...ELB_LISTING, 'elasticloadbalancing:DescribeLoadBalancerAttributes'],
    apply: [
      'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes',
      'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:SetSubnets', 'elasticloadbalancing:SetSecurityGroups',
      'elasticloadbalancing:SetIpAddressType', 'elasticloadbalancing:AddTags', 'elasticloadbalancing:DescribeTags',
    ],
    delete: ['elasticloadbalancing:DeleteLoadBalancer'],
    implied: ['elasticloadbalancing:AddTags', 'iam:CreateServiceLinkedRole'],
  },
  TargetGroup: {
    find: [...ELB_LISTING, 'elasticloadbalancing:DescribeTargetGroupAttributes'],
    apply: [
      'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetGroupAttributes',
      'elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:AddTags',
      'elasticloadbalancing:DescribeTags',
    ],
    delete: ['elasticloadbalancing:DeleteTargetGroup'],
    implied: ['elasticloadbalancing:AddTags'],
  },
  NetworkLoadBalancerListener: {
    find: [...ELB_LISTING, 'elasticloadbalancing:DescribeListeners'],
    apply: ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:ModifyListener'],
    delete: ['elasticloadbalancing:DeleteListener'],
    implied: ['elasticloadbalancing:AddTags'],
  },
  // A private zone: the cluster's VPC associated with it (Route53 checks the caller may describe the VPC).
  DNSZone: { find: [...ZONE_LOOKUP], apply: ['route53:AssociateVPCWithHostedZone', 'ec2:DescribeVpcs'] },
  DNSName: {
    find: [...ZONE_LOOKUP, 'route53:ListResourceRecordSets'],
    apply: ['route53:ChangeResourceRecordSets'],
    delete: ['route53:ChangeResourceRecordSets'],
  },
};

/** `update cluster`'s pre-flight (src/cloudup/aws/preflight*.ts): identity, zones, instance types, the hosted zone, a shared VPC's subnets. */
export const PREFLIGHT_ACTIONS: readonly string[] = [
  'sts:GetCallerIdentity', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeSubnets', ...ZONE_LOOKUP,
  // spec.iam.profile and spec.securityGroupOverride (src/cloudup/aws/preflight-user-resources.ts).
  'iam:GetInstanceProfile', 'ec2:DescribeSecurityGroups',
];

/**
 * The rolling update's AWS cloud (src/cloud/aws/instance-groups.ts): list the groups, their
 * templates and instances; tag and detach for surge; terminate; take a control plane out of the
 * API's target groups and wait for it to drain. Its test records every call and checks it is here.
 */
export const ROLLING_UPDATE_ACTIONS: readonly string[] = [
  'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DetachInstances', 'autoscaling:TerminateInstanceInAutoScalingGroup',
  'ec2:DescribeInstances', 'ec2:DescribeLaunchTemplates', 'ec2:CreateTags', 'ec2:TerminateInstances',
  'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeTargetHealth',
];

/**
 * What the rolling update, `get instances` and `validate cluster` read (the roll's preview without
 * `--yes` makes only these): the groups, their templates and instances, the API's target health.
 */
export const ROLLING_UPDATE_READ_ACTIONS: readonly string[] = ROLLING_UPDATE_ACTIONS.filter(isReadAction);

/**
 * `delete cluster` (src/cloudup/delete-cluster.ts), outside any kind: the instances its groups
 * launched or a rolling update detached (found by tag, terminated), network interfaces tagged
 * as the cluster's (deleted), volumes and security groups tagged as its but no longer in its
 * spec (deleted), the load balancers and target groups of its Services (classic ELB and ELBv2,
 * deleted), the snapshots it reports as kept, the network interfaces, subnets and security groups it names when they block the delete,
 * and a private hosted zone's association with the cluster's VPC (removed). The resources the kinds
 * find are deleted by the kinds' own `delete` steps above.
 */
export const DELETE_CLUSTER_ACTIONS: readonly string[] = [
  'ec2:DescribeInstances', 'ec2:TerminateInstances', 'ec2:DescribeSnapshots', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:DescribeVolumes', 'ec2:DeleteVolume',
  'ec2:DeleteSecurityGroup', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
  // The load balancers and target groups of the cluster's Services (src/cloud/aws/service-load-balancers.ts):
  // classic ELB and ELBv2 share these action names.
  ...ELB_LISTING, 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup',
  // A private zone's association with the cluster's own VPC, removed before the VPC (src/cloud/aws/delete-shared.ts);
  // Route53 checks the caller may describe the VPC, as for the association.
  'route53:DisassociateVPCFromHostedZone', 'ec2:DescribeVpcs',
];

/** What `delete cluster` lists before it deletes (its preview without `--yes`, and `toolbox dump`, make only these). */
export const DELETE_CLUSTER_READ_ACTIONS: readonly string[] = DELETE_CLUSTER_ACTIONS.filter(isReadAction);

/** The S3 state store (src/statestore/s3.ts): objects under the store's prefix, and the bucket. */
export const STATE_STORE_OBJECT_ACTIONS: readonly string[] = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];
export const STATE_STORE_BUCKET_ACTIONS: readonly string[] = ['s3:ListBucket', 's3:GetEncryptionConfiguration'];

/**
 * The service-account issuer's discovery store (src/cloud/aws/discovery-objects.ts, pre-flight's
 * bucket region): its two documents only (written with a `public-read` ACL unless the bucket's
 * policy is public, read to compare, deleted by delete cluster), and the bucket's location and
 * policy status.
 */
export const DISCOVERY_STORE_OBJECT_ACTIONS: readonly string[] = ['s3:GetObject', 's3:PutObject', 's3:PutObjectAcl', 's3:DeleteObject'];
export const DISCOVERY_STORE_BUCKET_ACTIONS: readonly string[] = ['s3:GetBucketLocation', 's3:GetBucketPolicyStatus'];

/** Every action of a kind, all steps and implied ones. */
export function kindActions(k: KindActions): string[] {
  return [...new Set([...k.find, ...k.apply, ...(k.delete ?? []), ...(k.implied ?? [])])].sort();
}

/**
 * An action that only reads: its operation is a Describe, Get or List (`sts:GetCallerIdentity`,
 * `iam:GetAccountAuthorizationDetails` and `s3:ListBucket` included). Every kind's `find` is made
 * of these (the plan is read-only); test/cloudup/read-only-policy.test.ts holds that.
 */
export function isReadAction(action: string): boolean {
  return /^[a-z0-9-]+:(Describe|Get|List)/.test(action);
}
