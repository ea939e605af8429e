package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// --- permissions -------------------------------------------------------------

type permissionIn struct {
	PrincipalType string   `json:"principal_type"`
	PrincipalID   string   `json:"principal_id"`
	Permissions   []string `json:"permissions"`
}

type permissionOut struct {
	PrincipalType string    `json:"principal_type"`
	PrincipalID   string    `json:"principal_id"`
	Permissions   []string  `json:"permissions"`
	CreateTime    time.Time `json:"create_time"`
	UpdateTime    time.Time `json:"update_time"`
}

func toEntries(in []permissionIn) []control.PrincipalPermissions {
	out := make([]control.PrincipalPermissions, 0, len(in))
	for _, e := range in {
		out = append(out, control.PrincipalPermissions{PrincipalType: e.PrincipalType, PrincipalID: e.PrincipalID, Permissions: e.Permissions})
	}
	return out
}

func (s *Server) getPermissions(r *http.Request, a *control.Actor) (int, any, error) {
	gs, err := s.plane.Permissions(r.Context(), a, r.PathValue("org"), r.PathValue("rtype"), r.PathValue("rid"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]permissionOut, 0, len(gs))
	for _, g := range gs {
		out = append(out, permissionOut{PrincipalType: g.PrincipalType, PrincipalID: g.PrincipalID, Permissions: g.Permissions, CreateTime: g.CreateTime, UpdateTime: g.UpdateTime})
	}
	return http.StatusOK, map[string]any{"permissions": out}, nil
}

func (s *Server) setPermissions(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Permissions []permissionIn `json:"permissions"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	err := s.plane.SetPermissions(r.Context(), a, r.PathValue("org"), r.PathValue("rtype"), r.PathValue("rid"), toEntries(in.Permissions))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) updatePermissions(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Operation   string         `json:"operation"`
		Permissions []permissionIn `json:"permissions"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	err := s.plane.UpdatePermissions(r.Context(), a, r.PathValue("org"), r.PathValue("rtype"), r.PathValue("rid"), in.Operation, toEntries(in.Permissions))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// --- groups --------------------------------------------------------------------

type groupOut struct {
	CreateTime    time.Time `json:"create_time"`
	Description   string    `json:"description"`
	ManagedBySCIM bool      `json:"managed_by_scim"`
	UpdateTime    time.Time `json:"update_time"`
	UserGroupID   string    `json:"user_group_id"`
	UserGroupName string    `json:"user_group_name"`
	MemberCount   *int      `json:"member_count,omitempty"`
}

func toGroup(g identity.Group) groupOut {
	return groupOut{CreateTime: g.CreateTime, Description: g.Description, ManagedBySCIM: g.ManagedBySCIM, UpdateTime: g.UpdateTime, UserGroupID: g.ID, UserGroupName: g.Name}
}

type userInfoOut struct {
	CreateTime             time.Time `json:"create_time"`
	IsApplicationUser      bool      `json:"is_application_user"`
	ManagedBySCIM          bool      `json:"managed_by_scim"`
	ManagingOrganizationID *string   `json:"managing_organization_id"`
	RealName               string    `json:"real_name"`
	State                  string    `json:"state"`
	UserEmail              string    `json:"user_email"`
}

func toUserInfo(u identity.User) userInfoOut {
	out := userInfoOut{CreateTime: u.CreateTime, IsApplicationUser: u.IsApplication, RealName: u.RealName, State: u.State, UserEmail: u.Email}
	if u.ManagingOrgID != "" {
		m := u.ManagingOrgID
		out.ManagingOrganizationID = &m
	}
	return out
}

func (s *Server) createGroup(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Name        string `json:"user_group_name"`
		Description string `json:"description"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	g, err := s.plane.CreateGroup(r.Context(), a, r.PathValue("org"), in.Name, in.Description)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toGroup(g), nil
}

func (s *Server) listGroups(r *http.Request, a *control.Actor) (int, any, error) {
	gs, err := s.plane.ListGroups(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]groupOut, 0, len(gs))
	for _, g := range gs {
		x := toGroup(g.Group)
		n := g.MemberCount
		x.MemberCount = &n
		out = append(out, x)
	}
	return http.StatusOK, map[string]any{"user_groups": out}, nil
}

func (s *Server) getGroup(r *http.Request, a *control.Actor) (int, any, error) {
	g, err := s.plane.GetGroup(r.Context(), a, r.PathValue("org"), r.PathValue("group"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toGroup(g), nil
}

func (s *Server) updateGroup(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Name        *string `json:"user_group_name"`
		Description *string `json:"description"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	g, err := s.plane.UpdateGroup(r.Context(), a, r.PathValue("org"), r.PathValue("group"), in.Name, in.Description)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toGroup(g), nil
}

func (s *Server) deleteGroup(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteGroup(r.Context(), a, r.PathValue("org"), r.PathValue("group")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) listGroupMembers(r *http.Request, a *control.Actor) (int, any, error) {
	ms, err := s.plane.ListGroupMembers(r.Context(), a, r.PathValue("org"), r.PathValue("group"))
	if err != nil {
		return 0, nil, err
	}
	type memberOut struct {
		LastActivityTime *time.Time  `json:"last_activity_time"`
		UserID           string      `json:"user_id"`
		UserInfo         userInfoOut `json:"user_info"`
	}
	out := make([]memberOut, 0, len(ms))
	for _, m := range ms {
		out = append(out, memberOut{LastActivityTime: m.User.LastActivity, UserID: m.UserID, UserInfo: toUserInfo(m.User)})
	}
	return http.StatusOK, map[string]any{"members": out}, nil
}

func (s *Server) updateGroupMembers(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Operation string   `json:"operation"`
		MemberIDs []string `json:"member_ids"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.plane.UpdateGroupMembers(r.Context(), a, r.PathValue("org"), r.PathValue("group"), in.Operation, in.MemberIDs); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) userGroups(r *http.Request, a *control.Actor) (int, any, error) {
	gs, err := s.plane.UserGroups(r.Context(), a, r.PathValue("org"), r.PathValue("user"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]groupOut, 0, len(gs))
	for _, g := range gs {
		out = append(out, toGroup(g))
	}
	return http.StatusOK, map[string]any{"user_groups": out}, nil
}

// --- access questions --------------------------------------------------------

type accessCheckIn struct {
	PrincipalType string `json:"principal_type"`
	PrincipalID   string `json:"principal_id"`
	Permission    string `json:"permission"`
	ResourceType  string `json:"resource_type"`
	ResourceID    string `json:"resource_id"`
}

func (c accessCheckIn) toCheck(i int) (control.AccessCheck, error) {
	if c.PrincipalType != "" && c.PrincipalType != "user" {
		return control.AccessCheck{}, badRequest("checks[" + strconv.Itoa(i) + "].principal_type must be user")
	}
	if c.PrincipalID == "" || c.Permission == "" || c.ResourceType == "" || c.ResourceID == "" {
		return control.AccessCheck{}, badRequest("checks[" + strconv.Itoa(i) + "] needs principal_id, permission, resource_type and resource_id")
	}
	return control.AccessCheck{UserID: c.PrincipalID, Permission: c.Permission, Resource: control.AccessResource{Type: c.ResourceType, ID: c.ResourceID}}, nil
}

// checkScratch is the memory a batch check decodes into, reused across
// requests: the two arrays of a 100-check batch were a third of what a
// request allocated. It is cleared before reuse by another request, so it
// holds on to no body.
type checkScratch struct {
	body   accessCheckBody // decoded here: a local escaped to the heap
	in     []accessCheckIn
	checks []control.AccessCheck
}

// maxScratch bounds the batch size whose memory is kept for reuse.
const maxScratch = 1000

var checkScratches = sync.Pool{New: func() any { return new(checkScratch) }}

func (sc *checkScratch) release(in []accessCheckIn, checks []control.AccessCheck) {
	if cap(in) <= maxScratch && cap(in) >= cap(sc.in) {
		sc.in = in[:0]
	}
	if cap(checks) <= maxScratch && cap(checks) >= cap(sc.checks) {
		sc.checks = checks[:0]
	}
	sc.body = accessCheckBody{}
	clear(sc.in[:cap(sc.in)])
	clear(sc.checks[:cap(sc.checks)])
	checkScratches.Put(sc)
}

// checkBodies holds the buffers check bodies are read into, between
// requests: a 100-check body was over half the bytes a request allocated,
// and the garbage collector's pace follows those bytes. A buffer goes back
// only after a successful answer, when nothing can hold the decoded
// strings that share its memory: the scratch arrays are cleared, the
// answer is booleans, and Plane.Check keeps none of them. An error's
// message may quote the body; its buffer is left to the collector.
var checkBodies = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody bounds the body buffers kept for reuse.
const maxPooledBody = 64 << 10

func (s *Server) accessCheck(r *http.Request, a *control.Actor) (status int, answer any, err error) {
	bp := checkBodies.Get().(*[]byte)
	body, err := readBodyInto(*bp, r)
	if err != nil {
		return 0, nil, err
	}
	sc := checkScratches.Get().(*checkScratch)
	in := &sc.body
	var checks []control.AccessCheck
	defer func() {
		sc.release(in.Checks, checks)
		if err == nil && cap(body) <= maxPooledBody {
			*bp = body[:0]
			checkBodies.Put(bp)
		}
	}()
	if err := decodeCheckBodyInto(body, in, sc.in); err != nil {
		return 0, nil, err
	}
	batch := in.Checks != nil
	src := in.Checks
	if !batch {
		src = []accessCheckIn{in.accessCheckIn}
	}
	checks = sc.checks[:0]
	if cap(checks) < len(src) {
		checks = make([]control.AccessCheck, 0, len(src))
	}
	for i, c := range src {
		ch, err := c.toCheck(i)
		if err != nil {
			return 0, nil, err
		}
		checks = append(checks, ch)
	}
	res, rev, err := s.plane.Check(r.Context(), a, r.PathValue("org"), checks, in.AtLeastRevision)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, checkAnswer(batch, res, rev, writeMessages[r.Method]), nil
}

// checkAnswer encodes a check's answer by hand, exactly as encoding/json
// would encode {"allowed", "message", "revision"} for one check and
// {"message", "results": [{"allowed"}...], "revision"} for a batch.
// The answer comes from answerBufs (see releaseAnswer), with room for
// writeJSON's line end.
func checkAnswer(batch bool, res []bool, rev int64, message string) *encodedJSON {
	a := answerBufs.Get().(*encodedJSON)
	out := a.b
	if n := 64 + len(res)*len(`{"allowed":false},`); cap(out) < n {
		out = make([]byte, 0, n)
	}
	out = out[:0]
	msg, ok := writeMessagesJSON[message]
	if !ok {
		msg, _ = json.Marshal(message)
	}
	if !batch {
		out = strconv.AppendBool(append(out, `{"allowed":`...), res[0])
		out = append(append(append(out, `,"message":`...), msg...), `,"revision":`...)
		a.b = append(strconv.AppendInt(out, rev, 10), '}')
		return a
	}
	out = append(append(append(out, `{"message":`...), msg...), `,"results":[`...)
	for i, ok := range res {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendBool(append(out, `{"allowed":`...), ok)
		out = append(out, '}')
	}
	out = append(out, `],"revision":`...)
	a.b = append(strconv.AppendInt(out, rev, 10), '}')
	return a
}

// writeMessagesJSON holds writeMessages' values encoded, for checkAnswer.
var writeMessagesJSON = func() map[string][]byte {
	m := make(map[string][]byte, len(writeMessages))
	for _, v := range writeMessages {
		m[v], _ = json.Marshal(v)
	}
	return m
}()

// answerBufs holds the answers check answers are encoded into, between
// requests: a batch's answer was the largest allocation left on its path.
// They are pointers so that neither returning one as an answer (an
// interface) nor giving it back allocates.
var answerBufs = sync.Pool{New: func() any { return new(encodedJSON) }}

// maxPooledAnswer bounds the answer buffers kept for reuse.
const maxPooledAnswer = 64 << 10

// releaseAnswer gives a's memory back for another answer: writeJSON has
// written it, and nothing refers to it any more.
func releaseAnswer(a *encodedJSON) {
	if cap(a.b) <= maxPooledAnswer {
		a.b = a.b[:0]
		answerBufs.Put(a)
	}
}

func (s *Server) accessExplain(r *http.Request, a *control.Actor) (int, any, error) {
	var in accessCheckIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	c, err := in.toCheck(0)
	if err != nil {
		return 0, nil, err
	}
	ex, rev, err := s.plane.Explain(r.Context(), a, r.PathValue("org"), c)
	if err != nil {
		return 0, nil, err
	}
	type grantOut struct {
		Level       string   `json:"level"`
		Via         string   `json:"via"`
		Permissions []string `json:"permissions"`
		Gives       bool     `json:"gives"`
		// Source: "permission" (permissions API), "membership" (project
		// membership: creator, invitation) or "membership+permission".
		Source string `json:"source"`
	}
	grants := make([]grantOut, 0, len(ex.Grants))
	for i, g := range ex.Grants {
		via := "direct"
		if g.Group != "" {
			via = "group:" + g.Group
		}
		grants = append(grants, grantOut{Level: g.Level.String(), Via: via, Permissions: g.Granted.Strings(), Gives: g.Gives, Source: ex.Sources[i]})
	}
	path := make([]string, 0, len(ex.Path))
	for _, p := range ex.Path {
		path = append(path, p.String())
	}
	return http.StatusOK, map[string]any{
		"allowed": ex.Allowed, "revision": rev, "path": path, "grants": grants,
		"super_admin": ex.SuperAdmin, "deactivated": ex.Deactivated, "unknown_user": ex.UnknownUser,
	}, nil
}

func (s *Server) accessResources(r *http.Request, a *control.Actor) (int, any, error) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, nil, badRequest("limit must be a non-negative integer")
		}
		limit = n
	}
	user := q.Get("principal_id")
	if user == "" {
		user = a.User.ID
	}
	ids, next, err := s.plane.AccessibleResources(r.Context(), a, r.PathValue("org"), user, q.Get("permission"), q.Get("resource_type"), q.Get("after"), limit)
	if err != nil {
		return 0, nil, err
	}
	if ids == nil {
		ids = []string{}
	}
	return http.StatusOK, map[string]any{"resources": ids, "next": next}, nil
}

func (s *Server) accessPrincipals(r *http.Request, a *control.Actor) (int, any, error) {
	q := r.URL.Query()
	users, groups, rev, err := s.plane.AccessPrincipals(r.Context(), a, r.PathValue("org"), q.Get("permission"),
		control.AccessResource{Type: q.Get("resource_type"), ID: q.Get("resource_id")})
	if err != nil {
		return 0, nil, err
	}
	if users == nil {
		users = []string{}
	}
	if groups == nil {
		groups = []string{}
	}
	return http.StatusOK, map[string]any{"users": users, "user_groups": groups, "revision": rev}, nil
}
