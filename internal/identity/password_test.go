package identity

import (
	"fmt"
	"strings"
	"testing"
)

func TestPasswordHasher(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params PasswordParams
		want   PasswordParams // recorded in the hash
	}{
		{"zero means production's", PasswordParams{}, DefaultPasswordParams},
		{"fast", FastPasswordParams, FastPasswordParams},
		{"custom", PasswordParams{Time: 3, MemoryKiB: 64, Threads: 2}, PasswordParams{Time: 3, MemoryKiB: 64, Threads: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := NewPasswordHasher(tc.params)
			hash, err := h.Hash("correct horse")
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", tc.want.MemoryKiB, tc.want.Time, tc.want.Threads); !strings.HasPrefix(hash, want) {
				t.Fatalf("hash %q, want prefix %q", hash, want)
			}
			if !h.Verify(hash, "correct horse") {
				t.Fatal("the password does not verify")
			}
			if h.Verify(hash, "correct horsf") {
				t.Fatal("a wrong password verifies")
			}
			// Hashes keep their own cost: another hasher verifies them.
			if !NewPasswordHasher(FastPasswordParams).Verify(hash, "correct horse") {
				t.Fatal("a hasher with other parameters does not verify the hash")
			}
		})
	}
}

func TestPasswordHasherRefusesMalformedHashes(t *testing.T) {
	t.Parallel()
	h := NewPasswordHasher(FastPasswordParams)
	for name, hash := range map[string]string{
		"empty":           "",
		"bcrypt":          "$2a$10$abcdefghijklmnopqrstuv",
		"wrong version":   "$argon2id$v=16$m=8,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"zero time":       "$argon2id$v=19$m=8,t=0,p=1$c2FsdHNhbHQ$a2V5",
		"memory too high": "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"bad salt":        "$argon2id$v=19$m=8,t=1,p=1$!!!$a2V5",
	} {
		if h.Verify(hash, "anything") {
			t.Errorf("%s: %q verifies", name, hash)
		}
	}
}
