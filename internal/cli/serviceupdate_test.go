package cli

import (
	"strings"
	"testing"
)

// TestServiceUpdate changes a service's record from the command line and
// reads it back through Aiven's client.
func TestServiceUpdate(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.login()
		ctx := t.Context()
		c := h.api()
		h.ok("project", "create", "--project", "updated")
		h.env["GATEHOUSE_PROJECT"] = "updated"
		h.ok("service", "create", "--service", "kafka-1", "--service-type", "kafka", "--plan", "business-4")

		out := h.ok("service", "update", "--service", "kafka-1", "--plan", "business-8", "--termination-protection",
			"-c", "service_user_limit=20", "-c", "schema_registry=true", "-c", "note=plain text")
		if !strings.Contains(out, "business-8") {
			t.Errorf("update printed:\n%s", out)
		}
		s, err := c.ServiceGet(ctx, "updated", "kafka-1")
		if err != nil || s.Plan != "business-8" || !s.TerminationProtection || s.UserConfig["service_user_limit"] != float64(20) ||
			s.UserConfig["schema_registry"] != true || s.UserConfig["note"] != "plain text" {
			t.Fatalf("after update = %+v, %v", s, err)
		}
		h.fails("service", "delete", "--service", "kafka-1", "--force")

		h.ok("service", "update", "--service", "kafka-1", "--termination-protection=false", "--remove-config", "note")
		s, err = c.ServiceGet(ctx, "updated", "kafka-1")
		if _, kept := s.UserConfig["note"]; err != nil || s.TerminationProtection || kept || s.Plan != "business-8" {
			t.Fatalf("after second update = %+v, %v", s, err)
		}

		for _, bad := range [][]string{
			{"service", "update", "--service", "kafka-1"},
			{"service", "update", "--service", "kafka-1", "-c", "novalue"},
			{"service", "update", "--service", "kafka-1", "-c", "a=1", "-c", "a=2"},
			{"service", "update", "--service", "kafka-1", "-c", "a=1", "--remove-config", "a"},
			{"service", "update", "--service", "kafka-1", "-c", "service_user_limit=0"},
			{"service", "update", "--plan", "x"},
		} {
			h.fails(bad...)
		}
		h.ok("service", "delete", "--service", "kafka-1", "--force")
	})
}
