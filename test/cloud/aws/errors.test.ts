import { DescribeVpcsCommand, EC2ServiceException } from '@aws-sdk/client-ec2';
import { NoSuchEntityException } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import {
  awsErrorCode,
  describeAwsError,
  formatAwsError,
  isDependencyAwsError,
  isRetryableAwsDeleteError,
  isRetryableAwsError,
  isThrottlingAwsError,
} from '../../../src/cloud/aws/errors.js';
import { KopsError } from '../../../src/diagnostics.js';
import { tryAgainLater } from '../../../src/tasks/retry.js';
import { testAws } from '../../helpers/aws.js';

/** An EC2 error as the SDK builds it from an XML error response. */
function ec2Error(code: string, message: string, status = 400): EC2ServiceException {
  const e = new EC2ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'req-1' }, message });
  return Object.assign(e, { Code: code });
}

function nodeError(code: string): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

describe('AWS error classification', () => {
  it.each([
    ['RequestLimitExceeded', 'Request limit exceeded.'],
    ['Throttling', 'Rate exceeded'],
    ['ThrottlingException', 'Rate exceeded'],
    ['TooManyRequestsException', 'Too many'],
    ['SlowDown', 'Please reduce your request rate.'],
    ['PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.'],
    ['ServiceUnavailable', 'Service unavailable'],
    ['InternalError', 'An internal error has occurred'],
    ['InvalidVpcID.NotFound', "The vpc ID 'vpc-1' does not exist"],
    ['InvalidSubnetID.NotFound', "The subnet ID 'subnet-1' does not exist"],
    ['InvalidGroup.NotFound', "The security group 'sg-1' does not exist"],
    ['InvalidRouteTableID.NotFound', 'no route table'],
    ['InvalidInternetGatewayID.NotFound', 'no igw'],
    ['InvalidAllocationID.NotFound', 'no eip'],
    ['InvalidLaunchTemplateName.NotFoundException', 'no lt'],
    ['InvalidParameterValue', 'Value (nodes.example.com) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name'],
    ['ValidationError', 'Invalid IamInstanceProfile: nodes.example.com'],
  ])('retries %s', (code, message) => {
    expect(isRetryableAwsError(ec2Error(code, message))).toBe(true);
  });

  it.each([
    ['InvalidParameterValue', 'Value (10.0.0.0/33) for parameter cidrBlock is invalid.'],
    ['ValidationError', 'Max bound, 3, must be greater than or equal to min bound, 5'],
    ['UnauthorizedOperation', 'You are not authorized to perform this operation.'],
    ['InvalidPermission.Duplicate', 'the specified rule already exists'],
    ['DependencyViolation', "The vpc 'vpc-1' has dependencies and cannot be deleted."],
    ['NoSuchEntity', 'The role with name nodes cannot be found.'],
    ['VpcLimitExceeded', 'The maximum number of VPCs has been reached.'],
  ])('does not retry %s (%s)', (code, message) => {
    expect(isRetryableAwsError(ec2Error(code, message))).toBe(false);
  });

  it('retries 5xx and 429 whatever the code, and network errors', () => {
    expect(isRetryableAwsError(ec2Error('Unknown', 'bad gateway', 502))).toBe(true);
    expect(isRetryableAwsError(ec2Error('Whatever', 'slow', 429))).toBe(true);
    expect(isRetryableAwsError(nodeError('ECONNRESET'))).toBe(true);
    expect(isRetryableAwsError(nodeError('ETIMEDOUT'))).toBe(true);
    expect(isRetryableAwsError(Object.assign(new Error('fetch failed'), { cause: nodeError('ECONNRESET') }))).toBe(true);
    // A refused connection is an outage or a restarting endpoint: retried, and EndpointHealth stops the run if it lasts.
    expect(isRetryableAwsError(nodeError('ECONNREFUSED'))).toBe(true);
    expect(isRetryableAwsError(nodeError('ENOTFOUND'))).toBe(false);
    expect(isRetryableAwsError(new Error('plain'))).toBe(false);
    expect(isRetryableAwsError('a string')).toBe(false);
    expect(isRetryableAwsError(undefined)).toBe(false);
  });

  it('sees throttling flagged by the SDK model', () => {
    const e = Object.assign(ec2Error('SomeNewThrottle', 'x'), { $retryable: { throttling: true } });
    expect(isThrottlingAwsError(e)).toBe(true);
    expect(isRetryableAwsError(e)).toBe(true);
    expect(isThrottlingAwsError(ec2Error('InvalidVpcID.NotFound', 'x'))).toBe(false);
  });

  it('retries "still has dependencies" for deletions only', () => {
    for (const code of ['DependencyViolation', 'InvalidGroup.InUse', 'ResourceInUse', 'DeleteConflict', 'ScalingActivityInProgress']) {
      const e = ec2Error(code, 'in use');
      expect(isDependencyAwsError(e)).toBe(true);
      expect(isRetryableAwsDeleteError(e)).toBe(true);
      expect(isRetryableAwsError(e)).toBe(false);
    }
    expect(isRetryableAwsDeleteError(ec2Error('RequestLimitExceeded', 'x'))).toBe(true);
    expect(isRetryableAwsDeleteError(ec2Error('InvalidParameterValue', 'x'))).toBe(false);
  });

  it('describes errors with their AWS code and status', () => {
    const e = ec2Error('InvalidVpcID.NotFound', "The vpc ID 'vpc-1' does not exist");
    expect(describeAwsError(e)).toEqual({ code: 'InvalidVpcID.NotFound', message: "The vpc ID 'vpc-1' does not exist", httpStatus: 400, requestId: 'req-1' });
    expect(formatAwsError(e)).toBe("InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist (HTTP 400)");
    expect(describeAwsError(new Error('plain'))).toEqual({ code: 'Error', message: 'plain' });
    expect(awsErrorCode(nodeError('ECONNRESET'))).toBe('ECONNRESET');
    expect(awsErrorCode(new KopsError('StateConflict', 'x'))).toBe('StateConflict');
    expect(awsErrorCode(tryAgainLater('wait'))).toBe('TryAgainLater');
  });

  it('reads the code of real SDK errors from the emulator', async () => {
    const aws = testAws();
    const ec2 = await aws.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })).catch((e: unknown) => e);
    expect(awsErrorCode(ec2)).toBe('InvalidVpcID.NotFound');
    expect(describeAwsError(ec2).httpStatus).toBe(400);
    expect(isRetryableAwsError(ec2)).toBe(true);
  });

  it('reads the AWS code, not the class name, of IAM errors', () => {
    // As the SDK builds it from IAM's "NoSuchEntity" error response (moto's IAM is slow to start
    // in a fresh account, so this one is built here).
    const iam = Object.assign(new NoSuchEntityException({ $metadata: { httpStatusCode: 404 }, message: 'The role with name missing cannot be found.' }), { Code: 'NoSuchEntity' });
    // The SDK's class is NoSuchEntityException; the AWS code (in `Code`) is NoSuchEntity.
    expect(awsErrorCode(iam)).toBe('NoSuchEntity');
    expect(isRetryableAwsError(iam)).toBe(false);
  });
});
