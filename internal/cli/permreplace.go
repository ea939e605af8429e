package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/spf13/cobra"
)

// grant is one principal's entry in a resource's full grant list, the
// shape "permissions list --json" prints (other keys are ignored).
type grant struct {
	PrincipalType string   `json:"principal_type"`
	PrincipalID   string   `json:"principal_id"`
	Permissions   []string `json:"permissions"`
}

// maxGrantsFile bounds what permissions replace reads.
const maxGrantsFile = 4 << 20

// parseGrants reads a JSON array of grants, as "permissions list --json"
// prints it (or wrapped in {"permissions": [...]}); the server judges the
// principals and permission names.
func parseGrants(b []byte) ([]grant, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var wrapped struct {
			Permissions *[]grant `json:"permissions"`
		}
		if err := json.Unmarshal(b, &wrapped); err != nil {
			return nil, fmt.Errorf("grants file: %w", err)
		}
		if wrapped.Permissions == nil {
			return nil, errors.New(`grants file: an object needs a "permissions" array`)
		}
		return checkGrants(*wrapped.Permissions)
	}
	var gs []grant
	if err := json.Unmarshal(b, &gs); err != nil {
		return nil, fmt.Errorf("grants file: %w", err)
	}
	return checkGrants(gs)
}

func checkGrants(gs []grant) ([]grant, error) {
	if gs == nil {
		gs = []grant{}
	}
	for i, g := range gs {
		if g.PrincipalType == "" || g.PrincipalID == "" {
			return nil, fmt.Errorf("grants file: entry %d needs principal_type and principal_id", i)
		}
		if g.Permissions == nil {
			gs[i].Permissions = []string{}
		}
	}
	return gs, nil
}

func permissionsReplace(a *app) *cobra.Command {
	var org, rtype, rid, file string
	var force bool
	cmd := &cobra.Command{
		Use:   "replace",
		Short: "Replace every grant on a resource with those in a file (JSON, as permissions list --json prints)",
		Long: `Replace every grant on a resource with the list in a JSON file: the
"permissions list --json" output, edited. Principals missing from the file
lose their grants on the resource. Asks first unless --force; with
--file - the list is read from standard input and --force is required.`,
		Example: `  gatehouse permissions list --resource-type project --resource-id backend-prod --json > grants.json
  $EDITOR grants.json
  gatehouse permissions replace --resource-type project --resource-id backend-prod --file grants.json`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			var r io.Reader = a.stdin
			if file == "-" {
				if !force {
					return errors.New("--file - reads standard input, so it cannot ask: add --force")
				}
			} else {
				f, err := os.Open(file)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			b, err := io.ReadAll(io.LimitReader(r, maxGrantsFile+1))
			if err != nil {
				return err
			}
			if len(b) > maxGrantsFile {
				return fmt.Errorf("grants file: larger than %d bytes", maxGrantsFile)
			}
			gs, err := parseGrants(b)
			if err != nil {
				return err
			}
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			rid := firstOf(rid, id)
			if err := a.confirm(force, fmt.Sprintf("Replace every grant on %s %s with the %d in %s?", rtype, rid, len(gs), file)); err != nil {
				return err
			}
			path := "/v1/organization/" + url.PathEscape(id) + "/permissions/" + url.PathEscape(rtype) + "/" + url.PathEscape(rid)
			if _, err := c.do(ctx, "PermissionsSet", http.MethodPut, path, map[string][]grant{"permissions": gs}); err != nil {
				return err
			}
			a.say("Replaced the grants on %s %s.", rtype, rid)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	f := cmd.Flags()
	f.StringVar(&rtype, "resource-type", "organization", "organization, organization_unit or project")
	f.StringVar(&rid, "resource-id", "", "unit ID or project name (default: the organization)")
	f.StringVar(&file, "file", "", `JSON file of grants ("-" for standard input)`)
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("file")
	return cmd
}
