package control

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// Sealing protects secrets Gatehouse must be able to read back (TOTP
// seeds) when they rest in the store: AES-256-GCM under a key derived from
// the configured secret keys, the first of which seals and all of which
// open (rotation). Without keys, secrets are stored marked "plain:" so a
// later key configuration still reads them; docs/users.md says to set keys.

const (
	sealedPrefix = "v1:"
	plainPrefix  = "plain:"
)

var errUnsealable = errors.New("sealed secret cannot be opened with the configured keys")

func sealKey(k []byte) cipher.AEAD {
	sum := sha256.Sum256(k)
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// seal encrypts plaintext; context binds it to its owner (a user ID), so a
// sealed value copied to another row does not open.
func (p *Plane) seal(plaintext, context string) string {
	if len(p.cfg.secretKeys) == 0 {
		return plainPrefix + plaintext
	}
	aead := sealKey(p.cfg.secretKeys[0])
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out := aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// unseal reverses seal with any configured key.
func (p *Plane) unseal(sealed, context string) (string, error) {
	if s, ok := strings.CutPrefix(sealed, plainPrefix); ok {
		return s, nil
	}
	b64, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", errUnsealable
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return "", errUnsealable
	}
	for _, k := range p.cfg.secretKeys {
		aead := sealKey(k)
		if len(raw) < aead.NonceSize() {
			return "", errUnsealable
		}
		if pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context)); err == nil {
			return string(pt), nil
		}
	}
	return "", errUnsealable
}
