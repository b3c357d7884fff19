#!/usr/bin/env bash
# Builds kubelet, kube-apiserver, kubectl, kube-scheduler and kube-controller-manager at the pinned
# version from the k8s.io/kubernetes Go module (test/env/k8s-build) into a cache outside the repo.
# Real students download the official binaries instead; this machine cannot reach the release host.
# Usage: build-kubernetes.sh OUT_DIR WORK_DIR   (rebuilds only what is missing from OUT_DIR)
set -euo pipefail
version=v1.19.16
out=${1:?usage: build-kubernetes.sh OUT_DIR WORK_DIR}
work=${2:?usage: build-kubernetes.sh OUT_DIR WORK_DIR}
here=$(cd "$(dirname "$0")/k8s-build" && pwd)
cmds=(kubelet kube-apiserver kubectl kube-scheduler kube-controller-manager)

version_of() {
  if [[ $1 == kubectl ]]; then "$out/$1" version --client --short 2>/dev/null; else "$out/$1" --version 2>/dev/null; fi
}
missing=()
for c in "${cmds[@]}"; do
  if [[ ! -x "$out/$c" ]] || ! version_of "$c" | grep -q "$version"; then
    missing+=("$c")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
mkdir -p "$out" "$work"

# Lists the packages under DIR (imported as PREFIX) that ask for OpenAPI definitions, the way
# upstream's build/root/Makefile.generated_files finds them: a file with '// +k8s:' tags that
# mentions +k8s:openapi-gen=.
openapi_inputs() {
  local dir=$1 prefix=$2
  find "$dir" \( -name testdata -o -name vendor -o -name '_*' -o -name '.*' \) -prune -o -type f -name '*.go' -print0 \
    | xargs -0 grep -l '^// *+k8s:' | xargs -r grep -l '+k8s:openapi-gen=' | xargs -r -n1 dirname | LC_ALL=C sort -u \
    | sed "s#^$dir#$prefix#"
}

# pkg/generated/openapi/zz_generated.openapi.go is generated at build time upstream and so is not in
# the published module: generate it into a writable copy of the module and build against that copy.
prepare_source() {
  local go=$1 src=$work/kubernetes-src
  if [[ -f $src/pkg/generated/openapi/zz_generated.openapi.go ]]; then return 0; fi
  local mod
  (cd "$here" && GOFLAGS=-mod=mod "$go" mod download k8s.io/kubernetes) || return 1
  mod=$(cd "$here" && GOFLAGS=-mod=mod "$go" list -m -f '{{.Dir}}' k8s.io/kubernetes) || return 1
  [[ -d $mod ]] || { echo "k8s.io/kubernetes was not downloaded" >&2; return 1; }
  rm -rf "$src" "$work/openapi-out"
  cp -r "$mod" "$src" && chmod -R u+w "$src" || return 1
  sed "s#^\tvbom.ml/util => ./vbom-util#\tvbom.ml/util => $here/vbom-util#" "$here/go.mod" > "$work/build.mod"
  printf '\nreplace k8s.io/kubernetes => %s\n' "$src" >> "$work/build.mod"
  cp "$here/go.sum" "$work/build.sum"
  # Every module must be on disk before the inputs are listed: a module not yet downloaded has no Dir.
  (cd "$here" && GOFLAGS=-mod=mod "$go" mod download -modfile="$work/build.mod") || return 1
  local inputs
  inputs=$(
    openapi_inputs "$src" k8s.io/kubernetes
    (cd "$here" && GOFLAGS=-mod=mod "$go" list -modfile="$work/build.mod" -m -f '{{.Path}} {{.Dir}}' all) \
      | awk '$1 ~ /^k8s.io\// && $1 != "k8s.io/kubernetes" && $1 != "k8s.io/code-generator" && $1 != "k8s.io/sample-apiserver" && $2 != ""' \
      | while read -r path dir; do openapi_inputs "$dir" "$path"; done
  )
  local count
  count=$(wc -l <<<"$inputs")
  echo "generating OpenAPI definitions for $count packages"
  # v1.19.16 has 77 such packages; far fewer means a module was missed and the apiserver would lack types.
  (( count >= 70 )) || { echo "only $count OpenAPI packages found; expected about 77" >&2; return 1; }
  (cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$go" build -modfile="$work/build.mod" -o "$work/openapi-gen" k8s.io/kube-openapi/cmd/openapi-gen) || return 1
  (cd "$here" && GOFLAGS="-mod=mod -modfile=$work/build.mod" "$work/openapi-gen" \
    -i "$(paste -sd, <<<"$inputs")" -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h "$src/hack/boilerplate/boilerplate.generatego.txt" -r "$work/openapi-violations.report" -o "$work/openapi-out") || return 1
  cp "$work/openapi-out/k8s.io/kubernetes/pkg/generated/openapi/zz_generated.openapi.go" "$src/pkg/generated/openapi/"
}

# Old toolchains are the lowest risk for 2020 code (see shared notes); fall back to newer ones.
toolchains=(/usr/lib/go-1.19/bin/go "$(command -v go || true)")
ldflags="-s -w"
for v in gitVersion=$version gitMajor=1 gitMinor=19 gitTreeState=clean buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ); do
  ldflags+=" -X k8s.io/component-base/version.$v -X k8s.io/client-go/pkg/version.$v"
done

for go in "${toolchains[@]}"; do
  [[ -x "$go" ]] || continue
  echo "building ${missing[*]} with $("$go" version)"
  if ! prepare_source "$go"; then echo "toolchain $go could not prepare the source" >&2; continue; fi
  ok=1
  for c in "${missing[@]}"; do
    if ! (cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$go" build -modfile="$work/build.mod" -trimpath -ldflags "$ldflags" -o "$out/$c.tmp" "k8s.io/kubernetes/cmd/$c"); then
      ok=0; break
    fi
    mv "$out/$c.tmp" "$out/$c"
    echo "built $c: $(version_of "$c" || true)"
  done
  [[ $ok == 1 ]] && exit 0
  echo "toolchain $go failed; trying the next one" >&2
done
echo "could not build Kubernetes $version with any toolchain (${toolchains[*]})" >&2
exit 1
