// Package token generates, recognises and hashes Gatehouse's bearer tokens.
//
// A token looks like "gths_" + 40 base62 characters + a 6-character base62
// CRC32 checksum of everything before it. The fixed prefix lets secret
// scanners find leaked tokens, and the checksum lets both scanners and the
// server reject a mistyped or forged token without a database lookup. Only
// the SHA-256 of a token is ever stored.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Kind says what a token was issued for.
type Kind string

// Token kinds and the prefix each one starts with.
const (
	KindSession     Kind = "session"     // from a password login
	KindPersonal    Kind = "personal"    // a person's own API token
	KindApplication Kind = "application" // an application user's token
)

// AuthMethodPassword marks tokens from a password login.
const AuthMethodPassword = "password"

var kindPrefix = map[Kind]string{
	KindSession:     "gths_",
	KindPersonal:    "gthp_",
	KindApplication: "gtha_",
}

const (
	alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	secretLen   = 40 // 40 base62 characters: about 238 bits of entropy
	checksumLen = 6  // base62 of a 32-bit CRC fits in 6 characters
	prefixChars = 10 // secret characters kept in the displayable prefix
	tokenLen    = 5 + secretLen + checksumLen
)

// Len is the length of every token: a string of another length is none.
const Len = tokenLen

// ErrMalformed reports a string that is not a well-formed Gatehouse token
// (wrong length, prefix, alphabet or checksum).
var ErrMalformed = errors.New("malformed token")

// Token is a stored token: never the secret, only its hash and the
// non-secret prefix that identifies it in listings and paths.
type Token struct {
	Hash            string
	Prefix          string
	Kind            Kind
	UserID          string
	Description     string
	CreateTime      time.Time
	ExpiryTime      *time.Time
	MaxAgeSeconds   *int64
	ExtendWhenUsed  bool
	IPAllowlist     []string
	Scopes          []string
	LastUsedTime    *time.Time
	LastIP          string
	LastUserAgent   string
	CreatedManually bool
	// AuthMethod is how the session behind the token signed in
	// ("password"; "" when unknown), and TwoFactor whether a second factor
	// was checked: organizations' authentication policies decide on them.
	AuthMethod string
	TwoFactor  bool
}

// Expired reports whether the token has expired at now.
func (t Token) Expired(now time.Time) bool {
	return t.ExpiryTime != nil && !now.Before(*t.ExpiryTime)
}

// New returns a fresh token of kind k: the secret (shown once) and its
// stored form's hash and prefix.
func New(k Kind) (secret, hash, prefix string) {
	p, ok := kindPrefix[k]
	if !ok {
		panic("token: unknown kind " + string(k))
	}
	var b strings.Builder
	b.Grow(tokenLen)
	b.WriteString(p)
	max := big.NewInt(int64(len(alphabet)))
	for range secretLen {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b.WriteByte(alphabet[n.Int64()])
	}
	b.WriteString(checksum(b.String()))
	secret = b.String()
	return secret, Hash(secret), PrefixOf(secret)
}

// Parse checks that s is a well-formed token (prefix, alphabet, checksum)
// and returns its kind. It does no I/O, so a forged or truncated token costs
// the server nothing.
func Parse(s string) (Kind, error) {
	if len(s) != tokenLen {
		return "", ErrMalformed
	}
	// A switch, not a walk over kindPrefix: ranging over a map costs
	// more than the rest of Parse (TestNewParse keeps the two alike).
	var kind Kind
	switch s[:5] {
	case "gths_":
		kind = KindSession
	case "gthp_":
		kind = KindPersonal
	case "gtha_":
		kind = KindApplication
	default:
		return "", ErrMalformed
	}
	for i := 5; i < len(s); i++ {
		if !isBase62[s[i]] {
			return "", ErrMalformed
		}
	}
	body, sum := s[:len(s)-checksumLen], s[len(s)-checksumLen:]
	var want [checksumLen]byte
	checksumInto(&want, body)
	if string(want[:]) != sum {
		return "", ErrMalformed
	}
	return kind, nil
}

// isBase62 marks the bytes of alphabet: Parse runs on every request.
var isBase62 = func() (t [256]bool) {
	for i := range len(alphabet) {
		t[alphabet[i]] = true
	}
	return t
}()

// Hash returns the hex SHA-256 of a token, the only form ever stored. A fast
// hash is right here: the secret has over 200 bits of entropy, so it cannot
// be guessed, and an unsalted hash can be looked up by index.
func Hash(secret string) string {
	var b [HashLen]byte
	return string(AppendHash(b[:0], secret))
}

// HashLen is the length of a token's hash as Hash spells it.
const HashLen = 2 * sha256.Size

// AppendHash appends Hash(secret) to dst. A caller that only looks the
// hash up (a map keyed by hashes, indexed with string(hash)) keeps it off
// the heap: authentication runs on every request.
func AppendHash(dst []byte, secret string) []byte {
	var h [sha256.Size]byte
	if len(secret) <= tokenLen {
		// A token: hashed from a stack copy, where []byte(secret) would
		// allocate.
		var in [tokenLen]byte
		h = sha256.Sum256(in[:copy(in[:], secret)])
	} else {
		h = sha256.Sum256([]byte(secret))
	}
	n := len(dst)
	dst = slices.Grow(dst, HashLen)[:n+HashLen]
	// Two digits a table lookup: hex.Encode, a digit at a time, cost a
	// quarter as much as the hash.
	out := (*[HashLen]byte)(dst[n:])
	for i, c := range h {
		out[2*i], out[2*i+1] = hexPairs[c][0], hexPairs[c][1]
	}
	return dst
}

// hexPairs holds each byte value's two lower-case hex digits.
var hexPairs = func() (t [256][2]byte) {
	const digits = "0123456789abcdef"
	for c := range t {
		t[c] = [2]byte{digits[c>>4], digits[c&15]}
	}
	return t
}()

// PrefixOf returns the displayable, non-secret prefix of a token.
func PrefixOf(secret string) string {
	if len(secret) < 5+prefixChars {
		return secret
	}
	return secret[:5+prefixChars]
}

func checksum(body string) string {
	var out [checksumLen]byte
	checksumInto(&out, body)
	return string(out[:])
}

// checksumInto writes the base62 CRC32 (IEEE) of body, most significant
// digit first, zero-padded to checksumLen characters.
func checksumInto(out *[checksumLen]byte, body string) {
	c := crcIEEE(body)
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[c%uint32(len(alphabet))]
		c /= uint32(len(alphabet))
	}
}

// crcTable is CRC-32 (IEEE)'s table, for crcIEEE.
var crcTable = crc32.MakeTable(crc32.IEEE)

// crcIEEE is crc32.ChecksumIEEE of s without converting s: hash/crc32
// reaches its bytes through a function variable, so there a string's
// conversion to bytes allocates, on every request's Parse. A token's body
// is too short for the faster kernels to matter.
func crcIEEE(s string) uint32 {
	c := ^uint32(0)
	for i := 0; i < len(s); i++ {
		c = crcTable[byte(c)^s[i]] ^ c>>8
	}
	return ^c
}
