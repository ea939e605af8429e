package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	oldKey, newKey := NewKey(), NewKey()
	old, err := NewKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	onlyNew, err := NewKeyring(newKey)
	if err != nil {
		t.Fatal(err)
	}
	sealedOld, err := old.Seal([]byte("hunter2 hunter2"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealedOld.Data, []byte("hunter2")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	sealedNew, err := rotated.Seal([]byte("s3cret"), []byte("row-2"))
	if err != nil {
		t.Fatal(err)
	}
	if sealedNew.KeyID != KeyID(newKey) || rotated.Primary() != KeyID(newKey) {
		t.Fatalf("rotated keyring sealed with %s, want the first key %s", sealedNew.KeyID, KeyID(newKey))
	}
	tampered := Sealed{KeyID: sealedOld.KeyID, Data: bytes.Clone(sealedOld.Data)}
	tampered.Data[len(tampered.Data)-1] ^= 1

	cases := []struct {
		name string
		ring *Keyring
		s    Sealed
		aad  string
		want string
		err  error
	}{
		{"same key", old, sealedOld, "row-1", "hunter2 hunter2", nil},
		{"old key still decrypts after rotation", rotated, sealedOld, "row-1", "hunter2 hunter2", nil},
		{"new key", rotated, sealedNew, "row-2", "s3cret", nil},
		{"retired key", onlyNew, sealedOld, "row-1", "", ErrUnknownKey},
		{"moved to another row", old, sealedOld, "row-2", "", ErrCorrupt},
		{"tampered", old, tampered, "row-1", "", ErrCorrupt},
		{"truncated", old, Sealed{KeyID: sealedOld.KeyID, Data: sealedOld.Data[:5]}, "row-1", "", ErrCorrupt},
		{"empty keyring", &Keyring{}, sealedOld, "row-1", "", ErrNoKey},
		{"nil keyring", nil, sealedOld, "row-1", "", ErrNoKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.ring.Open(c.s, []byte(c.aad))
			if !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if string(got) != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	if _, err := (&Keyring{}).Seal([]byte("x"), nil); !errors.Is(err, ErrNoKey) {
		t.Fatalf("empty keyring sealed: %v", err)
	}
}

func TestSealNoncesDiffer(t *testing.T) {
	k, _ := NewKeyring(NewKey())
	a, _ := k.Seal([]byte("same"), nil)
	b, _ := k.Seal([]byte("same"), nil)
	if bytes.Equal(a.Data, b.Data) {
		t.Fatal("two seals of the same plaintext are equal: nonce reused")
	}
}

func TestParseKeys(t *testing.T) {
	key := NewKey()
	key2 := NewKey()
	cases := []struct {
		name string
		in   string
		want [][]byte
		err  bool
	}{
		{"base64", EncodeKey(key), [][]byte{key}, false},
		{"raw url base64", base64.RawURLEncoding.EncodeToString(key), [][]byte{key}, false},
		{"hex", hex.EncodeToString(key), [][]byte{key}, false},
		{"list with spaces", EncodeKey(key) + ", " + hex.EncodeToString(key2), [][]byte{key, key2}, false},
		{"empty", "", nil, false},
		{"too short", base64.StdEncoding.EncodeToString(key[:16]), nil, true},
		{"garbage", "not a key", nil, true},
		{"second bad", EncodeKey(key) + ",zz", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseKeys(c.in)
			if (err != nil) != c.err {
				t.Fatalf("err = %v, want error %v", err, c.err)
			}
			if !c.err && len(got) != len(c.want) {
				t.Fatalf("got %d keys, want %d", len(got), len(c.want))
			}
			for i := range c.want {
				if !c.err && !bytes.Equal(got[i], c.want[i]) {
					t.Fatalf("key %d differs", i)
				}
			}
			if err != nil && strings.Contains(err.Error(), c.in) && c.in != "" {
				t.Fatal("error message repeats the key material")
			}
		})
	}
	if _, err := NewKeyring(key[:10]); !errors.Is(err, ErrBadKey) {
		t.Fatalf("short key accepted: %v", err)
	}
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw := NewPassword()
		if len(pw) != PasswordLength || len(pw) < 24 {
			t.Fatalf("length %d", len(pw))
		}
		if strings.Trim(pw, passwordAlphabet) != "" {
			t.Fatalf("%q has characters outside the alphabet", pw)
		}
		if seen[pw] {
			t.Fatal("repeated password")
		}
		seen[pw] = true
	}
}

func FuzzParseKeys(f *testing.F) {
	f.Add(EncodeKey(NewKey()))
	f.Add("a,b,,c")
	f.Add(strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseKeys(s)
		if err != nil {
			return
		}
		for _, k := range keys {
			if len(k) != KeySize {
				t.Fatalf("parsed a %d-byte key", len(k))
			}
		}
		if _, err := NewKeyring(keys...); err != nil {
			t.Fatalf("parsed keys refused by NewKeyring: %v", err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	k, _ := NewKeyring(NewKey())
	s, _ := k.Seal([]byte("pw"), []byte("id"))
	f.Add(s.Data, "id")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, data []byte, aad string) {
		// Arbitrary ciphertexts must fail cleanly, never panic.
		_, _ = k.Open(Sealed{KeyID: k.Primary(), Data: data}, []byte(aad))
	})
}
