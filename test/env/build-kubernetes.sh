#!/usr/bin/env bash
# Builds kubelet, kube-apiserver, kubectl, kube-scheduler and kube-controller-manager at the pinned
# version from the k8s.io/kubernetes Go module (test/env/k8s-build) into a cache outside the repo.
# Real students download the official binaries instead; this machine cannot reach the release host.
# Usage: build-kubernetes.sh OUT_DIR   (rebuilds only the binaries missing from OUT_DIR)
set -euo pipefail
version=v1.19.16
out=${1:?usage: build-kubernetes.sh OUT_DIR}
here=$(cd "$(dirname "$0")/k8s-build" && pwd)
cmds=(kubelet kube-apiserver kubectl kube-scheduler kube-controller-manager)

missing=()
for c in "${cmds[@]}"; do
  if [[ ! -x "$out/$c" ]] || ! "$out/$c" --version 2>/dev/null | grep -q "Kubernetes $version"; then
    missing+=("$c")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

# Old toolchains are the lowest risk for 2020 code (the notes list why); fall back to newer ones.
toolchains=(/usr/lib/go-1.19/bin/go /usr/lib/go-1.21/bin/go "$(command -v go || true)")
mkdir -p "$out"
pkg=k8s.io/kubernetes/cmd
ldflags="-s -w"
for v in gitVersion=$version gitMajor=1 gitMinor=19 gitTreeState=clean \
         buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ); do
  ldflags+=" -X k8s.io/component-base/version.$v -X k8s.io/client-go/pkg/version.$v"
done

for go in "${toolchains[@]}"; do
  [[ -x "$go" ]] || continue
  echo "building ${missing[*]} with $("$go" version)"
  ok=1
  for c in "${missing[@]}"; do
    if ! (cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$go" build -trimpath -ldflags "$ldflags" -o "$out/$c.tmp" "$pkg/$c"); then
      ok=0; break
    fi
    mv "$out/$c.tmp" "$out/$c"
    echo "built $c"
  done
  [[ $ok == 1 ]] && exit 0
  echo "toolchain $go failed; trying the next one" >&2
done
echo "could not build Kubernetes $version with any toolchain (${toolchains[*]})" >&2
exit 1
