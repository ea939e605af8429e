package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/gatehouse-dev/gatehouse/internal/sso/ssotest"
)

var (
	formAction   = regexp.MustCompile(`action="([^"]+)"`)
	formResponse = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)
)

// postForm plays the browser at the POST binding: it reads the IdP's
// auto-submitting form and posts it (after edit, when given) to the ACS.
func postForm(t *testing.T, c *http.Client, page string, edit func([]byte) []byte) (int, string, url.Values) {
	t.Helper()
	a, r := formAction.FindStringSubmatch(page), formResponse.FindStringSubmatch(page)
	if a == nil || r == nil {
		t.Fatalf("no SAML form in %q", page)
	}
	val := html.UnescapeString(r[1])
	if edit != nil {
		raw, err := base64.StdEncoding.DecodeString(val)
		if err != nil {
			t.Fatal(err)
		}
		val = base64.StdEncoding.EncodeToString(edit(raw))
	}
	form := url.Values{"SAMLResponse": {val}}
	resp, err := c.PostForm(html.UnescapeString(a[1]), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), form
}

// stripSignatures removes every XML signature: an unsigned response.
func stripSignatures(raw []byte) []byte {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		panic(err)
	}
	var strip func(el *etree.Element) int
	strip = func(el *etree.Element) int {
		n := 0
		for _, c := range el.ChildElements() {
			if c.Tag == "Signature" {
				el.RemoveChild(c)
				n++
				continue
			}
			n += strip(c)
		}
		return n
	}
	if strip(doc.Root()) == 0 {
		panic("the response carried no signature to strip")
	}
	b, _ := doc.WriteToBytes()
	return b
}

func TestSAMLSignIn(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		w := newSSOWorld(t, db)
		ti := ssotest.NewSAMLIdP(t)
		m := w.call(t, "POST", "/v1/account/"+w.account+"/authentication", jsonBody(map[string]any{
			"authentication_method_name": "Okta", "authentication_method_type": "saml",
			"saml_entity_id": ti.EntityID, "saml_idp_url": ti.SSOURL, "saml_certificate": ti.CertPEM,
			"saml_join_groups": true, "auto_join_user_group_id": w.autoJoin,
			"linked_domains": []any{map[string]string{"domain_id": w.domain}},
		}), 200)["authentication_method"].(map[string]any)
		if m["state"] != "active" || m["saml_assertion_signed_enabled"] != true {
			t.Fatalf("method: %v", m)
		}
		loginURL, metaURL := m["login_url"].(string), m["saml_metadata_url"].(string)
		// The IdP knows the SP from the metadata Gatehouse serves.
		st, meta := browse(t, browser(t), metaURL)
		var ed saml.EntityDescriptor
		if st != 200 || xml.Unmarshal([]byte(meta), &ed) != nil || ed.EntityID != metaURL || len(ed.SPSSODescriptors) != 1 ||
			ed.SPSSODescriptors[0].AssertionConsumerServices[0].Location != m["saml_acs_url"] {
			t.Fatalf("metadata: %d %s", st, meta)
		}
		ti.TrustSP(ed)

		signIn := func(t *testing.T, edit func([]byte) []byte) (*http.Client, int, string, url.Values) {
			t.Helper()
			b := browser(t)
			st, page := browse(t, b, loginURL)
			if st != 200 {
				t.Fatalf("IdP page: %d %s", st, page)
			}
			code, body, form := postForm(t, b, page, edit)
			return b, code, body, form
		}

		// SP-initiated: sign-up into the organization, the auto-join group
		// and the listed groups.
		ti.As("sam@corp.example", "okta-sam", "engineers")
		b, st, body, form := signIn(t, nil)
		tok := session(t, b, w.srv.URL)
		if st != 200 || tok == "" {
			t.Fatalf("sign-in: %d %s", st, body)
		}
		_, me := rawCall(t, "GET", w.srv.URL+"/v1/me", tok, nil)
		sam := me["user"].(map[string]any)["user_id"].(string)
		groups := func() string {
			var names []string
			for _, g := range w.call(t, "GET", "/v1/organization/"+w.org+"/user/"+sam+"/user-groups", "", 200)["user_groups"].([]any) {
				names = append(names, g.(map[string]any)["user_group_name"].(string))
			}
			return strings.Join(names, ",")
		}
		if g := groups(); g != "engineers,everyone" {
			t.Errorf("groups: %s", g)
		}
		// The same response posted again is refused (its request was
		// answered, its assertion used).
		resp, err := browser(t).PostForm(m["saml_acs_url"].(string), form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("replayed response: %d", resp.StatusCode)
		}

		// Groups follow the IdP at the next sign-in.
		ti.As("sam@corp.example", "okta-sam", "auditors")
		if _, st, body, _ := signIn(t, nil); st != 200 {
			t.Fatalf("second sign-in: %d %s", st, body)
		}
		if g := groups(); g != "auditors,everyone" {
			t.Errorf("groups after sync: %s", g)
		}

		// Refused: unsigned, forged, wrong audience, expired.
		for _, c := range []struct {
			name   string
			tamper func(*saml.Assertion)
			edit   func([]byte) []byte
		}{
			{"unsigned", nil, stripSignatures},
			{"forged signature", nil, func(raw []byte) []byte {
				return bytes.ReplaceAll(raw, []byte("sam@corp.example"), []byte("boss@corp.example"))
			}},
			{"wrong audience", func(a *saml.Assertion) {
				a.Conditions.AudienceRestrictions = []saml.AudienceRestriction{{Audience: saml.Audience{Value: "https://other.example/sp"}}}
			}, nil},
			{"expired", func(a *saml.Assertion) {
				past := time.Now().Add(-time.Hour)
				a.Conditions.NotOnOrAfter = past
				for i := range a.Subject.SubjectConfirmations {
					a.Subject.SubjectConfirmations[i].SubjectConfirmationData.NotOnOrAfter = past
				}
			}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				ti.As("sam@corp.example", "okta-sam")
				ti.Tamper(c.tamper)
				b, st, body, _ := signIn(t, c.edit)
				if st != http.StatusForbidden || session(t, b, w.srv.URL) != "" {
					t.Fatalf("got %d %s, want 403 and no session", st, body)
				}
			})
		}

		// IdP-initiated: refused until the method allows it; then
		// accepted once, and its replay refused by every server (the
		// store remembers the assertion).
		ti.As("sam@corp.example", "okta-sam")
		idpStart := ti.URL + "/start?sp=" + url.QueryEscape(metaURL)
		b2 := browser(t)
		_, page := browse(t, b2, idpStart)
		if st, _, _ := postForm(t, b2, page, nil); st != http.StatusForbidden {
			t.Errorf("IdP-initiated while not allowed: %d", st)
		}
		w.call(t, "PUT", "/v1/account/"+w.account+"/authentication/"+m["authentication_method_id"].(string), `{"saml_idp_login_allowed":true}`, 200)
		_, page = browse(t, b2, idpStart)
		st, body, form = postForm(t, b2, page, nil)
		if st != 200 || session(t, b2, w.srv.URL) == "" {
			t.Fatalf("IdP-initiated: %d %s", st, body)
		}
		resp, err = browser(t).PostForm(m["saml_acs_url"].(string), form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("replayed IdP-initiated response: %d", resp.StatusCode)
		}
	})
}
