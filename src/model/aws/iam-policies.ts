/**
 * IAM documents for the instance roles. kops-ts grants less than kops: nodes never read the state
 * store (users.md §7.1: pods could read state-store secrets), and control planes read only their
 * own cluster's prefix. Each statement says why it is there.
 */

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  /** Absent in trust policies (they name a Principal instead). */
  readonly Resource?: string | readonly string[];
  readonly Principal?: Readonly<Record<string, string>>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Where the state store lives, when it is an S3 bucket the instances may read. */
export interface StateStoreLocation {
  readonly bucket: string;
  /** Prefix inside the bucket, without leading or trailing `/` ('' for the bucket root). */
  readonly prefix: string;
}

export function ec2AssumeRolePolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EC2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  };
}

function clusterTagCondition(cluster: string): PolicyStatement['Condition'] {
  return { StringEquals: { 'aws:ResourceTag/KubernetesCluster': cluster } };
}

/** Control plane: the cloud controller, the etcd volume attachment, the load balancer, its own PKI. */
export function controlPlanePolicy(cluster: string, partition: string, state?: StateStoreLocation): PolicyDocument {
  const statements: PolicyStatement[] = [
    {
      Sid: 'DescribeForCloudController',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeAccountAttributes', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstances', 'ec2:DescribeInstanceTypes',
        'ec2:DescribeRegions', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVolumes',
        'ec2:DescribeVpcs', 'ec2:DescribeLaunchTemplateVersions', 'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeTags',
        'elasticloadbalancing:Describe*', 'iam:GetServerCertificate', 'iam:ListServerCertificates', 'kms:DescribeKey',
      ],
      Resource: '*',
    },
    {
      Sid: 'ManageOwnedResources',
      Effect: 'Allow',
      Action: [
        'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyInstanceAttribute', 'ec2:CreateRoute', 'ec2:DeleteRoute',
        'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup', 'ec2:DeleteVolume',
        'autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup',
        'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup', 'elasticloadbalancing:ModifyLoadBalancerAttributes',
      ],
      Resource: '*',
      Condition: clusterTagCondition(cluster),
    },
    {
      Sid: 'CreateForServices',
      Effect: 'Allow',
      Action: [
        'ec2:CreateSecurityGroup', 'ec2:CreateTags', 'ec2:CreateVolume', 'elasticloadbalancing:CreateLoadBalancer',
        'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:CreateListener', 'elasticloadbalancing:AddTags',
      ],
      Resource: '*',
    },
  ];
  if (state) {
    const base = state.prefix ? `${state.prefix}/${cluster}` : cluster;
    statements.push(
      {
        Sid: 'ReadClusterState',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`arn:${partition}:s3:::${state.bucket}/${base}/*`],
      },
      {
        Sid: 'ListClusterState',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetEncryptionConfiguration'],
        Resource: [`arn:${partition}:s3:::${state.bucket}`],
      },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Workers: only what the kubelet and the image pull need. No state-store access at all. */
export function nodePolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DescribeForKubelet',
        Effect: 'Allow',
        Action: ['ec2:DescribeInstances', 'ec2:DescribeRegions', 'ec2:DescribeInstanceTypes'],
        Resource: '*',
      },
      {
        Sid: 'PullImagesFromECR',
        Effect: 'Allow',
        Action: [
          'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:GetRepositoryPolicy',
          'ecr:DescribeRepositories', 'ecr:ListImages', 'ecr:BatchGetImage',
        ],
        Resource: '*',
      },
    ],
  };
}

/** Bastions need nothing but their own identity. */
export function bastionPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'DescribeRegions', Effect: 'Allow', Action: ['ec2:DescribeRegions'], Resource: '*' }],
  };
}
