package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestKafkaACLCommands runs the three ACL models' commands, the
// authorizer and the cluster sync, checking effects through Aiven's client.
func TestKafkaACLCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.login()
		c := h.api()
		ctx := t.Context()
		h.ok("project", "create", "--project", "stream")
		h.env["GATEHOUSE_PROJECT"] = "stream"
		h.ok("service", "create", "--service", "kafka-1", "--service-type", "kafka", "--no-default-acl")
		h.ok("service", "create", "--service", "kafka-2", "--service-type", "kafka")
		if acl, err := c.ServiceKafkaAclList(ctx, "stream", "kafka-1"); err != nil || len(acl) != 0 {
			t.Fatalf("--no-default-acl service has %v, %v", acl, err)
		}
		if acl, err := c.ServiceKafkaAclList(ctx, "stream", "kafka-2"); err != nil || len(acl) != 1 {
			t.Fatalf("default service has %v, %v", acl, err)
		}
		svc := []string{"--service", "kafka-1"}
		run := func(args ...string) string { return h.ok(append(args, svc...)...) }

		// Aiven ACLs (the seed's examples).
		out := run("service", "acl-add", "--username", "analyst*", "--permission", "read", "--topic", "xyz")
		if !strings.Contains(out, "analyst*") || !strings.Contains(out, "PERMISSION") {
			t.Errorf("acl-add:\n%s", out)
		}
		run("service", "acl-add", "--username", "developer*", "--permission", "read", "--topic", "test*")
		acl, err := c.ServiceKafkaAclList(ctx, "stream", "kafka-1")
		if err != nil || len(acl) != 2 {
			t.Fatalf("acl = %+v, %v", acl, err)
		}
		if msg := h.fails(append([]string{"service", "acl-add", "--username", "bad user", "--permission", "read", "--topic", "x"}, svc...)...); !strings.Contains(msg, "HTTP 400") {
			t.Errorf("invalid username: %q", msg)
		}
		ids := strings.Fields(run("service", "acl-list", "--format", "{{.id}}"))
		if len(ids) != 2 {
			t.Fatalf("acl-list ids = %v", ids)
		}

		// The authorizer answers from those entries.
		authz := func(principal, op, rtype, name string) bool {
			t.Helper()
			var res []struct {
				Allowed bool `json:"allowed"`
			}
			out := run("service", "kafka-authorize", "--principal", principal, "--operation", op, "--resource-type", rtype, "--resource-name", name, "--json")
			if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 {
				t.Fatalf("authorize: %v\n%s", err, out)
			}
			return res[0].Allowed
		}
		if !authz("User:analyst1", "Read", "Topic", "xyz") || authz("User:analyst1", "Write", "Topic", "xyz") || authz("User:developer1", "Read", "Topic", "xyz") {
			t.Error("authorize disagrees with the seed's examples")
		}
		if out := run("service", "kafka-authorize", "--principal", "User:developer7", "--operation", "Read", "--resource-name", "test-1"); !strings.Contains(out, "true") || !strings.Contains(out, "ENTRY_ID") {
			t.Errorf("authorize table:\n%s", out)
		}

		// Kafka-native ACLs: a DENY beats the Aiven ALLOW.
		nid := strings.TrimSpace(run("service", "kafka-acl-add", "--principal", "User:analyst9", "--operation", "Read",
			"--topic", "xyz", "--deny", "--format", "{{.id}}"))
		native, err := c.ServiceKafkaNativeAclList(ctx, "stream", "kafka-1")
		if err != nil || len(native.KafkaAcl) != 1 || native.KafkaAcl[0].Id != nid || native.KafkaAcl[0].PermissionType != "DENY" {
			t.Fatalf("native = %+v, %v (id %q)", native, err, nid)
		}
		if authz("User:analyst9", "Read", "Topic", "xyz") {
			t.Error("DENY did not win")
		}
		run("service", "kafka-acl-add", "--principal", "User:app", "--operation", "Read", "--group", "app-", "--resource-pattern-type", "prefixed")
		if out := run("service", "kafka-acl-list"); !strings.Contains(out, "PREFIXED") || !strings.Contains(out, "DENY") {
			t.Errorf("kafka-acl-list:\n%s", out)
		}
		if out := run("service", "kafka-acl-get", "--acl-id", nid, "--format", "{{.id}} {{.permission_type}} {{.principal}}"); out != nid+" DENY User:analyst9\n" {
			t.Errorf("kafka-acl-get = %q", out)
		}
		run("service", "kafka-acl-delete", "--acl-id", nid, "--force")
		if msg := h.fails(append([]string{"service", "kafka-acl-get", "--acl-id", nid}, svc...)...); !strings.Contains(msg, "HTTP 404") {
			t.Errorf("kafka-acl-get after delete: %q", msg)
		}
		if native, err := c.ServiceKafkaNativeAclList(ctx, "stream", "kafka-1"); err != nil || len(native.KafkaAcl) != 1 {
			t.Fatalf("after kafka-acl-delete: %+v, %v", native, err)
		}

		// Schema Registry ACLs.
		run("service", "schema-registry-acl-add", "--username", "app*", "--permission", "schema_registry_read", "--resource", "Subject:orders-*")
		sr, err := c.ServiceSchemaRegistryAclList(ctx, "stream", "kafka-1")
		if err != nil || len(sr) != 1 || sr[0].Resource != "Subject:orders-*" {
			t.Fatalf("schema registry = %+v, %v", sr, err)
		}
		if out := run("service", "schema-registry-acl-list", "--format", "{{.id}} {{.resource}}"); out != *sr[0].Id+" Subject:orders-*\n" {
			t.Errorf("schema-registry-acl-list = %q", out)
		}
		run("service", "schema-registry-acl-delete", "--acl-id", *sr[0].Id, "--force")
		if sr, err := c.ServiceSchemaRegistryAclList(ctx, "stream", "kafka-1"); err != nil || len(sr) != 0 {
			t.Fatalf("after schema-registry-acl-delete: %+v, %v", sr, err)
		}

		// acl-delete asks; "y" deletes.
		r := h.run("y\n", append([]string{"service", "acl-delete", "--acl-id", ids[0]}, svc...)...)
		if r.code != 0 {
			t.Fatalf("acl-delete: %s", r.stderr)
		}
		acl, err = c.ServiceKafkaAclList(ctx, "stream", "kafka-1")
		if err != nil || len(acl) != 1 || acl[0].Id == nil || *acl[0].Id == ids[0] {
			t.Fatalf("after acl-delete: %+v, %v", acl, err)
		}
	})
}

func TestKafkaSyncCommand(t *testing.T) {
	t.Parallel()
	const admin, password = "operator", "operator-pw"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser("SCRAM-SHA-256", admin, password), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	h := newHarness(t, servertest.SQLite(t))
	h.login()
	h.env["GATEHOUSE_PROJECT"] = "stream"
	h.ok("project", "create", "--project", "stream")
	h.ok("service", "create", "--service", "kafka-1", "--service-type", "kafka", "--no-default-acl")
	h.ok("service", "acl-add", "--service", "kafka-1", "--username", "writer", "--permission", "readwrite", "--topic", "orders")
	sync := func(dryRun bool) (created, deleted int) {
		t.Helper()
		args := []string{"service", "kafka-sync", "--service", "kafka-1", "--bootstrap-servers", strings.Join(cluster.ListenAddrs(), ","),
			"--sasl-mechanism", "SCRAM-SHA-256", "--username", admin, "--keep-principal", "User:" + admin, "--json"}
		if dryRun {
			args = append(args, "--dry-run")
		}
		// The password is asked for, never taken from the command line.
		r := h.run(password+"\n", args...)
		if r.code != 0 {
			t.Fatalf("kafka-sync: %s", r.stderr)
		}
		var out struct{ Created, Deleted []any }
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		return len(out.Created), len(out.Deleted)
	}
	if cr, _ := sync(true); cr == 0 {
		t.Fatal("dry run found nothing to create")
	}
	if cr, _ := sync(false); cr == 0 {
		t.Fatal("sync created nothing")
	}
	if cr, del := sync(true); cr != 0 || del != 0 {
		t.Fatalf("drift after sync: %d to create, %d to delete", cr, del)
	}
	// The table form shows each list.
	h.env["GATEHOUSE_KAFKA_PASSWORD"] = password
	out := h.ok("service", "kafka-sync", "--service", "kafka-1", "--bootstrap-servers", cluster.ListenAddrs()[0],
		"--sasl-mechanism", "SCRAM-SHA-256", "--username", admin, "--keep-principal", "User:"+admin, "--dry-run")
	if !strings.Contains(out, "CREATED:") || !strings.Contains(out, "dry_run: true") {
		t.Errorf("sync table:\n%s", out)
	}
	if msg := h.fails("service", "kafka-sync", "--service", "kafka-1", "--bootstrap-servers", "127.0.0.1:1", "--dry-run"); !strings.Contains(msg, "HTTP 502") {
		t.Errorf("unreachable cluster: %q", msg)
	}
}
