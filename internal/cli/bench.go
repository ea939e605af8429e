package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/loadgen"
)

func newBench(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure a running server (loopback only)"}
	var cfg loadgen.Config
	var body string
	var showHistogram bool
	h := &cobra.Command{
		Use:   "http PATH...",
		Short: "Send concurrent requests to a server on loopback and report req/s and latency percentiles",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.Paths = args
			cfg.Body = []byte(body)
			if cfg.Token == "" {
				cfg.Token = os.Getenv("GATEHOUSE_AUTH_TOKEN")
			}
			res, err := loadgen.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, res)
			if showHistogram {
				fmt.Fprint(stdout, res.HistogramString())
			}
			if res.FirstFail != "" {
				fmt.Fprintln(stdout, "first failure:", res.FirstFail)
			}
			return nil
		},
	}
	f := h.Flags()
	f.StringVar(&cfg.BaseURL, "url", envOr("GATEHOUSE_URL", "http://127.0.0.1:8080"), "server URL (env GATEHOUSE_URL)")
	f.StringVar(&cfg.Token, "auth-token", "", "token (env GATEHOUSE_AUTH_TOKEN)")
	f.StringVar(&cfg.Method, "method", "GET", "HTTP method")
	f.StringVar(&body, "body", "", "request body")
	f.IntVarP(&cfg.Concurrency, "concurrency", "c", 32, "concurrent connections")
	f.DurationVarP(&cfg.Duration, "duration", "d", 10*time.Second, "how long to run")
	f.BoolVar(&showHistogram, "histogram", false, "also print how many requests took how long, in doubling buckets from 125µs")
	f.IntVarP(&cfg.MaxRequests, "requests", "n", 0, "stop after this many requests (0: run for --duration); a fixed count makes CPU and instruction counts comparable")
	cmd.AddCommand(h)
	return cmd
}
