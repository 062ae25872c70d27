#!/usr/bin/env bash
# Validates the Kubernetes files offline with validator/validate.mjs: the Kubernetes OpenAPI schema
# (kubernetes-models), the field names of the official client's models (@kubernetes/client-node), and the
# project's own rules. The kustomizations (serve, serve-gpu) are checked as kubectl renders them.
# Then checks that it fails a broken manifest, so a pass means something.
# Needs Node.js 20+ and npm, and kubectl for the kustomizations; installs the pinned validator once into
# validator/node_modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/validator"
[ -d node_modules ] || nice -n 19 npm ci --no-audit --no-fund --loglevel=error
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
files=("$here"/*.yaml "$here"/serve/serve-deployment.yaml)
if command -v kubectl >/dev/null; then
  for k in serve serve-gpu; do
    kubectl kustomize "$here/$k" >"$tmp/kustomize-$k.yaml"
    files+=("$tmp/kustomize-$k.yaml")
  done
else
  echo "validate.sh: no kubectl, so the kustomizations serve and serve-gpu are not rendered and checked" >&2
fi
nice -n 19 node validate.mjs "${files[@]}" | sed "s#$tmp/kustomize-\([a-z-]*\)\.yaml#kubectl kustomize \1#"

broken="$tmp/broken.yaml"
cat >"$broken" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: broken}
spec:
  completionMode: Indexed
  completions: "4"
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: bench
          image: reason:0.1.0
          args: [bench, --shards, "8"]
          livenesProbe: {httpGet: {path: /health, port: 8080}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken-serve}
spec:
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
        - name: serve
          image: reason:0.1.0
          args: [serve, --api-key, secret]
          resources: {requests: {cpu: "1", memory: 1Gi}}
          livenessProbe: {httpGet: {path: /health, port: 8080}}
YAML
if out="$(nice -n 19 node validate.mjs "$broken" 2>&1)"; then
  echo "validate.sh: the validator passed a broken manifest: $out" >&2
  exit 1
fi
echo "self-check: broken manifests fail as they should:"
echo "$out" | sed "s#^$broken: #  #"
