package policy

import (
	"bytes"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/verdictlabs/verdict/model"
)

// FromKubernetes converts objects as client-go gives them (typed
// k8s.io/api objects such as *corev1.Pod, their List types, or
// *unstructured.Unstructured for Calico's and other custom kinds) into a
// validated model, exactly as if their YAML had been loaded: the same
// decoder, defaults and problems, which name each object by its position
// ("object 3") as a file would be named.
//
// Typed objects need not carry their apiVersion and kind (client-go's
// typed clients leave them empty); the Go type says which it is.
func FromKubernetes(objs ...runtime.Object) (model.Set, error) {
	l := NewLoader()
	for i, o := range objs {
		doc, err := kubernetesDoc(o)
		if err != nil {
			return model.Set{}, fmt.Errorf("object %d: %w", i+1, err)
		}
		if err := l.Add(fmt.Sprintf("object %d", i+1), bytes.NewReader(doc)); err != nil {
			return model.Set{}, err
		}
	}
	res, err := l.Finish()
	if err != nil {
		return model.Set{}, err
	}
	return res.Set, nil
}

// typeMetas gives the apiVersion and kind of the typed objects Verdict
// reads, for objects that do not carry them.
var typeMetas = map[string][2]string{
	fmt.Sprintf("%T", &corev1.Pod{}):                     {"v1", "Pod"},
	fmt.Sprintf("%T", &corev1.PodList{}):                 {"v1", "PodList"},
	fmt.Sprintf("%T", &corev1.Namespace{}):               {"v1", "Namespace"},
	fmt.Sprintf("%T", &corev1.NamespaceList{}):           {"v1", "NamespaceList"},
	fmt.Sprintf("%T", &corev1.ServiceAccount{}):          {"v1", "ServiceAccount"},
	fmt.Sprintf("%T", &corev1.ServiceAccountList{}):      {"v1", "ServiceAccountList"},
	fmt.Sprintf("%T", &corev1.Service{}):                 {"v1", "Service"},
	fmt.Sprintf("%T", &corev1.ServiceList{}):             {"v1", "ServiceList"},
	fmt.Sprintf("%T", &discoveryv1.EndpointSlice{}):      {"discovery.k8s.io/v1", "EndpointSlice"},
	fmt.Sprintf("%T", &discoveryv1.EndpointSliceList{}):  {"discovery.k8s.io/v1", "EndpointSliceList"},
	fmt.Sprintf("%T", &networkingv1.NetworkPolicy{}):     {"networking.k8s.io/v1", "NetworkPolicy"},
	fmt.Sprintf("%T", &networkingv1.NetworkPolicyList{}): {"networking.k8s.io/v1", "NetworkPolicyList"},
}

// kubernetesDoc encodes an object as a JSON document with its apiVersion
// and kind.
func kubernetesDoc(o runtime.Object) ([]byte, error) {
	if o == nil {
		return nil, fmt.Errorf("nil object")
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	gvk := o.GetObjectKind().GroupVersionKind()
	if !gvk.Empty() {
		return b, nil
	}
	tm, ok := typeMetas[fmt.Sprintf("%T", o)]
	if !ok {
		return nil, fmt.Errorf("%T has no apiVersion and kind, and is not a type Verdict reads", o)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["apiVersion"], m["kind"] = tm[0], tm[1]
	return json.Marshal(m)
}
