package cli

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestIdPSCIMCommands enables SCIM on an identity provider, reads the
// token shown once, rotates it and checks only the new one is accepted.
func TestIdPSCIMCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.needRoute(http.MethodPost, "/v1/account/a/authentication/m/scim-token")
		h.login()
		tokenRe := regexp.MustCompile(`gthscim_[A-Za-z0-9_-]+`)
		out := h.ok("organization", "idp-create", "--name", "Entra", "--type", "saml", "--scim")
		first := tokenRe.FindString(out)
		if first == "" || !strings.Contains(out, "/scim/v2/am") {
			t.Fatalf("idp-create --scim shows no SCIM URL and token:\n%s", out)
		}
		if out := h.ok("organization", "idp-get", "--idp", "Entra"); strings.Contains(out, first) || !strings.Contains(out, "/scim/v2/am") {
			t.Fatalf("idp-get shows the token again or no URL:\n%s", out)
		}
		var rotated map[string]string
		if err := json.Unmarshal([]byte(h.ok("organization", "idp-scim-token-rotate", "--idp", "Entra", "--json")), &rotated); err != nil {
			t.Fatal(err)
		}
		second := rotated["scim_token"]
		if !tokenRe.MatchString(second) || second == first {
			t.Fatalf("rotated token %q (first %q)", second, first)
		}
		status := func(token string) int {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, rotated["scim_url"]+"/Users", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if st := status(first); st != http.StatusUnauthorized {
			t.Errorf("the rotated-out token: %d", st)
		}
		if st := status(second); st != http.StatusOK {
			t.Errorf("the new token: %d", st)
		}
		if out := h.ok("organization", "idp-scim-token-rotate", "--idp", "Entra"); !strings.Contains(out, "SCIM token:") || !tokenRe.MatchString(out) {
			t.Errorf("idp-scim-token-rotate:\n%s", out)
		}
		h.ok("organization", "idp-update", "--idp", "Entra", "--scim=false")
		if msg := h.fails("organization", "idp-scim-token-rotate", "--idp", "Entra"); !strings.Contains(msg, "SCIM is not enabled") {
			t.Errorf("rotating with SCIM disabled: %q", msg)
		}
	})
}
