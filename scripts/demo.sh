#!/usr/bin/env bash
# The main job on the embedded default: a local state folder and a local AWS emulator.
#
# Starts moto_server on a free loopback port, points the AWS SDK at it with its own
# AWS_ENDPOINT_URL, and runs kops-ts end to end: create a cluster spec, plan and apply it,
# then plan again (no changes). Everything stays on this machine; the emulator is stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE_DIR="${KOPS_TS_DEMO_STATE:-$PWD/.kops-ts/demo-state}"
CLUSTER="${KOPS_TS_DEMO_CLUSTER:-demo.k8s.local}"
LOG_DIR="$PWD/.kops-ts"
mkdir -p "$LOG_DIR"
rm -rf "$STATE_DIR"

kops() {
  printf '\n\033[1m$ kops-ts %s\033[0m\n' "$*"
  node bin/kops-ts.js "$@"
}

if ! command -v moto_server >/dev/null 2>&1; then
  echo "moto_server (the AWS emulator) is not on PATH: install it with 'pip install \"moto[server]\"'" >&2
  exit 1
fi
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
MOTO_AMIS_PATH="$PWD/test/emulator/amis.json" moto_server -H 127.0.0.1 -p "$PORT" >"$LOG_DIR/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
  if curl -fsS "http://127.0.0.1:$PORT/moto-api/" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$MOTO_PID" 2>/dev/null; then echo "moto_server exited; see $LOG_DIR/moto.log" >&2; exit 1; fi
  sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export KOPS_STATE_STORE="file://$STATE_DIR"

echo "AWS emulator: $AWS_ENDPOINT_URL   state store: $KOPS_STATE_STORE"
kops create cluster --name "$CLUSTER" --zones us-east-1a --ssh-public-key "$PWD/scripts/demo-key.pub" --yes
kops get clusters
kops get instancegroups --name "$CLUSTER"
kops update cluster --name "$CLUSTER" --detailed-exitcode
echo "(exit code $? : 0 means no changes)"
