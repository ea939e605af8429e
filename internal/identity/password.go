package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

const (
	argonKeyLen = 32
	saltLen     = 16

	minPasswordLen = 8
	maxPasswordLen = 256
)

// PasswordParams are argon2id's cost parameters. They are stored with
// every hash, so changing them affects only new hashes: old ones still
// verify with the cost they were made with.
type PasswordParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultPasswordParams are production's: OWASP's recommended minimum is
// 19 MiB, 2 passes, one lane; this uses a little more memory.
var DefaultPasswordParams = PasswordParams{Time: 2, MemoryKiB: 32 * 1024, Threads: 1}

// FastPasswordParams are argon2id's cheapest parameters, for tests only:
// a login costs microseconds instead of about 40 ms. Never use them for
// real passwords.
var FastPasswordParams = PasswordParams{Time: 1, MemoryKiB: 8, Threads: 1}

// PasswordHasher hashes passwords with argon2id and verifies them.
type PasswordHasher struct {
	params PasswordParams
	// dummy is verified against when a user does not exist, so that the
	// time a login takes does not reveal whether the email is
	// registered; it has the cost of the hashes this hasher makes.
	dummy func() string
}

// NewPasswordHasher returns a hasher using params; zero params mean
// DefaultPasswordParams.
func NewPasswordHasher(params PasswordParams) *PasswordHasher {
	if params == (PasswordParams{}) {
		params = DefaultPasswordParams
	}
	h := &PasswordHasher{params: params}
	h.dummy = sync.OnceValue(func() string {
		d, _ := h.Hash("gatehouse-timing-equaliser") // crypto/rand never fails
		return d
	})
	return h
}

// Params returns the parameters new hashes are made with.
func (h *PasswordHasher) Params() PasswordParams { return h.params }

// CheckPasswordPolicy rejects passwords that are too short or too long.
func CheckPasswordPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < minPasswordLen {
		return fmt.Errorf("%w: password must be at least %d characters", ErrWeakPassword, minPasswordLen)
	}
	if n > maxPasswordLen {
		return fmt.Errorf("%w: password must be at most %d characters", ErrWeakPassword, maxPasswordLen)
	}
	return nil
}

// Hash returns a PHC-format argon2id hash of pw.
func (h *PasswordHasher) Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := h.params
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC-format hash. An empty or
// malformed hash never matches, but still costs one argon2id computation.
func (h *PasswordHasher) Verify(hash, pw string) bool {
	ok, err := verify(hash, pw)
	if err != nil {
		_, _ = verify(h.dummy(), pw)
		return false
	}
	return ok
}

func verify(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("unsupported argon2 version")
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 64 {
		return false, fmt.Errorf("bad argon2 parameters")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, fmt.Errorf("bad argon2 key")
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword returns a random password of n characters drawn from an
// alphabet without look-alike characters.
func GeneratePassword(n int) string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	r := make([]byte, n)
	if _, err := rand.Read(r); err != nil {
		panic(err)
	}
	for i := range b {
		// 256 % 57 bias is negligible for a generated password, but avoid
		// it anyway by rejection sampling.
		for r[i] >= byte(256-256%len(alphabet)) {
			var one [1]byte
			if _, err := rand.Read(one[:]); err != nil {
				panic(err)
			}
			r[i] = one[0]
		}
		b[i] = alphabet[int(r[i])%len(alphabet)]
	}
	return string(b)
}
