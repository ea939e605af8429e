// Package cli is the gatehouse command line: "gatehouse serve" runs the
// server; the other verbs are a client for a running server.
package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

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
	root.AddCommand(newServe(a.stdout, a.stderr), newBench(a.stdout))
	root.AddCommand(newLogin(a), newLogout(a), newUser(a))
	for _, noun := range nouns {
		cmd := noun(a)
		a.addClientFlags(cmd)
		root.AddCommand(cmd)
	}
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

func newServe(stdout, stderr io.Writer) *cobra.Command {
	var cfg server.Config
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
	f.StringVar(&logLevel, "log-level", envOr("GATEHOUSE_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env GATEHOUSE_LOG_LEVEL)")
	return cmd
}
