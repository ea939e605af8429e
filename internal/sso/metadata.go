package sso

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"

	"github.com/gatehouse-dev/gatehouse/internal/outbound"
)

// IdPMetadata is what a SAML identity provider's metadata tells a
// service provider: the settings an administrator would otherwise copy
// by hand (saml_entity_id, saml_idp_url, saml_certificate).
type IdPMetadata struct {
	EntityID string
	// SSOURL is the single sign-on service of the redirect binding, the
	// one Gatehouse sends its requests to.
	SSOURL string
	// Certificate is the signing certificate, PEM.
	Certificate string
}

// maxMetadata bounds a metadata document (Entra ID's are a few KiB).
const maxMetadata = 1 << 20

// ErrMetadata: the metadata is unusable; the message says why.
var ErrMetadata = errors.New("identity provider metadata")

// ParseIdPMetadata reads a SAML identity provider's metadata: an
// EntityDescriptor, or an EntitiesDescriptor holding exactly one
// identity provider.
func ParseIdPMetadata(raw []byte) (IdPMetadata, error) {
	if len(raw) > maxMetadata {
		return IdPMetadata{}, fmt.Errorf("%w is longer than %d bytes", ErrMetadata, maxMetadata)
	}
	var eds []saml.EntityDescriptor
	var one saml.EntityDescriptor
	if err := xml.Unmarshal(raw, &one); err == nil {
		eds = []saml.EntityDescriptor{one}
	} else {
		var many saml.EntitiesDescriptor
		if err2 := xml.Unmarshal(raw, &many); err2 != nil {
			return IdPMetadata{}, fmt.Errorf("%w is not SAML metadata XML: %v", ErrMetadata, err)
		}
		eds = many.EntityDescriptors
	}
	var found []IdPMetadata
	for _, ed := range eds {
		for _, idp := range ed.IDPSSODescriptors {
			m := IdPMetadata{EntityID: strings.TrimSpace(ed.EntityID)}
			for _, e := range idp.SingleSignOnServices {
				if e.Binding == saml.HTTPRedirectBinding {
					m.SSOURL = strings.TrimSpace(e.Location)
					break
				}
			}
			for _, k := range idp.KeyDescriptors {
				if (k.Use == "signing" || k.Use == "") && len(k.KeyInfo.X509Data.X509Certificates) > 0 {
					m.Certificate = pemOf(k.KeyInfo.X509Data.X509Certificates[0].Data)
					break
				}
			}
			found = append(found, m)
		}
	}
	switch {
	case len(found) == 0:
		return IdPMetadata{}, fmt.Errorf("%w describes no identity provider (IDPSSODescriptor)", ErrMetadata)
	case len(found) > 1:
		return IdPMetadata{}, fmt.Errorf("%w describes %d identity providers; paste the one to use", ErrMetadata, len(found))
	}
	m := found[0]
	switch {
	case m.EntityID == "":
		return m, fmt.Errorf("%w has no entityID", ErrMetadata)
	case m.SSOURL == "":
		return m, fmt.Errorf("%w has no single sign-on service with the HTTP-Redirect binding", ErrMetadata)
	case m.Certificate == "":
		return m, fmt.Errorf("%w has no signing certificate", ErrMetadata)
	}
	return m, nil
}

// pemOf wraps a metadata document's base64 certificate as PEM.
func pemOf(b64 string) string {
	s := strings.Join(strings.Fields(b64), "")
	var b strings.Builder
	b.WriteString("-----BEGIN CERTIFICATE-----\n")
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s + "\n-----END CERTIFICATE-----\n")
	return b.String()
}

// FetchIdPMetadata fetches and reads a SAML identity provider's metadata
// from rawURL: https, or http to a loopback address, as the method's
// other provider addresses (client nil: a 10-second timeout, and no
// connection to what outbound.Default refuses).
func FetchIdPMetadata(ctx context.Context, client *http.Client, rawURL string) (IdPMetadata, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" || u.User != nil {
		return IdPMetadata{}, fmt.Errorf("%w URL %q must be an absolute https URL without credentials", ErrMetadata, rawURL)
	}
	if host := u.Hostname(); u.Scheme != "https" {
		ip := net.ParseIP(host)
		if u.Scheme != "http" || !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			return IdPMetadata{}, fmt.Errorf("%w URL %q must be an https URL (http only to a loopback address)", ErrMetadata, rawURL)
		}
	}
	if client == nil {
		// Never link-local addresses or the cloud metadata service.
		client = &http.Client{Timeout: 10 * time.Second,
			Transport: &http.Transport{DialContext: outbound.Default().Dialer(10 * time.Second).DialContext}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return IdPMetadata{}, fmt.Errorf("%w URL %q: %v", ErrMetadata, rawURL, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return IdPMetadata{}, fmt.Errorf("%w could not be fetched: %v", ErrMetadata, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return IdPMetadata{}, fmt.Errorf("%w could not be fetched from %s: it answered %s", ErrMetadata, u.Redacted(), resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata+1))
	if err != nil {
		return IdPMetadata{}, fmt.Errorf("%w could not be read from %s: %v", ErrMetadata, u.Redacted(), err)
	}
	return ParseIdPMetadata(raw)
}
