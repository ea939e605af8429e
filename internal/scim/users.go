package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

type nameDoc struct {
	GivenName  *string `json:"givenName"`
	FamilyName *string `json:"familyName"`
	Formatted  *string `json:"formatted"`
}

type emailDoc struct {
	Value   string   `json:"value"`
	Type    string   `json:"type"`
	Primary flexBool `json:"primary"`
}

// userIn is a User resource as a provider sends it (POST, PUT); other
// attributes (title, phone numbers, the enterprise extension) are
// accepted and not kept.
type userIn struct {
	UserName    *string    `json:"userName"`
	ExternalID  *string    `json:"externalId"`
	Name        *nameDoc   `json:"name"`
	DisplayName *string    `json:"displayName"`
	Emails      []emailDoc `json:"emails"`
	Active      *flexBool  `json:"active"`
}

// primaryEmail picks the primary email, else the work one, else the first.
func primaryEmail(es []emailDoc) *string {
	for _, pick := range []func(emailDoc) bool{
		func(e emailDoc) bool { return bool(e.Primary) },
		func(e emailDoc) bool { return strings.EqualFold(e.Type, "work") },
		func(emailDoc) bool { return true },
	} {
		for _, e := range es {
			if pick(e) && e.Value != "" {
				v := e.Value
				return &v
			}
		}
	}
	return nil
}

// input turns a whole resource into the use case's input; full (PUT)
// clears what the resource leaves out.
func (u userIn) input(full bool) control.SCIMUserInput {
	in := control.SCIMUserInput{UserName: u.UserName, ExternalID: u.ExternalID, DisplayName: u.DisplayName, Email: primaryEmail(u.Emails)}
	if u.Name != nil {
		in.GivenName, in.FamilyName = u.Name.GivenName, u.Name.FamilyName
		if in.DisplayName == nil {
			in.DisplayName = u.Name.Formatted
		}
	}
	if u.Active != nil {
		b := bool(*u.Active)
		in.Active = &b
	}
	if full {
		empty := func(p **string) {
			if *p == nil {
				s := ""
				*p = &s
			}
		}
		empty(&in.ExternalID)
		empty(&in.GivenName)
		empty(&in.FamilyName)
	}
	return in
}

type userOut struct {
	Schemas     []string   `json:"schemas"`
	ID          string     `json:"id"`
	ExternalID  string     `json:"externalId,omitempty"`
	UserName    string     `json:"userName"`
	Name        nameOut    `json:"name"`
	DisplayName string     `json:"displayName"`
	Emails      []emailOut `json:"emails"`
	Active      bool       `json:"active"`
	Meta        metaDoc    `json:"meta"`
}

type nameOut struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

type emailOut struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

func (h *Handler) userDoc(r *http.Request, c *control.SCIMClient, u control.SCIMUser) userOut {
	active := u.Active
	if u.User.ManagingOrgID == c.OrganizationID && u.User.State == identity.StateDeactivated {
		active = false
	}
	return userOut{
		Schemas: []string{schemaUser}, ID: u.UserID, ExternalID: u.ExternalID, UserName: u.UserName,
		Name:        nameOut{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: u.User.RealName},
		DisplayName: u.User.RealName, Emails: []emailOut{{Value: u.User.Email, Type: "work", Primary: true}}, Active: active,
		Meta: meta("User", h.location(r, "Users", u.UserID), u.CreateTime, u.UpdateTime),
	}
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	q, err := parseList(r, schemaUser, "userName", "externalId")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	us, total, err := h.plane.SCIMListUsers(r.Context(), c, q.filter, q.page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var docs []any
	for _, u := range us {
		docs = append(docs, h.userDoc(r, c, u))
	}
	writeJSON(w, http.StatusOK, q.list(total, docs))
}

func (h *Handler) answerUser(w http.ResponseWriter, r *http.Request, c *control.SCIMClient, status int, u control.SCIMUser, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", h.location(r, "Users", u.UserID))
	}
	writeResource(w, status, control.SCIMVersion(u.UpdateTime), h.userDoc(r, c, u))
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	u, err := h.plane.SCIMGetUser(r.Context(), c, r.PathValue("id"))
	h.answerUser(w, r, c, http.StatusOK, u, err)
}

// decodeUser reads a whole User resource (POST and PUT), which must name
// its userName.
func decodeUser(r *http.Request) (userIn, error) {
	var in userIn
	if err := decode(r, &in); err != nil {
		return in, err
	}
	if in.UserName == nil {
		return in, &errValue{"userName is required"}
	}
	return in, nil
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	in, err := decodeUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.plane.SCIMCreateUser(r.Context(), c, in.input(false))
	h.answerUser(w, r, c, http.StatusCreated, u, err)
}

func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	in, err := decodeUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.plane.SCIMUpdateUser(r.Context(), c, r.PathValue("id"), in.input(true), r.Header.Get("If-Match"))
	h.answerUser(w, r, c, http.StatusOK, u, err)
}

func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	ops, err := decodePatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := userPatch(ops)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.plane.SCIMUpdateUser(r.Context(), c, r.PathValue("id"), in, r.Header.Get("If-Match"))
	h.answerUser(w, r, c, http.StatusOK, u, err)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	if err := h.plane.SCIMDeleteUser(r.Context(), c, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// patchOp is one operation of a PatchOp message.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

const maxPatchOps = 1000

func decodePatch(r *http.Request) ([]patchOp, error) {
	var doc struct {
		Operations []patchOp `json:"Operations"`
	}
	if err := decode(r, &doc); err != nil {
		return nil, err
	}
	if len(doc.Operations) == 0 {
		return nil, &errValue{"Operations must hold at least one operation"}
	}
	if len(doc.Operations) > maxPatchOps {
		return nil, &errValue{fmt.Sprintf("At most %d operations per request", maxPatchOps)}
	}
	for i := range doc.Operations {
		op := strings.ToLower(doc.Operations[i].Op)
		switch op {
		case "add", "replace", "remove":
		default:
			return nil, &errValue{fmt.Sprintf("Operation %d: op %q must be add, replace or remove", i+1, doc.Operations[i].Op)}
		}
		doc.Operations[i].Op = op
		if op != "remove" && len(doc.Operations[i].Value) == 0 {
			return nil, &errValue{fmt.Sprintf("Operation %d (%s) has no value", i+1, op)}
		}
	}
	return doc.Operations, nil
}

func jsonString(field string, raw json.RawMessage) (*string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &errValue{fmt.Sprintf("%s must be a string", field)}
	}
	return &s, nil
}

// userPatch turns PATCH operations into the use case's input, applying
// them in order.
func userPatch(ops []patchOp) (control.SCIMUserInput, error) {
	var in control.SCIMUserInput
	for _, op := range ops {
		if op.Path == "" {
			if op.Op == "remove" {
				return in, &errPath{"A remove operation needs a path"}
			}
			var attrs map[string]json.RawMessage
			if err := json.Unmarshal(op.Value, &attrs); err != nil {
				return in, &errValue{"The value of an operation without a path must be an object of attributes"}
			}
			for k, v := range attrs {
				p, err := parsePath(k)
				if err != nil {
					return in, err
				}
				if err := applyUserAttr(&in, op.Op, p, v); err != nil {
					return in, err
				}
			}
			continue
		}
		p, err := parsePath(op.Path)
		if err != nil {
			return in, err
		}
		if err := applyUserAttr(&in, op.Op, p, op.Value); err != nil {
			return in, err
		}
	}
	return in, nil
}

// applyUserAttr applies one attribute's operation. Attributes Gatehouse
// does not keep (title, phone numbers, addresses, the enterprise
// extension...) are accepted and ignored, so a provider's full mapping
// works unchanged.
func applyUserAttr(in *control.SCIMUserInput, op string, p patchPath, raw json.RawMessage) error {
	if p.schema != "" && !strings.EqualFold(p.schema, schemaUser) {
		return nil
	}
	empty := ""
	str := func(field string, dst **string) error {
		if op == "remove" {
			*dst = &empty
			return nil
		}
		v, err := jsonString(field, raw)
		*dst = v
		return err
	}
	switch p.attr {
	case "active":
		if op == "remove" {
			return nil
		}
		b, err := parseBool(raw)
		if err != nil {
			return &errValue{"active must be a boolean"}
		}
		in.Active = &b
	case "username":
		if op == "remove" {
			return &errValue{"userName is required and cannot be removed"}
		}
		return str("userName", &in.UserName)
	case "externalid":
		return str("externalId", &in.ExternalID)
	case "displayname":
		return str("displayName", &in.DisplayName)
	case "name":
		switch p.sub {
		case "givenname":
			return str("name.givenName", &in.GivenName)
		case "familyname":
			return str("name.familyName", &in.FamilyName)
		case "formatted":
			return str("name.formatted", &in.DisplayName)
		case "":
			if op == "remove" {
				in.GivenName, in.FamilyName = &empty, &empty
				return nil
			}
			var n nameDoc
			if err := json.Unmarshal(raw, &n); err != nil {
				return &errValue{"name must be an object"}
			}
			if n.GivenName != nil {
				in.GivenName = n.GivenName
			}
			if n.FamilyName != nil {
				in.FamilyName = n.FamilyName
			}
			if n.Formatted != nil {
				in.DisplayName = n.Formatted
			}
		}
	case "emails":
		if op == "remove" {
			return nil
		}
		if p.filterAttr != "" || p.sub != "" {
			// emails[type eq "work"].value or emails[primary eq true].value
			if p.sub != "value" || !(p.filterAttr == "type" && strings.EqualFold(p.filterValue, "work") || p.filterAttr == "primary" && p.filterValue == "true") {
				return nil
			}
			return str("emails.value", &in.Email)
		}
		var es []emailDoc
		if err := json.Unmarshal(raw, &es); err != nil {
			return &errValue{"emails must be an array of emails"}
		}
		if e := primaryEmail(es); e != nil {
			in.Email = e
		}
	}
	return nil
}
