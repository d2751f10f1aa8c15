/**
 * The etcd data volume of a control plane (kops's etcd volumes, src/model/aws/etcd.ts): at boot,
 * before kubeadm runs, the control plane finds its own `main` etcd EBS volume, attaches it, and
 * mounts it at /var/lib/etcd, so the stacked etcd's data outlives the instance. A replacement of
 * the only control plane then finds the cluster's data there and restores it instead of
 * initialising an empty cluster (docs/bootstrap.md, "etcd data on its EBS volume").
 *
 * `etcdvol.py` makes the EC2 calls (DescribeVolumes with filters, AttachVolume, DescribeVolumes
 * until attached) with the instance role's IMDSv2 credentials, signed by the SigV4 signer of
 * `s3get.py` (src/bootstrap/s3-fetch.ts), which it imports from the same directory: only stdlib.
 *
 * The volume it picks: tagged `KubernetesCluster=<cluster>` and `k8s.io/etcd/main=<member>/<all>`
 * with `<member>` one of this group's members, in this instance's availability zone. One already
 * attached to this instance is used as is (a re-run); otherwise the first `available` one by id.
 * A matching volume still attached to another instance (the replaced one, while AWS releases it)
 * is waited for, bounded. It prints `<volume id> <all members>`; errors name the cluster, zone and
 * members, never a credential.
 *
 * `KOPS_TS_EC2_ENDPOINT`, `KOPS_TS_ATTACH_ATTEMPTS` and `KOPS_TS_ATTACH_INTERVAL` exist for the
 * tests (the emulator, few attempts, no waiting); instances never set them.
 */
import { etcdMountFunctions } from './etcd-mount.js';
import { ETCD_DATA_DIR } from './kubeadm.js';
import { S3_FETCH_PATH } from './s3-fetch.js';

export const ETCD_VOLUME_PATH = '/opt/kops-ts/etcdvol.py';
/** Where udev links an EBS volume's NVMe device by its volume id without the dash (`vol0123...`), on Nitro instances. */
export const EBS_NVME_BY_ID = '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_';
/** The device name requested in AttachVolume (Xen instances show it as is; Nitro as an NVMe device). */
export const ETCD_VOLUME_DEVICE = '/dev/xvdu';
/** The ext4 label of a volume formatted by kops-ts, and of one on which a member was established (at most 16 characters). */
export { ETCD_LABEL_NEW, ETCD_LABEL_USED } from './etcd-mount.js';
/**
 * kubelet (which runs the etcd static pod) starts only with the etcd volume mounted: the fstab
 * line is `nofail` so that a missing volume does not stop the boot, and without this a reboot
 * whose mount failed would start etcd on an empty /var/lib/etcd of the root disk, that is, for a
 * single member, a new empty cluster. Takes effect once the fstab line exists (from the first
 * reboot on).
 */
export const KUBELET_ETCD_MOUNT_DROPIN_PATH = '/etc/systemd/system/kubelet.service.d/20-kops-ts-etcd-volume.conf';
export const KUBELET_ETCD_MOUNT_DROPIN = `# kops-ts: etcd (a static pod of kubelet) runs only on its EBS volume
[Unit]
RequiresMountsFor=${ETCD_DATA_DIR}
`;

/** The etcd cluster whose volume is mounted: kubeadm's stacked etcd keeps events there too. */
export const ETCD_VOLUME_CLUSTER = 'main';

const s3getModule = S3_FETCH_PATH.split('/').pop()!.replace(/\.py$/, '');

export const ETCD_VOLUME_PY = `#!/usr/bin/env python3
"""kops-ts: attach this control plane's etcd volume (EC2 query API, IMDSv2 credentials, SigV4).

usage: etcdvol.py CLUSTER MEMBERS REGION DEVICE   (MEMBERS: this group's members, comma separated)
prints: VOLUME_ID ALL_MEMBERS
"""
import datetime
import hashlib
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ${s3getModule} as s3  # noqa: E402  (the SigV4 signer and IMDSv2 helpers)

ETCD_TAG = "k8s.io/etcd/${ETCD_VOLUME_CLUSTER}"
ATTEMPTS = int(os.environ.get("KOPS_TS_ATTACH_ATTEMPTS", "60"))
INTERVAL = float(os.environ.get("KOPS_TS_ATTACH_INTERVAL", "5"))


class Ec2Error(Exception):
    def __init__(self, code):
        Exception.__init__(self, code)
        self.code = code

    def retryable(self):
        return self.code in ("RequestLimitExceeded", "Throttling", "InternalError", "Unavailable") or self.code.startswith("HTTP 5")


def endpoint(region):
    override = os.environ.get("KOPS_TS_EC2_ENDPOINT")
    if override:
        u = urllib.parse.urlsplit(override)
        return u.scheme, u.netloc
    return "https", "ec2." + region + (".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com")


def strip(tree):
    for el in tree.iter():
        el.tag = el.tag.split("}", 1)[-1]
    return tree


def call(creds, region, params):
    """One EC2 query API call (POST, form body): the parsed XML answer, or Ec2Error with AWS's code."""
    access_key, secret_key, token = creds
    body = urllib.parse.urlencode(sorted(dict(params, Version="2016-11-15").items())).encode()
    scheme, host = endpoint(region)
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", "host": host, "x-amz-date": amz_date}
    if token:
        headers["x-amz-security-token"] = token
    auth = s3.authorization("POST", "/", "", headers, hashlib.sha256(body).hexdigest(), amz_date, region,
                            access_key, secret_key, service="ec2")
    send = {k: v for k, v in headers.items() if k != "host"}
    send["Authorization"] = auth
    req = urllib.request.Request(scheme + "://" + host + "/", data=body, headers=send, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return strip(ET.fromstring(resp.read()))
    except urllib.error.HTTPError as e:
        code = "HTTP " + str(e.code)
        try:
            found = strip(ET.fromstring(e.read())).find(".//Error/Code")
            if found is not None and found.text:
                code = found.text
        except ET.ParseError:
            pass
        raise Ec2Error(code)


def volumes(creds, region, filters):
    """[{id, zone, state, tags, attachments: [(instance, state)]}] of DescribeVolumes with these filters."""
    params = {}
    for i, (name, value) in enumerate(filters, 1):
        params["Filter.%d.Name" % i] = name
        params["Filter.%d.Value.1" % i] = value
    out = []
    while True:
        root = call(creds, region, dict(params, Action="DescribeVolumes"))
        for item in root.findall("./volumeSet/item"):
            out.append({
                "id": item.findtext("volumeId"),
                "zone": item.findtext("availabilityZone"),
                "state": item.findtext("status"),
                "tags": {t.findtext("key"): t.findtext("value") or "" for t in item.findall("./tagSet/item")},
                "attachments": [(a.findtext("instanceId"), a.findtext("status")) for a in item.findall("./attachmentSet/item")],
            })
        token = root.findtext("nextToken")
        if not token:
            return out
        params["NextToken"] = token


def mine(vols, cluster, zone, members):
    """The volumes of one of these members, of this cluster, in this zone (checked again here, not only by the filters)."""
    out = []
    for v in vols:
        member = v["tags"].get(ETCD_TAG, "").split("/", 1)[0]
        if v["tags"].get("KubernetesCluster") == cluster and v["zone"] == zone and member in members:
            out.append(v)
    return sorted(out, key=lambda v: v["id"])


def attach(cluster, members, region, device):
    token = s3.imds_token()
    instance = s3.imds_get(token, "instance-id").strip()
    zone = s3.imds_get(token, "placement/availability-zone").strip()
    creds = s3.imds_credentials(token)
    filters = [("tag:KubernetesCluster", cluster), ("tag-key", ETCD_TAG), ("availability-zone", zone)]
    what = "cluster %s, member %s, zone %s (tags KubernetesCluster=%s, %s=<member>/<all members>)" % (
        cluster, "|".join(members), zone, cluster, ETCD_TAG)
    why = "none exists"
    chosen = None
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(INTERVAL)
        try:
            found = mine(volumes(creds, region, filters), cluster, zone, members)
        except Ec2Error as e:
            if not e.retryable():
                raise
            why = "DescribeVolumes: " + e.code
            continue
        ours = [v for v in found if any(i == instance and s in ("attaching", "attached") for i, s in v["attachments"])]
        free = [v for v in found if v["state"] == "available"]
        if ours:
            chosen = ours[0]
            break
        if not found:
            why = "none exists"
            continue
        if not free:
            why = "%s still attached to another instance" % ",".join(v["id"] for v in found)
            continue
        try:
            call(creds, region, {"Action": "AttachVolume", "VolumeId": free[0]["id"], "InstanceId": instance, "Device": device})
            chosen = free[0]
            break
        except Ec2Error as e:
            # Another instance took it first, or it is not released yet: look again.
            if e.code in ("VolumeInUse", "IncorrectState") or e.retryable():
                why = "AttachVolume %s: %s" % (free[0]["id"], e.code)
                continue
            raise
    if chosen is None:
        raise SystemExit("kops-ts: no etcd volume to attach for %s: %s after %d attempts; "
                         "kops-ts update cluster --yes creates the etcd volumes" % (what, why, ATTEMPTS))
    for attempt in range(ATTEMPTS):
        try:
            v = volumes(creds, region, [("volume-id", chosen["id"])])
        except Ec2Error as e:
            if not e.retryable():
                raise
            v = []
        if v and (instance, "attached") in v[0]["attachments"]:
            return chosen["id"], chosen["tags"][ETCD_TAG].split("/", 1)[-1]
        time.sleep(INTERVAL)
    raise SystemExit("kops-ts: etcd volume %s was not attached to %s after %d attempts" % (chosen["id"], instance, ATTEMPTS))


def main(argv):
    if len(argv) != 5 or not argv[2]:
        sys.stderr.write("usage: etcdvol.py CLUSTER MEMBERS REGION DEVICE\\n")
        return 2
    cluster, members, region, device = argv[1], argv[2].split(","), argv[3], argv[4]
    try:
        volume, everyone = attach(cluster, members, region, device)
    except Ec2Error as e:
        sys.stderr.write("kops-ts: EC2 refused a call for the etcd volume of cluster %s: %s\\n" % (cluster, e.code))
        return 1
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, ET.ParseError) as e:
        sys.stderr.write("kops-ts: cannot attach the etcd volume of cluster %s (%s)\\n" % (cluster, type(e).__name__))
        return 1
    print(volume + " " + everyone)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;

/**
 * The control plane's shell functions for its etcd volume (part of bootstrap.sh; they use its
 * `die`, `$ETCD_DEVICE` and `$CLUSTER`):
 * - `mount_etcd_volume VOLUME`: waits for the attached volume's block device (Nitro: the NVMe
 *   device named by the volume id under /dev/disk/by-id; Xen: the requested name), formats it ext4
 *   only when blkid finds no signature at all (never a volume that holds anything), records it in
 *   /etc/fstab by UUID with `nofail`, and mounts it at /var/lib/etcd (mode 0700). It sets
 *   `ETCD_VOLUME_USED=1` when the filesystem's label says an etcd member was established on the
 *   volume (or the filesystem is not the ext4 kops-ts makes, which it cannot tell).
 * - `mark_etcd_volume_used`: after a successful `kubeadm init` or `join`, labels the filesystem
 *   `kops-etcd-used`. The label, unlike a file, survives `kubeadm reset` emptying the directory.
 * - `set_peer_url`: after a restore, the only member's stored peer URL still names the replaced
 *   instance's address (etcd with an existing data directory ignores --initial-advertise-peer-urls),
 *   which would break the next member's join: it updates it to the one kubeadm's manifest advertises,
 *   with the etcdctl of the running etcd container.
 */
export const ETCD_VOLUME_FUNCTIONS = etcdMountFunctions(`
# etcd_device VOLUME: the block device of the attached volume, once it appears (2 minutes at most).
etcd_device() {
  local i nvme="${EBS_NVME_BY_ID}\${1//-/}"
  for ((i = 0; i < 60; i++)); do
    if [ -e "$nvme" ]; then
      readlink -f "$nvme"
      return 0
    fi
    if [ -e "$ETCD_DEVICE" ]; then
      echo "$ETCD_DEVICE"
      return 0
    fi
    sleep 2
  done
  return 1
}

`, `${EBS_NVME_BY_ID}\${1//-/} or $ETCD_DEVICE`);
