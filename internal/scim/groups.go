package scim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

type memberDoc struct {
	Value string `json:"value"`
}

type groupIn struct {
	DisplayName *string      `json:"displayName"`
	ExternalID  *string      `json:"externalId"`
	Members     *[]memberDoc `json:"members"`
}

func memberIDs(ms []memberDoc) []string {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.Value)
	}
	return ids
}

type groupOut struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	ExternalID  string      `json:"externalId,omitempty"`
	DisplayName string      `json:"displayName"`
	Members     []memberOut `json:"members,omitempty"`
	Meta        metaDoc     `json:"meta"`
}

type memberOut struct {
	Value   string `json:"value"`
	Display string `json:"display"`
	Ref     string `json:"$ref"`
	Type    string `json:"type"`
}

// withMembers reports whether the answer lists members: Okta and Entra ID
// ask to leave them out (excludedAttributes=members) when they only look
// a group up.
func withMembers(r *http.Request) bool {
	for a := range strings.SplitSeq(r.URL.Query().Get("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(a), "members") {
			return false
		}
	}
	return true
}

func (h *Handler) groupDoc(r *http.Request, g control.SCIMGroup) groupOut {
	out := groupOut{Schemas: []string{schemaGroup}, ID: g.GroupID, ExternalID: g.ExternalID, DisplayName: g.Group.Name,
		Meta: meta("Group", h.location(r, "Groups", g.GroupID), g.CreateTime, g.UpdateTime)}
	if withMembers(r) {
		for _, u := range g.Members {
			out.Members = append(out.Members, memberOut{Value: u.ID, Display: u.Email, Ref: h.location(r, "Users", u.ID), Type: "User"})
		}
	}
	return out
}

func (h *Handler) answerGroup(w http.ResponseWriter, r *http.Request, status int, g control.SCIMGroup, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", h.location(r, "Groups", g.GroupID))
	}
	writeResource(w, status, control.SCIMVersion(g.UpdateTime), h.groupDoc(r, g))
}

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	q, err := parseList(r, schemaGroup, "displayName", "externalId")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	gs, total, err := h.plane.SCIMListGroups(r.Context(), c, q.filter, q.page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var docs []any
	for _, g := range gs {
		docs = append(docs, h.groupDoc(r, g))
	}
	writeJSON(w, http.StatusOK, q.list(total, docs))
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	g, err := h.plane.SCIMGetGroup(r.Context(), c, r.PathValue("id"))
	h.answerGroup(w, r, http.StatusOK, g, err)
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	var in groupIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	gi := control.SCIMGroupInput{DisplayName: in.DisplayName, ExternalID: in.ExternalID}
	if in.Members != nil {
		ids := memberIDs(*in.Members)
		gi.Members = &ids
	}
	g, err := h.plane.SCIMCreateGroup(r.Context(), c, gi)
	h.answerGroup(w, r, http.StatusCreated, g, err)
}

func (h *Handler) replaceGroup(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	var in groupIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.DisplayName == nil {
		h.fail(w, r, &errValue{"displayName is required"})
		return
	}
	ids := []string{}
	if in.Members != nil {
		ids = memberIDs(*in.Members)
	}
	ext := ""
	if in.ExternalID != nil {
		ext = *in.ExternalID
	}
	g, err := h.plane.SCIMUpdateGroup(r.Context(), c, r.PathValue("id"),
		control.SCIMGroupInput{DisplayName: in.DisplayName, ExternalID: &ext, Members: &ids}, r.Header.Get("If-Match"))
	h.answerGroup(w, r, http.StatusOK, g, err)
}

func (h *Handler) patchGroup(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	ops, err := decodePatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := groupPatch(ops)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	g, err := h.plane.SCIMUpdateGroup(r.Context(), c, r.PathValue("id"), in, r.Header.Get("If-Match"))
	h.answerGroup(w, r, http.StatusOK, g, err)
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, c *control.SCIMClient) {
	if err := h.plane.SCIMDeleteGroup(r.Context(), c, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// memberEdit accumulates member operations in order: a replacement sets
// the whole list, later additions and removals change it.
type memberEdit struct {
	set         *[]string
	add, remove []string
}

func (e *memberEdit) replace(ids []string) {
	ids = slices.Clone(ids)
	e.set, e.add, e.remove = &ids, nil, nil
}

func (e *memberEdit) addIDs(ids []string) {
	for _, id := range ids {
		if e.set != nil {
			if !slices.Contains(*e.set, id) {
				*e.set = append(*e.set, id)
			}
			continue
		}
		e.remove = slices.DeleteFunc(e.remove, func(x string) bool { return x == id })
		if !slices.Contains(e.add, id) {
			e.add = append(e.add, id)
		}
	}
}

func (e *memberEdit) removeIDs(ids []string) {
	for _, id := range ids {
		if e.set != nil {
			*e.set = slices.DeleteFunc(*e.set, func(x string) bool { return x == id })
			continue
		}
		e.add = slices.DeleteFunc(e.add, func(x string) bool { return x == id })
		if !slices.Contains(e.remove, id) {
			e.remove = append(e.remove, id)
		}
	}
}

func decodeMembers(raw json.RawMessage) ([]string, error) {
	var ms []memberDoc
	if err := json.Unmarshal(raw, &ms); err != nil {
		var one memberDoc
		if json.Unmarshal(raw, &one) != nil || one.Value == "" {
			return nil, &errValue{"members must be an array of {\"value\": user ID}"}
		}
		ms = []memberDoc{one}
	}
	return memberIDs(ms), nil
}

// groupPatch turns PATCH operations on a group into the use case's input.
func groupPatch(ops []patchOp) (control.SCIMGroupInput, error) {
	var (
		in control.SCIMGroupInput
		me memberEdit
	)
	apply := func(op string, p patchPath, raw json.RawMessage) error {
		if p.schema != "" && !strings.EqualFold(p.schema, schemaGroup) {
			return nil
		}
		switch p.attr {
		case "displayname":
			if op == "remove" {
				return &errValue{"displayName is required and cannot be removed"}
			}
			v, err := jsonString("displayName", raw)
			in.DisplayName = v
			return err
		case "externalid":
			if op == "remove" {
				empty := ""
				in.ExternalID = &empty
				return nil
			}
			v, err := jsonString("externalId", raw)
			in.ExternalID = v
			return err
		case "members":
			if p.filterAttr != "" {
				// members[value eq "id"]: only removal names its target so.
				if p.filterAttr != "value" || op != "remove" || p.sub != "" {
					return &errPath{"members[value eq \"...\"] is supported with remove only"}
				}
				me.removeIDs([]string{p.filterValue})
				return nil
			}
			if op == "remove" && len(raw) == 0 {
				me.replace(nil)
				return nil
			}
			ids, err := decodeMembers(raw)
			if err != nil {
				return err
			}
			switch op {
			case "add":
				me.addIDs(ids)
			case "remove":
				me.removeIDs(ids)
			default:
				me.replace(ids)
			}
		case "id", "meta", "schemas":
		default:
			return &errPath{"Group attribute " + p.attr + " is not supported: only displayName, externalId and members"}
		}
		return nil
	}
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
				if err := apply(op.Op, p, v); err != nil {
					return in, err
				}
			}
			continue
		}
		p, err := parsePath(op.Path)
		if err != nil {
			return in, err
		}
		if err := apply(op.Op, p, op.Value); err != nil {
			return in, err
		}
	}
	in.Members, in.Add, in.Remove = me.set, me.add, me.remove
	return in, nil
}
