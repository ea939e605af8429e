// Package console is Gatehouse's web console: server-rendered pages
// (html/template, htmx for partial updates, every asset embedded) served
// by "gatehouse serve" at "/" beside the API under "/v1/". Each page calls
// the same control.Plane use cases as the API, so authorization, the
// authentication policy, events and the change log are the same code; no
// business rule lives here.
//
// # Sessions and security
//
// Signing in calls control.Plane.Login and stores the session token it
// issues in the websession cookie; every request authenticates that token
// through control.Plane.Authenticate, exactly as the API authenticates its
// bearer tokens, so revocation, expiry, deactivation and IP allow-lists
// apply. Only session tokens of organization users open the console.
// Every state-changing request carries a CSRF token (see csrf.go); a POST
// without it is a 403 page. Every response carries a Content-Security-Policy
// that allows no inline script or style, frame-ancestors 'none',
// Referrer-Policy: same-origin and X-Content-Type-Options: nosniff.
// Secrets (new tokens, passwords) are shown only in the answer to the POST
// that made them, never put in a URL.
//
// # Adding a page
//
//  1. One Go file, e.g. users.go, registering its routes in init:
//
//     func init() {
//     route("GET /orgs/{org}/users", inOrg, (*Console).users)
//     route("POST /orgs/{org}/users/invite", inOrg, (*Console).inviteUsers)
//     }
//
//     The access level is public (no session), signedIn (any signed-in
//     person; r.Actor is set) or inOrg (also r.Org: the {org} path value,
//     read through control.Plane.GetOrganization, so a non-member gets a
//     404 page). A handler has the signature
//     func (c *Console) users(w http.ResponseWriter, r *Request) error.
//     c.plane is the control.Plane; r.Actor the signed-in actor; r.Orgs the
//     person's organizations (for the switcher).
//
//  2. One template, templates/pages/users.html, defining "title" and
//     "content" (and optionally "fragment", what an htmx request gets
//     instead of the whole page). The handler renders it with
//     c.render(w, r, http.StatusOK, "users", data); in the template the
//     page's data is .Data, the request is .Req (.Req.Org, .Req.Actor), and
//     every state-changing form includes {{template "csrf" $}}.
//
//  3. One line in the navigation list (nav.go) when the page belongs in
//     the left navigation.
//
// # Errors
//
// A handler returns a use case's error to get an error page in the API's
// words with the API's status (404, 403 ...), through the one translation
// the API uses (Options.Describe). Errors caused by what a person typed
// belong next to the field: build a Form (form.go) and call
// form.Fail(c, field, err), then render the page again with status
// form.Status() (422 or the 4xx of the error). Nothing a person types
// may produce a 500.
//
// After a successful post, answer redirect(w, r, withFlash(target, code))
// (a 303, so reloading does not post again); the page at target shows the
// confirmation flashes[code], which each page file adds in its init.
//
// # Permissions
//
// Offer only what the person may do: queue questions on an asker
// (can := q.ask(control.OpAccountCreate, unitResource(r.Org, id))), then
// c.may(r, &q) answers them all in one control.Plane.MayDo call, through
// the operations' own rules and the authentication policy. A Can is
// allowed, or holds the reason ("requires organization:projects:write on
// organization org1"); the "action" and "submit" templates render a link
// or button, disabled with that reason when not allowed (tree.go and
// templates/pages/organization.html show both).
//
// # Linking to the access explorer and the event log
//
// User, group and resource pages link to the access explorer
// (/orgs/{org}/access) pre-filled with query parameters; principal takes
// a user ID or an email address, rtype is organization,
// organization_unit, project or service (rid "<project>/<service>"), an
// empty rid with rtype=organization is this organization:
//
//	?q=can&principal=<user>&permission=<perm>&rtype=<type>&rid=<id>   can the user do it? (the path that allows it)
//	?q=reach&principal=<user>&permission=<perm>&kind=project|service|organization_unit   what can the user reach?
//	?q=who&permission=<perm>&rtype=<type>&rid=<id>   who (users, groups) can do it there?
//
// A group's grants link to q=who on the grant's resource. The
// Permissions page of a resource, /orgs/{org}/permissions?resource=
// <type>:<id> (organization_unit:<id>, project:<name>; none for the
// organization), is linked from the organization, unit and project pages. The event log
// (/orgs/{org}/events) takes unit=<unit ID> or project=<name> (else the
// whole organization), actor=<email> and action=<action type>.
//
// # Browser tests
//
// End-to-end tests drive headless Chromium through package consoletest:
// consoletest.Start(t, backend) starts a real server on loopback and a
// browser; b.SignIn, b.Visit, b.Submit and friends act and save a
// screenshot of every page. Add one test file per flow in
// internal/console/consoletest (see organization_browser_test.go).
package console
