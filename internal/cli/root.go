// Package cli is the gatehouse command line: "gatehouse serve" runs the
// server; the other verbs are a client for a running server.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// Execute runs the command line with args and returns the exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		return 1
	}
	return 0
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "gatehouse",
		Short:         "Gatehouse: a self-hosted access-control plane for data platforms",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServe(stdout, stderr), newBench(stdout))
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newServe(stdout, stderr io.Writer) *cobra.Command {
	var cfg server.Config
	var invitationTTL string
	var logLevel string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Gatehouse server",
		Long: `Run the Gatehouse server.

On first start with an empty database it creates the first user
(GATEHOUSE_ADMIN_EMAIL, default admin@localhost) and the first organization,
with that user as its super admin. The password comes from
GATEHOUSE_ADMIN_PASSWORD, or is generated and printed once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			ttl, err := time.ParseDuration(invitationTTL)
			if err != nil || ttl <= 0 {
				return fmt.Errorf("--invitation-ttl: %q is not a positive duration such as 72h", invitationTTL)
			}
			cfg.InvitationTTL = ttl
			cfg.AdminEmail = os.Getenv("GATEHOUSE_ADMIN_EMAIL")
			cfg.AdminPassword = os.Getenv("GATEHOUSE_ADMIN_PASSWORD")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return server.Run(ctx, cfg, log, stdout, nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", envOr("GATEHOUSE_LISTEN", server.DefaultListen), "address to listen on (env GATEHOUSE_LISTEN)")
	f.StringVar(&cfg.Database, "database", envOr("GATEHOUSE_DATABASE", server.DefaultDatabase), "SQLite file path or postgres:// URL (env GATEHOUSE_DATABASE)")
	f.StringVar(&cfg.TrustedProxies, "trusted-proxies", os.Getenv("GATEHOUSE_TRUSTED_PROXIES"), "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed; none by default (env GATEHOUSE_TRUSTED_PROXIES)")
	f.StringVar(&cfg.SMTPURL, "smtp-url", os.Getenv("GATEHOUSE_SMTP_URL"), "mail relay, smtp://user:pass@host:587 or smtps://... (env GATEHOUSE_SMTP_URL; prefer the env for a password)")
	f.StringVar(&cfg.MailFrom, "mail-from", os.Getenv("GATEHOUSE_MAIL_FROM"), "sender address of Gatehouse's email (env GATEHOUSE_MAIL_FROM)")
	f.StringVar(&cfg.PublicURL, "public-url", os.Getenv("GATEHOUSE_PUBLIC_URL"), "external base URL used in emailed links (env GATEHOUSE_PUBLIC_URL)")
	f.StringVar(&invitationTTL, "invitation-ttl", envOr("GATEHOUSE_INVITATION_TTL", "168h"), "how long invitations stay valid, e.g. 72h (env GATEHOUSE_INVITATION_TTL)")
	f.StringVar(&logLevel, "log-level", envOr("GATEHOUSE_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env GATEHOUSE_LOG_LEVEL)")
	return cmd
}
