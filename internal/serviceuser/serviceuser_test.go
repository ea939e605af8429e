package serviceuser

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidateUsername(t *testing.T) {
	cases := []struct {
		typ, name string
		ok        bool
	}{
		{"pg", "app_user", true},
		{"pg", "app.user-1@x", true},
		{"kafka", "_svc", true},
		{"pg", "", false},
		{"pg", "-x", false},
		{"pg", "a'b", false},
		{"pg", "a b", false},
		{"pg", "avnadmin", false},
		{"pg", "AVNADMIN", false},
		{"pg", "pg_read_all_data", false},
		{"mysql", strings.Repeat("a", 32), true},
		{"mysql", strings.Repeat("a", 33), false},
		{"pg", strings.Repeat("a", 63), true},
		{"pg", strings.Repeat("a", 64), false},
		{"kafka", strings.Repeat("a", 64), true},
		{"valkey", "default", false},
		{"kafka", "default", true},
	}
	for _, c := range cases {
		t.Run(c.typ+"/"+c.name, func(t *testing.T) {
			err := ValidateUsername(c.typ, c.name)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v is not ErrInvalid", err)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		name, pw string
		ok       bool
	}{
		{"eight", "12345678", true},
		{"seven", "1234567", false},
		{"256 runes", strings.Repeat("é", 256), true},
		{"257", strings.Repeat("a", 257), false},
		{"newline", "abcdefgh\n", false},
		{"invalid utf-8", "abcdefgh\xff", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := ValidatePassword(c.pw); (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestAccessControlRedisFields(t *testing.T) {
	ac := AccessControl{RedisACLKeys: []string{"r"}, ValkeyACLKeys: []string{"v"}, DragonflyACLKeys: []string{"d"}}
	for typ, want := range map[string]string{"redis": "r", "valkey": "v", "dragonfly": "d"} {
		if got := ac.Redis(typ).Keys; len(got) != 1 || got[0] != want {
			t.Errorf("%s: keys %v", typ, got)
		}
	}
}

// FuzzAccessControl: whatever JSON arrives, a validated access control
// holds only rules without whitespace, so no rule can turn into two.
func FuzzAccessControl(f *testing.F) {
	f.Add("redis", `{"redis_acl_keys":["a:*"],"redis_acl_categories":["+@read"]}`)
	f.Add("valkey", `{"valkey_acl_commands":["+config|get"],"valkey_acl_channels":[]}`)
	f.Add("pg", `{"pg_allow_replication":true}`)
	f.Fuzz(func(t *testing.T, typ, body string) {
		var ac AccessControl
		if json.Unmarshal([]byte(body), &ac) != nil {
			return
		}
		if ac.Validate(typ) != nil {
			return
		}
		r := ac.Redis(typ)
		for _, list := range [][]string{r.Keys, r.Channels, r.Categories, r.Commands} {
			for _, rule := range list {
				if rule == "" || strings.ContainsAny(rule, " \t\r\n\x00") {
					t.Fatalf("validated rule %q", rule)
				}
			}
		}
	})
}

func FuzzValidateUsername(f *testing.F) {
	f.Add("pg", "app")
	f.Add("mysql", "a'b")
	f.Fuzz(func(t *testing.T, typ, name string) {
		if ValidateUsername(typ, name) != nil {
			return
		}
		if strings.ContainsAny(name, "'\"`\\ ;\x00") || len(name) > 64 || name == "" {
			t.Fatalf("accepted %q", name)
		}
	})
}
