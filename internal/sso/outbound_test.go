package sso

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/outbound"
)

// An OIDC issuer is an administrator's input: the default client must not
// reach the cloud metadata service through it.
func TestDefaultClientRefusesLinkLocal(t *testing.T) {
	h := New(nil, Options{})
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "https://169.254.169.254/.well-known/openid-configuration"} {
		resp, err := h.opt.HTTPClient.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s: no error, want the connection refused", u)
		}
		if !errors.Is(err, outbound.ErrRefused) {
			t.Errorf("GET %s: %v, want %v", u, err, outbound.ErrRefused)
		}
	}
}
