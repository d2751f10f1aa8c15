/**
 * AWS's control-plane lister (`CloudBootstrap.controlPlaneAddressesCommand`), which the etcd member
 * cleanup (src/bootstrap/etcd-prune.ts) asks which control planes still exist before this one joins.
 *
 * `control-planes.py` calls EC2 DescribeInstances with the instance role's IMDSv2 credentials,
 * filtered on the tags the model puts on every control-plane instance (`KubernetesCluster=<cluster>`
 * and `k8s.io/role/control-plane=1`: src/model/aws/autoscaler-tags.ts), every page (NextToken), and
 * prints the private IPv4 address of each one whose state is not `terminated` (pending, running,
 * shutting-down, stopping and stopped all count: a stopped instance may be started again), one a
 * line. It reuses etcdvol.py's EC2 call (src/bootstrap/etcd-volume.ts), hence s3get.py's SigV4
 * signer, from the same directory: only stdlib. It exits 1 with AWS's error code (never a
 * credential) when it cannot list them.
 *
 * `KOPS_TS_EC2_PAGE_SIZE` exists for the tests (small pages); instances never set it.
 */
import { ETCD_VOLUME_PATH } from './etcd-volume.js';
import { S3_FETCH_PATH } from './s3-fetch.js';

export const CONTROL_PLANES_PATH = '/opt/kops-ts/control-planes.py';
/** The role tag the model puts on control-plane instances (src/model/aws/autoscaler-tags.ts). */
export const CONTROL_PLANE_ROLE_TAG = 'k8s.io/role/control-plane';

const moduleOf = (path: string) => path.split('/').pop()!.replace(/\.py$/, '');

export const CONTROL_PLANES_PY = `#!/usr/bin/env python3
"""kops-ts: print the private IPv4 address of every control-plane instance of CLUSTER not terminated.

usage: control-planes.py CLUSTER REGION  (exits 1 when EC2 cannot be asked)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ${moduleOf(ETCD_VOLUME_PATH)} as ec2  # noqa: E402  (its signed EC2 call, with ${moduleOf(S3_FETCH_PATH)}.py's credentials)

EXISTING = ("pending", "running", "shutting-down", "stopping", "stopped")


def addresses(cluster, region):
    params = {"Action": "DescribeInstances", "MaxResults": os.environ.get("KOPS_TS_EC2_PAGE_SIZE", "1000"),
              "Filter.1.Name": "tag:KubernetesCluster", "Filter.1.Value.1": cluster,
              "Filter.2.Name": "tag:${CONTROL_PLANE_ROLE_TAG}", "Filter.2.Value.1": "1", "Filter.3.Name": "instance-state-name"}
    params.update(("Filter.3.Value.%d" % i, s) for i, s in enumerate(EXISTING, 1))
    creds, out = ec2.s3.imds_credentials(), set()
    while True:
        root = ec2.call(creds, region, params)
        for i in root.findall("./reservationSet/item/instancesSet/item"):
            tags = {t.findtext("key"): t.findtext("value") for t in i.findall("./tagSet/item")}
            # The filters, checked again on the answer.
            if i.findtext("instanceState/name") in EXISTING and tags.get("KubernetesCluster") == cluster and tags.get("${CONTROL_PLANE_ROLE_TAG}") == "1":
                out.add(i.findtext("privateIpAddress") or "")
        params["NextToken"] = root.findtext("nextToken")
        if not params["NextToken"]:
            return sorted(out - {""})


if __name__ == "__main__":
    try:
        print("".join(a + "\\n" for a in addresses(sys.argv[1], sys.argv[2])), end="")
    except ec2.Ec2Error as e:
        sys.exit("kops-ts: EC2 refused DescribeInstances for the control planes of cluster %s: %s" % (sys.argv[1], e.code))
    except Exception as e:
        sys.exit("kops-ts: cannot list the control planes of cluster %s (%s)" % (sys.argv[1], type(e).__name__))
`;
