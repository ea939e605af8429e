package control

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/secret"
)

// Sealing protects secrets Gatehouse must be able to read back (TOTP
// seeds) when they rest in the store, with the same keyring as service-user
// passwords (package secret: AES-256-GCM, the first key seals, every key
// opens, each value names its key). The server always has a key (SQLite
// generates one, PostgreSQL requires one); without keys (unit tests) values
// are stored marked "plain:" so a later key configuration still reads them.

const (
	sealedPrefix = "v2:" // v2:<key ID>:<base64 nonce||ciphertext>
	plainPrefix  = "plain:"
)

var errUnsealable = errors.New("sealed secret cannot be opened with the configured keys")

// seal encrypts plaintext; context binds it to its owner (a user ID), so a
// sealed value copied to another row does not open.
func (p *Plane) seal(plaintext, context string) string {
	if p.cfg.keyring.Empty() {
		return plainPrefix + plaintext
	}
	s, err := p.cfg.keyring.Seal([]byte(plaintext), []byte(context))
	if err != nil {
		panic(err) // only a failing random source; the keyring is not empty
	}
	return sealedPrefix + s.KeyID + ":" + base64.RawStdEncoding.EncodeToString(s.Data)
}

// unseal reverses seal with whichever configured key sealed the value.
func (p *Plane) unseal(sealed, context string) (string, error) {
	if s, ok := strings.CutPrefix(sealed, plainPrefix); ok {
		return s, nil
	}
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", errUnsealable
	}
	keyID, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errUnsealable
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return "", errUnsealable
	}
	pt, err := p.cfg.keyring.Open(secret.Sealed{KeyID: keyID, Data: raw}, []byte(context))
	if err != nil {
		return "", errUnsealable
	}
	return string(pt), nil
}
