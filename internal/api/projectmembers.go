package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

func init() { routeSets = append(routeSets, (*Server).projectMemberRoutes) }

// projectMemberRoutes are Aiven's legacy project membership endpoints and
// the group-to-project binding its Terraform provider uses.
func (s *Server) projectMemberRoutes() {
	s.handle("POST /v1/project/{project}/invite", control.OpProjectInvite, s.projectInvite)
	s.handle("POST /v1/project/{project}/invite/{invite_verification_code}", control.OpProjectInviteAccept, s.projectInviteAccept)
	s.handle("DELETE /v1/project/{project}/invite/{invited_email}", control.OpProjectInviteDelete, s.projectInviteDelete)
	s.handle("GET /v1/project/{project}/users", control.OpProjectUserList, s.projectUserList)
	s.handle("PUT /v1/project/{project}/user/{user_email}", control.OpProjectUserUpdate, s.projectUserUpdate)
	s.handle("DELETE /v1/project/{project}/user/{user_email}", control.OpProjectUserRemove, s.projectUserRemove)
	s.handle("GET /v1/project/{project}/access", control.OpProjectAccessList, s.projectAccessList)
	s.handle("PUT /v1/project/{project}/access/groups/{user_group_id}", control.OpProjectGroupAccessSet, s.projectGroupAccessSet)
	s.handle("DELETE /v1/project/{project}/access/groups/{user_group_id}", control.OpProjectGroupAccessDelete, s.projectGroupAccessDelete)
}

type projectInviteIn struct {
	UserEmail  string `json:"user_email"`
	MemberType string `json:"member_type"`
}

// projectInviteOut is Aiven's message, plus, when the invitation could not
// be mailed, what the inviter must pass on (shown this once: only the
// code's hash is kept).
type projectInviteOut struct {
	Message    string    `json:"message"`
	MemberType string    `json:"member_type"`
	ExpiryTime time.Time `json:"expiry_time"`
	Mailed     bool      `json:"mailed"`
	InviteCode string    `json:"invite_code,omitempty"`
	AcceptURL  string    `json:"accept_url,omitempty"`
}

func (s *Server) projectInvite(r *http.Request, a *control.Actor) (int, any, error) {
	var in projectInviteIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if in.UserEmail == "" {
		return 0, nil, badRequest("user_email is required")
	}
	res, err := s.plane.InviteProjectMember(r.Context(), a, r.PathValue("project"), in.UserEmail, in.MemberType)
	if err != nil {
		return 0, nil, err
	}
	msg := fmt.Sprintf("Invitation sent to %s", res.Email)
	if !res.Mailed {
		msg = fmt.Sprintf("Invitation of %s created but not mailed: pass the accept_url on to the invitee", res.Email)
	}
	return http.StatusOK, projectInviteOut{Message: msg, MemberType: res.MemberType, ExpiryTime: res.ExpiryTime,
		Mailed: res.Mailed, InviteCode: res.Code, AcceptURL: res.AcceptURL}, nil
}

func (s *Server) projectInviteAccept(r *http.Request, a *control.Actor) (int, any, error) {
	email, err := s.plane.AcceptProjectInvitation(r.Context(), a, r.PathValue("project"), r.PathValue("invite_verification_code"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"invite_details": map[string]string{"user_email": email}}, nil
}

func (s *Server) projectInviteDelete(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.CancelProjectInvitation(r.Context(), a, r.PathValue("project"), r.PathValue("invited_email")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"message": "Invitation deleted"}, nil
}

// projectUserOut, invitationOut and groupUserOut are Aiven's
// ProjectUserListOut parts.
type projectUserOut struct {
	Auth           []string  `json:"auth"`
	BillingContact bool      `json:"billing_contact"`
	CreateTime     time.Time `json:"create_time"`
	MemberType     string    `json:"member_type"`
	RealName       *string   `json:"real_name"`
	TeamID         string    `json:"team_id"`
	TeamName       string    `json:"team_name"`
	UserEmail      string    `json:"user_email"`
	UserID         string    `json:"user_id"`
}

type invitationOut struct {
	InviteTime        time.Time `json:"invite_time"`
	InvitedUserEmail  string    `json:"invited_user_email"`
	InvitingUserEmail string    `json:"inviting_user_email"`
	MemberType        string    `json:"member_type"`
	ExpiryTime        time.Time `json:"expiry_time"`
	Mailed            bool      `json:"mailed"`
}

type groupUserOut struct {
	MemberType  string `json:"member_type"`
	RealName    string `json:"real_name"`
	UserEmail   string `json:"user_email"`
	UserGroupID string `json:"user_group_id"`
}

func (s *Server) projectUserList(r *http.Request, a *control.Actor) (int, any, error) {
	m, err := s.plane.ListProjectMembers(r.Context(), a, r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	users := make([]projectUserOut, 0, len(m.Users))
	for _, u := range m.Users {
		name := u.User.RealName
		users = append(users, projectUserOut{Auth: u.Auth, CreateTime: u.CreateTime, MemberType: u.MemberType,
			RealName: &name, UserEmail: u.User.Email, UserID: u.User.ID})
	}
	invs := make([]invitationOut, 0, len(m.Invitations))
	for _, inv := range m.Invitations {
		invs = append(invs, invitationOut{InviteTime: inv.CreateTime, InvitedUserEmail: inv.Email,
			InvitingUserEmail: inv.InviterEmail, MemberType: inv.MemberType, ExpiryTime: inv.ExpiryTime, Mailed: inv.Mailed})
	}
	groups := make([]groupUserOut, 0, len(m.GroupUsers))
	for _, g := range m.GroupUsers {
		groups = append(groups, groupUserOut{MemberType: g.MemberType, RealName: g.User.RealName, UserEmail: g.User.Email, UserGroupID: g.GroupID})
	}
	return http.StatusOK, map[string]any{"users": users, "invitations": invs, "group_users": groups}, nil
}

type memberTypeIn struct {
	MemberType string `json:"member_type"`
}

func (s *Server) projectUserUpdate(r *http.Request, a *control.Actor) (int, any, error) {
	var in memberTypeIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.plane.UpdateProjectMember(r.Context(), a, r.PathValue("project"), r.PathValue("user_email"), in.MemberType); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"message": "Project user updated"}, nil
}

func (s *Server) projectUserRemove(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.RemoveProjectMember(r.Context(), a, r.PathValue("project"), r.PathValue("user_email")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"message": "User removed from project"}, nil
}

type resourceAccessOut struct {
	UserGroupID string    `json:"user_group_id"`
	Role        string    `json:"role"`
	CreateTime  time.Time `json:"create_time"`
	UpdateTime  time.Time `json:"update_time"`
}

func (s *Server) projectAccessList(r *http.Request, a *control.Actor) (int, any, error) {
	acc, err := s.plane.ListProjectAccess(r.Context(), a, r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]resourceAccessOut, 0, len(acc))
	for _, g := range acc {
		out = append(out, resourceAccessOut{UserGroupID: g.GroupID, Role: g.Role, CreateTime: g.CreateTime, UpdateTime: g.UpdateTime})
	}
	return http.StatusOK, map[string]any{"resource_access_list": out}, nil
}

type roleIn struct {
	Role string `json:"role"`
}

func (s *Server) projectGroupAccessSet(r *http.Request, a *control.Actor) (int, any, error) {
	var in roleIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.plane.SetProjectGroupAccess(r.Context(), a, r.PathValue("project"), r.PathValue("user_group_id"), in.Role); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"message": "Group access updated"}, nil
}

func (s *Server) projectGroupAccessDelete(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteProjectGroupAccess(r.Context(), a, r.PathValue("project"), r.PathValue("user_group_id")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"message": "Group access removed"}, nil
}
