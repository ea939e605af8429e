package token

import (
	"strings"
	"testing"
)

func TestNewParse(t *testing.T) {
	for _, k := range []Kind{KindSession, KindPersonal, KindApplication} {
		t.Run(string(k), func(t *testing.T) {
			secret, hash, prefix := New(k)
			got, err := Parse(secret)
			if err != nil || got != k {
				t.Fatalf("Parse(%q) = %v, %v; want %v", secret, got, err, k)
			}
			if hash != Hash(secret) || len(hash) != 64 {
				t.Fatalf("hash mismatch")
			}
			if !strings.HasPrefix(secret, prefix) || len(prefix) != 15 {
				t.Fatalf("prefix %q of %q", prefix, secret)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	good, _, _ := New(KindPersonal)
	flip := []byte(good)
	if flip[20] == 'a' {
		flip[20] = 'b'
	} else {
		flip[20] = 'a'
	}
	cases := map[string]string{
		"empty":        "",
		"short":        good[:len(good)-1],
		"long":         good + "x",
		"bad prefix":   "ghp_" + good[4:],
		"bad alphabet": good[:10] + "-" + good[11:],
		"checksum":     string(flip),
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(s); err == nil {
				t.Fatalf("Parse(%q) accepted", s)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	good, _, _ := New(KindSession)
	f.Add(good)
	f.Add("")
	f.Add("gths_")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		if err == nil {
			if _, ok := kindPrefix[k]; !ok || !strings.HasPrefix(s, kindPrefix[k]) {
				t.Fatalf("accepted %q as %q", s, k)
			}
			if checksum(s[:len(s)-checksumLen]) != s[len(s)-checksumLen:] {
				t.Fatalf("accepted bad checksum %q", s)
			}
		}
	})
}
