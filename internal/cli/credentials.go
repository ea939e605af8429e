package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// credentials is what "gatehouse login" saves: the server and the session
// token issued to this login, nothing else.
type credentials struct {
	URL       string `json:"url"`
	Token     string `json:"auth_token"`
	UserEmail string `json:"user_email"`
	// Revision is the newest change-log revision this login has seen;
	// every command asks the server for decisions at least that new, so
	// a write through one server is seen by the next command on any other.
	Revision int64 `json:"revision,omitempty"`
}

const credentialsFile = "credentials.json"

// configDir is GATEHOUSE_CONFIG_DIR, or "gatehouse" in the user's
// configuration directory.
func (a *app) configDir() (string, error) {
	if d := a.getenv("GATEHOUSE_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the configuration directory (set GATEHOUSE_CONFIG_DIR): %w", err)
	}
	return filepath.Join(base, "gatehouse"), nil
}

func (a *app) credentialsPath() (string, error) {
	dir, err := a.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, credentialsFile), nil
}

// loadCredentials returns the saved credentials; ok is false when there
// are none.
func (a *app) loadCredentials() (c credentials, ok bool, err error) {
	path, err := a.credentialsPath()
	if err != nil {
		return c, false, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, false, fmt.Errorf("reading %s: %w", path, err)
	}
	return c, c.Token != "", nil
}

// saveCredentials writes the file with mode 0600 (its directory 0700),
// replacing any earlier one atomically.
func (a *app) saveCredentials(c credentials) (string, error) {
	path, err := a.credentialsPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(c, "", "    ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".credentials-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

func (a *app) removeCredentials() error {
	path, err := a.credentialsPath()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
