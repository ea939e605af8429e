package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// tagRow is one key of a project's or service's tags, as a table row.
type tagRow struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// tagTarget says whose tags a tags command edits: the path of its tags
// endpoint and the operation names of list, replace and update.
type tagTarget struct {
	noun string
	path func() (string, error)
	ops  [3]string
}

// tagsCommand is `<noun> tags list|replace|update`, as avn spells them:
// replace sets exactly the tags given, update adds --tag and removes
// --untag keys, leaving the others alone.
func tagsCommand(a *app, t tagTarget) *cobra.Command {
	cmd := &cobra.Command{Use: "tags", Short: "List or change a " + t.noun + "'s tags"}
	list := &cobra.Command{
		Use: "list", Short: "List the " + t.noun + "'s tags", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := t.path()
			if err != nil {
				return err
			}
			var out struct {
				Tags map[string]string `json:"tags"`
			}
			if err := c.into(ctx, t.ops[0], http.MethodGet, p, nil, &out); err != nil {
				return err
			}
			rows := make([]tagRow, 0, len(out.Tags))
			for k, v := range out.Tags {
				rows = append(rows, tagRow{k, v})
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
			return a.print(rows, "key", "value")
		}),
	}
	var set []string
	replace := &cobra.Command{
		Use: "replace", Short: "Set the " + t.noun + "'s tags to exactly those given", Args: cobra.NoArgs,
		Example: "  gatehouse " + t.noun + " tags replace --tag env=prod --tag team=data",
		RunE: a.with(func(ctx context.Context, c *api) error {
			tags, err := parseTags(set)
			if err != nil {
				return err
			}
			p, err := t.path()
			if err != nil {
				return err
			}
			if _, err := c.do(ctx, t.ops[1], http.MethodPut, p, map[string]any{"tags": tags}); err != nil {
				return err
			}
			a.say("Replaced the %s's tags (%d).", t.noun, len(tags))
			return nil
		}),
	}
	replace.Flags().StringArrayVar(&set, "tag", nil, "a tag as key=value (repeatable)")
	var add, remove []string
	update := &cobra.Command{
		Use: "update", Short: "Add or change some of the " + t.noun + "'s tags and remove others", Args: cobra.NoArgs,
		Example: "  gatehouse " + t.noun + " tags update --tag env=staging --untag owner",
		RunE: a.with(func(ctx context.Context, c *api) error {
			tags, err := parseTags(add)
			if err != nil {
				return err
			}
			if len(tags) == 0 && len(remove) == 0 {
				return fmt.Errorf("give at least one --tag key=value or --untag key")
			}
			body := map[string]*string{}
			for k, v := range tags {
				body[k] = &v
			}
			for _, k := range remove {
				if _, both := tags[k]; both {
					return fmt.Errorf("tag %q is both set and removed", k)
				}
				body[k] = nil // Aiven: a null value removes the key
			}
			p, err := t.path()
			if err != nil {
				return err
			}
			if _, err := c.do(ctx, t.ops[2], http.MethodPatch, p, map[string]any{"tags": body}); err != nil {
				return err
			}
			a.say("Updated the %s's tags.", t.noun)
			return nil
		}),
	}
	update.Flags().StringArrayVar(&add, "tag", nil, "a tag to add or change, as key=value (repeatable)")
	update.Flags().StringArrayVar(&remove, "untag", nil, "a tag key to remove (repeatable)")
	cmd.AddCommand(list, replace, update)
	return cmd
}

// parseTags reads key=value flags; a key given twice is a mistake, not a
// silent overwrite.
func parseTags(kvs []string) (map[string]string, error) {
	tags := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--tag %q: want key=value", kv)
		}
		if _, dup := tags[k]; dup {
			return nil, fmt.Errorf("--tag %q: key given twice", k)
		}
		tags[k] = v
	}
	return tags, nil
}

func projectTags(a *app) *cobra.Command {
	var project string
	cmd := tagsCommand(a, tagTarget{
		noun: "project",
		path: func() (string, error) {
			p, err := a.projectName(project)
			return projectPath(p, "tags"), err
		},
		ops: [3]string{"ProjectTagsList", "ProjectTagsReplace", "ProjectTagsUpdate"},
	})
	cmd.PersistentFlags().StringVar(&project, "project", "", "project name (env GATEHOUSE_PROJECT)")
	return cmd
}

func serviceTags(a *app) *cobra.Command {
	var project, svc string
	cmd := tagsCommand(a, tagTarget{
		noun: "service",
		path: func() (string, error) {
			if svc == "" {
				return "", fmt.Errorf("--service is required")
			}
			p, err := a.projectName(project)
			return servicePath(p, svc, "tags"), err
		},
		ops: [3]string{"ProjectServiceTagsList", "ProjectServiceTagsReplace", "ProjectServiceTagsUpdate"},
	})
	cmd.PersistentFlags().StringVar(&project, "project", "", "project name (env GATEHOUSE_PROJECT)")
	cmd.PersistentFlags().StringVar(&svc, "service", "", "service name")
	return cmd
}

// projectCAGet prints the project's CA certificate, which clients of its
// services trust (avn project ca-get).
func projectCAGet(a *app) *cobra.Command {
	var project, target string
	cmd := &cobra.Command{
		Use: "ca-get", Short: "Print or save the project's CA certificate", Args: cobra.NoArgs,
		Example: "  gatehouse project ca-get --project my-project --target-filepath ca.pem",
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ProjectKmsGetCA", http.MethodGet, projectPath(p, "kms", "ca"), nil)
			if err != nil {
				return err
			}
			var out struct {
				Certificate string `json:"certificate"`
			}
			if err := json.Unmarshal(raw, &out); err != nil || out.Certificate == "" {
				return fmt.Errorf("the server's answer holds no certificate")
			}
			if target != "" {
				if err := os.WriteFile(target, []byte(out.Certificate), 0o644); err != nil {
					return err
				}
				a.say("Wrote the CA certificate of %s to %s.", p, target)
				return nil
			}
			if a.json || a.format != "" {
				return a.print(out)
			}
			_, err = fmt.Fprint(a.stdout, out.Certificate)
			return err
		}),
	}
	projectFlag(cmd, &project)
	cmd.Flags().StringVar(&target, "target-filepath", "", "write the certificate to this file instead of printing it")
	return cmd
}
