package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// --- organizations -------------------------------------------------------

type organizationOut struct {
	AccountID        string    `json:"account_id"`
	CreateTime       time.Time `json:"create_time"`
	OrganizationID   string    `json:"organization_id"`
	OrganizationName string    `json:"organization_name"`
	Tier             string    `json:"tier"`
	UpdateTime       time.Time `json:"update_time"`
}

func toOrganization(o org.Organization) organizationOut {
	return organizationOut{AccountID: o.AccountID, CreateTime: o.CreateTime, OrganizationID: o.ID, OrganizationName: o.Name, Tier: o.Tier, UpdateTime: o.UpdateTime}
}

func (s *Server) createOrganization(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		OrganizationName string  `json:"organization_name"`
		Tier             string  `json:"tier"`
		PrimaryBilling   *string `json:"primary_billing_group_id"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	o, err := s.plane.CreateOrganization(r.Context(), a, in.OrganizationName, in.Tier)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toOrganization(o), nil
}

func (s *Server) listOrganizations(r *http.Request, a *control.Actor) (int, any, error) {
	os, err := s.plane.ListOrganizations(r.Context(), a)
	if err != nil {
		return 0, nil, err
	}
	out := make([]organizationOut, 0, len(os))
	for _, o := range os {
		out = append(out, toOrganization(o))
	}
	return http.StatusOK, map[string]any{"organizations": out}, nil
}

func (s *Server) getOrganization(r *http.Request, a *control.Actor) (int, any, error) {
	o, err := s.plane.GetOrganization(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toOrganization(o), nil
}

func (s *Server) updateOrganization(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Name *string `json:"name"`
		Tier string  `json:"tier"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	o, err := s.plane.UpdateOrganization(r.Context(), a, r.PathValue("org"), in.Name, in.Tier)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toOrganization(o), nil
}

func (s *Server) deleteOrganization(r *http.Request, a *control.Actor) (int, any, error) {
	recursive, err := boolQuery(r, "recursive")
	if err != nil {
		return 0, nil, err
	}
	if err := s.plane.DeleteOrganization(r.Context(), a, r.PathValue("org"), recursive); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// --- accounts (organizational units) -------------------------------------

type accountOut struct {
	AccountID             string         `json:"account_id"`
	AccountName           string         `json:"account_name"`
	AccountOwnerTeamID    string         `json:"account_owner_team_id"`
	CreateTime            time.Time      `json:"create_time"`
	Features              map[string]any `json:"features"`
	IsAccountOwner        bool           `json:"is_account_owner"`
	OrganizationID        string         `json:"organization_id"`
	ParentAccountID       *string        `json:"parent_account_id"`
	PrimaryBillingGroupID string         `json:"primary_billing_group_id"` // Gatehouse does no billing: always ""
	RootAccountID         string         `json:"root_account_id"`
	UpdateTime            time.Time      `json:"update_time"`
}

func (s *Server) toAccount(r *http.Request, a *control.Actor, u org.Unit) (accountOut, error) {
	root := u.ID
	if !u.IsRoot() {
		o, err := s.plane.GetOrganization(r.Context(), a, u.OrganizationID)
		if err != nil {
			return accountOut{}, err
		}
		root = o.AccountID
	}
	out := accountOut{AccountID: u.ID, AccountName: u.Name, CreateTime: u.CreateTime, Features: map[string]any{},
		OrganizationID: u.OrganizationID, RootAccountID: root, UpdateTime: u.UpdateTime}
	if !u.IsRoot() {
		parent := u.ParentID
		out.ParentAccountID = &parent
	}
	return out, nil
}

func (s *Server) account(r *http.Request, a *control.Actor, u org.Unit, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	out, err := s.toAccount(r, a, u)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"account": out}, nil
}

func (s *Server) createAccount(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		AccountName     string  `json:"account_name"`
		ParentAccountID *string `json:"parent_account_id"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	parent := ""
	if in.ParentAccountID != nil {
		parent = *in.ParentAccountID
	}
	if parent == "" {
		// Aiven's legacy clients create organizations this way.
		o, err := s.plane.CreateOrganization(r.Context(), a, in.AccountName, "")
		if err != nil {
			return 0, nil, err
		}
		u, err := s.plane.GetUnit(r.Context(), a, o.AccountID)
		return s.account(r, a, u, err)
	}
	u, err := s.plane.CreateUnit(r.Context(), a, in.AccountName, parent)
	return s.account(r, a, u, err)
}

func (s *Server) getAccount(r *http.Request, a *control.Actor) (int, any, error) {
	u, err := s.plane.GetUnit(r.Context(), a, r.PathValue("account"))
	return s.account(r, a, u, err)
}

func (s *Server) listAccounts(r *http.Request, a *control.Actor) (int, any, error) {
	us, err := s.plane.ListUnits(r.Context(), a)
	if err != nil {
		return 0, nil, err
	}
	roots := map[string]string{}
	for _, u := range us {
		if u.IsRoot() {
			roots[u.OrganizationID] = u.ID
		}
	}
	out := make([]accountOut, 0, len(us))
	for _, u := range us {
		x := accountOut{AccountID: u.ID, AccountName: u.Name, CreateTime: u.CreateTime, Features: map[string]any{},
			OrganizationID: u.OrganizationID, RootAccountID: roots[u.OrganizationID], UpdateTime: u.UpdateTime}
		if !u.IsRoot() {
			parent := u.ParentID
			x.ParentAccountID = &parent
		}
		out = append(out, x)
	}
	return http.StatusOK, map[string]any{"accounts": out}, nil
}

func (s *Server) updateAccount(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		AccountName *string `json:"account_name"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if in.AccountName == nil {
		u, err := s.plane.GetUnit(r.Context(), a, r.PathValue("account"))
		return s.account(r, a, u, err)
	}
	u, err := s.plane.RenameUnit(r.Context(), a, r.PathValue("account"), *in.AccountName)
	return s.account(r, a, u, err)
}

func (s *Server) moveAccount(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		ParentAccountID string `json:"parent_account_id"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := s.plane.MoveUnit(r.Context(), a, r.PathValue("account"), in.ParentAccountID)
	return s.account(r, a, u, err)
}

func (s *Server) deleteAccount(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteUnit(r.Context(), a, r.PathValue("account")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// --- events ----------------------------------------------------------------

type accountEventOut struct {
	AccountID         string    `json:"account_id"`
	ActionDescription string    `json:"action_description"`
	ActionType        string    `json:"action_type"`
	Actor             string    `json:"actor"`
	ActorUserID       string    `json:"actor_user_id"`
	CreateTime        time.Time `json:"create_time"`
	LogEntryID        int64     `json:"log_entry_id"`
	TeamID            string    `json:"team_id"`
	OrganizationID    string    `json:"organization_id"`
	ClientIP          string    `json:"client_ip,omitempty"`
}

type projectEventOut struct {
	Actor       string `json:"actor"`
	EventDesc   string `json:"event_desc"`
	EventType   string `json:"event_type"`
	ID          string `json:"id"`
	ServiceName string `json:"service_name"`
	Time        string `json:"time"`
}

func paging(r *http.Request) (limit int, before int64, err error) {
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			return 0, 0, badRequest("limit must be a non-negative integer")
		}
	}
	if v := q.Get("before_id"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return 0, 0, badRequest("before_id must be a non-negative integer")
		}
	}
	return limit, before, nil
}

func (s *Server) accountEvents(r *http.Request, a *control.Actor) (int, any, error) {
	limit, before, err := paging(r)
	if err != nil {
		return 0, nil, err
	}
	evs, err := s.plane.AccountEvents(r.Context(), a, r.PathValue("account"), limit, before)
	if err != nil {
		return 0, nil, err
	}
	out := make([]accountEventOut, 0, len(evs))
	for _, e := range evs {
		out = append(out, accountEventOut{AccountID: e.AccountID, ActionDescription: e.Description, ActionType: e.ActionType,
			Actor: actorName(e), ActorUserID: e.ActorUserID, CreateTime: e.CreateTime, LogEntryID: e.ID, OrganizationID: e.OrganizationID, ClientIP: e.ClientIP})
	}
	return http.StatusOK, map[string]any{"events": out}, nil
}

func (s *Server) projectEvents(r *http.Request, a *control.Actor) (int, any, error) {
	limit, before, err := paging(r)
	if err != nil {
		return 0, nil, err
	}
	evs, err := s.plane.ProjectEvents(r.Context(), a, r.PathValue("project"), limit, before)
	if err != nil {
		return 0, nil, err
	}
	out := make([]projectEventOut, 0, len(evs))
	for _, e := range evs {
		out = append(out, projectEventOut{Actor: actorName(e), EventDesc: e.Description, EventType: e.ActionType,
			ID: strconv.FormatInt(e.ID, 10), ServiceName: e.Service, Time: e.CreateTime.UTC().Format(time.RFC3339)})
	}
	return http.StatusOK, map[string]any{"events": out}, nil
}

func actorName(e audit.Event) string {
	if e.ActorEmail == "" {
		return "Gatehouse"
	}
	return e.ActorEmail
}

func boolQuery(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest(name + " must be true or false")
	}
	return b, nil
}
