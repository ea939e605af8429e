// Package secret encrypts the secrets Gatehouse must be able to give back
// (service-user passwords, connection URIs of real services) with AES-256-GCM
// under a keyring: the first key encrypts, every key decrypts, so keys can be
// rotated without re-encrypting everything at once. Each ciphertext carries
// the ID of the key that sealed it.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// Errors of the package.
var (
	// ErrNoKey: the keyring is empty, so nothing can be sealed or opened.
	ErrNoKey = errors.New("no secret key configured")
	// ErrUnknownKey: a ciphertext was sealed by a key the keyring lacks.
	ErrUnknownKey = errors.New("ciphertext sealed by a key that is not configured")
	// ErrBadKey: a key is not 32 bytes of base64 or hex.
	ErrBadKey = errors.New("secret key must be 32 bytes, base64 or hex encoded")
	// ErrCorrupt: a ciphertext failed authentication (tampered, or
	// bound to another record).
	ErrCorrupt = errors.New("ciphertext failed authentication")
)

// Sealed is an encrypted secret: the sealing key's ID and nonce||ciphertext.
type Sealed struct {
	KeyID string
	Data  []byte
}

// Keyring holds the keys. The zero value is empty and refuses everything.
type Keyring struct {
	ids   []string
	aeads map[string]cipher.AEAD
}

// KeyID is a key's public identifier: the first 8 bytes of its SHA-256, in
// hex. It reveals nothing usable about the key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// NewKeyring builds a keyring; keys[0] encrypts. Duplicate keys are
// ignored.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for _, key := range keys {
		if len(key) != KeySize {
			return nil, ErrBadKey
		}
		id := KeyID(key)
		if _, dup := k.aeads[id]; dup {
			continue
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.ids = append(k.ids, id)
		k.aeads[id] = aead
	}
	return k, nil
}

// Empty reports whether the keyring has no key.
func (k *Keyring) Empty() bool { return k == nil || len(k.ids) == 0 }

// Primary returns the ID of the key that seals ("" when empty).
func (k *Keyring) Primary() string {
	if k.Empty() {
		return ""
	}
	return k.ids[0]
}

// Seal encrypts plaintext with the primary key. aad binds the ciphertext to
// its record (a stable row ID), so it cannot be moved to another row.
func (k *Keyring) Seal(plaintext, aad []byte) (Sealed, error) {
	if k.Empty() {
		return Sealed{}, ErrNoKey
	}
	aead := k.aeads[k.ids[0]]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return Sealed{}, err
	}
	return Sealed{KeyID: k.ids[0], Data: aead.Seal(nonce, nonce, plaintext, aad)}, nil
}

// Open decrypts s with the key it names.
func (k *Keyring) Open(s Sealed, aad []byte) ([]byte, error) {
	if k.Empty() {
		return nil, ErrNoKey
	}
	aead, ok := k.aeads[s.KeyID]
	if !ok {
		return nil, fmt.Errorf("%w (key %s)", ErrUnknownKey, s.KeyID)
	}
	if len(s.Data) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	n := aead.NonceSize()
	out, err := aead.Open(nil, s.Data[:n], s.Data[n:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return out, nil
}

// NewKey returns a fresh random key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	return key
}

// EncodeKey returns key as standard base64, the form ParseKeys reads.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// ParseKeys reads a comma- or whitespace-separated list of keys, each 32
// bytes in standard or URL-safe base64 (padded or not) or hex. The first
// is the one that encrypts.
func ParseKeys(s string) ([][]byte, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
	var out [][]byte
	for i, f := range fields {
		key, err := parseKey(f)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		out = append(out, key)
	}
	return out, nil
}

func parseKey(s string) ([]byte, error) {
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, ErrBadKey
}

// passwordAlphabet holds letters and digits only, so generated passwords
// need no quoting in URIs, shells or any server's SQL.
const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// PasswordLength is the length of generated passwords: 28 of 62 symbols,
// about 166 bits.
const PasswordLength = 28

// NewPassword returns a random password of PasswordLength letters and
// digits, drawn without modulo bias.
func NewPassword() string {
	out := make([]byte, 0, PasswordLength)
	var buf [64]byte
	for len(out) < PasswordLength {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("secret: no randomness: " + err.Error())
		}
		for _, b := range buf {
			// 248 = 4*62: values above are rejected to keep it uniform.
			if b < 248 && len(out) < PasswordLength {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}
