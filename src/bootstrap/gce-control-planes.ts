/**
 * `gcecp.py CLUSTER_LABEL`, the stdlib python3 program a GCE control plane runs before it joins
 * (the other boot programs, and what they share, are in gce-helpers.ts). It prints the primary
 * internal IP (`networkInterfaces[0].networkIP`) of every control-plane instance of the cluster,
 * one a line:
 * the project's instances in every zone (`instances.aggregatedList`, every page) labelled
 * `k8s-io-cluster-name=<CLUSTER_LABEL>` and `k8s-io-role-control-plane=control-plane` (the
 * labels src/model/gce/labels.ts puts on control-plane templates), whatever their status: GCE
 * lists no deleted instance, and a TERMINATED one is stopped and may start again. The bootstrap
 * uses it to tell which etcd members' control planes are gone (docs/bootstrap.md, "How quorum is
 * protected"). It exits 1 with one stderr line when it cannot list them. It needs
 * `compute.instances.list`, which the control plane's service account is expected to have
 * (src/model/gce/service-accounts.ts says why, and what is not checked).
 *
 * Kept apart from gce-helpers.ts because it reads the GCE model's label names: the AWS path
 * (kubeadm.ts's files) loads gce-helpers.ts, and must not load the GCE model
 * (test/cloud/providers.test.ts).
 */
import { GCE_LABEL_ROLE_PREFIX } from '../model/gce/labels.js';
import { GCE_LABEL_CLUSTER } from '../tasks/gce/types.js';
import { COMMON_PY } from './gce-helpers.js';

export const GCE_CONTROL_PLANES_PATH = '/opt/kops-ts/gcecp.py';
/** Prints this cluster's control planes' internal IPs, one a line; non-zero when it cannot list them. */
export const gceControlPlanesCommand = `python3 ${GCE_CONTROL_PLANES_PATH} "$CLUSTER_LABEL"`;

/** The role label a control-plane instance carries, valued `control-plane` (src/model/gce/labels.ts `instanceGroupLabels`). */
export const GCE_CONTROL_PLANE_ROLE_LABEL = `${GCE_LABEL_ROLE_PREFIX}control-plane`;

export const GCE_CONTROL_PLANES_PY = `#!/usr/bin/env python3
"""kops-ts: print the internal IP of every control-plane instance of a cluster (Compute API, metadata server token).

usage: gcecp.py CLUSTER_LABEL
prints: one networkIP a line (every status: a TERMINATED instance is stopped, not gone)
"""
${COMMON_PY}
COMPUTE = os.environ.get("KOPS_TS_COMPUTE_ENDPOINT", "https://compute.googleapis.com/compute/v1")
MAX_RESULTS = os.environ.get("KOPS_TS_MAX_RESULTS", "500")
CLUSTER = "${GCE_LABEL_CLUSTER}"
ROLE = "${GCE_CONTROL_PLANE_ROLE_LABEL}"


def api(path):
    return json.loads(request("GET", COMPUTE + path, {"Authorization": "Bearer " + token()}) or b"{}")


def control_plane_ips(cluster_label):
    project = retrying("metadata", lambda: metadata("project/project-id")).strip()
    flt = urllib.parse.quote('labels.%s = "%s" AND labels.%s = "control-plane"' % (CLUSTER, cluster_label, ROLE), safe="")
    out, page = [], ""
    while True:
        path = "/projects/%s/aggregated/instances?filter=%s&maxResults=%s%s" % (project, flt, MAX_RESULTS, "&pageToken=" + urllib.parse.quote(page, safe="") if page else "")
        resp = retrying("list", lambda: api(path))
        # Scopes with nothing on this page carry a warning instead of "instances".
        for scoped in (resp.get("items") or {}).values():
            for i in scoped.get("instances") or []:
                labels = i.get("labels") or {}
                if labels.get(CLUSTER) != cluster_label or labels.get(ROLE) != "control-plane":
                    continue
                nics = i.get("networkInterfaces") or []
                ip = nics[0].get("networkIP") if nics else None
                if ip and ip not in out:
                    out.append(ip)
        page = resp.get("nextPageToken") or ""
        if not page:
            return out


def main(argv):
    if len(argv) != 2 or not argv[1]:
        sys.stderr.write("usage: gcecp.py CLUSTER_LABEL\\n")
        return 2
    try:
        ips = control_plane_ips(argv[1])
    except (HttpError, ValueError, KeyError, TypeError, AttributeError) as e:
        msg = str(e) if isinstance(e, HttpError) else "unexpected answer (%s)" % type(e).__name__
        sys.stderr.write("kops-ts: cannot list the control planes of cluster %s (labels %s=%s, %s=control-plane): %s\\n" % (argv[1], CLUSTER, argv[1], ROLE, " ".join(msg.split())))
        return 1
    for ip in ips:
        print(ip)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;
