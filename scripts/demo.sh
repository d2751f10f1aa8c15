#!/usr/bin/env bash
# The main job on the embedded default: a local state folder and a local AWS emulator.
#
# Starts moto's server on a free loopback port (through test/emulator/moto_server.py, moto with
# the two fixes docs/aws-errors.md describes: one request at a time, and launch-template user
# data, so a rolling update against the demo's emulator works too) and points the AWS SDK at it with the SDK's own
# AWS_ENDPOINT_URL, then runs kops-ts end to end: create an HA cluster spec, show it, plan and
# apply it, and plan again (no changes). Everything stays on this machine; the emulator is
# stopped when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE_DIR="${KOPS_TS_DEMO_STATE:-$PWD/.kops-ts/demo-state}"
CLUSTER="${KOPS_TS_DEMO_CLUSTER:-demo.k8s.local}"
LOG_DIR="$(dirname "$STATE_DIR")"
rm -rf "$STATE_DIR"
mkdir -p "$STATE_DIR"

kops() {
  printf '\n\033[1m$ kops-ts %s\033[0m\n' "$*"
  node bin/kops-ts.js "$@"
}

if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
  echo "moto's server (the AWS emulator) is not installed for python3: install it with: pip install 'moto[server]'" >&2
  exit 1
fi
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# The emulator's images include kops's default (Canonical Ubuntu 24.04), which moto lacks.
MOTO_AMIS_PATH="$PWD/test/emulator/amis.json" python3 test/emulator/moto_server.py -H 127.0.0.1 -p "$PORT" >"$LOG_DIR/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
until curl -fsS "http://127.0.0.1:$PORT/moto-api/" >/dev/null 2>&1; do
  kill -0 "$MOTO_PID" 2>/dev/null || { echo "the emulator exited; see $LOG_DIR/moto.log" >&2; exit 1; }
  sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export KOPS_STATE_STORE="file://$STATE_DIR"
# update --yes exports a kubectl context, as kops does: keep the demo's out of ~/.kube/config.
export KUBECONFIG="$LOG_DIR/kubeconfig"
echo "AWS emulator: $AWS_ENDPOINT_URL    state store: $KOPS_STATE_STORE"

kops create cluster --name "$CLUSTER" \
  --zones us-east-1a,us-east-1b,us-east-1c --control-plane-zones us-east-1a,us-east-1b,us-east-1c \
  --ssh-public-key "$PWD/scripts/demo-key.pub"
kops get instancegroups --name "$CLUSTER"
kops update cluster --name "$CLUSTER" | tail -n 25
echo "(... the plan, cut to its last lines)"
kops update cluster --name "$CLUSTER" --yes
kops update cluster --name "$CLUSTER" --detailed-exitcode
echo "exit code $? (0: no changes)"
printf '\nThe spec is in %s (kops'"'"'s layout):\n' "$STATE_DIR"
find "$STATE_DIR" -type f | sed "s|$STATE_DIR/|  |" | sort
