// Package cli is the gatehouse command line: "gatehouse serve" runs the
// server; the other verbs are a client for a running server.
package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/ownership"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// Execute runs the command line with args and returns the exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, os.Stdin, stdout, stderr, os.Getenv)
}

// run is Execute with its input and environment given, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: bufio.NewReader(stdin), stdout: stdout, stderr: stderr, getenv: getenv}
	if f, ok := stdin.(*os.File); ok {
		a.stdinFile = f
	}
	root := newRoot(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "Error:", describe(err))
		return 1
	}
	return 0
}

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "gatehouse",
		Short: "Gatehouse: a self-hosted access-control plane for data platforms",
		Long: `Gatehouse: a self-hosted access-control plane for data platforms.

"gatehouse serve" runs the server; every other command is a client of a
running server (--url or GATEHOUSE_URL). Log in once with "gatehouse login",
or pass an API token with --auth-token or GATEHOUSE_AUTH_TOKEN.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServe(a.stdout, a.stderr), newBackup(a.stdout), newBench(a.stdout))
	root.AddCommand(newLogin(a), newLogout(a), newUser(a))
	for _, noun := range nouns {
		cmd := noun(a)
		a.addClientFlags(cmd)
		root.AddCommand(cmd)
	}
	addCompletions(root)
	return root
}

// nouns are the client command groups; each noun's file adds its own in
// an init function.
var nouns []func(*app) *cobra.Command

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envDuration reads a duration from the environment, or returns def; a
// malformed value is added to *errs so the command refuses to start.
func envDuration(name string, def time.Duration, errs *error) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		*errs = errors.Join(*errs, fmt.Errorf("%s: %w", name, err))
		return def
	}
	return d
}

// newLogger returns the server's logger writing format ("text" or
// "json") to w.
func newLogger(w *server.LogWriter, format string, level slog.Level) (*slog.Logger, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "text":
		return slog.New(w.NewHandler(false, level)), nil
	case "json":
		return slog.New(w.NewHandler(true, level)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is neither text nor json", format)
}

func newServe(stdout, stderr io.Writer) *cobra.Command {
	var cfg server.Config
	var invitationTTL string
	var kafkaUserLimit string
	var logLevel string
	var logFormat string
	var envErr error
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Gatehouse server",
		Long: `Run the Gatehouse server.

On first start with an empty database it creates the first user
(GATEHOUSE_ADMIN_EMAIL, default admin@localhost) and the first organization,
with that user as its super admin. The password comes from
GATEHOUSE_ADMIN_PASSWORD, or is generated and printed once.

Service-user passwords and service connections are encrypted with the keys
in GATEHOUSE_SECRET_KEY (comma-separated, 32 bytes each in base64 or hex;
the first encrypts, all decrypt). Without it, a SQLite database gets a key
file next to it (<database>.secret-key, mode 0600) on first start;
PostgreSQL requires the variable.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if envErr != nil {
				return envErr
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			// Log lines are written by a goroutine of their own, off the
			// request path; what is left is written on the way out.
			lw := server.NewLogWriter(stderr)
			defer lw.Close()
			log, err := newLogger(lw, logFormat, level)
			if err != nil {
				return err
			}
			ttl, err := time.ParseDuration(invitationTTL)
			if err != nil || ttl <= 0 {
				return fmt.Errorf("--invitation-ttl: %q is not a positive duration such as 72h", invitationTTL)
			}
			cfg.InvitationTTL = ttl
			if cfg.KafkaUserLimit, err = strconv.Atoi(kafkaUserLimit); err != nil || cfg.KafkaUserLimit < 1 || cfg.KafkaUserLimit > 100000 {
				return fmt.Errorf("--kafka-user-limit: %q is not a whole number from 1 to 100000", kafkaUserLimit)
			}
			cfg.AdminEmail = os.Getenv("GATEHOUSE_ADMIN_EMAIL")
			cfg.AdminPassword = os.Getenv("GATEHOUSE_ADMIN_PASSWORD")
			// Secrets only from the environment: a flag would show in ps.
			cfg.SecretKey = os.Getenv("GATEHOUSE_SECRET_KEY")
			if cfg.SMTPURL == "" {
				// Read here, not as the flag's default, so that --help
				// never prints the relay's password.
				cfg.SMTPURL = os.Getenv("GATEHOUSE_SMTP_URL")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return server.Run(ctx, cfg, log, stdout, nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", envOr("GATEHOUSE_LISTEN", server.DefaultListen), "address to listen on (env GATEHOUSE_LISTEN)")
	f.StringVar(&cfg.Database, "database", envOr("GATEHOUSE_DATABASE", server.DefaultDatabase), "SQLite file path or postgres:// URL (env GATEHOUSE_DATABASE)")
	f.StringVar(&cfg.SQLiteSynchronous, "sqlite-synchronous", envOr("GATEHOUSE_SQLITE_SYNCHRONOUS", server.DefaultSQLiteSynchronous), "SQLite durability: FULL syncs every commit, NORMAL only at checkpoints (an OS crash may drop the last commits), EXTRA also syncs the directory (env GATEHOUSE_SQLITE_SYNCHRONOUS)")
	f.StringVar(&cfg.OutboundAllow, "outbound-allow", os.Getenv("GATEHOUSE_OUTBOUND_ALLOW"), "comma-separated CIDR ranges service connections and Kafka syncs may connect to; default any but link-local and 169.254.169.254 (env GATEHOUSE_OUTBOUND_ALLOW)")
	f.StringVar(&cfg.TrustedProxies, "trusted-proxies", os.Getenv("GATEHOUSE_TRUSTED_PROXIES"), "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed; none by default (env GATEHOUSE_TRUSTED_PROXIES)")
	f.StringVar(&kafkaUserLimit, "kafka-user-limit", envOr("GATEHOUSE_KAFKA_USER_LIMIT", strconv.Itoa(control.DefaultKafkaUserLimit)), "most users a Kafka service may have unless its user_config.service_user_limit says otherwise (env GATEHOUSE_KAFKA_USER_LIMIT)")
	f.StringVar(&cfg.SecretKeyFile, "secret-key-file", os.Getenv("GATEHOUSE_SECRET_KEY_FILE"), "file holding the service-credential keys, instead of GATEHOUSE_SECRET_KEY (env GATEHOUSE_SECRET_KEY_FILE)")
	f.StringVar(&cfg.SMTPURL, "smtp-url", "", "mail relay, smtp://user:pass@host:587 or smtps://... (env GATEHOUSE_SMTP_URL; prefer the env for a password)")
	f.StringVar(&cfg.MailFrom, "mail-from", os.Getenv("GATEHOUSE_MAIL_FROM"), "sender address of Gatehouse's email (env GATEHOUSE_MAIL_FROM)")
	f.StringVar(&cfg.PublicURL, "public-url", os.Getenv("GATEHOUSE_PUBLIC_URL"), "external base URL used in emailed links (env GATEHOUSE_PUBLIC_URL)")
	f.StringVar(&invitationTTL, "invitation-ttl", envOr("GATEHOUSE_INVITATION_TTL", fmt.Sprintf("%.0fh", control.DefaultInvitationTTL.Hours())), "how long invitations stay valid, e.g. 72h (env GATEHOUSE_INVITATION_TTL)")
	f.StringVar(&cfg.DNSResolver, "dns-resolver", os.Getenv("GATEHOUSE_DNS_RESOLVER"), "DNS server (host:port) asked to verify domains; default the system resolver (env GATEHOUSE_DNS_RESOLVER)")
	f.StringVar(&cfg.ChallengeRecord, "domain-challenge-record", envOr("GATEHOUSE_DOMAIN_CHALLENGE_RECORD", ownership.DefaultRecord), "TXT record name prefix of domain verification (env GATEHOUSE_DOMAIN_CHALLENGE_RECORD)")
	f.DurationVar(&cfg.DomainRecheck, "domain-recheck", envDuration("GATEHOUSE_DOMAIN_RECHECK", time.Hour, &envErr), "how often verified domains are re-checked, 0 for never (env GATEHOUSE_DOMAIN_RECHECK)")
	f.DurationVar(&cfg.DomainGrace, "domain-grace", envDuration("GATEHOUSE_DOMAIN_GRACE", 72*time.Hour, &envErr), "how long a verified domain's vanished proof is tolerated before it is unverified (env GATEHOUSE_DOMAIN_GRACE)")
	f.StringVar(&cfg.MetricsListen, "metrics-listen", os.Getenv("GATEHOUSE_METRICS_LISTEN"), "a second address (host:port) serving only GET /metrics, besides the main listener (env GATEHOUSE_METRICS_LISTEN)")
	f.StringVar(&logFormat, "log-format", envOr("GATEHOUSE_LOG_FORMAT", "text"), "log format: text (key=value) or json, one object a line (env GATEHOUSE_LOG_FORMAT)")
	f.StringVar(&logLevel, "log-level", envOr("GATEHOUSE_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env GATEHOUSE_LOG_LEVEL)")
	return cmd
}
