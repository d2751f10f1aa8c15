/**
 * The etcd member cleanup a control plane runs right before `kubeadm join` (docs/bootstrap.md,
 * "How quorum is protected", 5): a control plane lost without a clean shutdown (its etcd-leave unit
 * never ran) leaves its member in kubeadm's stacked etcd, where it keeps counting toward quorum.
 *
 * `etcd-prune.py` (python3 standard library and the openssl CLI, cloud-neutral) is given the cloud's
 * lister (`CloudBootstrap.controlPlaneAddressesCommand`) as its arguments. It makes a client
 * certificate valid for minutes, signed by the etcd CA bootstrap.sh fetched, in a mode-0700
 * temporary directory removed afterwards, asks a member at an existing control plane for the member
 * list (etcd's v3 JSON gateway), and removes a member only when
 *  (a) no existing control plane other than this instance has its peer address, and
 *  (b) it does not answer its own `/health`,
 * one at a time, re-reading the list after each removal, and only while the healthy members that
 * stay are a majority of the members that stay. It is best effort: it always exits 0, so the join
 * runs whatever happened here, but it never removes a member that fails (a) or (b).
 *
 * `KOPS_TS_SELF_ADDRESS`, `KOPS_TS_ETCD_PKI` and `KOPS_TS_ETCD_CLIENT_PORT` exist for the tests
 * (members on loopback addresses, a temporary CA, free ports); instances never set them.
 */
import { CONTROL_PLANE_PKI_FILES } from './cloud-bootstrap.js';

export const ETCD_PRUNE_PATH = '/opt/kops-ts/etcd-prune.py';

/** Where bootstrap.sh put the etcd CA (one of CONTROL_PLANE_PKI_FILES, under /etc/kubernetes). */
const ETCD_PKI_DIR = `/etc/kubernetes/${CONTROL_PLANE_PKI_FILES.find((f) => f.endsWith('etcd/ca.key'))!.replace(/\/ca\.key$/, '')}`;

export const ETCD_PRUNE_PY = `#!/usr/bin/env python3
"""kops-ts: before this control plane joins, remove the etcd members of control planes lost uncleanly.

usage: etcd-prune.py LISTER...
LISTER: a command printing the private IPv4 address of every existing control plane of the cluster,
one a line, failing when it cannot list them. Always exits 0: kubeadm join runs after it whatever
happens here. A member is removed only when no existing control plane other than this instance has
its peer address AND it does not answer its own health, one at a time, and only while the healthy
members that stay are a majority of the members that stay.
"""
import datetime
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

PKI = os.environ.get("KOPS_TS_ETCD_PKI", "${ETCD_PKI_DIR}")
PORT = os.environ.get("KOPS_TS_ETCD_CLIENT_PORT", "2379")
TIMEOUT = 5
CERT_MINUTES = 10
CA_CONFIG = """[ca]
default_ca = d
[d]
database = %(dir)s/index.txt
new_certs_dir = %(dir)s
rand_serial = yes
default_md = sha256
policy = p
unique_subject = no
x509_extensions = x
[p]
commonName = supplied
[x]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
"""


class Stop(Exception):
    """Nothing more is removed; the message says why."""


def say(line):
    sys.stdout.write("kops-ts: " + line + "\\n")
    sys.stdout.flush()


def warn(line):
    sys.stderr.write("kops-ts: " + line + "\\n")
    sys.stderr.flush()


def address(text):
    """The normalized IP address text, or None when it is not an address (a DNS name)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def control_planes(lister):
    """The existing control planes' addresses, from the cloud's lister."""
    try:
        r = subprocess.run(lister, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    except (OSError, subprocess.SubprocessError) as e:
        raise Stop("cannot list control planes: %s (%s); no member removed" % (" ".join(lister[:2]), type(e).__name__))
    if r.returncode != 0:
        lines = [l.strip() for l in r.stderr.decode(errors="replace").splitlines() if l.strip()]
        why = lines[-1] if lines else "the lister exited %d" % r.returncode
        if why.startswith("kops-ts: "):
            why = why[len("kops-ts: "):]
        raise Stop("cannot list control planes: %s; no member removed" % why)
    out = set()
    for word in r.stdout.decode(errors="replace").split():
        a = address(word)
        if a is None:
            raise Stop("cannot list control planes: the lister printed %r, not an address; no member removed" % word[:64])
        out.add(a)
    return out


def own_address(live):
    """This instance's address: the source of its packets to the other control planes."""
    override = os.environ.get("KOPS_TS_SELF_ADDRESS")
    if override:
        return address(override)
    for a in sorted(live):
        try:
            with socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((a, 9))
                src = address(s.getsockname()[0])
        except OSError:
            continue
        if src != a:
            return src
    return None


def client_certificate(work):
    """A client certificate of the etcd CA valid for minutes; its key stays in \`work\` (mode 0700)."""
    key, csr, crt, conf = (os.path.join(work, n) for n in ("client.key", "client.csr", "client.crt", "ca.cnf"))
    open(os.path.join(work, "index.txt"), "w").close()
    with open(conf, "w") as f:
        f.write(CA_CONFIG % {"dir": work})
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = "%y%m%d%H%M%SZ"
    steps = [
        ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
        ["openssl", "req", "-new", "-key", key, "-subj", "/CN=kops-ts-etcd-prune", "-out", csr],
        ["openssl", "ca", "-batch", "-config", conf, "-notext", "-cert", os.path.join(PKI, "ca.crt"),
         "-keyfile", os.path.join(PKI, "ca.key"), "-in", csr, "-out", crt,
         "-startdate", (now - datetime.timedelta(minutes=2)).strftime(fmt),
         "-enddate", (now + datetime.timedelta(minutes=CERT_MINUTES)).strftime(fmt)],
    ]
    for step in steps:
        try:
            r = subprocess.run(step, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work, timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            raise Stop("cannot make an etcd client certificate (openssl %s: %s); no member removed" % (step[1], type(e).__name__))
        if r.returncode != 0:
            raise Stop("cannot make an etcd client certificate with the etcd CA in %s (openssl %s exited %d); no member removed"
                       % (PKI, step[1], r.returncode))
    ctx = ssl.create_default_context(cafile=os.path.join(PKI, "ca.crt"))
    ctx.load_cert_chain(crt, key)
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))


def host_port(a):
    return ("[%s]" % a if ":" in a else a) + ":" + PORT


def call(opener, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="GET" if body is None else "POST")
    with opener.open(req, timeout=TIMEOUT) as resp:
        return json.loads(resp.read().decode() or "{}")


def member_list(opener, sources):
    """(the address that answered, its members) from the first of \`sources\` that answers."""
    failures = []
    for a in sources:
        try:
            return a, call(opener, "https://" + host_port(a) + "/v3/cluster/member/list", {}).get("members", [])
        except (urllib.error.URLError, OSError, ValueError) as e:
            failures.append("%s: %s" % (a, getattr(e, "reason", None) or type(e).__name__))
    raise Stop("no etcd member answered the member list (%s); no member removed" % "; ".join(failures or ["no other control plane listed"]))


def healthy(opener, member):
    """Whether one of the member's client URLs answers its health as healthy."""
    for u in member.get("clientURLs") or []:
        try:
            if call(opener, u.rstrip("/") + "/health").get("health") in ("true", True):
                return True
        except (urllib.error.URLError, OSError, ValueError):
            pass
    return False


def describe(m):
    peers = m.get("peerURLs") or []
    return "%s (%s)" % (m.get("name") or "<unstarted>", ",".join(peers) or "no peer URL")


def prune(lister):
    live = control_planes(lister)
    own = own_address(live)
    others = live - {own}
    work = tempfile.mkdtemp(prefix="kops-ts-etcd-prune-")
    try:
        os.chmod(work, 0o700)
        opener = client_certificate(work)
        told = set()
        removed = set()
        while True:
            source, members = member_list(opener, sorted(others))
            health = {}
            candidate = None
            for m in members:
                mid = str(m.get("ID", ""))
                hosts = [urllib.parse.urlsplit(u).hostname or "" for u in m.get("peerURLs") or []]
                addrs = [address(h) for h in hosts]
                if not hosts or None in addrs:
                    why = "its peer address is not an IP address"
                elif any(a in others for a in addrs):
                    why = "control plane at %s exists" % ",".join(a for a in addrs if a in others)
                else:
                    health[mid] = healthy(opener, m)
                    if not health[mid]:
                        candidate = candidate or m
                        continue
                    why = "no control plane at %s, but it answers its health (the cloud's list may lag)" % ",".join(addrs)
                if mid not in told:
                    told.add(mid)
                    say("kept etcd member %s: %s" % (describe(m), why))
            if candidate is None:
                return
            cid = str(candidate["ID"])
            if cid in removed:
                raise Stop("etcd member %s is still listed after its removal; no further member removed" % describe(candidate))
            staying = [m for m in members if str(m.get("ID", "")) != cid]
            for m in staying:
                if str(m.get("ID", "")) not in health:
                    health[str(m.get("ID", ""))] = healthy(opener, m)
            alive = [m for m in staying if health[str(m.get("ID", ""))]]
            if 2 * len(alive) <= len(staying):
                say("kept etcd member %s: removing it would leave %d healthy of %d members, not a majority; no member removed"
                    % (describe(candidate), len(alive), len(staying)))
                return
            try:
                call(opener, "https://" + host_port(source) + "/v3/cluster/member/remove", {"ID": cid})
            except urllib.error.HTTPError as e:
                raise Stop("etcd refused to remove member %s: HTTP %d %s; no further member removed"
                           % (describe(candidate), e.code, e.read().decode(errors="replace")[:200].strip()))
            removed.add(cid)
            told.add(cid)
            hosts = ",".join(urllib.parse.urlsplit(u).hostname or "" for u in candidate.get("peerURLs") or [])
            say("removed etcd member %s: no control plane at %s" % (describe(candidate), hosts))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv):
    if len(argv) < 2:
        warn("usage: etcd-prune.py LISTER...; no etcd member removed")
        return 0
    try:
        prune(argv[1:])
    except Stop as e:
        warn(str(e))
    except Exception as e:  # best effort: the join runs whatever happened here
        warn("the etcd member cleanup stopped (%s: %s); no further member removed" % (type(e).__name__, str(e)[:200]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
