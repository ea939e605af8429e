package console

import "strings"

// navItem is one entry of the left navigation: Path is under
// /orgs/{org}/ ("" for the organization page itself).
type navItem struct {
	Section string
	Label   string
	Path    string
}

// navigation is the left navigation, in order. A new page adds its line.
var navigation = []navItem{
	{"", "Organization", ""},
	{"", "Projects", "projects"},
	{"Admin", "Users", "users"},
	{"Admin", "Groups", "groups"},
	{"Admin", "Application users", "applications"},
	{"Admin", "Domains", "domains"},
	{"Admin", "Authentication", "authentication"},
	{"Admin", "Identity providers", "identity-providers"},
	{"Admin", "Event log", "events"},
	{"Admin", "Access", "access"},
	{"Account", "Two-factor authentication", "/account/two-factor"},
	{"Account", "Personal tokens", "/account/tokens"},
}

type navSection struct {
	Name  string
	Items []navLink
}

type navLink struct {
	Label   string
	Href    string
	Current bool
	// Missing: the page is not served yet; shown as plain text.
	Missing bool
}

// navFor is the navigation for r: links into r's organization (or the
// person's first), the current page marked.
func navFor(r *Request) []navSection {
	orgID := r.Org.ID
	if orgID == "" && len(r.Orgs) > 0 {
		orgID = r.Orgs[0].ID
	}
	var out []navSection
	for _, it := range navigation {
		href := it.Path
		if !strings.HasPrefix(href, "/") {
			if orgID == "" {
				continue
			}
			href = "/orgs/" + orgID
			if it.Path != "" {
				href += "/" + it.Path
			}
		}
		l := navLink{Label: it.Label, Href: href, Missing: !served(href)}
		l.Current = r.URL.Path == href || (it.Path != "" && strings.HasPrefix(r.URL.Path, href+"/")) ||
			(it.Path == "" && strings.HasPrefix(r.URL.Path, href+"/tree/"))
		if len(out) == 0 || out[len(out)-1].Name != it.Section {
			out = append(out, navSection{Name: it.Section})
		}
		out[len(out)-1].Items = append(out[len(out)-1].Items, l)
	}
	return out
}

// served reports whether some GET route answers href, so the navigation
// never links to a page that is not there yet.
func served(href string) bool {
	segs := strings.Split(strings.Trim(href, "/"), "/")
	for _, rt := range routes {
		method, p, ok := strings.Cut(rt.pattern, " ")
		if !ok || method != "GET" {
			continue
		}
		ps := strings.Split(strings.Trim(strings.TrimSuffix(p, "{$}"), "/"), "/")
		if len(ps) != len(segs) {
			continue
		}
		match := true
		for i := range ps {
			if !strings.HasPrefix(ps[i], "{") && ps[i] != segs[i] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
