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
"""kops-ts: print the private IPv4 address of every existing control-plane instance of a cluster.

usage: control-planes.py CLUSTER REGION
Existing: any state but terminated. Exits 1 when EC2 cannot be asked.
"""
import os
import sys
import urllib.error
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ${moduleOf(S3_FETCH_PATH)} as s3  # noqa: E402  (IMDSv2 credentials)
import ${moduleOf(ETCD_VOLUME_PATH)} as ec2  # noqa: E402  (the signed EC2 query call)

ROLE_TAG = "${CONTROL_PLANE_ROLE_TAG}"
EXISTING = ("pending", "running", "shutting-down", "stopping", "stopped")
PAGE = os.environ.get("KOPS_TS_EC2_PAGE_SIZE", "1000")


def addresses(cluster, region):
    creds = s3.imds_credentials()
    params = {
        "Action": "DescribeInstances", "MaxResults": PAGE,
        "Filter.1.Name": "tag:KubernetesCluster", "Filter.1.Value.1": cluster,
        "Filter.2.Name": "tag:" + ROLE_TAG, "Filter.2.Value.1": "1",
    }
    for i, state in enumerate(EXISTING, 1):
        params["Filter.3.Name"] = "instance-state-name"
        params["Filter.3.Value.%d" % i] = state
    out = set()
    while True:
        root = ec2.call(creds, region, params)
        for item in root.findall("./reservationSet/item/instancesSet/item"):
            tags = {t.findtext("key"): t.findtext("value") or "" for t in item.findall("./tagSet/item")}
            ip = item.findtext("privateIpAddress")
            # The filters, checked again on the answer.
            if ip and item.findtext("./instanceState/name") in EXISTING and tags.get("KubernetesCluster") == cluster and tags.get(ROLE_TAG) == "1":
                out.add(ip)
        token = root.findtext("nextToken")
        if not token:
            return sorted(out)
        params["NextToken"] = token


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: control-planes.py CLUSTER REGION\\n")
        return 2
    try:
        found = addresses(argv[1], argv[2])
    except ec2.Ec2Error as e:
        sys.stderr.write("kops-ts: EC2 refused DescribeInstances for the control planes of cluster %s: %s\\n" % (argv[1], e.code))
        return 1
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, ET.ParseError) as e:
        sys.stderr.write("kops-ts: cannot list the control planes of cluster %s (%s)\\n" % (argv[1], type(e).__name__))
        return 1
    for ip in found:
        print(ip)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
