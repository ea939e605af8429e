package consoletest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// apiAs is the API of a test server as one signed-in person: flows set up
// what their pages show through the same API a client would use.
type apiAs struct {
	t     *testing.T
	base  string
	token string
	org   string // the person's first organization
}

// adminAPI signs in to b's server as the bootstrap admin.
func adminAPI(t *testing.T, b *consoletest.Browser) *apiAs {
	t.Helper()
	return signedInAPI(t, b, consoletest.AdminEmail, consoletest.AdminPassword)
}

func signedInAPI(t *testing.T, b *consoletest.Browser, email, password string) *apiAs {
	t.Helper()
	c := &apiAs{t: t, base: b.Server.URL}
	res := c.call("POST", "/v1/userauth", map[string]any{"email": email, "password": password})
	c.token = res["token"].(string)
	orgs := c.call("GET", "/v1/organizations", nil)["organizations"].([]any)
	c.org = orgs[0].(map[string]any)["organization_id"].(string)
	return c
}

// withToken is the API as the holder of another token.
func (c *apiAs) withToken(token string) *apiAs {
	d := *c
	d.token = token
	return &d
}

// call sends body as JSON and decodes the JSON answer, failing the test
// unless it succeeded (2xx).
func (c *apiAs) call(method, path string, body any) map[string]any {
	c.t.Helper()
	return c.callStatus(0, method, path, body)
}

// callStatus is call failing unless the status is want (0: any 2xx).
func (c *apiAs) callStatus(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "aivenv1 "+c.token)
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	res, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	text := consoletest.ReadAll(c.t, res)
	if (want == 0 && res.StatusCode/100 != 2) || (want != 0 && res.StatusCode != want) {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, text, want)
	}
	out := map[string]any{}
	if text != "" {
		_ = json.Unmarshal([]byte(text), &out)
	}
	return out
}
