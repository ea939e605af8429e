package control

import (
	"context"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/outbound"
	"github.com/gatehouse-dev/gatehouse/internal/ownership"
	"github.com/gatehouse-dev/gatehouse/internal/secret"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
)

// Defaults of the settings below; the command line shows the same.
const (
	DefaultInvitationTTL  = 7 * 24 * time.Hour
	DefaultKafkaUserLimit = 50
)

// settings are the Plane's feature configuration, set through Options.
// Each feature reads its own fields; zero values mean the documented
// defaults.
type settings struct {
	mailer    mail.Sender
	publicURL string // base URL for links in emails, e.g. https://gatehouse.example.com

	invitationTTL time.Duration // organization and project invitations; default DefaultInvitationTTL

	keyring    *secret.Keyring // service-user passwords, connection URIs, TOTP seeds: the first key seals, all open
	keyringErr error           // a key WithSecretKeys could not use
	// backends connects to the real server behind a service (tests
	// replace it to make a server fail).
	backends func(ctx context.Context, uri string) (backend.Backend, error)
	// outbound limits where service connections and Kafka syncs may
	// connect; default outbound.Default().
	outbound *outbound.Policy

	dnsResolver     string             // host:port of the DNS server domain verification asks; "" = system
	domainRecheck   time.Duration      // how often verified domains are re-checked; 0 = never
	domainGrace     time.Duration      // how long a vanished record is tolerated before unverifying
	challengeRecord string             // TXT record name prefix, default ownership.DefaultRecord
	proof           *ownership.Checker // built from dnsResolver and challengeRecord
	kafkaUserLimit  int                // default service-user cap of a Kafka service; default DefaultKafkaUserLimit

	passwordParams identity.PasswordParams // argon2id cost; zero = identity.DefaultPasswordParams
}

// WithMailer sets how email is sent (default: not configured).
func WithMailer(m mail.Sender) Option { return func(p *Plane) { p.cfg.mailer = m } }

// WithPublicURL sets the base URL used in links sent by email.
func WithPublicURL(u string) Option { return func(p *Plane) { p.cfg.publicURL = u } }

// WithInvitationTTL sets how long invitations stay valid.
func WithInvitationTTL(d time.Duration) Option {
	return func(p *Plane) { p.cfg.invitationTTL = d }
}

// WithSecretKeys sets the keys that encrypt service-user credentials at
// rest: the first encrypts, every key decrypts (rotation).
func WithSecretKeys(keys ...[]byte) Option {
	return func(p *Plane) {
		p.cfg.keyring, p.cfg.keyringErr = secret.NewKeyring(keys...)
	}
}

// WithDNSResolver sets the DNS server (host:port) domain verification asks.
func WithDNSResolver(addr string) Option { return func(p *Plane) { p.cfg.dnsResolver = addr } }

// WithDomainRecheck sets how often verified domains are re-checked and how
// long a vanished record is tolerated before the domain is unverified.
func WithDomainRecheck(interval, grace time.Duration) Option {
	return func(p *Plane) { p.cfg.domainRecheck, p.cfg.domainGrace = interval, grace }
}

// WithChallengeRecord sets the DNS TXT record name prefix of domain
// verification (default ownership.DefaultRecord).
func WithChallengeRecord(name string) Option {
	return func(p *Plane) { p.cfg.challengeRecord = name }
}

// WithOutbound sets the networks service connections (connection_uri) and
// Kafka syncs may connect to; nil keeps outbound.Default().
func WithOutbound(pol *outbound.Policy) Option { return func(p *Plane) { p.cfg.outbound = pol } }

// WithKafkaUserLimit sets the default service-user cap of Kafka services.
func WithKafkaUserLimit(n int) Option { return func(p *Plane) { p.cfg.kafkaUserLimit = n } }

// WithPasswordParams sets the argon2id cost of new password hashes
// (default identity.DefaultPasswordParams). Tests use
// identity.FastPasswordParams so that a login costs microseconds.
func WithPasswordParams(params identity.PasswordParams) Option {
	return func(p *Plane) { p.cfg.passwordParams = params }
}

// applyDefaults fills zero settings.
func (s *settings) applyDefaults() {
	if s.mailer == nil {
		s.mailer = mail.Disabled{}
	}
	if s.invitationTTL <= 0 {
		s.invitationTTL = DefaultInvitationTTL
	}
	if s.challengeRecord == "" {
		s.challengeRecord = ownership.DefaultRecord
	}
	s.proof = &ownership.Checker{Resolver: s.dnsResolver, Record: s.challengeRecord}
	if s.kafkaUserLimit <= 0 {
		s.kafkaUserLimit = DefaultKafkaUserLimit
	}
	if s.outbound == nil {
		s.outbound = outbound.Default()
	}
	if s.backends == nil {
		pol := s.outbound
		s.backends = func(ctx context.Context, uri string) (backend.Backend, error) { return backend.OpenVia(ctx, uri, pol) }
	}
}
