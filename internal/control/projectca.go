package control

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Each project has its own CA certificate, as on Aiven, where it signs the
// services' certificates. Aiven's Terraform provider reads it after
// creating a project and waits until it exists. Gatehouse provisions no
// services, so the private key is thrown away once the certificate is
// signed: only the certificate is kept.
const (
	OpProjectKmsGetCA Op = "ProjectKmsGetCA"
	OpStaticIPList    Op = "StaticIPList"
)

func init() {
	addRequirements(map[Op]rule{
		OpProjectKmsGetCA: anyOf("project:services:read"),
		OpStaticIPList:    anyOf("project:services:read", "project:networking:read"),
	})
}

// projectCAValidity is how long a project CA certificate is valid.
const projectCAValidity = 10 * 365 * 24 * time.Hour

// newProjectCA returns a self-signed CA certificate (PEM) for a project.
func newProjectCA(project string, now time.Time) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("project CA key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", fmt.Errorf("project CA serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: project + " Project CA", Organization: []string{"Gatehouse"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(projectCAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", fmt.Errorf("project CA certificate: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

// ProjectCA returns a project's CA certificate (PEM). A project created
// before projects had one gets it now.
func (p *Plane) ProjectCA(ctx context.Context, a *Actor, project string) (string, error) {
	var cert string
	err := p.read(ctx, func(tx store.Reader) error {
		pr, err := p.authorizedProject(tx, a, OpProjectKmsGetCA, project)
		if err != nil {
			return err
		}
		cert, err = tx.GetProjectCA(pr.Name)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		return cert, err
	}
	fresh, err := newProjectCA(project, p.now().UTC())
	if err != nil {
		return "", err
	}
	err = p.write(ctx, func(tx store.Tx) error {
		pr, err := p.authorizedProject(tx, a, OpProjectKmsGetCA, project)
		if err != nil {
			return err
		}
		// Another request may have made it meanwhile: keep the first.
		if cert, err = tx.GetProjectCA(pr.Name); err == nil {
			return nil
		}
		cert = fresh
		return tx.CreateProjectCA(pr.Name, fresh)
	})
	return cert, err
}

// StaticIPs lists a project's static IP addresses: none, as Gatehouse
// provisions nothing, but the caller must be allowed to ask.
func (p *Plane) StaticIPs(ctx context.Context, a *Actor, project string) ([]string, error) {
	err := p.read(ctx, func(tx store.Reader) error {
		_, err := p.authorizedProject(tx, a, OpStaticIPList, project)
		return err
	})
	return []string{}, err
}
