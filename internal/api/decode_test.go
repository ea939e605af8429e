package api

import (
	"net/http"
	"testing"
)

type decodeProbe struct {
	Name  string            `json:"name"`
	Count *int              `json:"count"`
	Tags  map[string]string `json:"tags"`
	List  []string          `json:"list"`
}

func TestDecodeBytes(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"empty", "", false},
		{"null", "null", false},
		{"object", `{"name":"x"}`, false},
		{"unknown field", `{"name":"x","future":1}`, false},
		{"null fields", `{"tags":null,"count":null}`, false},
		{"array", `[]`, true},
		{"string", `"x"`, true},
		{"wrong type", `{"name":1}`, true},
		{"wrong nested", `{"tags":{"a":1}}`, true},
		{"truncated", `{"name":`, true},
		{"trailing", `{"name":"x"} {}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p decodeProbe
			err := decodeBytes([]byte(c.body), &p)
			if (err != nil) != c.wantErr {
				t.Fatalf("decodeBytes(%q) err = %v, wantErr %v", c.body, err, c.wantErr)
			}
			if err != nil {
				if s, _, _ := statusOf(err); s != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", s)
				}
			}
		})
	}
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{"", "{}", `{"name":"a","count":3,"tags":{"k":"v"},"list":["x"]}`, `{"count":1e400}`, "[", `{"name":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p decodeProbe
		if err := decodeBytes(b, &p); err != nil {
			if s, _, _ := statusOf(err); s != http.StatusBadRequest {
				t.Fatalf("decodeBytes(%q): status %d, want 400", b, s)
			}
		}
	})
}
