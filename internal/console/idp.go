package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/sso"
)

// Admin → Identity providers: the organization's SAML and OpenID Connect
// authentication methods, through the use cases the API's
// /v1/account/{account}/authentication routes call. Form fields carry the
// API's JSON names, so a use case's message ("invalid oidc_issuer: ...")
// lands next to the field it names.

func init() {
	route("GET /orgs/{org}/identity-providers", inOrg, (*Console).identityProviders)
	route("GET /orgs/{org}/identity-providers/new", inOrg, (*Console).newIdentityProvider)
	route("POST /orgs/{org}/identity-providers", inOrg, (*Console).createIdentityProvider)
	route("GET /orgs/{org}/identity-providers/{method}", inOrg, (*Console).identityProvider)
	route("POST /orgs/{org}/identity-providers/{method}", inOrg, (*Console).updateIdentityProvider)
	route("POST /orgs/{org}/identity-providers/{method}/enabled", inOrg, (*Console).enableIdentityProvider)
	route("POST /orgs/{org}/identity-providers/{method}/scim-token", inOrg, (*Console).rotateSCIMToken)
	route("GET /orgs/{org}/identity-providers/{method}/delete", inOrg, (*Console).deleteIdentityProviderPage)
	route("POST /orgs/{org}/identity-providers/{method}/delete", inOrg, (*Console).deleteIdentityProvider)
	flashes["idp-created"] = "Identity provider added"
	flashes["idp-saved"] = "Identity provider saved"
	flashes["idp-enabled"] = "Identity provider enabled"
	flashes["idp-disabled"] = "Identity provider disabled"
	flashes["idp-deleted"] = "Identity provider deleted"
}

// idpTypes are the kinds of identity provider, as the API names them.
var idpTypes = []struct{ Value, Label string }{
	{identity.AuthMethodOIDC, "OpenID Connect"},
	{identity.AuthMethodSAML, "SAML 2.0"},
}

func idpTypeLabel(typ string) string {
	for _, t := range idpTypes {
		if t.Value == typ {
			return t.Label
		}
	}
	return typ
}

// idpMappings are the mapping fields of each type: the form field, its
// label, and where it goes in identity.FieldMapping.
type idpMapping struct {
	Name, Label, Hint string
	get               func(*identity.FieldMapping) *string
}

var (
	oidcMappings = []idpMapping{
		{"oidc_claim_email", "Email claim", "Default: email.", func(m *identity.FieldMapping) *string { return &m.Email }},
		{"oidc_claim_name", "Name claim", "Default: name.", func(m *identity.FieldMapping) *string { return &m.RealName }},
		{"oidc_claim_groups", "Groups claim", "Default: groups.", func(m *identity.FieldMapping) *string { return &m.Groups }},
		{"oidc_claim_identity", "Identity claim", "Default: sub.", func(m *identity.FieldMapping) *string { return &m.Identity }},
	}
	samlMappings = []idpMapping{
		{"saml_map_email", "Email attribute", "Default: email (or the standard claim URIs).", func(m *identity.FieldMapping) *string { return &m.Email }},
		{"saml_map_first_name", "First name attribute", "", func(m *identity.FieldMapping) *string { return &m.FirstName }},
		{"saml_map_last_name", "Last name attribute", "", func(m *identity.FieldMapping) *string { return &m.LastName }},
		{"saml_map_real_name", "Full name attribute", "", func(m *identity.FieldMapping) *string { return &m.RealName }},
		{"saml_map_groups", "Groups attribute", "Default: groups.", func(m *identity.FieldMapping) *string { return &m.Groups }},
		{"saml_map_identity", "Identity attribute", "Default: the NameID.", func(m *identity.FieldMapping) *string { return &m.Identity }},
	}
)

func mappingsOf(typ string) []idpMapping {
	if typ == identity.AuthMethodSAML {
		return samlMappings
	}
	return oidcMappings
}

// idpChecks are the on/off settings of each type.
var idpChecks = map[string][]struct{ Name, Label string }{
	identity.AuthMethodOIDC: {
		{"saml_join_groups", "Groups follow the provider: at every sign-in, memberships of the organization's groups follow the groups claim"},
	},
	identity.AuthMethodSAML: {
		{"saml_join_groups", "Groups follow the provider: at every sign-in, memberships of the organization's groups follow the groups attribute"},
		{"saml_assertion_signed_enabled", "Require signed assertions"},
		{"saml_authn_requests_signed_enabled", "Sign authentication requests"},
		{"saml_idp_login_allowed", "Allow sign-in started at the provider (IdP-initiated)"},
	},
}

// idpRow is one method in the list.
type idpRow struct {
	identity.AuthMethod
	TypeLabel string
}

type idpListData struct {
	Methods []idpRow
	List    *Can
	Create  *Can
	Update  *Can
}

func (c *Console) identityProviders(w http.ResponseWriter, r *Request) error {
	var q asker
	d := idpListData{List: q.ask(control.OpAccountAuthenticationMethodsList, orgResource(r.Org)),
		Create: q.ask(control.OpAccountAuthenticationMethodCreate, orgResource(r.Org)),
		Update: q.ask(control.OpAccountAuthenticationMethodUpdate, orgResource(r.Org))}
	if err := c.may(r, &q); err != nil {
		return err
	}
	if d.List.OK {
		ms, err := c.plane.ListAuthMethods(r.Context(), r.Actor, r.Org.AccountID)
		if err != nil {
			return err
		}
		slices.SortFunc(ms, func(a, b identity.AuthMethod) int {
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		})
		for _, m := range ms {
			d.Methods = append(d.Methods, idpRow{AuthMethod: m, TypeLabel: idpTypeLabel(m.Type)})
		}
	}
	return c.render(w, r, http.StatusOK, "idps", d)
}

// idpData is the create and edit page of one method.
type idpData struct {
	New       bool
	Method    identity.AuthMethod // the stored method (edit)
	Type      string
	TypeLabel string
	Types     []struct{ Value, Label string }
	Form      *Form
	Mappings  []idpMapping
	Checks    []struct{ Name, Label string }
	Domains   []org.Domain // verified domains to link
	Groups    []control.GroupWithCount
	Endpoints control.SSOEndpoints
	SCIMURL   string
	// SCIMToken is a token just generated: shown once, in the answer to
	// the POST that made it.
	SCIMToken string
	Save      *Can
	Delete    *Can
	Rotate    *Can
}

// Has reports whether value is one of field's submitted values (a
// ticked checkbox of a list).
func (f *Form) Has(field, value string) bool { return slices.Contains(f.Values[field], value) }

// idpForm is a form holding m's stored settings.
func idpForm(m identity.AuthMethod) *Form {
	f := blankForm()
	v := f.Values
	set := func(name string, on bool) {
		if on {
			v.Set(name, "1")
		}
	}
	v.Set("authentication_method_name", m.Name)
	v.Set("auto_join_user_group_id", m.AutoJoinGroupID)
	v["linked_domains"] = slices.Clone(m.LinkedDomainIDs)
	set("authentication_method_enabled", m.Enabled)
	set("scim_enabled", m.SCIMEnabled)
	set("saml_join_groups", m.SAMLJoinGroups)
	set("saml_assertion_signed_enabled", m.SAMLAssertionSigned)
	set("saml_authn_requests_signed_enabled", m.SAMLAuthnRequestsSigned)
	set("saml_idp_login_allowed", m.SAMLIdPLoginAllowed)
	v.Set("saml_entity_id", m.SAMLEntityID)
	v.Set("saml_idp_url", m.SAMLIdPURL)
	v.Set("saml_certificate", m.SAMLCertificate)
	v.Set("oidc_issuer", m.OIDCIssuer)
	v.Set("oidc_client_id", m.OIDCClientID)
	v.Set("oidc_scopes", strings.Join(m.OIDCScopes, " "))
	mp := m.Mapping
	for _, x := range mappingsOf(m.Type) {
		v.Set(x.Name, *x.get(&mp))
	}
	return f
}

// idpInput reads a submitted form of a method of type typ as the use
// case's input. Every field the form shows is sent, so what the page
// shows is what is stored; an empty client secret keeps the stored one.
func idpInput(f *Form, typ string, creating bool) control.AuthMethodInput {
	str := func(name string) *string { s := strings.TrimSpace(f.Get(name)); return &s }
	on := func(name string) *bool { b := f.Get(name) != ""; return &b }
	in := control.AuthMethodInput{Name: str("authentication_method_name"), AutoJoinGroupID: str("auto_join_user_group_id"),
		SCIMEnabled: on("scim_enabled"), SAMLJoinGroups: on("saml_join_groups")}
	if creating {
		in.Type = typ
		in.Enabled = on("authentication_method_enabled")
	}
	domains := slices.DeleteFunc(slices.Clone(f.Values["linked_domains"]), func(s string) bool { return s == "" })
	if domains == nil {
		domains = []string{}
	}
	in.LinkedDomainIDs = &domains
	var mp identity.FieldMapping
	for _, x := range mappingsOf(typ) {
		*x.get(&mp) = strings.TrimSpace(f.Get(x.Name))
	}
	in.Mapping = &mp
	switch typ {
	case identity.AuthMethodOIDC:
		in.OIDCIssuer, in.OIDCClientID = str("oidc_issuer"), str("oidc_client_id")
		if s := f.Get("oidc_client_secret"); s != "" || creating {
			in.OIDCClientSecret = &s
		}
		scopes := splitList(f.Get("oidc_scopes"))
		if scopes == nil {
			scopes = []string{}
		}
		in.OIDCScopes = &scopes
	case identity.AuthMethodSAML:
		in.SAMLEntityID, in.SAMLIdPURL, in.SAMLCertificate = str("saml_entity_id"), str("saml_idp_url"), str("saml_certificate")
		in.SAMLAssertionSigned = on("saml_assertion_signed_enabled")
		in.SAMLAuthnRequestsSigned = on("saml_authn_requests_signed_enabled")
		in.SAMLIdPLoginAllowed = on("saml_idp_login_allowed")
	}
	return in
}

// idpFields are the settings whose form field is named as the API's key,
// which the use case's messages name ("Oidc_issuer ... must be ...").
var idpFields = []string{
	"authentication_method_name", "oidc_issuer", "oidc_client_id", "oidc_client_secret", "oidc_scopes",
	"saml_entity_id", "saml_idp_url", "saml_certificate", "linked_domains", "auto_join_user_group_id",
}

// failIDPField puts err next to the field its message names, else above
// the form.
func failIDPField(c *Console, r *Request, f *Form, err error) {
	_, msg := c.describe(r, err)
	msg = strings.ToLower(msg) // the API's words begin with a capital
	for _, field := range idpFields {
		if strings.Contains(msg, field) {
			f.Fail(c, r, field, err)
			return
		}
	}
	f.Fail(c, r, "", err)
}

// idpPage renders the create (m.ID == "") or edit page.
func (c *Console) idpPage(w http.ResponseWriter, r *Request, m identity.AuthMethod, f *Form, scimToken string) error {
	return c.idpPageFlash(w, r, m, f, scimToken, "")
}

// idpPageFlash is idpPage with a confirmation line (shown only when the
// form holds no error).
func (c *Console) idpPageFlash(w http.ResponseWriter, r *Request, m identity.AuthMethod, f *Form, scimToken, flash string) error {
	ctx := r.Context()
	var q asker
	res := orgResource(r.Org)
	d := idpData{New: m.ID == "", Method: m, Type: m.Type, TypeLabel: idpTypeLabel(m.Type), Types: idpTypes, Form: f,
		Mappings: mappingsOf(m.Type), Checks: idpChecks[m.Type], SCIMToken: scimToken,
		Delete: q.ask(control.OpAccountAuthenticationMethodDelete, res),
		Rotate: q.ask(control.OpAccountAuthenticationMethodSCIMTokenRotate, res)}
	if d.New {
		d.Save = q.ask(control.OpAccountAuthenticationMethodCreate, res)
	} else {
		d.Save = q.ask(control.OpAccountAuthenticationMethodUpdate, res)
		d.Endpoints, d.SCIMURL = c.plane.SSOEndpoints(m), c.plane.SCIMURL(m)
	}
	domains := q.ask(control.OpOrganizationDomainsList, res)
	groups := q.ask(control.OpUserGroupsList, res)
	if err := c.may(r, &q); err != nil {
		return err
	}
	if domains.OK {
		ds, err := c.plane.ListDomains(ctx, r.Actor, r.Org.ID)
		if err != nil {
			return err
		}
		for _, dom := range ds {
			if dom.VerifyTime != nil {
				d.Domains = append(d.Domains, dom)
			}
		}
		slices.SortFunc(d.Domains, func(a, b org.Domain) int { return strings.Compare(a.Name, b.Name) })
	}
	if groups.OK {
		gs, err := c.plane.ListGroups(ctx, r.Actor, r.Org.ID)
		if err != nil {
			return err
		}
		slices.SortFunc(gs, func(a, b control.GroupWithCount) int {
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		})
		d.Groups = gs
	}
	switch {
	case !f.OK():
		flash = ""
	case scimToken != "":
		flash = "SCIM token generated: copy it now"
	}
	return c.renderFlash(w, r, f.Status(), "idp", d, flash)
}

func (c *Console) newIdentityProvider(w http.ResponseWriter, r *Request) error {
	typ := r.URL.Query().Get("type")
	if typ != identity.AuthMethodSAML {
		typ = identity.AuthMethodOIDC
	}
	f := blankForm()
	f.Values.Set("authentication_method_enabled", "1")
	f.Values.Set("oidc_scopes", "openid email profile")
	if typ == identity.AuthMethodSAML {
		f.Values.Set("saml_assertion_signed_enabled", "1")
	}
	return c.idpPage(w, r, identity.AuthMethod{Type: typ}, f, "")
}

// importMetadata fills a SAML form's entity ID, single sign-on URL and
// certificate from the identity provider's metadata (the URL typed, else
// the XML pasted), without saving: the person reviews and saves.
func importMetadata(r *Request, f *Form) {
	var (
		md  sso.IdPMetadata
		err error
	)
	field := "saml_metadata_url"
	if u := strings.TrimSpace(f.Get("saml_metadata_url")); u != "" {
		md, err = sso.FetchIdPMetadata(r.Context(), nil, u)
	} else {
		field = "saml_metadata_xml"
		md, err = sso.ParseIdPMetadata([]byte(f.Get("saml_metadata_xml")))
	}
	if err != nil {
		f.FailMsg(field, strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".")
		return
	}
	f.Values.Set("saml_entity_id", md.EntityID)
	f.Values.Set("saml_idp_url", md.SSOURL)
	f.Values.Set("saml_certificate", md.Certificate)
	f.Values.Del("saml_metadata_xml")
}

// importing reports whether a SAML form asks to be filled from metadata:
// the import button with a URL or XML given. The import button comes
// first in the form, so Enter in any field presses it; with no metadata
// given that is taken as saving.
func importing(f *Form, typ string) bool {
	return typ == identity.AuthMethodSAML && f.Get("import") != "" &&
		(strings.TrimSpace(f.Get("saml_metadata_url")) != "" || strings.TrimSpace(f.Get("saml_metadata_xml")) != "")
}

// metadataFilled is the confirmation of a form filled from metadata.
const metadataFilled = "Filled in from the identity provider's metadata: review and save"

func (c *Console) createIdentityProvider(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	typ := f.Get("authentication_method_type")
	if typ != identity.AuthMethodSAML && typ != identity.AuthMethodOIDC {
		f.FailMsg("", "Choose OpenID Connect or SAML 2.0.")
		return c.idpPage(w, r, identity.AuthMethod{Type: identity.AuthMethodOIDC}, f, "")
	}
	if importing(f, typ) {
		// Fetching metadata is a request from the server: only for those
		// who may add a provider.
		var q asker
		can := q.ask(control.OpAccountAuthenticationMethodCreate, orgResource(r.Org))
		if err := c.may(r, &q); err != nil {
			return err
		}
		if !can.OK {
			f.FailMsg("", "Not allowed: "+can.Reason)
			f.status = http.StatusForbidden
			return c.idpPage(w, r, identity.AuthMethod{Type: typ}, f, "")
		}
		importMetadata(r, f)
		return c.idpPageFlash(w, r, identity.AuthMethod{Type: typ}, f, "", metadataFilled)
	}
	m, err := c.plane.CreateAuthMethod(r.Context(), r.Actor, r.Org.AccountID, idpInput(f, typ, true))
	if err != nil {
		f.Values.Del("oidc_client_secret")
		failIDPField(c, r, f, err)
		return c.idpPage(w, r, identity.AuthMethod{Type: typ}, f, "")
	}
	if m.SCIMToken != "" {
		// Created with SCIM on: the token is shown now or never.
		return c.idpPage(w, r, m, idpForm(m), m.SCIMToken)
	}
	return redirect(w, r, withFlash(idpPath(r, m.ID), "idp-created"))
}

func idpPath(r *Request, id string) string { return "/orgs/" + r.Org.ID + "/identity-providers/" + id }

func (c *Console) identityProvider(w http.ResponseWriter, r *Request) error {
	m, err := c.plane.GetAuthMethod(r.Context(), r.Actor, r.Org.AccountID, r.PathValue("method"))
	if err != nil {
		return err
	}
	return c.idpPage(w, r, m, idpForm(m), "")
}

func (c *Console) updateIdentityProvider(w http.ResponseWriter, r *Request) error {
	ctx := r.Context()
	m, err := c.plane.GetAuthMethod(ctx, r.Actor, r.Org.AccountID, r.PathValue("method"))
	if err != nil {
		return err
	}
	f := newForm(r)
	if importing(f, m.Type) {
		importMetadata(r, f)
		return c.idpPageFlash(w, r, m, f, "", metadataFilled)
	}
	updated, err := c.plane.UpdateAuthMethod(ctx, r.Actor, r.Org.AccountID, m.ID, idpInput(f, m.Type, false))
	if err != nil {
		f.Values.Del("oidc_client_secret")
		failIDPField(c, r, f, err)
		return c.idpPage(w, r, m, f, "")
	}
	if updated.SCIMToken != "" {
		return c.idpPage(w, r, updated, idpForm(updated), updated.SCIMToken)
	}
	return redirect(w, r, withFlash(idpPath(r, m.ID), "idp-saved"))
}

// enableIdentityProvider turns a method on or off (enabled=1 or 0).
func (c *Console) enableIdentityProvider(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	on := f.Get("enabled") == "1"
	m, err := c.plane.UpdateAuthMethod(r.Context(), r.Actor, r.Org.AccountID, r.PathValue("method"), control.AuthMethodInput{Enabled: &on})
	if err != nil {
		return err
	}
	code := "idp-disabled"
	if m.Enabled {
		code = "idp-enabled"
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/identity-providers", code))
}

func (c *Console) rotateSCIMToken(w http.ResponseWriter, r *Request) error {
	m, err := c.plane.RotateSCIMToken(r.Context(), r.Actor, r.Org.AccountID, r.PathValue("method"))
	if err != nil {
		return err
	}
	return c.idpPage(w, r, m, idpForm(m), m.SCIMToken)
}

func (c *Console) deleteIdentityProviderPage(w http.ResponseWriter, r *Request) error {
	m, err := c.plane.GetAuthMethod(r.Context(), r.Actor, r.Org.AccountID, r.PathValue("method"))
	if err != nil {
		return err
	}
	return c.confirm(w, r, confirmation{Title: "Delete identity provider", Button: "Delete " + m.Name,
		Message: "Delete the identity provider " + m.Name + " (" + idpTypeLabel(m.Type) + ")? Nobody can sign in through it any more; people keep their accounts and can sign in otherwise where the policy allows.",
		Action:  idpPath(r, m.ID) + "/delete", Back: idpPath(r, m.ID)})
}

func (c *Console) deleteIdentityProvider(w http.ResponseWriter, r *Request) error {
	if err := c.plane.DeleteAuthMethod(r.Context(), r.Actor, r.Org.AccountID, r.PathValue("method")); err != nil {
		return err
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/identity-providers", "idp-deleted"))
}
