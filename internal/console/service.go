package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

func init() {
	const svc = "/orgs/{org}/projects/{project}/services/{service}"
	route("GET "+svc, inOrg, (*Console).service)
	route("POST "+svc+"/users", inOrg, (*Console).createServiceUser)
	route("POST "+svc+"/users/{username}/password", inOrg, (*Console).showServiceUserPassword)
	route("POST "+svc+"/users/{username}/reset", inOrg, (*Console).resetServiceUser)
	route("POST "+svc+"/users/{username}/delete", inOrg, (*Console).deleteServiceUser)
	route("POST "+svc+"/acl", inOrg, (*Console).addKafkaACL)
	route("POST "+svc+"/acl/{id}/delete", inOrg, (*Console).deleteKafkaACL)
	route("POST "+svc+"/schema-acl", inOrg, (*Console).addSchemaACL)
	route("POST "+svc+"/schema-acl/{id}/delete", inOrg, (*Console).deleteSchemaACL)
	route("POST "+svc+"/native-acl", inOrg, (*Console).addNativeACL)
	route("POST "+svc+"/native-acl/{id}/delete", inOrg, (*Console).deleteNativeACL)
}

// kafkaWords are the seed's Console words for Aiven's ACL permissions.
var kafkaWords = []struct {
	Perm  kafkaacl.Permission
	Words string
}{
	{kafkaacl.PermAdmin, "Admin"},
	{kafkaacl.PermReadWrite, "Consume and Produce"},
	{kafkaacl.PermRead, "Consume"},
	{kafkaacl.PermWrite, "Produce"},
}

func kafkaWord(p kafkaacl.Permission) string {
	for _, w := range kafkaWords {
		if w.Perm == p {
			return w.Words
		}
	}
	return string(p)
}

type serviceData struct {
	Project string
	Service org.Service
	Tab     string // "users", "acl", "schema", "native"
	Kafka   bool
	Users   []control.ServiceUser
	Rules   kafkaacl.Rules
	Words   []struct {
		Perm  kafkaacl.Permission
		Words string
	}
	Form *Form
	// Revealed is a password shown in the answer to the POST that asked
	// for it (or made it), never in a URL.
	Revealed     string
	RevealedUser string
	Secrets      Can // whether the person may read passwords here
	WriteUsers   *Can
	WriteACLs    *Can
	WriteNative  *Can
	Native       nativeChoices
	Base         string
}

// nativeChoices are the values of the Kafka-native ACL form's pickers,
// spelled as Aiven's API spells them.
type nativeChoices struct {
	ResourceTypes   []string
	Operations      []string
	PatternTypes    []string
	PermissionTypes []string
}

var nativeOptions = func() nativeChoices {
	n := nativeChoices{
		PatternTypes:    []string{string(kafkaacl.PatternLiteral), string(kafkaacl.PatternPrefixed)},
		PermissionTypes: []string{string(kafkaacl.Allow), string(kafkaacl.Deny)},
	}
	for _, r := range kafkaacl.NativeResourceTypes {
		n.ResourceTypes = append(n.ResourceTypes, r.String())
	}
	for _, o := range kafkaacl.Operations {
		n.Operations = append(n.Operations, o.String())
	}
	return n
}()

func (c *Console) serviceBase(r *Request) string {
	return "/orgs/" + r.Org.ID + "/projects/" + url.PathEscape(r.PathValue("project")) + "/services/" + url.PathEscape(r.PathValue("service"))
}

// loadService gathers the service page: the service (in this
// organization), its users, its ACLs when Kafka, and what the person may do.
func (c *Console) loadService(r *Request, tab string, f *Form) (*serviceData, error) {
	ctx := r.Context()
	project, name := r.PathValue("project"), r.PathValue("service")
	if _, err := c.plane.GetProject(ctx, r.Actor, r.Org.ID, project); err != nil {
		return nil, err
	}
	s, err := c.plane.GetService(ctx, r.Actor, project, name)
	if err != nil {
		return nil, err
	}
	d := &serviceData{Project: project, Service: s, Tab: tab, Kafka: s.Type == "kafka", Words: kafkaWords, Form: f, Base: c.serviceBase(r)}
	if d.Tab == "" || (!d.Kafka && d.Tab != "users") {
		d.Tab = "users"
	}
	if f == nil {
		d.Form = newForm(r)
	}
	if d.Users, err = c.plane.ListServiceUsers(ctx, r.Actor, project, name); err != nil {
		return nil, err
	}
	if d.Kafka && d.Tab != "users" {
		if d.Rules, err = c.plane.KafkaACLs(ctx, r.Actor, control.OpServiceKafkaAclList, project, name); err != nil {
			return nil, err
		}
	}
	res := control.AccessResource{Type: "service", ID: project + "/" + name}
	var ask asker
	d.WriteUsers = ask.ask(control.OpServiceUserCreate, res)
	d.WriteACLs = ask.ask(control.OpServiceKafkaAclAdd, res)
	d.WriteNative = ask.ask(control.OpServiceKafkaNativeAclAdd, res)
	d.Native = nativeOptions
	if err := c.may(r, &ask); err != nil {
		return nil, err
	}
	// Reading passwords is a permission, not an operation: the engine is
	// asked about the person themself, which anyone may ask.
	ok, _, err := c.plane.Check(ctx, r.Actor, r.Org.ID, []control.AccessCheck{{UserID: r.Actor.User.ID, Permission: "service:secrets:read", Resource: res}}, 0)
	if err != nil {
		return nil, err
	}
	d.Secrets = Can{OK: ok[0], Reason: "requires service:secrets:read on this service"}
	return d, nil
}

func (c *Console) service(w http.ResponseWriter, r *Request) error {
	d, err := c.loadService(r, r.URL.Query().Get("tab"), nil)
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "service", d)
}

// serviceAgain renders the service page after a post: with the form's
// errors, or with a confirmation.
func (c *Console) serviceAgain(w http.ResponseWriter, r *Request, tab string, f *Form, flash string, reveal func(*serviceData)) error {
	d, err := c.loadService(r, tab, f)
	if err != nil {
		return err
	}
	if reveal != nil {
		reveal(d)
	}
	return c.renderFlash(w, r, f.Status(), "service", d, flash)
}

// failField records a use case's error next to field, or returns it when
// it is not about what was typed (a 401 or a 5xx).
func (c *Console) failField(r *Request, f *Form, field string, err error) error {
	status, _ := c.describe(r, err)
	if status == http.StatusUnauthorized || status >= 500 {
		return err
	}
	f.Fail(c, r, field, err)
	return nil
}

func (c *Console) createServiceUser(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	u, err := c.plane.CreateServiceUser(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"),
		control.ServiceUserInput{Username: strings.TrimSpace(f.Get("username"))})
	if err != nil {
		if err := c.failField(r, f, "username", err); err != nil {
			return err
		}
		return c.serviceAgain(w, r, "users", f, "", nil)
	}
	done := emptyForm()
	return c.serviceAgain(w, r, "users", done, "Service user "+u.Username+" created.", func(d *serviceData) {
		if u.Password != nil {
			d.Revealed, d.RevealedUser = *u.Password, u.Username
		}
	})
}

func (c *Console) showServiceUserPassword(w http.ResponseWriter, r *Request) error {
	u, err := c.plane.GetServiceUser(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), r.PathValue("username"))
	if err != nil {
		return err
	}
	f := emptyForm()
	if u.Password == nil {
		f.FailMsg("", "No password to show: it requires service:secrets:read on this service, or the user has none.")
		f.status = http.StatusForbidden
		return c.serviceAgain(w, r, "users", f, "", nil)
	}
	return c.serviceAgain(w, r, "users", f, "", func(d *serviceData) { d.Revealed, d.RevealedUser = *u.Password, u.Username })
}

func (c *Console) resetServiceUser(w http.ResponseWriter, r *Request) error {
	username := r.PathValue("username")
	ok, err := c.confirmFirst(w, r, confirmation{Title: "Reset password", Button: "Reset the password of " + username, Back: c.serviceBase(r) + "?tab=users",
		Message: "Generate a new password for " + username + "? The current one stops working: whatever connects with it must be given the new one."})
	if !ok {
		return err
	}
	sw, err := c.plane.ResetServiceUserCredentials(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), username)
	f := emptyForm()
	if err != nil {
		if err := c.failField(r, f, "", err); err != nil {
			return err
		}
		return c.serviceAgain(w, r, "users", f, "", nil)
	}
	return c.serviceAgain(w, r, "users", f, "New password generated for "+username+".", func(d *serviceData) {
		for _, u := range sw.Users {
			if u.Username == username && u.Password != nil {
				d.Revealed, d.RevealedUser = *u.Password, username
			}
		}
	})
}

func (c *Console) deleteServiceUser(w http.ResponseWriter, r *Request) error {
	ok, err := c.confirmFirst(w, r, confirmation{Title: "Delete service user", Button: "Delete " + r.PathValue("username"), Back: c.serviceBase(r) + "?tab=users",
		Message: "Delete the service user " + r.PathValue("username") + "? Whatever connects as it is refused from then on."})
	if !ok {
		return err
	}
	err = c.plane.DeleteServiceUser(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), r.PathValue("username"))
	f := emptyForm()
	if err != nil {
		if err := c.failField(r, f, "", err); err != nil {
			return err
		}
		return c.serviceAgain(w, r, "users", f, "", nil)
	}
	return redirect(w, r, c.serviceBase(r)+"?tab=users")
}

func (c *Console) addKafkaACL(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	_, err := c.plane.AddKafkaACL(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), kafkaacl.Entry{
		Username: strings.TrimSpace(f.Get("username")), Permission: kafkaacl.Permission(f.Get("permission")), Topic: strings.TrimSpace(f.Get("topic"))})
	if err != nil {
		field := ""
		_, msg := c.describe(r, err)
		switch lm := strings.ToLower(msg); {
		case strings.Contains(lm, "topic"):
			field = "topic"
		case strings.Contains(lm, "username"):
			field = "username"
		case strings.Contains(lm, "permission"):
			field = "permission"
		}
		if err := c.failField(r, f, field, err); err != nil {
			return err
		}
		return c.serviceAgain(w, r, "acl", f, "", nil)
	}
	return redirect(w, r, c.serviceBase(r)+"?tab=acl")
}

func (c *Console) deleteKafkaACL(w http.ResponseWriter, r *Request) error {
	if ok, err := c.confirmACLDelete(w, r, "acl", "ACL entry"); !ok {
		return err
	}
	_, err := c.plane.DeleteKafkaACL(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), r.PathValue("id"))
	return c.afterACLDelete(w, r, "acl", err)
}

func (c *Console) addSchemaACL(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	_, err := c.plane.AddSchemaRegistryACL(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), kafkaacl.SchemaRegistryEntry{
		Username: strings.TrimSpace(f.Get("username")), Permission: kafkaacl.SchemaRegistryPermission(f.Get("permission")), Resource: strings.TrimSpace(f.Get("resource"))})
	if err != nil {
		field := ""
		_, msg := c.describe(r, err)
		switch lm := strings.ToLower(msg); {
		case strings.Contains(lm, "resource"):
			field = "resource"
		case strings.Contains(lm, "username"):
			field = "username"
		}
		if err := c.failField(r, f, field, err); err != nil {
			return err
		}
		return c.serviceAgain(w, r, "schema", f, "", nil)
	}
	return redirect(w, r, c.serviceBase(r)+"?tab=schema")
}

func (c *Console) deleteSchemaACL(w http.ResponseWriter, r *Request) error {
	if ok, err := c.confirmACLDelete(w, r, "schema", "Schema Registry ACL entry"); !ok {
		return err
	}
	_, err := c.plane.DeleteSchemaRegistryACL(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), r.PathValue("id"))
	return c.afterACLDelete(w, r, "schema", err)
}

// nativeField finds the form field a Kafka-native ACL error names
// ("Invalid resource_name ...").
var nativeField = regexp.MustCompile(`(?i)invalid (principal|host|resource_type|resource_name|pattern_type|operation|permission_type)\b`)

func (c *Console) addNativeACL(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	e := kafkaacl.NativeEntry{
		Principal: strings.TrimSpace(f.Get("principal")), Host: strings.TrimSpace(f.Get("host")),
		ResourceName: strings.TrimSpace(f.Get("resource_name")), PatternType: kafkaacl.PatternType(f.Get("pattern_type")),
		PermissionType: kafkaacl.PermissionType(f.Get("permission_type")),
	}
	var err error
	if e.ResourceType, err = kafkaacl.ParseResourceType(f.Get("resource_type")); err != nil {
		f.FailMsg("resource_type", "Choose a resource type: "+strings.Join(nativeOptions.ResourceTypes, ", ")+".")
	}
	if e.Operation, err = kafkaacl.ParseOperation(f.Get("operation")); err != nil {
		f.FailMsg("operation", "Choose an operation: "+strings.Join(nativeOptions.Operations, ", ")+".")
	}
	if f.OK() {
		_, err = c.plane.AddKafkaNativeACL(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), e)
		if err == nil {
			return redirect(w, r, c.serviceBase(r)+"?tab=native")
		}
		_, msg := c.describe(r, err)
		field := ""
		if m := nativeField.FindStringSubmatch(msg); m != nil {
			field = strings.ToLower(m[1])
		}
		if err := c.failField(r, f, field, err); err != nil {
			return err
		}
	}
	return c.serviceAgain(w, r, "native", f, "", nil)
}

func (c *Console) deleteNativeACL(w http.ResponseWriter, r *Request) error {
	if ok, err := c.confirmACLDelete(w, r, "native", "Kafka-native ACL entry"); !ok {
		return err
	}
	err := c.plane.DeleteKafkaNativeACL(r.Context(), r.Actor, r.PathValue("project"), r.PathValue("service"), r.PathValue("id"))
	return c.afterACLDelete(w, r, "native", err)
}

// confirmACLDelete asks before an ACL entry is deleted: what it allowed
// is refused from then on.
func (c *Console) confirmACLDelete(w http.ResponseWriter, r *Request, tab, what string) (bool, error) {
	return c.confirmFirst(w, r, confirmation{Title: "Delete " + what, Button: "Delete the entry", Back: c.serviceBase(r) + "?tab=" + tab,
		Message: "Delete the " + what + " " + r.PathValue("id") + " of " + r.PathValue("service") + "? What it allows is refused from then on." + aclSummary(r)})
}

// aclSummary is the entry's description the delete form posts, for
// the confirmation's words.
func aclSummary(r *Request) string {
	if s := strings.TrimSpace(r.PostFormValue("entry")); s != "" {
		return " The entry: " + s + "."
	}
	return ""
}

func (c *Console) afterACLDelete(w http.ResponseWriter, r *Request, tab string, err error) error {
	if err != nil {
		f := emptyForm()
		if err := c.failField(r, f, "", err); err != nil {
			return err
		}
		return c.serviceAgain(w, r, tab, f, "", nil)
	}
	return redirect(w, r, c.serviceBase(r)+"?tab="+tab)
}

// emptyForm is a form with nothing typed, for answers to posts whose
// fields are in the URL.
func emptyForm() *Form { return &Form{Values: url.Values{}, Errors: map[string]string{}} }
