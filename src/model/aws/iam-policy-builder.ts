/**
 * The vocabulary of the instance roles' IAM documents (iam-policies.ts builds them, and
 * re-exports these types): the document and statement shapes, the facts a document depends on,
 * and `PolicyBuilder`, which accumulates actions by how they are conditioned on the cluster's
 * ownership tag (kops's pkg/model/iam `Policy`) and writes the statements.
 */

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  /** Absent in trust policies (they name a Principal instead). */
  readonly Resource?: string | readonly string[];
  readonly Principal?: Readonly<Record<string, string>>;
  readonly Condition?: ConditionBlock;
}

/** Where the state store lives, when it is an S3 bucket the instances may read. */
export interface StateStoreLocation {
  readonly bucket: string;
  /** Prefix inside the bucket, without leading or trailing `/` ('' for the bucket root). */
  readonly prefix: string;
}

/** The legacy tag every owned resource carries and every condition tests. */
export const CLUSTER_TAG = 'KubernetesCluster';

/** What the documents depend on, read once from the completed spec. */
export interface PolicyFacts {
  readonly cluster: string;
  readonly partition: string;
  readonly region: string;
  /** The S3 state store; absent for `file://`/`memory://` stores (nothing to grant). */
  readonly state?: StateStoreLocation;
  /** `spec.iam.allowContainerRegistry`: ECR pulls for every role (kops: off unless set). */
  readonly allowContainerRegistry: boolean;
  /** kubenet: the cloud controller manages the VPC routes of pod CIDRs. */
  readonly cloudRoutes: boolean;
  /** Calico disables the source/destination check (unless `awsSrcDstCheck: DoNothing` or IPv6-only). */
  readonly calicoSrcDstCheck: boolean;
  /** Cilium with `ipam: eni`: its operator manages ENIs. */
  readonly ciliumEni: boolean;
  /** The Amazon VPC CNI manages ENIs on every instance. */
  readonly amazonVpc: boolean;
  /** kube-router and kindnet turn the source/destination check off through ModifyInstanceAttribute. */
  readonly kubeRouter: boolean;
  readonly kindnet: boolean;
  /** `spec.clusterAutoscaler` when enabled: the control planes run it (`awsUseStaticInstanceList` spares DescribeInstanceTypes). */
  readonly clusterAutoscaler?: {
    readonly staticInstanceList: boolean;
    /** `iam.useServiceAccountExternalPermissions` with the OIDC provider: its grants are on its own role, not the control plane's. */
    readonly ownRole?: boolean;
  };
}

/**
 * Accumulates actions by how they are conditioned (kops's `Policy`): unconditional (describes),
 * on an owned resource, on a create that tags the new resource as owned; plus whole statements.
 */
export class PolicyBuilder {
  readonly unconditional = new Set<string>();
  readonly owned = new Set<string>();
  readonly ownedCreate = new Set<string>();
  /** EC2 creates that tag at creation: CreateAction → the resource types they tag. */
  readonly ec2TagOnCreate = new Map<string, Set<string>>();
  /** ELBv2 creates that tag at creation (AddTags is authorised with elasticloadbalancing:CreateAction). */
  readonly elbTagOnCreate = new Set<string>();
  readonly statements: PolicyStatement[] = [];
  kmsForAwsServices = false;

  constructor(readonly facts: PolicyFacts) {}

  ec2Arn(type: string): string {
    return `arn:${this.facts.partition}:ec2:*:*:${type}/*`;
  }

  ownedCondition(): ConditionBlock {
    return { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: this.facts.cluster } };
  }

  /** Tag keys no re-tagging may touch: the legacy key and every `kubernetes.io/cluster/*` key. */
  retagCondition(): ConditionBlock {
    return {
      StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: this.facts.cluster },
      'ForAllValues:StringNotLike': { 'aws:TagKeys': [CLUSTER_TAG, 'kubernetes.io/cluster/*'] },
      // DeleteTags without keys deletes every tag: a request must name its keys.
      Null: { 'aws:TagKeys': 'false' },
    };
  }

  addEc2Create(actions: readonly string[], resourceTypes: readonly string[]): void {
    for (const a of actions) {
      this.ownedCreate.add(`ec2:${a}`);
      const types = this.ec2TagOnCreate.get(a) ?? new Set<string>();
      for (const t of resourceTypes) types.add(t);
      this.ec2TagOnCreate.set(a, types);
    }
  }

  build(): PolicyDocument {
    const f = this.facts;
    const out: PolicyStatement[] = [...this.statements];
    const sorted = (s: Iterable<string>) => [...s].sort();
    if (this.unconditional.size > 0) out.push({ Sid: 'Describe', Effect: 'Allow', Action: sorted(this.unconditional), Resource: '*' });
    if (this.owned.size > 0) out.push({ Sid: 'ManageOwnedResources', Effect: 'Allow', Action: sorted(this.owned), Resource: '*', Condition: this.ownedCondition() });
    if (this.ownedCreate.size > 0) {
      out.push({
        Sid: 'CreateOwnedResources',
        Effect: 'Allow',
        Action: sorted(this.ownedCreate),
        Resource: '*',
        Condition: { StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: f.cluster } },
      });
      // CreateSecurityGroup is also authorised against the VPC, which carries no request tag.
      if (this.ownedCreate.has('ec2:CreateSecurityGroup')) {
        out.push({ Sid: 'CreateSecurityGroupInVpc', Effect: 'Allow', Action: 'ec2:CreateSecurityGroup', Resource: this.ec2Arn('vpc') });
      }
    }
    if (this.ec2TagOnCreate.size > 0) {
      const types = sorted(new Set([...this.ec2TagOnCreate.values()].flatMap((s) => [...s])));
      out.push({
        Sid: 'TagOnCreateEC2',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: types.map((t) => this.ec2Arn(t)),
        Condition: { StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: f.cluster, 'ec2:CreateAction': sorted(this.ec2TagOnCreate.keys()) } },
      });
      out.push({
        Sid: 'RetagOwnedEC2',
        Effect: 'Allow',
        Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
        Resource: types.map((t) => this.ec2Arn(t)),
        Condition: this.retagCondition(),
      });
    }
    if (this.elbTagOnCreate.size > 0) {
      out.push({
        Sid: 'TagOnCreateELB',
        Effect: 'Allow',
        Action: 'elasticloadbalancing:AddTags',
        Resource: '*',
        Condition: { StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: f.cluster, 'elasticloadbalancing:CreateAction': sorted(this.elbTagOnCreate) } },
      });
      out.push({ Sid: 'RetagOwnedELB', Effect: 'Allow', Action: 'elasticloadbalancing:AddTags', Resource: '*', Condition: this.retagCondition() });
    }
    if (this.kmsForAwsServices) {
      out.push(
        {
          Sid: 'KMSGrantsForAWSServices',
          Effect: 'Allow',
          Action: 'kms:CreateGrant',
          Resource: '*',
          // Only grants an AWS service (EC2 attaching an encrypted volume) creates on the role's behalf.
          Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        },
        {
          Sid: 'KMSViaEC2AndS3',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
          Resource: '*',
          Condition: { StringLike: { 'kms:ViaService': [`ec2.${f.region}.amazonaws.com`, 's3.*.amazonaws.com'] } },
        },
      );
    }
    return { Version: '2012-10-17', Statement: out };
  }
}
