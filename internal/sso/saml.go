package sso

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

func init() {
	// Clocks of the identity provider and Gatehouse may differ by at most
	// this much (crewjam's default is three minutes).
	saml.MaxClockSkew = 2 * time.Minute
}

// maxSAMLResponse bounds a posted SAML response (base64 of the XML).
const maxSAMLResponse = 512 << 10

var signatureMethods = map[string]string{
	"rsa-sha1":   dsig.RSASHA1SignatureMethod,
	"rsa-sha256": dsig.RSASHA256SignatureMethod,
	"rsa-sha384": dsig.RSASHA384SignatureMethod,
	"rsa-sha512": dsig.RSASHA512SignatureMethod,
}

// replayCache remembers used assertion IDs in the store until they
// expire, for every server of the deployment.
type replayCache struct {
	ctx    context.Context
	plane  *control.Plane
	method string
}

func (c replayCache) Consume(id string, until time.Time) error {
	if err := c.plane.ConsumeAssertion(c.ctx, c.method, id, until); err != nil {
		if errors.Is(err, control.ErrForbidden) {
			return saml.ErrAssertionReplayed
		}
		return err
	}
	return nil
}

// serviceProvider builds crewjam's service provider for m: our key and
// endpoints, and the identity provider as the method describes it.
func (h *Handler) serviceProvider(ctx context.Context, m identity.AuthMethod, withIdP bool) (*saml.ServiceProvider, error) {
	keyPEM, err := h.plane.SSOServiceKey(m)
	if err != nil {
		return nil, err
	}
	kb, _ := pem.Decode([]byte(keyPEM))
	cb, _ := pem.Decode([]byte(m.SPCertificate))
	if kb == nil || cb == nil {
		return nil, errors.New("service provider key or certificate unreadable")
	}
	key, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	e := h.plane.SSOEndpoints(m)
	acs, _ := url.Parse(e.ACS)
	meta, _ := url.Parse(e.Metadata)
	sp := &saml.ServiceProvider{
		EntityID: e.Metadata, Key: crypto.Signer(key), Certificate: cert, AcsURL: *acs, MetadataURL: *meta,
		AllowIDPInitiated:                m.SAMLIdPLoginAllowed,
		ReplayCache:                      replayCache{ctx: ctx, plane: h.plane, method: m.ID},
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		DefaultRedirectURI:               "/",
	}
	if !withIdP {
		return sp, nil
	}
	idpCert, err := control.ParseCertificate(m.SAMLCertificate)
	if err != nil {
		return nil, err
	}
	sp.IDPMetadata = &saml.EntityDescriptor{EntityID: m.SAMLEntityID, IDPSSODescriptors: []saml.IDPSSODescriptor{{
		SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{
			ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
			KeyDescriptors: []saml.KeyDescriptor{{Use: "signing", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{
				X509Certificates: []saml.X509Certificate{{Data: base64.StdEncoding.EncodeToString(idpCert.Raw)}}}}}},
		}},
		SingleSignOnServices: []saml.Endpoint{{Binding: saml.HTTPRedirectBinding, Location: m.SAMLIdPURL}},
	}}}
	if m.SAMLAuthnRequestsSigned {
		sp.SignatureMethod = signatureMethods[m.SAMLSignatureAlgorithm]
		if sp.SignatureMethod == "" {
			sp.SignatureMethod = dsig.RSASHA256SignatureMethod
		}
	}
	if !m.SAMLRequestedAuthnContextEnabled {
		sp.RequestedAuthnContext = nil
	}
	return sp, nil
}

func (h *Handler) samlLogin(w http.ResponseWriter, r *http.Request) {
	m, ok := h.method(w, r, identity.AuthMethodSAML)
	if !ok {
		return
	}
	f, err := startFlow(r, m.ID)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	sp, err := h.serviceProvider(r.Context(), m, true)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	req, err := sp.MakeAuthenticationRequest(m.SAMLIdPURL, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	// The request ID is the ticket: the response must answer it
	// (InResponseTo), once.
	if err := h.plane.PutSSOTicket(r.Context(), control.TicketSAMLRequest, req.ID, f, control.SSORequestTTL); err != nil {
		h.failErr(w, r, err)
		return
	}
	u, err := req.Redirect("", sp)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (h *Handler) samlACS(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSAMLResponse+4096)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "The SAML response could not be read")
		return
	}
	m, ok := h.method(w, r, identity.AuthMethodSAML)
	if !ok {
		return
	}
	raw, err := base64.StdEncoding.DecodeString(r.PostForm.Get("SAMLResponse"))
	if err != nil || len(raw) == 0 {
		h.fail(w, r, http.StatusBadRequest, "The SAML response is missing or not base64")
		return
	}
	f := flow{MethodID: m.ID}
	var possible []string
	// The response names the request it answers; that request must be a
	// pending one of this method, taken once. Without one it is an
	// IdP-initiated sign-in, which crewjam refuses unless the method
	// allows it.
	if irt := inResponseTo(raw); irt != "" {
		if err := h.plane.TakeSSOTicket(r.Context(), control.TicketSAMLRequest, irt, &f); err != nil || f.MethodID != m.ID {
			h.refuse(w, r, "The SAML response answers no pending sign-in (unknown, expired or already used request)", err)
			return
		}
		possible = []string{irt}
	}
	sp, err := h.serviceProvider(r.Context(), m, true)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	// Signature, issuer, destination, recipient, audience, NotBefore and
	// NotOnOrAfter (with bounded skew), InResponseTo, and the replay cache.
	a, err := sp.ParseResponse(r, possible)
	if err != nil {
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) {
			err = ire.PrivateErr
		}
		h.refuse(w, r, "The SAML response is not valid", err)
		return
	}
	if m.SAMLAssertionSigned && a.Signature == nil {
		h.refuse(w, r, "The SAML assertion is not signed, and this identity provider's assertions must be", nil)
		return
	}
	h.finish(w, r, f, samlProfile(m, a))
}

// inResponseTo reads the Response's InResponseTo before verification,
// only to find the pending request; everything is verified afterwards.
func inResponseTo(raw []byte) string {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return ""
	}
	return doc.Root().SelectAttrValue("InResponseTo", "")
}

// Attribute names identity providers commonly use, tried when the
// method maps none.
var (
	emailAttrs = []string{"email", "mail", "emailaddress", "Email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "urn:oid:0.9.2342.19200300.100.1.3"}
	nameAttrs  = []string{"name", "displayName", "http://schemas.microsoft.com/identity/claims/displayname", "urn:oid:2.16.840.1.113730.3.1.241"}
	firstAttrs = []string{"first_name", "firstName", "givenName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42"}
	lastAttrs  = []string{"last_name", "lastName", "sn", "surname", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4"}
	groupAttrs = []string{"groups", "memberOf", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "eduPersonAffiliation"}
)

// samlProfile reads the person from the assertion through the method's
// field mapping: the subject is the mapped identity attribute or the
// NameID.
func samlProfile(m identity.AuthMethod, a *saml.Assertion) control.SSOProfile {
	attrs := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				attrs[at.Name] = append(attrs[at.Name], v.Value)
				if at.FriendlyName != "" {
					attrs[at.FriendlyName] = append(attrs[at.FriendlyName], v.Value)
				}
			}
		}
	}
	pick := func(mapped string, defaults []string) ([]string, bool) {
		names := defaults
		if mapped != "" {
			names = []string{mapped}
		}
		for _, n := range names {
			if v, ok := attrs[n]; ok {
				return v, true
			}
		}
		return nil, false
	}
	one := func(mapped string, defaults []string) string {
		v, _ := pick(mapped, defaults)
		if len(v) == 0 {
			return ""
		}
		return strings.TrimSpace(v[0])
	}
	prof := control.SSOProfile{MethodID: m.ID, EmailVerified: true}
	if a.Subject != nil && a.Subject.NameID != nil {
		prof.Subject = a.Subject.NameID.Value
	}
	if m.Mapping.Identity != "" {
		prof.Subject = one(m.Mapping.Identity, nil)
	}
	prof.Email = one(m.Mapping.Email, emailAttrs)
	if prof.Email == "" && strings.Contains(prof.Subject, "@") {
		prof.Email = prof.Subject
	}
	prof.RealName = one(m.Mapping.RealName, nameAttrs)
	if prof.RealName == "" {
		prof.RealName = strings.TrimSpace(one(m.Mapping.FirstName, firstAttrs) + " " + one(m.Mapping.LastName, lastAttrs))
	}
	prof.Groups, prof.GroupsGiven = pick(m.Mapping.Groups, groupAttrs)
	return prof
}

func (h *Handler) samlMetadata(w http.ResponseWriter, r *http.Request) {
	m, err := h.plane.SSOMethodMetadata(r.Context(), r.PathValue("account"), r.PathValue("method"))
	if err == nil && m.Type != identity.AuthMethodSAML {
		err = control.ErrNotFound
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	sp, err := h.serviceProvider(r.Context(), m, false)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	md := sp.Metadata()
	for i := range md.SPSSODescriptors {
		md.SPSSODescriptors[i].WantAssertionsSigned = &m.SAMLAssertionSigned
	}
	b, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
