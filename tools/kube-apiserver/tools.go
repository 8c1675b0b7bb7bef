//go:build tools

package kas

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
