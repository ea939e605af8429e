// Package server wires Gatehouse together for "gatehouse serve": it opens
// the store, builds the use-case layer and its decision engine, bootstraps
// an empty installation, and serves the HTTP API until its context ends.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/console"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/internal/outbound"
	"github.com/gatehouse-dev/gatehouse/internal/scim"
	"github.com/gatehouse-dev/gatehouse/internal/sso"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/tracing"
)

// Config is the server's configuration.
type Config struct {
	Listen   string // host:port; default 127.0.0.1:8080
	Database string // SQLite file path or postgres:// URL
	// SQLiteSynchronous is SQLite's synchronous mode: NORMAL, FULL (the
	// default) or EXTRA (see sqlstore.WithSynchronous).
	SQLiteSynchronous string
	AdminEmail        string // first user's email (bootstrap only)
	AdminPassword     string // first user's password; generated when empty
	// FollowInterval is how often a server polls the shared store's change
	// log for other servers' writes. Negative: it never follows on its own,
	// only when a request asks for a newer revision (tests of
	// read-your-writes).
	FollowInterval time.Duration
	// TrustedProxies lists, comma-separated, the reverse proxies (addresses
	// or CIDR ranges) whose X-Forwarded-For header is believed when
	// deciding a request's client address. Empty: none is.
	TrustedProxies string

	// SecretKey holds the keys that encrypt service-user credentials:
	// comma-separated, each 32 bytes in base64 or hex; the first
	// encrypts, all decrypt. Empty: on SQLite a key file next to the
	// database is used (generated on first start); PostgreSQL refuses to
	// start (see secretKeys).
	SecretKey string
	// SecretKeyFile, when set, is read for the keys instead (same format).
	SecretKeyFile string
	// KafkaUserLimit caps the users of a Kafka service that sets no
	// user_config.service_user_limit of its own; default
	// control.DefaultKafkaUserLimit.
	KafkaUserLimit int

	// SMTPURL is the mail relay for invitations and password resets,
	// smtp://user:pass@host:587 (STARTTLS when offered) or smtps://...;
	// empty: no mail is sent and admins see invitation links instead.
	SMTPURL  string
	MailFrom string // sender address; default from the URL or gatehouse@<host>
	// PublicURL is the base of links in emails; default http://<listen address>.
	PublicURL string
	// InvitationTTL is how long invitations stay valid; default
	// control.DefaultInvitationTTL.
	InvitationTTL time.Duration

	// Domain verification: the DNS server asked (host:port, "" = the
	// system resolver), the TXT record name prefix, how often verified
	// domains are re-checked (0 = never) and how long a vanished proof is
	// tolerated before the domain is unverified.
	DNSResolver     string
	ChallengeRecord string
	DomainRecheck   time.Duration
	DomainGrace     time.Duration

	// PasswordParams is the argon2id cost of new password hashes; zero
	// (what "gatehouse serve" leaves it) means
	// identity.DefaultPasswordParams. Tests lower it.
	PasswordParams identity.PasswordParams
	// PasswordHashSlots bounds how many password hashes run at once (0:
	// GOMAXPROCS) and PasswordHashWait how long a request waits for one
	// before a 429 (0: two seconds).
	PasswordHashSlots int
	PasswordHashWait  time.Duration

	// OutboundAllow lists, comma-separated, the networks (CIDR ranges or
	// addresses) that service connections (connection_uri) and Kafka
	// syncs may connect to, checked on the resolved address when the
	// socket connects. Empty: any address except link-local ranges and
	// the cloud metadata address 169.254.169.254.
	OutboundAllow string

	// MetricsListen, when set, is a second address (host:port) that
	// serves only GET /metrics, for a scraper on a private network. The
	// main listener serves /metrics too.
	MetricsListen string
	// ReadyMaxLag is how long the decision engine may trail the change
	// log before GET /readyz answers 503; default api.DefaultReadyMaxLag.
	ReadyMaxLag time.Duration

	// PlaneOptions are applied after the ones the fields above make
	// (tests: an operation recorder).
	PlaneOptions []control.Option
}

// Defaults.
const (
	DefaultListen   = "127.0.0.1:8080"
	DefaultDatabase = "gatehouse.db"
	// DefaultSQLiteSynchronous: an access-control store keeps what it
	// acknowledged, across an OS crash or power loss too.
	DefaultSQLiteSynchronous = sqlstore.SynchronousFull
)

// Run serves until ctx is cancelled. ready, if not nil, receives the bound
// address once requests are served. Bootstrap credentials are written to out.
func Run(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer, ready chan<- string) error {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Database == "" {
		cfg.Database = DefaultDatabase
	}
	if cfg.FollowInterval == 0 {
		cfg.FollowInterval = 250 * time.Millisecond
	}
	holdHeapFloor()
	proxies, err := api.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("trusted proxies: %w", err)
	}
	outboundPolicy, err := outbound.Parse(cfg.OutboundAllow)
	if err != nil {
		return fmt.Errorf("outbound allow-list: %w", err)
	}
	// Refuse a PostgreSQL start without a key before touching the
	// database (opening it applies migrations).
	if err := requireKey(cfg); err != nil {
		return err
	}
	if err := validateChallengeRecord(cfg.ChallengeRecord); err != nil {
		return err
	}
	// Tracing is on when the standard OTEL_EXPORTER_OTLP_* variables name
	// a collector; spans still buffered are sent on the way out.
	stopTracing, err := tracing.Setup(ctx, os.Getenv, buildVersion())
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := stopTracing(sctx); err != nil {
			log.Warn("flushing traces", "err", err)
		}
	}()
	if e := tracing.Endpoint(os.Getenv); e != "" {
		log.Info("sending traces over OTLP/HTTP", "endpoint", redact(e))
	}
	st, err := sqlstore.Open(ctx, cfg.Database, sqlstore.WithSynchronous(cfg.SQLiteSynchronous))
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer st.Close()
	mx := metrics.New()
	for name, db := range st.Pools() {
		mx.WatchDB(name, db)
	}

	keys, err := secretKeys(cfg, st.Dialect(), log)
	if err != nil {
		return err
	}
	// Listen before building the plane: links in emails need the bound
	// address when no public URL is configured.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://" + addr
	}
	opts := []control.Option{control.WithLogger(log), control.WithPublicURL(publicURL), control.WithInvitationTTL(cfg.InvitationTTL),
		control.WithDNSResolver(cfg.DNSResolver), control.WithChallengeRecord(cfg.ChallengeRecord),
		control.WithDomainRecheck(cfg.DomainRecheck, cfg.DomainGrace),
		control.WithSecretKeys(keys...), control.WithKafkaUserLimit(cfg.KafkaUserLimit),
		control.WithPasswordParams(cfg.PasswordParams),
		control.WithPasswordHashing(cfg.PasswordHashSlots, cfg.PasswordHashWait), control.WithOutbound(outboundPolicy),
		control.WithObserver(mx)}
	if cfg.SMTPURL != "" {
		m, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return err
		}
		opts = append(opts, control.WithMailer(m))
	} else {
		log.Info("SMTP is not configured: invitations and password resets are not mailed; admins see invitation links in the invitation listing")
	}

	opts = append(opts, cfg.PlaneOptions...)

	start := time.Now()
	plane, err := control.New(ctx, st, opts...)
	if err != nil {
		return fmt.Errorf("loading the decision engine: %w", err)
	}
	mx.WatchEngine(plane)
	log.Info("decision engine loaded", "revision", plane.Revision(), "took", time.Since(start).Round(time.Millisecond))
	// After a key rotation, re-seal credentials under the new first key.
	if n, err := plane.RewrapSecrets(ctx); err != nil {
		return fmt.Errorf("re-encrypting service credentials: %w", err)
	} else if n > 0 {
		log.Info("re-encrypted service credentials under the current key", "count", n)
	}

	boot, err := plane.Bootstrap(ctx, cfg.AdminEmail, cfg.AdminPassword, "")
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if boot.Created {
		fmt.Fprintf(out, "Created the first user %s, super admin of organization %s (%s).\n", boot.Email, boot.Organization.Name, boot.Organization.ID)
		if boot.GeneratedPassword != "" {
			fmt.Fprintf(out, "Generated password (shown only this once, store it now): %s\n", boot.GeneratedPassword)
		}
	}

	fctx, stopFollow := context.WithCancel(ctx)
	defer stopFollow()
	if cfg.FollowInterval > 0 {
		go plane.Follow(fctx, cfg.FollowInterval)
	}
	usesDone := make(chan struct{})
	go func() { defer close(usesDone); plane.RecordTokenUse(fctx, time.Second) }()
	// Token uses are written once more on the way out, before the store
	// closes.
	defer func() { stopFollow(); <-usesDone }()
	go plane.WatchDomains(fctx)

	readyMaxLag := cfg.ReadyMaxLag
	if readyMaxLag <= 0 {
		readyMaxLag = api.DefaultReadyMaxLag
	}
	pages, err := console.New(plane, console.Options{PublicURL: cfg.PublicURL, Describe: api.Describe, ClientIP: api.ClientIP, Log: log})
	if err != nil {
		return err
	}
	// SCIM provisioning lives outside /v1 with its own shapes; it gets the
	// API's request IDs, access log and client address like the console.
	outside := http.NewServeMux()
	outside.Handle("/scim/v2/", scim.New(plane, scim.Options{PublicURL: publicURL, Describe: api.Describe, ClientIP: api.ClientIP, Log: log}))
	outside.Handle("/", pages)
	srv := &http.Server{
		Handler: api.New(plane, log, api.WithTrustedProxies(proxies),
			api.WithRequestObserver(mx), api.WithMetrics(mx.Handler()), api.WithReadyMaxLag(readyMaxLag),
			api.WithPages(outside), api.WithSSO(sso.New(plane, sso.Options{PublicURL: publicURL, ClientIP: api.ClientIP, Log: log}))),
		ConnContext:       api.ConnContext,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.MetricsListen != "" {
		msrv, err := serveMetrics(cfg.MetricsListen, mx.Handler(), errc)
		if err != nil {
			return err
		}
		defer msrv.Close()
		log.Info("serving metrics", "addr", "http://"+msrv.Addr+"/metrics")
	}
	if boot.Created {
		pw := "the password you set"
		if boot.GeneratedPassword != "" {
			pw = "the generated password"
		}
		fmt.Fprintf(out, "Open the console at %s/ and sign in as %s with %s.\n", strings.TrimSuffix(publicURL, "/"), boot.Email, pw)
	} else {
		fmt.Fprintf(out, "Console: %s/\n", strings.TrimSuffix(publicURL, "/"))
	}
	log.Info("serving", "addr", "http://"+addr, "database", redact(cfg.Database), "dialect", st.Dialect(), "outbound", outboundPolicy.String())
	if ready != nil {
		ready <- addr
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped serving: every request answered")
	return nil
}

// serveMetrics serves h at GET /metrics on addr until the returned server
// is closed; Serve's error goes to errc.
func serveMetrics(addr string, h http.Handler, errc chan<- error) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listening on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Addr: ln.Addr().String(), Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	return srv, nil
}

// validateChallengeRecord checks the TXT record name prefix: DNS labels
// of letters, digits, '-' and '_' (it usually starts with '_').
func validateChallengeRecord(name string) error {
	if name == "" {
		return nil
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return fmt.Errorf("domain challenge record %q: must be DNS labels of letters, digits, '-' and '_'", name)
		}
	}
	return nil
}

// redact hides a password in a database URL before it is logged.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			creds := dsn[i+3 : at]
			if user, _, ok := strings.Cut(creds, ":"); ok {
				return dsn[:i+3] + user + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}

// buildVersion is the module version the binary was built from, "devel"
// for a build from a work tree.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}
