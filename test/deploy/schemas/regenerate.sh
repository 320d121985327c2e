#!/usr/bin/env bash
# Regenerates the JSON schemas committed under test/deploy/schemas/ (see README.md there).
# The tests never run this: they read the committed files, offline. Run it only to move to another
# Kubernetes version or CRD/compose release, then review the diff and commit it.
#
# Sources (all through the package registries' ordinary clients):
#   - Kubernetes v1.30.0 kinds: the PyPI package kubernetes-validate (pip download), "-local-strict" schemas,
#     made self-contained by make-standalone.mjs;
#   - CRDs: the CRD manifests inside the Go modules of KEDA and prometheus-operator (go mod download),
#     converted by kubeconform's own scripts/openapi2jsonschema.py (needs PyYAML);
#   - compose-spec.json: the Go module github.com/compose-spec/compose-go/v2 (the version docker compose
#     v5.6.0, installed by scripts/install-tools.sh, is built with).
set -euo pipefail

K8S_VERSION=1.30.0
KUBERNETES_VALIDATE_VERSION=1.30.0
KEDA_MODULE=github.com/kedacore/keda/v2@v2.21.0
PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator@v0.85.0
KUBECONFORM_MODULE=github.com/yannh/kubeconform@v0.8.0
COMPOSE_GO_MODULE=github.com/compose-spec/compose-go/v2@v2.16.1
# The kinds the chart renders (kubeconform file names: <kind>[-<group>]-<version>.json).
K8S_FILES=(configmap-v1.json serviceaccount-v1.json service-v1.json deployment-apps-v1.json
  poddisruptionbudget-policy-v1.json networkpolicy-networking-v1.json job-batch-v1.json)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

module_dir() { go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'; }

echo "== Kubernetes ${K8S_VERSION} schemas from kubernetes-validate ${KUBERNETES_VALIDATE_VERSION}"
pip download --quiet --no-deps --dest "$work" "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}"
unzip -q "$work"/kubernetes_validate-*.whl "kubernetes_validate/kubernetes-json-schema/v${K8S_VERSION}-local-strict/*" -d "$work"
out="$here/kubernetes/v${K8S_VERSION}-standalone-strict"
rm -rf "$out"
node "$here/make-standalone.mjs" "$work/kubernetes_validate/kubernetes-json-schema/v${K8S_VERSION}-local-strict" "$out" "${K8S_FILES[@]}"

echo "== CRD schemas"
keda="$(module_dir "$KEDA_MODULE")"
promop="$(module_dir "$PROMETHEUS_OPERATOR_MODULE")"
kubeconform_src="$(module_dir "$KUBECONFORM_MODULE")"
rm -rf "$here/crds" && mkdir -p "$here/crds"
(cd "$here/crds" && FILENAME_FORMAT='{kind}-{group}-{version}' DENY_ROOT_ADDITIONAL_PROPERTIES=1 \
  python3 "$kubeconform_src/scripts/openapi2jsonschema.py" \
    "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
    "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" \
    "$promop/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
    "$promop/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml")

echo "== compose-spec.json"
cp "$(module_dir "$COMPOSE_GO_MODULE")/schema/compose-spec.json" "$here/compose-spec.json"
chmod 644 "$here/compose-spec.json" "$here"/crds/*.json
echo "done: review with git diff --stat -- test/deploy/schemas"
