package scim

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseFilter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in string
		want     filter
		bad      bool
	}{
		{name: "okta userName", in: `userName eq "test.user@okta.local"`, want: filter{"userName", "test.user@okta.local"}},
		{name: "case-insensitive name and operator", in: `USERNAME EQ "a@b.c"`, want: filter{"userName", "a@b.c"}},
		{name: "schema prefix", in: `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, want: filter{"userName", "x"}},
		{name: "externalId", in: `externalId eq "00ujl29u0le5T6Aj10h7"`, want: filter{"externalId", "00ujl29u0le5T6Aj10h7"}},
		{name: "escaped quote", in: `userName eq "a\"b"`, want: filter{"userName", `a"b`}},
		{name: "spaces in value", in: `userName eq "a b"`, want: filter{"userName", "a b"}},
		{name: "other attribute", in: `emails eq "x"`, bad: true},
		{name: "other operator", in: `userName sw "x"`, bad: true},
		{name: "and", in: `userName eq "x" and active eq true`, bad: true},
		{name: "unquoted", in: `userName eq x`, bad: true},
		{name: "boolean", in: `userName eq true`, bad: true},
		{name: "present", in: `userName pr`, bad: true},
		{name: "empty", in: ``, bad: true},
		{name: "grouping", in: `(userName eq "x")`, bad: true},
		{name: "too long", in: `userName eq "` + strings.Repeat("a", maxFilterLen) + `"`, bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseFilter(c.in, schemaUser, "userName", "externalId")
			var ef *errFilter
			if c.bad {
				if !errors.As(err, &ef) {
					t.Fatalf("parseFilter(%q) = %+v, %v; want an invalidFilter error", c.in, got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("parseFilter(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			}
		})
	}
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in string
		want     patchPath
		bad      bool
	}{
		{name: "attribute", in: "active", want: patchPath{attr: "active"}},
		{name: "sub-attribute", in: "name.givenName", want: patchPath{attr: "name", sub: "givenname"}},
		{name: "entra email", in: `emails[type eq "work"].value`, want: patchPath{attr: "emails", filterAttr: "type", filterValue: "work", sub: "value"}},
		{name: "okta member removal", in: `members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]`,
			want: patchPath{attr: "members", filterAttr: "value", filterValue: "89bb1940-b905-4575-9e7f-6f887cfb368e"}},
		{name: "boolean filter", in: `emails[primary eq true].value`, want: patchPath{attr: "emails", filterAttr: "primary", filterValue: "true", sub: "value"}},
		{name: "enterprise extension", in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
			want: patchPath{schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", attr: "department"}},
		{name: "enterprise manager", in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
			want: patchPath{schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", attr: "manager", sub: "value"}},
		{name: "colon in filter value", in: `members[value eq "a:b"]`, want: patchPath{attr: "members", filterAttr: "value", filterValue: "a:b"}},
		{name: "empty", in: "", bad: true},
		{name: "unclosed", in: `members[value eq "x"`, bad: true},
		{name: "other operator", in: `members[value ne "x"]`, bad: true},
		{name: "unquoted filter value", in: `members[value eq x]`, bad: true},
		{name: "junk after filter", in: `members[value eq "x"]junk`, bad: true},
		{name: "two dots", in: "name.given.name", bad: true},
		{name: "space", in: "user name", bad: true},
		{name: "object filter value", in: `members[value eq {}]`, bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parsePath(c.in)
			var ep *errPath
			if c.bad {
				if !errors.As(err, &ep) {
					t.Fatalf("parsePath(%q) = %+v, %v; want an invalidPath error", c.in, got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("parsePath(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			}
		})
	}
}

func ops(t *testing.T, doc string) []patchOp {
	t.Helper()
	var d struct {
		Operations []patchOp `json:"Operations"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	for i := range d.Operations {
		d.Operations[i].Op = strings.ToLower(d.Operations[i].Op)
	}
	return d.Operations
}

func TestUserPatch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, doc string
		check     func(t *testing.T, active *bool, given, email *string)
		bad       bool
	}{
		{name: "entra string boolean", doc: `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			check: func(t *testing.T, active *bool, _, _ *string) {
				if active == nil || *active {
					t.Fatalf("active = %v", active)
				}
			}},
		{name: "okta no path", doc: `{"Operations":[{"op":"replace","value":{"active":false}}]}`,
			check: func(t *testing.T, active *bool, _, _ *string) {
				if active == nil || *active {
					t.Fatalf("active = %v", active)
				}
			}},
		{name: "entra name and email", doc: `{"Operations":[{"op":"Add","path":"name.givenName","value":"Ann"},{"op":"Replace","path":"emails[type eq \"work\"].value","value":"ann@example.com"}]}`,
			check: func(t *testing.T, _ *bool, given, email *string) {
				if given == nil || *given != "Ann" || email == nil || *email != "ann@example.com" {
					t.Fatalf("given %v, email %v", given, email)
				}
			}},
		{name: "ignored attributes", doc: `{"Operations":[{"op":"Replace","path":"title","value":"CEO"},{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"R&D"}]}`,
			check: func(t *testing.T, active *bool, given, email *string) {
				if active != nil || given != nil || email != nil {
					t.Fatal("ignored attributes changed something")
				}
			}},
		{name: "active not boolean", doc: `{"Operations":[{"op":"Replace","path":"active","value":"maybe"}]}`, bad: true},
		{name: "remove without path", doc: `{"Operations":[{"op":"remove"}]}`, bad: true},
		{name: "remove userName", doc: `{"Operations":[{"op":"remove","path":"userName"}]}`, bad: true},
		{name: "bad path", doc: `{"Operations":[{"op":"replace","path":"a b","value":"x"}]}`, bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := userPatch(ops(t, c.doc))
			if c.bad {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, in.Active, in.GivenName, in.Email)
		})
	}
}

func TestGroupPatch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, doc    string
		set          []string
		add, remove  []string
		displayName  string
		bad, withSet bool
	}{
		{name: "okta add", doc: `{"Operations":[{"op":"add","path":"members","value":[{"value":"u1","display":"a@b.c"}]}]}`, add: []string{"u1"}},
		{name: "okta remove by filter", doc: `{"Operations":[{"op":"remove","path":"members[value eq \"u1\"]"}]}`, remove: []string{"u1"}},
		{name: "entra remove by value", doc: `{"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u2"}]}]}`, remove: []string{"u2"}},
		{name: "replace then add", doc: `{"Operations":[{"op":"replace","path":"members","value":[{"value":"u1"}]},{"op":"add","path":"members","value":[{"value":"u2"}]}]}`,
			withSet: true, set: []string{"u1", "u2"}},
		{name: "remove all", doc: `{"Operations":[{"op":"remove","path":"members"}]}`, withSet: true, set: []string{}},
		{name: "add then remove cancels", doc: `{"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]},{"op":"remove","path":"members[value eq \"u1\"]"}]}`,
			remove: []string{"u1"}},
		{name: "okta rename without path", doc: `{"Operations":[{"op":"replace","value":{"id":"ug1","displayName":"Renamed"}}]}`, displayName: "Renamed"},
		{name: "add with filter", doc: `{"Operations":[{"op":"add","path":"members[value eq \"u1\"]","value":[{"value":"u1"}]}]}`, bad: true},
		{name: "unknown attribute", doc: `{"Operations":[{"op":"replace","path":"owner","value":"x"}]}`, bad: true},
		{name: "members not a list", doc: `{"Operations":[{"op":"add","path":"members","value":"u1"}]}`, bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := groupPatch(ops(t, c.doc))
			if c.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.withSet != (in.Members != nil) || in.Members != nil && !slices.Equal(*in.Members, c.set) {
				t.Fatalf("members = %v, want %v", in.Members, c.set)
			}
			if !slices.Equal(in.Add, c.add) || !slices.Equal(in.Remove, c.remove) {
				t.Fatalf("add %v remove %v; want %v, %v", in.Add, in.Remove, c.add, c.remove)
			}
			if c.displayName != "" && (in.DisplayName == nil || *in.DisplayName != c.displayName) {
				t.Fatalf("displayName = %v", in.DisplayName)
			}
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a@b.c"`, `externalId eq "x\"y"`, `userName eq "x" and active eq true`, `x`, ` eq `, `urn:ietf:params:scim:schemas:core:2.0:User:userName eq ""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseFilter(s, schemaUser, "userName", "externalId")
		if err != nil {
			var ef *errFilter
			if !errors.As(err, &ef) {
				t.Fatalf("parseFilter(%q): %v is not an invalidFilter error", s, err)
			}
			return
		}
		if got.attr != "userName" && got.attr != "externalId" {
			t.Fatalf("parseFilter(%q) accepted attribute %q", s, got.attr)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got.value) {
			t.Fatalf("parseFilter(%q) made invalid UTF-8", s)
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"active", "name.givenName", `emails[type eq "work"].value`, `members[value eq "u1"]`,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", `a[b eq 1]`, `[]`, `x[`, `urn:`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			var ep *errPath
			if !errors.As(err, &ep) {
				t.Fatalf("parsePath(%q): %v is not an invalidPath error", s, err)
			}
			return
		}
		if !validName(p.attr) || p.sub != "" && !validName(p.sub) || p.filterAttr != "" && !validName(p.filterAttr) {
			t.Fatalf("parsePath(%q) = %+v: a name is not an attribute name", s, p)
		}
		if p.attr != strings.ToLower(p.attr) {
			t.Fatalf("parsePath(%q) = %+v: attribute not lower-cased", s, p)
		}
	})
}
