/**
 * The stdlib python3 programs a GCE instance runs at boot (python3 is on every Ubuntu image):
 *
 * - `gcsget.py BUCKET OBJECT DEST`: one object of the `gs://` state store, read with the JSON API
 *   (`GET /storage/v1/b/<bucket>/o/<object>?alt=media`) and the instance's service-account token
 *   from the metadata server; written with mode 0600 through a rename. It retries what can succeed
 *   later (429, 5xx, an object not yet written, a token not yet served).
 * - `gcedisk.py CLUSTER_LABEL MEMBERS`: attaches this control plane's etcd persistent disk. kops
 *   leaves that to etcd-manager at runtime; kops-ts runs kubeadm's stacked etcd, which attaches
 *   nothing, so the bootstrap attaches the disk itself before kubeadm runs, with the Compute API's
 *   `instances.attachDisk` (device name = disk name, so it appears as
 *   `/dev/disk/by-id/google-<disk name>`) and waits for the zone operation. The disk it picks:
 *   labelled `k8s-io-cluster-name=<CLUSTER_LABEL>` and `k8s-io-etcd-main=<EncodeGCELabel(member/member)>`
 *   with the member one of MEMBERS, in this instance's zone; one already attached to this instance
 *   is used as is (a re-run), else the first unattached one by name; one still attached to another
 *   instance (the replaced one, while GCE deletes it) is waited for, bounded. All members are the
 *   members of every etcd `main` disk of the cluster (the label holds only its own member, kops#17630).
 *   It prints `<disk name> <all members, comma separated>`.
 * - `gcecp.py CLUSTER_LABEL` (control planes): src/bootstrap/gce-control-planes.ts.
 *
 * Project, zone and instance name come from the metadata server. Errors name the bucket/object,
 * cluster, zone and members and the HTTP status, never the token.
 *
 * `KOPS_TS_GCE_METADATA`, `KOPS_TS_GCS_ENDPOINT`, `KOPS_TS_COMPUTE_ENDPOINT`, `KOPS_TS_ATTEMPTS`,
 * `KOPS_TS_INTERVAL` and `KOPS_TS_MAX_RESULTS` (gcecp.py's page size) exist for the tests (fakes, few attempts, no waiting); instances never set them.
 */
export const GCS_FETCH_PATH = '/opt/kops-ts/gcsget.py';
export const GCE_DISK_PATH = '/opt/kops-ts/gcedisk.py';
/** The label of an etcd `main` member's disk (src/model/gce/labels.ts). */
export const GCE_ETCD_MAIN_LABEL = 'k8s-io-etcd-main';

/** What every program here shares: metadata-server token, HTTP with Google's error message, retries. */
export const COMMON_PY = `import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

METADATA = os.environ.get("KOPS_TS_GCE_METADATA", "http://metadata.google.internal") + "/computeMetadata/v1/"
ATTEMPTS = int(os.environ.get("KOPS_TS_ATTEMPTS", "60"))
INTERVAL = float(os.environ.get("KOPS_TS_INTERVAL", "5"))


class HttpError(Exception):
    def __init__(self, status, reason):
        Exception.__init__(self, "HTTP %s %s" % (status, reason))
        self.status = status
        self.reason = reason

    def retryable(self):
        return self.status == 429 or self.status >= 500 or self.status == 0


def send(req, timeout):
    """The answer's body; an HTTP error as HttpError with Google's message, a network one with status 0."""
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        reason = ""
        try:
            reason = json.loads(e.read().decode()).get("error", {}).get("message", "")
        except Exception:
            pass
        raise HttpError(e.code, reason)
    except (urllib.error.URLError, OSError) as e:
        raise HttpError(0, str(getattr(e, "reason", e)))


def request(method, url, headers, body=None):
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers = dict(headers, **{"Content-Type": "application/json"})
    return send(urllib.request.Request(url, data=data, headers=headers, method=method), 30)


def metadata(path):
    return request("GET", METADATA + path, {"Metadata-Flavor": "Google"}).decode()


def token():
    return json.loads(metadata("instance/service-accounts/default/token"))["access_token"]


def retrying(what, fn, also=lambda e: False):
    for i in range(ATTEMPTS):
        try:
            return fn()
        except HttpError as e:
            if i + 1 >= ATTEMPTS or not (e.retryable() or also(e)):
                raise
            time.sleep(min(INTERVAL * (2 ** min(i, 3)), 30))
`;

export const GCS_FETCH_PY = `#!/usr/bin/env python3
"""kops-ts: GET one gs:// object with the instance's service account (metadata server token).

usage: gcsget.py BUCKET OBJECT DEST
"""
${COMMON_PY}
GCS = os.environ.get("KOPS_TS_GCS_ENDPOINT", "https://storage.googleapis.com")


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: gcsget.py BUCKET OBJECT DEST\\n")
        return 2
    bucket, name, dest = argv[1:]
    url = "%s/storage/v1/b/%s/o/%s?alt=media" % (GCS, urllib.parse.quote(bucket, safe=""), urllib.parse.quote(name, safe=""))
    # 404: the object may not be written yet (update cluster writes it before the instances start).
    try:
        body = retrying("read", lambda: request("GET", url, {"Authorization": "Bearer " + token()}), lambda e: e.status == 404)
    except HttpError as e:
        sys.stderr.write("kops-ts: cannot read gs://%s/%s: %s\\n" % (bucket, name, e))
        return 1
    tmp = dest + ".kops-ts-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(body)
    os.chmod(tmp, 0o600)
    os.rename(tmp, dest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;

export const GCE_DISK_PY = `#!/usr/bin/env python3
"""kops-ts: attach this control plane's etcd persistent disk (Compute API, metadata server token).

usage: gcedisk.py CLUSTER_LABEL MEMBERS   (MEMBERS: this group's members, comma separated)
prints: DISK_NAME ALL_MEMBERS
"""
${COMMON_PY}
COMPUTE = os.environ.get("KOPS_TS_COMPUTE_ENDPOINT", "https://compute.googleapis.com/compute/v1")
ETCD_LABEL = "${GCE_ETCD_MAIN_LABEL}"


def decode_label(v):
    """kops's DecodeGCELabel: '-' and two hex digits stand for a byte."""
    out = bytearray()
    i = 0
    while i < len(v):
        h = v[i + 1:i + 3]
        if v[i] == "-" and len(h) == 2 and all(c in "0123456789abcdef" for c in h):
            out.append(int(v[i + 1:i + 3], 16))
            i += 3
        else:
            out += v[i].encode()
            i += 1
    return out.decode()


def api(method, path, body=None):
    return json.loads(request(method, COMPUTE + path, {"Authorization": "Bearer " + token()}, body) or b"{}")


def cluster_disks(project, cluster_label):
    """Every etcd main disk of the cluster, all zones: [(name, zone, member, users)]."""
    flt = urllib.parse.quote('labels.k8s-io-cluster-name="%s"' % cluster_label, safe="")
    out, page = [], ""
    while True:
        path = "/projects/%s/aggregated/disks?filter=%s%s" % (project, flt, "&pageToken=" + urllib.parse.quote(page, safe="") if page else "")
        resp = retrying("list", lambda: api("GET", path))
        for scoped in (resp.get("items") or {}).values():
            for d in scoped.get("disks") or []:
                labels = d.get("labels") or {}
                if labels.get("k8s-io-cluster-name") != cluster_label or ETCD_LABEL not in labels:
                    continue
                member = decode_label(labels[ETCD_LABEL]).split("/", 1)[0]
                out.append((d["name"], d["zone"].rsplit("/", 1)[-1], member, d.get("users") or []))
        page = resp.get("nextPageToken") or ""
        if not page:
            return out


def wait_operation(project, zone, op):
    for _ in range(ATTEMPTS):
        if op.get("status") == "DONE":
            break
        time.sleep(INTERVAL)
        op = retrying("operation", lambda: api("GET", "/projects/%s/zones/%s/operations/%s" % (project, zone, op["name"])))
    if op.get("status") != "DONE":
        raise HttpError(0, "operation %s not done" % op.get("name"))
    errors = (op.get("error") or {}).get("errors") or []
    if errors:
        raise HttpError(op.get("httpErrorStatusCode") or 400, "; ".join(e.get("message", e.get("code", "")) for e in errors))


def attach(cluster_label, members):
    project = retrying("metadata", lambda: metadata("project/project-id")).strip()
    zone = retrying("metadata", lambda: metadata("instance/zone")).strip().rsplit("/", 1)[-1]
    instance = retrying("metadata", lambda: metadata("instance/name")).strip()
    me = "/projects/%s/zones/%s/instances/%s" % (project, zone, instance)
    what = "cluster %s, members %s, zone %s (labels k8s-io-cluster-name=%s, %s)" % (cluster_label, ",".join(members), zone, cluster_label, ETCD_LABEL)
    for i in range(ATTEMPTS):
        disks = cluster_disks(project, cluster_label)
        everyone = ",".join(sorted(set(d[2] for d in disks)))
        mine = sorted((d for d in disks if d[1] == zone and d[2] in members), key=lambda d: d[0])
        if not mine:
            raise SystemExit("kops-ts: no etcd disk for %s" % what)
        for name, _, _, users in mine:
            if any(u.endswith(me) for u in users):
                return name, everyone
        free = [d for d in mine if not d[3]]
        if free:
            name = free[0][0]
            body = {"source": "projects/%s/zones/%s/disks/%s" % (project, zone, name), "deviceName": name, "mode": "READ_WRITE", "autoDelete": False}
            try:
                op = api("POST", "/projects/%s/zones/%s/instances/%s/attachDisk" % (project, zone, instance), body)
            except HttpError as e:
                # Not retried as is: the next listing shows whether it was attached after all.
                if not e.retryable() or i + 1 >= ATTEMPTS:
                    raise
                time.sleep(INTERVAL)
                continue
            wait_operation(project, zone, op)
            return name, everyone
        if i + 1 < ATTEMPTS:
            time.sleep(INTERVAL)
    raise SystemExit("kops-ts: every etcd disk of %s is still attached to another instance" % what)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: gcedisk.py CLUSTER_LABEL MEMBERS\\n")
        return 2
    members = [m for m in argv[2].split(",") if m]
    try:
        name, everyone = attach(argv[1], members)
    except HttpError as e:
        sys.stderr.write("kops-ts: cannot attach the etcd disk of cluster %s, members %s: %s\\n" % (argv[1], ",".join(members), e))
        return 1
    print(name, everyone)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;

/**
 * GCE's store helper for the etcd backups (src/bootstrap/etcd-backup.ts, `CloudBootstrap.etcdBackupStore`):
 * `etcd-backup-store.py BUCKET put KEY FILE | list PREFIX | delete KEY GENERATION` with the
 * metadata server's token and the GCS JSON API:
 * - `put`: `POST /upload/storage/v1/b/<bucket>/o?uploadType=media&name=<key>`, the file streamed;
 * - `list`: `GET /storage/v1/b/<bucket>/o?prefix=<prefix>&versions=true`, every page: one JSON line
 *   per generation, `{"key", "version": generation, "live"}` (`live`: no `timeDeleted`, so on a
 *   versioned bucket the noncurrent generations are listed and deleted too);
 * - `delete`: `DELETE /storage/v1/b/<bucket>/o/<key>?generation=<generation>`.
 * It retries what can succeed later (429, 5xx) like gcsget.py, and exits 1 with one stderr line
 * naming the operation, the object and GCS's status, never the token. The control plane's service
 * account may write, delete and list only under its cluster's `backups/etcd/` (an IAM Condition:
 * src/model/gce/bucket-grants.ts, docs/gce.md).
 */
export const GCS_STORE_PY = `#!/usr/bin/env python3
"""kops-ts: put, list (every generation) and delete (one generation) gs:// objects for the etcd backups (src/bootstrap/gce-helpers.ts).

usage: etcd-backup-store.py BUCKET put KEY FILE | list PREFIX | delete KEY GENERATION
"""
${COMMON_PY}
GCS = os.environ.get("KOPS_TS_GCS_ENDPOINT", "https://storage.googleapis.com")


def q(v):
    return urllib.parse.quote(v, safe="")


def upload(bucket, key, path):
    def once():
        url = "%s/upload/storage/v1/b/%s/o?uploadType=media&name=%s" % (GCS, q(bucket), q(key))
        with open(path, "rb") as f:
            req = urllib.request.Request(url, data=f, method="POST", headers={
                "Authorization": "Bearer " + token(), "Content-Type": "application/gzip" if key.endswith(".gz") else "application/json",
                "Content-Length": str(os.path.getsize(path))})
            return send(req, 600)
    retrying("upload", once)


def generations(bucket, prefix):
    page = ""
    while True:
        url = "%s/storage/v1/b/%s/o?prefix=%s&versions=true%s" % (GCS, q(bucket), q(prefix), "&pageToken=" + q(page) if page else "")
        resp = json.loads(retrying("list", lambda: request("GET", url, {"Authorization": "Bearer " + token()})) or b"{}")
        for o in resp.get("items") or []:
            print(json.dumps({"key": o["name"], "version": str(o["generation"]), "live": "timeDeleted" not in o}))
        page = resp.get("nextPageToken") or ""
        if not page:
            return


def main(argv):
    ops = {"put": 2, "list": 1, "delete": 2}
    if len(argv) < 3 or argv[2] not in ops or len(argv) != 3 + ops[argv[2]]:
        sys.stderr.write("kops-ts: usage: etcd-backup-store.py BUCKET put KEY FILE | list PREFIX | delete KEY GENERATION\\n")
        return 2
    bucket, op, args = argv[1], argv[2], argv[3:]
    what = {"put": "upload of gs://%s/%s", "list": "listing of gs://%s/%s", "delete": "delete of gs://%s/%s"}[op] % (bucket, args[0])
    try:
        if op == "put":
            upload(bucket, args[0], args[1])
        elif op == "list":
            generations(bucket, args[0])
        else:
            url = "%s/storage/v1/b/%s/o/%s?generation=%s" % (GCS, q(bucket), q(args[0]), q(args[1]))
            retrying("delete", lambda: request("DELETE", url, {"Authorization": "Bearer " + token()}))
    except HttpError as e:
        sys.stderr.write("kops-ts: GCS refused the %s%s: %s\\n" % (what, " generation " + args[1] if op == "delete" else "", " ".join(str(e).split())))
        return 1
    except (ValueError, KeyError, TypeError) as e:
        sys.stderr.write("kops-ts: unexpected answer from GCS to the %s (%s)\\n" % (what, type(e).__name__))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
