/**
 * etcd backups to the state store, in kops's layout (what etcd-manager does for kops; kops-ts runs
 * kubeadm's stacked etcd, which backs up nothing): docs/bootstrap.md, "etcd backups and restore".
 *
 * `etcd-backup.py` (python3 standard library, cloud-neutral; written to each control-plane group's
 * igconfig by `update cluster`, kubeadm.ts, and fetched by bootstrap.sh, so it does not take AWS's
 * 16 KB of user data) runs from a systemd timer every 15 minutes on every control plane:
 *  1. it asks the local etcd member (`/v3/maintenance/status`, the v3 JSON gateway, with kubeadm's
 *     `apiserver-etcd-client` certificate) whether it is the leader, and does nothing otherwise (one
 *     line on stdout, exit 0): one backup per interval per cluster, as etcd-manager's leader takes it;
 *  2. it streams a snapshot (`/v3/maintenance/snapshot`: JSON objects with base64 `blob` chunks;
 *     etcd appends the sha256 of the database, which is checked) into a mode-0600 file in a mode-0700
 *     temporary directory, gzips it, and uploads `<BACKUP_DIR>/<RFC 3339 UTC time>-<6-digit
 *     sequence>/etcd.backup.gz`, then `_etcd_backup.meta` (protojson of etcd-manager's BackupInfo:
 *     `etcdVersion`, `timestamp` as a string, `clusterSpec{memberCount, etcdVersion}`), the meta last
 *     as the marker of a complete backup;
 *  3. it prunes by etcd-manager's rule: every backup younger than an hour is kept, the oldest of each
 *     hour younger than 7 days, the oldest of each (UTC) day younger than the retention (the group's
 *     `ETCD_BACKUP_RETENTION_DAYS` from bootstrap.env, the spec's `backupRetentionDays` of `main`,
 *     default 90), and the others are deleted, every version of every object under their directory.
 * It exits 1 with one stderr line (the object and the status; never a key or token) when the
 * snapshot, the upload or the pruning fails (a line saying the backup was taken, then), so systemd
 * shows the failure; nothing is pruned after a failed backup.
 *
 * The store is reached through the cloud's helper (`CloudBootstrap.etcdBackupStore`, the same
 * file name on every cloud: S3_STORE_PY in s3-store.ts, GCS_STORE_PY in gce-helpers.ts), run as a
 * command with `put KEY FILE`, `list PREFIX` (one JSON object a line: `key`, `version`, `live`) or
 * `delete KEY VERSION` appended; it prints one `kops-ts: ...` line on stderr when it fails, which
 * this program repeats.
 *
 * `KOPS_TS_ETCD_ENDPOINT`, `KOPS_TS_KUBE_PKI` and `KOPS_TS_NOW` (Unix seconds) exist for the tests
 * (a member on a free port, a temporary CA, chosen times); instances never set them.
 */
import { BOOTSTRAP_ENV_FILE, CONFIG_DIR, ETCD_BACKUP_FILE, ETCD_BACKUP_STORE_FILE, type WriteFile } from './cloud-bootstrap.js';

export { ETCD_BACKUP_FILE, ETCD_BACKUP_STORE_FILE };

/** The etcd cluster kubeadm runs (stacked): kops's `main`. */
export const ETCD_BACKUP_CLUSTER = 'main';
/** etcd-manager's `--backup-interval` default, as a systemd OnCalendar. */
export const ETCD_BACKUP_ON_CALENDAR = '*:0/15';
export const ETCD_BACKUP_SERVICE = 'kops-ts-etcd-backup.service';
export const ETCD_BACKUP_TIMER = 'kops-ts-etcd-backup.timer';
/** The cloud's store helper, next to etcd-backup.py in the group's igconfig. */
export const ETCD_BACKUP_PATH = `${CONFIG_DIR}/${ETCD_BACKUP_FILE}`;
export const ETCD_BACKUP_STORE_PATH = `${CONFIG_DIR}/${ETCD_BACKUP_STORE_FILE}`;
/** bootstrap.env's variable with the retention in days. */
export const ETCD_BACKUP_RETENTION_VAR = 'ETCD_BACKUP_RETENTION_DAYS';
export const DEFAULT_BACKUP_RETENTION_DAYS = 90;

/** `<prefix>/<cluster>/backups/etcd/main`: the backups' directory, relative to the bucket. */
export function etcdBackupDir(prefix: string, cluster: string): string {
  return [prefix, cluster, 'backups', 'etcd', ETCD_BACKUP_CLUSTER].filter((s) => s !== '').join('/');
}

/** One ExecStart argument: double-quoted unless plain, with systemd's dollar and percent escaped. */
function systemdArg(v: string): string {
  const escaped = v.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_./:@,+=-]+$/.test(escaped) ? escaped : `"${escaped.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The etcd backup's oneshot service (after kubelet, which runs the etcd static pod) and its timer,
 * which bootstrap.sh writes on control planes: `dir` is the backups' directory (`etcdBackupDir`),
 * `store` the cloud's store helper command (`CloudBootstrap.etcdBackupStore`).
 */
export function etcdBackupUnits(dir: string, store: readonly string[]): WriteFile[] {
  const argv = ['/usr/bin/python3', ETCD_BACKUP_PATH, dir, ...store];
  const service = `[Unit]
Description=kops-ts: back up etcd to the state store if this member leads
Wants=network-online.target
After=network-online.target kubelet.service
ConditionPathExists=${ETCD_BACKUP_PATH}

[Service]
Type=oneshot
# ${BOOTSTRAP_ENV_FILE}: the retention (ETCD_BACKUP_RETENTION_DAYS).
EnvironmentFile=-${CONFIG_DIR}/${BOOTSTRAP_ENV_FILE}
ExecStart=${argv.map(systemdArg).join(' ')}
`;
  const timer = `[Unit]
Description=kops-ts: etcd backup every 15 minutes

[Timer]
OnCalendar=${ETCD_BACKUP_ON_CALENDAR}
RandomizedDelaySec=60
Persistent=true

[Install]
WantedBy=timers.target
`;
  return [
    { path: `/etc/systemd/system/${ETCD_BACKUP_SERVICE}`, permissions: '0644', content: service },
    { path: `/etc/systemd/system/${ETCD_BACKUP_TIMER}`, permissions: '0644', content: timer },
  ];
}

export const ETCD_BACKUP_PY = `#!/usr/bin/env python3
"""kops-ts: back up kubeadm's etcd to the state store when this member leads (src/bootstrap/etcd-backup.ts).

usage: etcd-backup.py BACKUP_DIR STORE...  (STORE: the cloud's store helper command)
"""
import base64
import datetime
import gzip
import hashlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ENDPOINT = os.environ.get("KOPS_TS_ETCD_ENDPOINT", "https://127.0.0.1:2379")
PKI = os.environ.get("KOPS_TS_KUBE_PKI", "/etc/kubernetes/pki")
DATA, META = "etcd.backup.gz", "_etcd_backup.meta"
NAME = re.compile(r"^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)-\\d+$")
HOUR, DAY = 3600, 86400
HOURLY_RETENTION = 7 * DAY  # etcd-manager's default ETCD_MANAGER_HOURLY_BACKUPS_RETENTION


class Fail(Exception):
    pass


def opener():
    ctx = ssl.create_default_context(cafile=os.path.join(PKI, "etcd", "ca.crt"))
    ctx.load_cert_chain(os.path.join(PKI, "apiserver-etcd-client.crt"), os.path.join(PKI, "apiserver-etcd-client.key"))
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))


def post(o, path, timeout=10):
    req = urllib.request.Request(ENDPOINT + path, data=b"{}", headers={"Content-Type": "application/json"})
    return o.open(req, timeout=timeout)


def call(o, path):
    try:
        with post(o, path) as r:
            return json.loads(r.read().decode() or "{}")
    except urllib.error.HTTPError as e:
        raise Fail("etcd at %s answered %s with HTTP %d" % (ENDPOINT, path, e.code))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise Fail("cannot ask etcd at %s for %s (%s)" % (ENDPOINT, path, getattr(e, "reason", None) or type(e).__name__))


def snapshot(o, dest):
    """Streams the snapshot into dest (0600); checks the sha256 etcd appends to it."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    dec, buf, size = json.JSONDecoder(), "", 0
    try:
        with os.fdopen(fd, "wb") as out, post(o, "/v3/maintenance/snapshot", timeout=300) as r:
            while True:
                chunk = r.read(1 << 20)
                buf, pos = buf + chunk.decode(), 0
                while True:  # every whole message in buf; what is left waits for the next chunk
                    while pos < len(buf) and buf[pos] in " \\t\\r\\n":
                        pos += 1
                    try:
                        msg, pos = dec.raw_decode(buf, pos) if pos < len(buf) else (None, pos)
                    except ValueError:
                        break
                    if msg is None:
                        break
                    if "error" in msg:
                        raise Fail("etcd at %s failed the snapshot: %s" % (ENDPOINT, str((msg["error"] or {}).get("message", ""))[:200]))
                    blob = base64.b64decode((msg.get("result") or {}).get("blob") or "")
                    out.write(blob)
                    size += len(blob)
                buf = buf[pos:]
                if not chunk:
                    break
    except urllib.error.HTTPError as e:
        raise Fail("etcd at %s answered the snapshot with HTTP %d" % (ENDPOINT, e.code))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise Fail("cannot read a snapshot from etcd at %s (%s)" % (ENDPOINT, getattr(e, "reason", None) or type(e).__name__))
    if buf.strip():
        raise Fail("the snapshot from etcd at %s ended inside a message" % ENDPOINT)
    h = hashlib.sha256()
    with open(dest, "rb") as f:
        left = size - 32
        while left > 0:
            b = f.read(min(left, 1 << 20))
            if not b:
                break
            h.update(b)
            left -= len(b)
        if size < 32 or f.read(32) != h.digest():
            raise Fail("the snapshot from etcd at %s is incomplete (%d bytes, its sha256 does not match)" % (ENDPOINT, size))


def store(cmd, *args):
    try:
        r = subprocess.run(cmd + list(args), stdin=subprocess.DEVNULL, capture_output=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as e:
        raise Fail("cannot run the store helper %s (%s)" % (cmd[-1] if cmd else "", type(e).__name__))
    if r.returncode != 0:
        lines = r.stderr.decode(errors="replace").strip().splitlines() or ["the store helper exited %d" % r.returncode]
        raise Fail(lines[-1].strip().replace("kops-ts: ", "", 1))
    return r.stdout.decode()


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def kept(names, now, retention_days):
    """etcd-manager's cleanup: all under an hour, the oldest of each hour under 7 days, of each day under the retention."""
    keep, buckets = set(), {}
    for name in names:
        t = calendar_seconds(NAME.match(name).group(1))
        age = now - t
        if age < HOUR:
            keep.add(name)
        elif age < HOURLY_RETENTION:
            b = ("hour", t - t % HOUR)
            if b not in buckets or buckets[b][0] > t:
                buckets[b] = (t, name)
        elif age < retention_days * DAY:
            b = ("day", t - t % DAY)
            if b not in buckets or buckets[b][0] > t:
                buckets[b] = (t, name)
    return keep | {n for _, n in buckets.values()}


def calendar_seconds(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())


def prune(cmd, base, now, retention_days):
    versions, live = {}, set()
    for line in store(cmd, "list", base + "/").splitlines():
        if not line.strip():
            continue
        try:
            v = json.loads(line)
            v["key"], v["version"] = str(v["key"]), str(v["version"])
        except (ValueError, KeyError, TypeError):
            raise Fail("the store helper listed something that is not a version of an object")
        rest = v["key"][len(base) + 1:]
        name = rest.split("/", 1)[0]
        if not v["key"].startswith(base + "/") or not NAME.match(name):
            continue  # not a backup (etcd-manager's control/ directory, say): never touched
        versions.setdefault(name, []).append(v)
        if rest == name + "/" + META and v.get("live"):
            live.add(name)
    keep = kept(sorted(live), now, retention_days)
    # A directory named like a backup without a live meta is an upload that never finished (a
    # refused meta, a killed run): each is a whole snapshot, and a failure repeating every 15
    # minutes would pile them up unseen. None is still being written after a day.
    unfinished = {n for n in versions if n not in live and now - calendar_seconds(NAME.match(n).group(1)) > DAY}
    removed = 0
    for name in sorted((live - keep) | unfinished):
        for v in versions[name]:
            store(cmd, "delete", v["key"], v["version"])
        removed += name in live
    return removed, len(keep), len(unfinished)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("kops-ts: usage: etcd-backup.py BACKUP_DIR STORE...\\n")
        return 2
    base, cmd = argv[1].strip("/"), argv[2:]
    try:
        retention = int(os.environ.get("${ETCD_BACKUP_RETENTION_VAR}") or "${DEFAULT_BACKUP_RETENTION_DAYS}")
        if retention < 1:
            raise ValueError
    except ValueError:
        sys.stderr.write("kops-ts: ${ETCD_BACKUP_RETENTION_VAR} is not a positive number of days; no backup taken\\n")
        return 1
    now = int(os.environ.get("KOPS_TS_NOW") or time.time())
    work = None
    try:
        try:
            o = opener()
        except (OSError, ssl.SSLError) as e:
            raise Fail("cannot load the etcd client certificate %s/apiserver-etcd-client.crt (%s)" % (PKI, type(e).__name__))
        status = call(o, "/v3/maintenance/status")
        me, leader = str((status.get("header") or {}).get("member_id", "")), str(status.get("leader", ""))
        if not me or me != leader:
            print("kops-ts: this etcd member (%s) is not the leader (%s); the leader takes the backup" % (me or "?", leader or "none"), flush=True)
            return 0
        version = str(status.get("version", ""))
        members = len(call(o, "/v3/cluster/member/list").get("members") or [])
        work = tempfile.mkdtemp()
        os.chmod(work, 0o700)
        raw, packed = os.path.join(work, "snapshot.db"), os.path.join(work, DATA)
        snapshot(o, raw)
        fd = os.open(packed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(raw, "rb") as src, os.fdopen(fd, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=now) as gz:
            shutil.copyfileobj(src, gz, 1 << 20)
        os.remove(raw)
        meta = os.path.join(work, META)
        with os.fdopen(os.open(meta, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            json.dump({"etcdVersion": version, "timestamp": str(now), "clusterSpec": {"memberCount": members, "etcdVersion": version}}, f, indent=2)
        name = "%s-%06d" % (rfc3339(now), 1)
        store(cmd, "put", "%s/%s/%s" % (base, name, DATA), packed)
        store(cmd, "put", "%s/%s/%s" % (base, name, META), meta)
        try:
            removed, left, unfinished = prune(cmd, base, now, retention)
        except Fail as e:
            sys.stderr.write("kops-ts: backed up etcd to %s/%s, but the old backups were not pruned: %s\\n" % (base, name, e))
            return 1
        also = ", %d unfinished upload(s) older than a day deleted" % unfinished if unfinished else ""
        print("kops-ts: backed up etcd to %s/%s; %d old backup(s) deleted, %d kept%s" % (base, name, removed, left, also), flush=True)
        return 0
    except Fail as e:
        sys.stderr.write("kops-ts: etcd backup failed: %s\\n" % e)
        return 1
    except Exception as e:  # one line for systemd, and nothing of what the error holds
        sys.stderr.write("kops-ts: etcd backup failed unexpectedly (%s)\\n" % type(e).__name__)
        return 1
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
