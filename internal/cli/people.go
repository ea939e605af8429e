package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// peopleFlags adds the flags of invitations and password mail. The SMTP
// URL may hold a password, so its environment variable is read at run
// time rather than shown as the flag's default in --help. Project
// invitations share these settings; a flag another feature already
// defined is left as it is.
func peopleFlags(cmd *cobra.Command, cfg *server.Config) {
	f := cmd.Flags()
	if f.Lookup("smtp-url") != nil {
		return
	}
	f.StringVar(&cfg.SMTPURL, "smtp-url", "", "mail relay for invitations and password resets, smtp://user:pass@host:587 or smtps://... (env GATEHOUSE_SMTP_URL)")
	f.StringVar(&cfg.MailFrom, "mail-from", envOr("GATEHOUSE_MAIL_FROM", ""), "sender address of Gatehouse's mail (env GATEHOUSE_MAIL_FROM)")
	f.StringVar(&cfg.PublicURL, "public-url", envOr("GATEHOUSE_PUBLIC_URL", ""), "base URL of links in emails, e.g. https://gatehouse.example.com (env GATEHOUSE_PUBLIC_URL; default http://<listen address>)")
	f.DurationVar(&cfg.InvitationTTL, "invitation-ttl", 7*24*time.Hour, "how long organization invitations stay valid (env GATEHOUSE_INVITATION_TTL)")
}

// peopleEnv fills what peopleFlags left unset from the environment.
func peopleEnv(cmd *cobra.Command, cfg *server.Config) error {
	if cfg.SMTPURL == "" {
		cfg.SMTPURL = os.Getenv("GATEHOUSE_SMTP_URL")
	}
	if v := os.Getenv("GATEHOUSE_INVITATION_TTL"); v != "" && !cmd.Flags().Changed("invitation-ttl") {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("GATEHOUSE_INVITATION_TTL: %q is not a positive duration such as 72h", v)
		}
		cfg.InvitationTTL = d
	}
	return nil
}
