#!/usr/bin/env bash
# The main job on the embedded default: a local state folder (and, once `update cluster` lands,
# the local AWS emulator). Creates an HA cluster spec in a file:// state store and shows it as
# kops would: the clusters, the instance groups, and the completed spec.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE_DIR="${KOPS_TS_DEMO_STATE:-$PWD/.kops-ts/demo-state}"
CLUSTER="${KOPS_TS_DEMO_CLUSTER:-demo.k8s.local}"
rm -rf "$STATE_DIR"
mkdir -p "$STATE_DIR"
export KOPS_STATE_STORE="file://$STATE_DIR"

kops() {
  printf '\n\033[1m$ kops-ts %s\033[0m\n' "$*"
  node bin/kops-ts.js "$@"
}

echo "state store: $KOPS_STATE_STORE"
kops create cluster --name "$CLUSTER" \
  --zones us-east-1a,us-east-1b,us-east-1c --control-plane-zones us-east-1a,us-east-1b,us-east-1c \
  --ssh-public-key "$PWD/scripts/demo-key.pub"
kops get clusters
kops get instancegroups --name "$CLUSTER"
kops get cluster "$CLUSTER" --full -o yaml
printf '\nThe spec is in %s (kops'"'"'s layout):\n' "$STATE_DIR"
find "$STATE_DIR" -type f | sed "s|$STATE_DIR/|  |" | sort
