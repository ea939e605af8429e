package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// Admin → Domains: claim a domain, publish the TXT record, verify it; the
// people whose email is on a verified domain become managed users.

func init() {
	route("GET /orgs/{org}/domains", inOrg, (*Console).domains)
	route("POST /orgs/{org}/domains", inOrg, (*Console).addDomain)
	route("POST /orgs/{org}/domains/{domain}/verify", inOrg, (*Console).verifyDomain)
	route("GET /orgs/{org}/domains/{domain}/remove", inOrg, (*Console).removeDomainPage)
	route("POST /orgs/{org}/domains/{domain}/remove", inOrg, (*Console).removeDomain)
	flashes["domain-verified"] = "Domain verified: its users are now managed by this organization"
	flashes["domain-removed"] = "Domain removed"
}

// domainRow is a domain with its proof and managed users.
type domainRow struct {
	Domain  org.Domain
	Proof   control.DomainProof
	Managed []control.ManagedUser
	// Error is why verifying it just failed, in the API's words.
	Error string
}

type domainsData struct {
	Domains []domainRow
	Form    *Form
	Users   *Can // may list managed users
}

// maxManagedShown bounds the managed users listed under each domain.
const maxManagedShown = 100

func (c *Console) domains(w http.ResponseWriter, r *Request) error {
	return c.domainsPage(w, r, blankForm(), "", "")
}

func (c *Console) domainsPage(w http.ResponseWriter, r *Request, f *Form, failedID, failure string) error {
	ctx := r.Context()
	ds, err := c.plane.ListDomains(ctx, r.Actor, r.Org.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(ds, func(a, b org.Domain) int { return strings.Compare(a.Name, b.Name) })
	var q asker
	d := domainsData{Form: f, Users: q.ask(control.OpOrganizationManagedUsersList, orgResource(r.Org))}
	if err := c.may(r, &q); err != nil {
		return err
	}
	var managed []control.ManagedUser
	if d.Users.OK {
		if managed, err = c.plane.ListManagedUsers(ctx, r.Actor, r.Org.ID); err != nil {
			return err
		}
		slices.SortFunc(managed, func(a, b control.ManagedUser) int { return strings.Compare(a.User.Email, b.User.Email) })
	}
	for _, dom := range ds {
		row := domainRow{Domain: dom, Proof: c.plane.DomainProof(dom)}
		if dom.ID == failedID {
			row.Error = failure
		}
		for _, m := range managed {
			if strings.HasSuffix(strings.ToLower(m.User.Email), "@"+strings.ToLower(dom.Name)) && len(row.Managed) < maxManagedShown {
				row.Managed = append(row.Managed, m)
			}
		}
		d.Domains = append(d.Domains, row)
	}
	status := f.Status()
	if failure != "" {
		status = http.StatusUnprocessableEntity
	}
	return c.render(w, r, status, "domains", d)
}

func (c *Console) addDomain(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	if _, err := c.plane.AddDomain(r.Context(), r.Actor, r.Org.ID, strings.TrimSpace(f.Get("domain")), ""); err != nil {
		failField(c, r, f, err, map[string]string{"domain": "domain", "Domain": "domain"})
		return c.domainsPage(w, r, f, "", "")
	}
	return redirect(w, r, "/orgs/"+r.Org.ID+"/domains")
}

func (c *Console) verifyDomain(w http.ResponseWriter, r *Request) error {
	id := r.PathValue("domain")
	if _, err := c.plane.VerifyDomain(r.Context(), r.Actor, r.Org.ID, id); err != nil {
		status, msg := c.describe(r, err)
		if status == http.StatusNotFound || status == http.StatusForbidden {
			return err
		}
		return c.domainsPage(w, r, blankForm(), id, msg)
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/domains", "domain-verified"))
}

func (c *Console) removeDomainPage(w http.ResponseWriter, r *Request) error {
	d, err := c.plane.GetDomain(r.Context(), r.Actor, r.Org.ID, r.PathValue("domain"))
	if err != nil {
		return err
	}
	base := "/orgs/" + r.Org.ID + "/domains"
	return c.confirm(w, r, confirmation{Title: "Remove domain", Button: "Remove " + d.Name, Action: base + "/" + d.ID + "/remove", Back: base,
		Message: "Remove " + d.Name + "? Its users are no longer managed by this organization."})
}

func (c *Console) removeDomain(w http.ResponseWriter, r *Request) error {
	if err := c.plane.RemoveDomain(r.Context(), r.Actor, r.Org.ID, r.PathValue("domain")); err != nil {
		return err
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/domains", "domain-removed"))
}
