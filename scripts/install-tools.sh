#!/usr/bin/env bash
# Installs the binaries the deployment checks (jest project `deploy`) need, from the Go module proxy
# with the ordinary `go` client, into a cache directory that survives between runs:
#
#   helm            helm.sh/helm/v3 (falls back to helm.sh/helm/v4 if v3 cannot be built)
#   kubeconform     github.com/yannh/kubeconform
#   promtool        github.com/prometheus/prometheus/cmd/promtool (built without service discovery: `promtool
#                   check rules` and `test rules` need none of it, and it halves the build)
#   docker-compose  github.com/docker/compose/v5 (standalone binary; only `config` is used: no engine needed)
#
# Usage:   bash scripts/install-tools.sh
#            stdout: one line, the bin directory (progress and timings go to stderr), so:
#          export PATH="$(bash scripts/install-tools.sh):$PATH"
#            (optional: the deploy tests also look in that directory by themselves)
# Env:     TIXNGO_TOOLS_DIR   cache root (default: $HOME/.cache/tixngo-bridge-tools); binaries go to $TIXNGO_TOOLS_DIR/bin
#          TIXNGO_TOOLS_COMPOSE=0   do not build docker-compose; set it for the tests too, which then validate
#                                   docker-compose.yml against the compose-spec JSON schema only, and say so
# A binary already present at the pinned version is not rebuilt, so a warm run takes well under a second.
# Kubernetes/CRD/compose JSON schemas are NOT downloaded here: they are committed under test/deploy/schemas.
# Needs: go >= 1.26.8 (docker compose v5.6.0's go.mod; kubeconform v0.8.0 needs 1.26; prometheus v0.316.0
# needs 1.26.7), and the Go module proxy. Cold (empty Go caches, 2 cores): helm about 7 minutes, promtool PROMTOOL_COLD.
set -euo pipefail

HELM_VERSION=v3.22.0
HELM4_VERSION=v4.3.1          # fallback only
KUBECONFORM_VERSION=v0.8.0
PROMTOOL_MODULE_VERSION=v0.316.0   # Prometheus 3.16.0 (the Go module numbers 3.x.y as v0.3xx.y)
COMPOSE_VERSION=v5.6.0        # v5.7.x needs go >= 1.26.10

TOOLS_DIR="${TIXNGO_TOOLS_DIR:-$HOME/.cache/tixngo-bridge-tools}"
BIN_DIR="$TOOLS_DIR/bin"
mkdir -p "$BIN_DIR"

log() { echo "install-tools: $*" >&2; }
command -v go >/dev/null || { log "go is required (https://go.dev/dl, or the distribution package)"; exit 1; }

# Builds into a temporary GOBIN, then moves the binary into place, so an interrupted build never
# leaves a half-written binary that a later run would take as installed.
go_install() { # <binary name> <package@version> [ldflags]
  local name="$1" pkg="$2" ldflags="${3:-}" tmp
  tmp="$(mktemp -d "$TOOLS_DIR/.build.XXXXXX")"
  if GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -trimpath" go install -ldflags "-s -w $ldflags" "$pkg"; then
    mv "$tmp"/* "$BIN_DIR/$name"
    rm -rf "$tmp"
  else
    rm -rf "$tmp"
    return 1
  fi
}

timed() { # <label> <command...>
  local label="$1" start end; shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  log "$label: $((end - start))s"
}

# ---- helm -------------------------------------------------------------------------------------
helm_version() { "$BIN_DIR/helm" version --template '{{.Version}}' 2>/dev/null || true; }
install_helm() {
  local gomod k8s_minor ldflags
  log "building helm $HELM_VERSION (go install helm.sh/helm/v3/cmd/helm) ..."
  # As helm's Makefile does: the default Kubernetes version (used by `helm template` and by the lint
  # deprecation rules when no cluster is asked) is 1.<client-go minor>, not the built-in 1.20 fallback.
  gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  k8s_minor="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod" | head -n1)"
  ldflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  if [ -n "$k8s_minor" ]; then
    for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
      ldflags="$ldflags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
    done
  fi
  if go_install helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$ldflags"; then
    return 0
  fi
  log "helm v3 could not be built with 'go install'; falling back to helm $HELM4_VERSION"
  go_install helm "helm.sh/helm/v4/cmd/helm@$HELM4_VERSION" "-X helm.sh/helm/v4/internal/version.version=$HELM4_VERSION"
}
case "$(helm_version)" in
  "$HELM_VERSION" | "$HELM4_VERSION") log "helm $(helm_version) already in $BIN_DIR" ;;
  *) timed "helm" install_helm ;;
esac

# ---- kubeconform ------------------------------------------------------------------------------
kubeconform_version() { "$BIN_DIR/kubeconform" -v 2>/dev/null || true; }
if [ "$(kubeconform_version)" = "$KUBECONFORM_VERSION" ]; then
  log "kubeconform $KUBECONFORM_VERSION already in $BIN_DIR"
else
  log "building kubeconform $KUBECONFORM_VERSION ..."
  timed "kubeconform" go_install kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" \
    "-X main.version=$KUBECONFORM_VERSION"
fi

# ---- promtool ---------------------------------------------------------------------------------
promtool_version() { "$BIN_DIR/promtool" --version 2>/dev/null | sed -n 's/^promtool, version \([^ ]*\).*/\1/p' || true; }
# remove_all_sd: Prometheus' build tag that leaves every service-discovery plugin (cloud SDKs) out.
install_promtool() {
  GOFLAGS="${GOFLAGS:-} -tags=remove_all_sd" go_install promtool \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_MODULE_VERSION" \
    "-X github.com/prometheus/common/version.Version=$PROMTOOL_MODULE_VERSION"
}
if [ "$(promtool_version)" = "$PROMTOOL_MODULE_VERSION" ]; then
  log "promtool $PROMTOOL_MODULE_VERSION already in $BIN_DIR"
else
  log "building promtool $PROMTOOL_MODULE_VERSION ..."
  timed "promtool" install_promtool
fi

# ---- docker-compose -----------------------------------------------------------------------------
# Debian bookworm's apt package `docker-compose` is the Python Compose v1 (1.29.2), and Docker's own
# `docker-compose-plugin` repository is not reachable, so Compose v2+ is built from its Go module.
# `go install …@version` refuses it (its go.mod has exclude directives), so build inside the
# downloaded module, with its own go.mod/go.sum (read-only module cache: only GOCACHE is written).
compose_version() { "$BIN_DIR/docker-compose" version --short 2>/dev/null || true; }
install_compose() {
  local dir tmp
  log "building docker-compose $COMPOSE_VERSION (github.com/docker/compose/v5, go build in the module cache) ..."
  dir="$(go mod download -json "github.com/docker/compose/v5@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] || { log "go mod download returned no Dir for docker compose"; return 1; }
  tmp="$(mktemp -d "$TOOLS_DIR/.build.XXXXXX")"
  if (cd "$dir" && go build -trimpath \
        -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" \
        -o "$tmp/docker-compose" ./cmd); then
    mv "$tmp/docker-compose" "$BIN_DIR/docker-compose"
    rm -rf "$tmp"
  else
    rm -rf "$tmp"
    return 1
  fi
}
if [ "${TIXNGO_TOOLS_COMPOSE:-1}" = "0" ]; then
  log "TIXNGO_TOOLS_COMPOSE=0: docker-compose not installed (compose checks fall back to the JSON schema)"
elif [ "$(compose_version)" = "${COMPOSE_VERSION#v}" ]; then
  log "docker-compose $COMPOSE_VERSION already in $BIN_DIR"
else
  timed "docker-compose" install_compose
fi

log "helm: $(helm_version)  kubeconform: $(kubeconform_version)  promtool: $(promtool_version)  docker-compose: $(compose_version)"
log "binaries are in (put this on PATH, or leave it to the tests, which look here too):"
echo "$BIN_DIR"
