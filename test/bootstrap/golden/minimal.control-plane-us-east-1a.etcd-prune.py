#!/usr/bin/env python3
"""kops-ts: before joining, remove etcd members of control planes lost uncleanly (src/bootstrap/etcd-prune.ts).

usage: etcd-prune.py LISTER...  (a command printing the existing control planes' addresses); exits 0.
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

PKI = os.environ.get("KOPS_TS_ETCD_PKI", "/etc/kubernetes/pki/etcd")
PORT = os.environ.get("KOPS_TS_ETCD_CLIENT_PORT", "2379")
FAIL = (urllib.error.URLError, OSError, ValueError)
CA_CONFIG = """[ca]
default_ca = d
[d]
database = %s/index.txt
new_certs_dir = %s
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
    pass


def say(line):
    print("kops-ts: " + line, flush=True)


def address(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def run(cmd, **kw):
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=300, **kw)
    except (OSError, subprocess.SubprocessError) as e:
        raise Stop("cannot run %s (%s); no member removed" % (cmd[0], type(e).__name__))


def control_planes(lister):
    r = run(lister, capture_output=True)
    if r.returncode != 0:
        lines = r.stderr.decode(errors="replace").strip().splitlines() or ["the lister exited %d" % r.returncode]
        raise Stop("cannot list control planes: %s; no member removed" % lines[-1].strip().replace("kops-ts: ", "", 1))
    out = {address(w) for w in r.stdout.decode(errors="replace").split()}
    if None in out:
        raise Stop("cannot list control planes: the lister printed something not an address; no member removed")
    return out


def own_address(live):
    """The source address of this instance's packets to the other control planes."""
    if os.environ.get("KOPS_TS_SELF_ADDRESS"):
        return address(os.environ["KOPS_TS_SELF_ADDRESS"])
    for a in sorted(live):
        try:
            with socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((a, 9))
                if s.getsockname()[0] != a:
                    return address(s.getsockname()[0])
        except OSError:
            pass
    return None


def client(work):
    """An HTTPS opener with a client certificate of the etcd CA valid for minutes (its key stays in work, 0700)."""
    key, csr, crt, conf = (os.path.join(work, n) for n in ("c.key", "c.csr", "c.crt", "ca.cnf"))
    open(os.path.join(work, "index.txt"), "w").close()
    with open(conf, "w") as f:
        f.write(CA_CONFIG % (work, work))
    now = datetime.datetime.now(datetime.timezone.utc)
    when = lambda minutes: (now + datetime.timedelta(minutes=minutes)).strftime("%y%m%d%H%M%SZ")
    for step in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
                 ["req", "-new", "-key", key, "-subj", "/CN=kops-ts-etcd-prune", "-out", csr],
                 ["ca", "-batch", "-config", conf, "-notext", "-cert", PKI + "/ca.crt", "-keyfile", PKI + "/ca.key",
                  "-in", csr, "-out", crt, "-startdate", when(-2), "-enddate", when(10)]):
        code = run(["openssl"] + step, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        if code:
            raise Stop("cannot make an etcd client certificate with the etcd CA in %s (openssl %s exited %d); no member removed" % (PKI, step[0], code))
    ctx = ssl.create_default_context(cafile=PKI + "/ca.crt")
    ctx.load_cert_chain(crt, key)
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))


def call(opener, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    with opener.open(urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}), timeout=5) as r:
        return json.loads(r.read().decode() or "{}")


def url(a, path):
    return "https://%s:%s%s" % ("[%s]" % a if ":" in a else a, PORT, path)


def healthy(opener, m):
    for u in m.get("clientURLs") or []:
        try:
            if call(opener, u.rstrip("/") + "/health").get("health") == "true":
                return True
        except FAIL:
            pass
    return False


def prune(lister):
    live = control_planes(lister)
    others = live - {own_address(live)}
    work = tempfile.mkdtemp()
    try:
        os.chmod(work, 0o700)
        opener = client(work)
        told, removed = set(), set()
        while True:
            fails, members = [], None
            for a in sorted(others):
                try:
                    source, members = a, call(opener, url(a, "/v3/cluster/member/list"), {}).get("members", [])
                    break
                except FAIL as e:
                    fails.append("%s: %s" % (a, getattr(e, "reason", None) or type(e).__name__))
            none = "no further member removed" if removed else "no member removed"
            if members is None:
                raise Stop("no etcd member answered the member list (%s); %s" % ("; ".join(fails) or "no other control plane", none))
            health, candidate = {}, None
            for m in sorted(members, key=lambda m: (m.get("name") or "", str(m.get("ID")))):
                m["ID"] = str(m.get("ID", ""))
                m["what"] = "%s (%s)" % (m.get("name") or "<unstarted>", ",".join(m.get("peerURLs") or []))
                m["hosts"] = [address(urllib.parse.urlsplit(u).hostname or "") for u in m.get("peerURLs") or []]
                listed = [h for h in m["hosts"] if h in others]
                if not m["hosts"] or None in m["hosts"]:
                    why = "its peer URLs name no IP address"
                elif listed:
                    why = "control plane at %s exists" % ",".join(listed)
                else:
                    health[m["ID"]] = healthy(opener, m)
                    if not health[m["ID"]]:
                        candidate = candidate or m
                        continue
                    why = "no control plane at %s, but it answers its health (the cloud's list may lag)" % ",".join(m["hosts"])
                if m["ID"] not in told:
                    told.add(m["ID"])
                    say("kept etcd member %s: %s" % (m["what"], why))
            if candidate is None:
                return
            if candidate["ID"] in removed:
                raise Stop("etcd member %s is still listed after its removal; no further member removed" % candidate["what"])
            staying = [m for m in members if m is not candidate]
            alive = [m for m in staying if (health[m["ID"]] if m["ID"] in health else healthy(opener, m))]
            if 2 * len(alive) <= len(staying):
                say("kept etcd member %s: removing it would leave %d healthy of %d members, not a majority; %s"
                    % (candidate["what"], len(alive), len(staying), none))
                return
            try:
                call(opener, url(source, "/v3/cluster/member/remove"), {"ID": candidate["ID"]})
            except urllib.error.HTTPError as e:
                raise Stop("etcd refused to remove member %s: HTTP %d %s; no further member removed"
                           % (candidate["what"], e.code, e.read().decode(errors="replace")[:200].strip()))
            removed.add(candidate["ID"])
            say("removed etcd member %s: no control plane at %s" % (candidate["what"], ",".join(candidate["hosts"])))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv):
    try:
        if len(argv) < 2:
            raise Stop("usage: etcd-prune.py LISTER...; no member removed")
        prune(argv[1:])
    except Stop as e:
        sys.stderr.write("kops-ts: %s\n" % e)
    except Exception as e:  # best effort: the join runs whatever happened here
        sys.stderr.write("kops-ts: the etcd member cleanup stopped (%s: %s); no further member removed\n" % (type(e).__name__, str(e)[:200]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
