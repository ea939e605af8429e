package backend

import (
	"strings"
	"testing"
)

func FuzzEngineOf(f *testing.F) {
	for _, s := range []string{"postgres://u:p@h/db", "mysql://root@h", "redis://h:1", "x", "://", "redis://:pw@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		engine, err := EngineOf(uri)
		if err == nil && engine == "" {
			t.Fatal("no engine and no error")
		}
		if err != nil && strings.Contains(uri, "secretpw") && strings.Contains(err.Error(), "secretpw") {
			t.Fatalf("error repeats the URI's password: %v", err)
		}
		_ = Redact(uri)
		// The MySQL URI parser must refuse or accept, never panic.
		_, _ = mysqlConfig(uri)
	})
}

func FuzzPgVerify(f *testing.F) {
	f.Add(pgPassword("password"), "u", "password")
	f.Add("md5"+md5Hex("pwu"), "u", "pw")
	f.Add("SCRAM-SHA-256$0:$:", "u", "")
	f.Fuzz(func(t *testing.T, verifier, user, pw string) {
		_ = pgVerify(verifier, user, pw)
	})
}

func TestPgVerify(t *testing.T) {
	v := pgPassword("correct-horse")
	cases := []struct {
		name, verifier, pw string
		want               bool
	}{
		{"scram match", v, "correct-horse", true},
		{"scram mismatch", v, "wrong-horse", false},
		{"md5 match", "md5" + md5Hex("pw"+"bob"), "pw", true},
		{"md5 mismatch", "md5" + md5Hex("pw"+"bob"), "px", false},
		{"garbage", "SCRAM-SHA-256$x", "pw", false},
		{"huge iterations refused", "SCRAM-SHA-256$99999999:AAAA$AAAA:AAAA", "pw", false},
		{"empty", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := pgVerify(c.verifier, "bob", c.pw); got != c.want {
				t.Fatalf("pgVerify = %v", got)
			}
		})
	}
}
