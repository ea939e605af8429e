package token

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
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
	unknown := "gthx_" + good[5:len(good)-checksumLen]
	cases := map[string]string{
		"unknown kind": unknown + checksum(unknown), // well formed but for its prefix
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

// TestHash: the stored form is the hex SHA-256 of the whole string, for
// tokens (hashed from a stack copy) and for longer strings alike, and
// AppendHash spells it the same without allocating (not parallel:
// AllocsPerRun).
func TestHash(t *testing.T) {
	tok, _, _ := New(KindPersonal)
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"token", tok},
		{"token less one byte", tok[:len(tok)-1]},
		{"token and one byte", tok + "x"},
		{"long", strings.Repeat("gths_", 40)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := sha256.Sum256([]byte(tc.in))
			want := hex.EncodeToString(sum[:])
			if got := Hash(tc.in); got != want {
				t.Fatalf("Hash = %s, want %s", got, want)
			}
			if got := AppendHash([]byte("x"), tc.in); string(got) != "x"+want || len(got) != 1+HashLen {
				t.Fatalf("AppendHash = %s, want x%s", got, want)
			}
		})
	}
	for c := range 256 {
		if got, want := string(hexPairs[c][:]), hex.EncodeToString([]byte{byte(c)}); got != want {
			t.Fatalf("byte %d spelt %q, want %q", c, got, want)
		}
	}
	var buf [HashLen]byte
	if n := testing.AllocsPerRun(100, func() { AppendHash(buf[:0], tok) }); n != 0 {
		t.Fatalf("AppendHash of a token: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Hash(tok) }); n != 1 {
		t.Fatalf("Hash of a token: %v allocations, want 1 (the string)", n)
	}
}

// TestParseAllocates nothing: it runs on every request. Not parallel:
// AllocsPerRun.
func TestParseAllocatesNothing(t *testing.T) {
	tok, _, _ := New(KindSession)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := Parse(tok); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("Parse: %v allocations, want 0", n)
	}
}

// TestCRC: the checksum's CRC is hash/crc32's IEEE one.
func TestCRC(t *testing.T) {
	t.Parallel()
	tok, _, _ := New(KindApplication)
	for _, s := range []string{"", "a", "123456789", tok, tok[:tokenLen-checksumLen], strings.Repeat("\xff\x00", 100)} {
		if got, want := crcIEEE(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("crcIEEE(%q) = %08x, want %08x", s, got, want)
		}
	}
}
