//go:build tools
// +build tools

// Records the commands this module builds, so `go mod tidy` keeps their dependencies.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kubectl"

	// pkg/generated/openapi is generated, not published: openapi-gen writes it before the build.
	_ "k8s.io/kube-openapi/cmd/openapi-gen"
)
