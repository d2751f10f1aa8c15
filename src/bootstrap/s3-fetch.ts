/**
 * The small S3 reader every instance runs at boot: a stock Ubuntu image has no AWS CLI, so the
 * bootstrap fetches its group's files with this python3 script (python3 is on every Ubuntu cloud
 * image; cloud-init itself runs on it). It takes the instance role's temporary credentials from
 * IMDSv2 (a PUT for a session token, then the role's credentials), signs one `GET Object` with
 * AWS Signature Version 4, follows S3's answer naming the bucket's region when it differs from
 * the one guessed, retries what can succeed later (an instance profile not yet usable, an object
 * not yet written, throttling), and writes the object with mode 0600 through a rename.
 *
 * Nothing secret is printed: errors name the bucket, key and HTTP status only.
 *
 * `KOPS_TS_IMDS_ENDPOINT`, `KOPS_TS_S3_ENDPOINT` and `KOPS_TS_FETCH_ATTEMPTS` exist for the tests
 * (a fake metadata service, the emulator's S3, one attempt); instances never set them.
 */
export const S3_FETCH_PATH = '/opt/kops-ts/s3get.py';

export const S3_FETCH_PY = `#!/usr/bin/env python3
"""kops-ts: GET one S3 object with the instance role (IMDSv2 credentials, SigV4).

usage: s3get.py BUCKET KEY DEST REGION
"""
import datetime
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

IMDS = os.environ.get("KOPS_TS_IMDS_ENDPOINT", "http://169.254.169.254")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class Retry(Exception):
    pass


def imds_token():
    req = urllib.request.Request(IMDS + "/latest/api/token", method="PUT",
                                 headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})
    return urllib.request.urlopen(req, timeout=5).read().decode()


def imds_get(token, path):
    """One metadata value (path under /latest/meta-data/), with an IMDSv2 session token."""
    req = urllib.request.Request(IMDS + "/latest/meta-data/" + path, headers={"X-aws-ec2-metadata-token": token})
    return urllib.request.urlopen(req, timeout=5).read().decode()


def imds_credentials(token=None):
    token = token or imds_token()
    role = imds_get(token, "iam/security-credentials/").split()[0]
    doc = json.loads(imds_get(token, "iam/security-credentials/" + role))
    return doc["AccessKeyId"], doc["SecretAccessKey"], doc.get("Token")


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def authorization(method, path, query, headers, payload_hash, amz_date, region, access_key, secret_key, service="s3"):
    """The SigV4 Authorization header of a request whose headers (names lower case) are all signed."""
    names = sorted(headers)
    canonical_headers = "".join(n + ":" + " ".join(headers[n].strip().split()) + "\\n" for n in names)
    signed = ";".join(names)
    canonical = "\\n".join([method, path, query, canonical_headers, signed, payload_hash])
    day = amz_date[:8]
    scope = "/".join([day, region, service, "aws4_request"])
    to_sign = "\\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), day), region), service), "aws4_request")
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return "AWS4-HMAC-SHA256 Credential=" + access_key + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig


def object_url(bucket, key, region):
    """(host, path): virtual-hosted style on AWS, path style for dotted buckets and test endpoints."""
    quoted = urllib.parse.quote(key, safe="/~")
    endpoint = os.environ.get("KOPS_TS_S3_ENDPOINT")
    if endpoint:
        u = urllib.parse.urlsplit(endpoint)
        return u.scheme, u.netloc, "/" + bucket + "/" + quoted
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    if "." in bucket:
        return "https", "s3." + region + "." + suffix, "/" + bucket + "/" + quoted
    return "https", bucket + ".s3." + region + "." + suffix, "/" + quoted


def get(bucket, key, region):
    """The object's bytes, or (None, region) when S3 names another region for the bucket."""
    access_key, secret_key, token = imds_credentials()
    scheme, host, path = object_url(bucket, key, region)
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    if token:
        headers["x-amz-security-token"] = token
    auth = authorization("GET", path, "", headers, EMPTY_SHA256, amz_date, region, access_key, secret_key)
    send = {k: v for k, v in headers.items() if k != "host"}
    send["Authorization"] = auth
    req = urllib.request.Request(scheme + "://" + host + path, headers=send)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read(), region
    except urllib.error.HTTPError as e:
        other = e.headers.get("x-amz-bucket-region")
        if other and other != region:
            return None, other
        raise Retry("HTTP " + str(e.code))
    except (urllib.error.URLError, OSError) as e:
        raise Retry(type(e).__name__)


def main(argv):
    if len(argv) != 5:
        sys.stderr.write("usage: s3get.py BUCKET KEY DEST REGION\\n")
        return 2
    bucket, key, dest, region = argv[1:]
    attempts = int(os.environ.get("KOPS_TS_FETCH_ATTEMPTS", "40"))
    why = ""
    for attempt in range(attempts):
        try:
            body, found = get(bucket, key, region)
            if body is None:
                region = found
                body, found = get(bucket, key, region)
            if body is not None:
                tmp = dest + ".tmp"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(body)
                os.replace(tmp, dest)
                return 0
            why = "bucket region keeps changing"
        except Retry as e:
            why = str(e)
        except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError) as e:
            why = "instance credentials: " + type(e).__name__
        if attempt + 1 < attempts:
            time.sleep(min(2 ** attempt, 15))
    sys.stderr.write("kops-ts: cannot read s3://" + bucket + "/" + key + " (" + why + ") after " + str(attempts) + " attempts\\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
