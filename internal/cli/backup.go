package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// newBackup is "gatehouse backup": an online copy of a SQLite database,
// taken beside running servers, without a server of its own.
func newBackup(stdout io.Writer) *cobra.Command {
	var database, output string
	cmd := &cobra.Command{
		Use:   "backup --output FILE",
		Short: "Copy the SQLite database while servers keep running",
		Long: `Copy the SQLite database to a new file while servers keep running.

The copy is one consistent snapshot (SQLite's VACUUM INTO), readable only
by its owner. Restore it by stopping the server and putting the copy in
place of the database file (removing any -wal and -shm files beside it).
Keep the secret key (GATEHOUSE_SECRET_KEY or <database>.secret-key) with
the copy: without it service-user credentials cannot be decrypted.

PostgreSQL databases are backed up with pg_dump instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "" {
				return fmt.Errorf("--output is required: the new file to write the copy to")
			}
			if err := sqlstore.Backup(cmd.Context(), database, output); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Backed up %s to %s.\n", database, output)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&database, "database", envOr("GATEHOUSE_DATABASE", server.DefaultDatabase), "SQLite file path (env GATEHOUSE_DATABASE)")
	f.StringVarP(&output, "output", "o", "", "the new file to write the copy to")
	return cmd
}
