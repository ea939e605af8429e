package server

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/secret"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

func TestSecretKeys(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	k1, k2 := secret.NewKey(), secret.NewKey()
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte(secret.EncodeKey(k2)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		cfg     Config
		dialect string
		want    [][]byte
		wantErr string
	}{
		{"env keys, first encrypts", Config{SecretKey: secret.EncodeKey(k1) + "," + secret.EncodeKey(k2)}, sqlstore.DialectPostgres, [][]byte{k1, k2}, ""},
		{"key file flag", Config{SecretKeyFile: keyFile, SecretKey: secret.EncodeKey(k1)}, sqlstore.DialectPostgres, [][]byte{k2}, ""},
		{"bad env key", Config{SecretKey: "short"}, sqlstore.DialectSQLite, nil, "GATEHOUSE_SECRET_KEY"},
		{"missing key file", Config{SecretKeyFile: keyFile + ".nope"}, sqlstore.DialectSQLite, nil, "secret key file"},
		{"postgres requires a key", Config{Database: "postgres://x/y"}, sqlstore.DialectPostgres, nil, "required with PostgreSQL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := secretKeys(c.cfg, c.dialect, quiet)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d keys, want %d", len(got), len(c.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], c.want[i]) {
					t.Fatalf("key %d differs", i)
				}
			}
		})
	}
}

func TestPostgresWithoutKeyRefusedBeforeMigrating(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: a start that got past the key check
	// would fail to connect instead.
	err := Run(t.Context(), Config{Database: "postgres://postgres@127.0.0.1:1/none?sslmode=disable"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nil)
	if !errors.Is(err, errNoPostgresKey) {
		t.Fatalf("err = %v, want the missing-key refusal", err)
	}
}

func TestSecretKeyFileNextToSQLite(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	db := filepath.Join(t.TempDir(), "g.db")
	first, err := secretKeys(Config{Database: db + "?_pragma=x"}, sqlstore.DialectSQLite, log)
	if err != nil || len(first) != 1 {
		t.Fatalf("first start: %v %v", first, err)
	}
	fi, err := os.Stat(db + keyFileSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(logs.String(), "generated a secret key") || strings.Contains(logs.String(), secret.EncodeKey(first[0])) {
		t.Fatalf("log should announce the key file without the key: %s", logs.String())
	}
	again, err := secretKeys(Config{Database: db}, sqlstore.DialectSQLite, log)
	if err != nil || len(again) != 1 || !bytes.Equal(again[0], first[0]) {
		t.Fatalf("restart read another key: %v", err)
	}
	if err := os.WriteFile(db+keyFileSuffix, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := secretKeys(Config{Database: db}, sqlstore.DialectSQLite, log); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}
