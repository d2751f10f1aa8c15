/**
 * AWS's store helper for the etcd backups (src/bootstrap/etcd-backup.ts, `CloudBootstrap.etcdBackupStore`):
 * `etcd-backup-store.py BUCKET REGION put KEY FILE | list PREFIX | delete KEY VERSION`, with the
 * instance role's IMDSv2 credentials and s3get.py's SigV4 signer (imported as a module from
 * /opt/kops-ts, where the user data wrote it; s3-fetch.ts):
 * - `put`: PutObject of FILE, streamed, its sha256 signed (`x-amz-content-sha256`);
 * - `list`: ListObjectVersions under PREFIX, every page: one JSON line per version or delete
 *   marker, `{"key", "version", "live"}` (`live`: the latest version and not a delete marker); the
 *   backups share the versioned state bucket, so a delete without a version would only hide them;
 * - `delete`: DeleteObject of that `versionId` (a delete marker's too), which removes it for good.
 * S3's answer naming another region for the bucket is followed. On failure it exits 1 with one
 * stderr line naming the operation, the object and S3's status and code, never a credential.
 *
 * `KOPS_TS_S3_PAGE_SIZE` exists for the tests (small pages); instances never set it.
 *
 * It needs s3:PutObject, s3:DeleteObjectVersion (WriteEtcdBackups) and s3:ListBucketVersions
 * (ListEtcdBackupVersions), all limited to `<cluster>/backups/etcd/` (src/model/aws/iam-policies.ts).
 */
import { S3_FETCH_PATH } from './s3-fetch.js';

const helpersDir = S3_FETCH_PATH.replace(/\/[^/]+$/, '');
const moduleOf = (path: string) => path.split('/').pop()!.replace(/\.py$/, '');

export const S3_STORE_PY = `#!/usr/bin/env python3
"""kops-ts: put, list (every version) and delete (one version) state-store objects for the etcd backups (src/bootstrap/s3-store.ts).

usage: etcd-backup-store.py BUCKET REGION put KEY FILE | list PREFIX | delete KEY VERSION
"""
import datetime
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), "${helpersDir}"]
import ${moduleOf(S3_FETCH_PATH)} as s3  # noqa: E402  (its IMDSv2 credentials and SigV4 signer)

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class Refused(Exception):
    pass


def q(v):
    return urllib.parse.quote(v, safe="-_.~")


def canonical_query(query):
    """SigV4's canonical query string: names and values URI-encoded, sorted by name."""
    return "&".join("%s=%s" % (q(k), q(v)) for k, v in sorted(query.items()))


def send(creds, region, method, bucket, key, query, body=None, size=0, payload_hash=s3.EMPTY_SHA256):
    scheme, host, path = s3.object_url(bucket, key, region)
    query_string = canonical_query(query)
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    if creds[2]:
        headers["x-amz-security-token"] = creds[2]
    auth = s3.authorization(method, path, query_string, headers, payload_hash, amz_date, region, creds[0], creds[1])
    out = {k: v for k, v in headers.items() if k != "host"}
    out["Authorization"] = auth
    if body is not None:
        # urllib would send application/x-www-form-urlencoded otherwise.
        out["Content-Length"], out["Content-Type"] = str(size), "application/octet-stream"
    url = scheme + "://" + host + path + ("?" + query_string if query_string else "")
    req = urllib.request.Request(url, data=body, headers=out, method=method)
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.read()


def call(creds, region, what, method, bucket, key, query, body_file=None):
    """S3's answer; follows the bucket's region once. Refused(what, status, code) on an error."""
    for _ in range(2):
        body, size, digest = None, 0, s3.EMPTY_SHA256
        try:
            if body_file:
                h = hashlib.sha256()
                with open(body_file, "rb") as f:
                    for b in iter(lambda: f.read(1 << 20), b""):
                        h.update(b)
                size, digest = os.path.getsize(body_file), h.hexdigest()
                with open(body_file, "rb") as f:
                    return send(creds, region, method, bucket, key, query, f, size, digest)
            return send(creds, region, method, bucket, key, query)
        except urllib.error.HTTPError as e:
            other = e.headers.get("x-amz-bucket-region")
            if other and other != region:
                region = other
                continue
            code = ""
            try:
                code = ET.fromstring(e.read()).findtext("Code") or ""
            except Exception:
                pass
            raise Refused("S3 refused %s: HTTP %d %s" % (what, e.code, code))
        except (urllib.error.URLError, OSError) as e:
            raise Refused("cannot reach S3 for %s (%s)" % (what, getattr(e, "reason", None) or type(e).__name__))
    raise Refused("S3 keeps naming another region for the bucket (%s)" % what)


def versions(creds, region, bucket, prefix):
    page = {"max-keys": os.environ["KOPS_TS_S3_PAGE_SIZE"]} if os.environ.get("KOPS_TS_S3_PAGE_SIZE") else {}
    query = dict(page, versions="", prefix=prefix)
    while True:
        root = ET.fromstring(call(creds, region, "ListObjectVersions of s3://%s/%s" % (bucket, prefix), "GET", bucket, "", query))
        for el in root:
            if el.tag in (NS + "Version", NS + "DeleteMarker"):
                latest = el.findtext(NS + "IsLatest") == "true" and el.tag == NS + "Version"
                print(json.dumps({"key": el.findtext(NS + "Key"), "version": el.findtext(NS + "VersionId") or "null", "live": latest}))
        if root.findtext(NS + "IsTruncated") != "true":
            return
        query = dict(page, versions="", prefix=prefix, **{"key-marker": root.findtext(NS + "NextKeyMarker") or "",
                                                        "version-id-marker": root.findtext(NS + "NextVersionIdMarker") or ""})


def main(argv):
    ops = {"put": 2, "list": 1, "delete": 2}
    if len(argv) < 4 or argv[3] not in ops or len(argv) != 4 + ops[argv[3]]:
        sys.stderr.write("kops-ts: usage: etcd-backup-store.py BUCKET REGION put KEY FILE | list PREFIX | delete KEY VERSION\\n")
        return 2
    bucket, region, op, args = argv[1], argv[2], argv[3], argv[4:]
    try:
        try:
            creds = s3.imds_credentials()
        except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError) as e:
            raise Refused("no instance credentials (%s)" % type(e).__name__)
        if op == "put":
            call(creds, region, "PutObject of s3://%s/%s" % (bucket, args[0]), "PUT", bucket, args[0], {}, args[1])
        elif op == "list":
            versions(creds, region, bucket, args[0])
        else:
            call(creds, region, "DeleteObject of s3://%s/%s version %s" % (bucket, args[0], args[1]), "DELETE", bucket, args[0], {"versionId": args[1]})
    except Refused as e:
        sys.stderr.write("kops-ts: %s\\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
