package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/kafka"
	"github.com/aiven/go-client-codegen/handler/kafkaschemaregistry"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// kafkaProject creates project "stream" in the bootstrap organization with
// a Kafka service "kafka-1" (default ACLs) and a PostgreSQL service "pg-1".
func kafkaProject(t *testing.T, c aiven.Client) {
	t.Helper()
	ctx := t.Context()
	orgs, err := c.UserOrganizationsList(ctx)
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organizations: %v, %v", orgs, err)
	}
	if _, err := c.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "stream", AccountId: ptr(orgs[0].AccountId)}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []service.ServiceCreateIn{
		{ServiceName: "kafka-1", ServiceType: "kafka", Plan: "business-4"},
		{ServiceName: "pg-1", ServiceType: "pg", Plan: "startup-4"},
	} {
		if _, err := c.ServiceCreate(ctx, "stream", &s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKafkaACLsThroughAivenClient(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, token)
		kafkaProject(t, c)

		// A new Kafka service has Aiven's default entry.
		acl, err := c.ServiceKafkaAclList(ctx, "stream", "kafka-1")
		if err != nil || len(acl) != 1 || acl[0].Username != "avnadmin" || acl[0].Topic != "*" || acl[0].Permission != "admin" {
			t.Fatalf("default ACL = %+v, %v", acl, err)
		}

		// Add returns the whole list; delete too.
		added, err := c.ServiceKafkaAclAdd(ctx, "stream", "kafka-1", &kafka.ServiceKafkaAclAddIn{Username: "app-?*", Permission: "read", Topic: "orders.eu"})
		if err != nil || len(added) != 2 || added[1].Username != "app-?*" || added[1].Id == "" {
			t.Fatalf("add = %+v, %v", added, err)
		}
		_, err = c.ServiceKafkaAclAdd(ctx, "stream", "kafka-1", &kafka.ServiceKafkaAclAddIn{Username: "app-?*", Permission: "read", Topic: "orders.eu"})
		wantStatus(t, err, http.StatusConflict)

		bad := []struct {
			name string
			in   kafka.ServiceKafkaAclAddIn
		}{
			{"username with a space", kafka.ServiceKafkaAclAddIn{Username: "bad user", Permission: "read", Topic: "t"}},
			{"username too long", kafka.ServiceKafkaAclAddIn{Username: strings.Repeat("u", 65), Permission: "read", Topic: "t"}},
			{"unknown permission", kafka.ServiceKafkaAclAddIn{Username: "u", Permission: "owner", Topic: "t"}},
			{"empty topic", kafka.ServiceKafkaAclAddIn{Username: "u", Permission: "read", Topic: ""}},
			{"topic too long", kafka.ServiceKafkaAclAddIn{Username: "u", Permission: "read", Topic: strings.Repeat("t", 250)}},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				_, err := c.ServiceKafkaAclAdd(ctx, "stream", "kafka-1", &b.in)
				wantStatus(t, err, http.StatusBadRequest)
			})
		}
		_, err = c.ServiceKafkaAclAdd(ctx, "stream", "pg-1", &kafka.ServiceKafkaAclAddIn{Username: "u", Permission: "read", Topic: "t"})
		wantStatus(t, err, http.StatusBadRequest)
		_, err = c.ServiceKafkaAclList(ctx, "stream", "nope")
		wantStatus(t, err, http.StatusNotFound)

		// Kafka-native entries.
		host := "10.0.0.7"
		native, err := c.ServiceKafkaNativeAclAdd(ctx, "stream", "kafka-1", &kafka.ServiceKafkaNativeAclAddIn{
			Principal: "User:app-1", Host: &host, ResourceType: "Topic", ResourceName: "orders.", PatternType: "PREFIXED",
			Operation: "Read", PermissionType: "DENY"})
		if err != nil || native.Id == "" || native.PermissionType != "DENY" || native.Host != host {
			t.Fatalf("native add = %+v, %v", native, err)
		}
		got, err := c.ServiceKafkaNativeAclGet(ctx, "stream", "kafka-1", native.Id)
		if err != nil || got.ResourceName != "orders." {
			t.Fatalf("native get = %+v, %v", got, err)
		}
		both, err := c.ServiceKafkaNativeAclList(ctx, "stream", "kafka-1")
		if err != nil || len(both.Acl) != 2 || len(both.KafkaAcl) != 1 {
			t.Fatalf("native list = %+v, %v", both, err)
		}
		_, err = c.ServiceKafkaNativeAclAdd(ctx, "stream", "kafka-1", &kafka.ServiceKafkaNativeAclAddIn{
			Principal: "User:app-1", ResourceType: "Planet", ResourceName: "x", PatternType: "LITERAL", Operation: "Read", PermissionType: "ALLOW"})
		wantStatus(t, err, http.StatusBadRequest)

		// The authorizer: DENY in the native model wins over the Aiven ALLOW.
		body := `{"requests":[
			{"principal":"User:app-1","host":"10.0.0.7","operation":"Read","resource_type":"Topic","resource_name":"orders.eu"},
			{"principal":"User:app-1","host":"10.0.0.8","operation":"Read","resource_type":"Topic","resource_name":"orders.eu"},
			{"principal":"User:app-1","host":"10.0.0.8","operation":"Write","resource_type":"Topic","resource_name":"orders.eu"},
			{"principal":"User:avnadmin","host":"10.0.0.8","operation":"Create","resource_type":"Topic","resource_name":"anything"}]}`
		status, out := rawCall(t, "POST", srv.URL+"/v1/project/stream/service/kafka-1/kafka/authorize", token, []byte(body))
		if status != http.StatusOK {
			t.Fatalf("authorize: %d %v", status, out)
		}
		var res struct {
			Results []struct {
				Allowed bool   `json:"allowed"`
				EntryID string `json:"entry_id"`
				Reason  string `json:"reason"`
			} `json:"results"`
		}
		remarshal(t, out, &res)
		wantAllowed := []bool{false, true, false, true}
		if len(res.Results) != len(wantAllowed) {
			t.Fatalf("authorize results = %+v", res.Results)
		}
		for i, w := range wantAllowed {
			if res.Results[i].Allowed != w {
				t.Errorf("request %d: allowed = %v (%s), want %v", i, res.Results[i].Allowed, res.Results[i].Reason, w)
			}
		}
		if res.Results[0].EntryID != native.Id || res.Results[1].EntryID != added[1].Id {
			t.Errorf("explanations = %+v, want %s then %s", res.Results, native.Id, added[1].Id)
		}
		status, out = rawCall(t, "POST", srv.URL+"/v1/project/stream/service/kafka-1/kafka/authorize", token,
			[]byte(`{"requests":[{"principal":"User:a","operation":"Fly","resource_type":"Topic","resource_name":"t"}]}`))
		if status != http.StatusBadRequest || !strings.Contains(out["message"].(string), "operation") {
			t.Fatalf("bad operation: %d %v", status, out)
		}

		if err := c.ServiceKafkaNativeAclDelete(ctx, "stream", "kafka-1", native.Id); err != nil {
			t.Fatal(err)
		}
		left, err := c.ServiceKafkaAclDelete(ctx, "stream", "kafka-1", added[1].Id)
		if err != nil || len(left) != 1 {
			t.Fatalf("delete = %+v, %v", left, err)
		}
		_, err = c.ServiceKafkaAclDelete(ctx, "stream", "kafka-1", added[1].Id)
		wantStatus(t, err, http.StatusNotFound)

		// Schema Registry entries, with the two defaults.
		sr, err := c.ServiceSchemaRegistryAclList(ctx, "stream", "kafka-1")
		if err != nil || len(sr) != 2 {
			t.Fatalf("schema registry defaults = %+v, %v", sr, err)
		}
		sr, err = c.ServiceSchemaRegistryAclAdd(ctx, "stream", "kafka-1", &kafkaschemaregistry.ServiceSchemaRegistryAclAddIn{
			Username: "app-1", Permission: "schema_registry_read", Resource: "Subject:orders-*"})
		if err != nil || len(sr) != 3 {
			t.Fatalf("schema registry add = %+v, %v", sr, err)
		}
		_, err = c.ServiceSchemaRegistryAclAdd(ctx, "stream", "kafka-1", &kafkaschemaregistry.ServiceSchemaRegistryAclAddIn{
			Username: "app-1", Permission: "schema_registry_read", Resource: "Topic:orders"})
		wantStatus(t, err, http.StatusBadRequest)
		if sr, err = c.ServiceSchemaRegistryAclDelete(ctx, "stream", "kafka-1", *sr[2].Id); err != nil || len(sr) != 2 {
			t.Fatalf("schema registry delete = %+v, %v", sr, err)
		}

		// default_acl false: no default entries (sent raw: Aiven's client
		// has no such field, Terraform deletes the default instead).
		status, out = rawCall(t, "POST", srv.URL+"/v1/project/stream/service", token,
			[]byte(`{"service_name":"kafka-bare","service_type":"kafka","plan":"business-4","default_acl":false}`))
		if status != http.StatusOK {
			t.Fatalf("create without default ACL: %d %v", status, out)
		}
		if acl, err := c.ServiceKafkaAclList(ctx, "stream", "kafka-bare"); err != nil || len(acl) != 0 {
			t.Fatalf("bare ACL = %+v, %v", acl, err)
		}

		// Every change is in the project's event log.
		events, err := c.ProjectGetEventLogs(ctx, "stream")
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, e := range events {
			counts[e.EventType]++
		}
		if counts["kafka_acl_add"] != 3 || counts["kafka_acl_delete"] != 3 {
			t.Fatalf("event counts = %v, want 3 adds and 3 deletes", counts)
		}
	})
}

func remarshal(t *testing.T, in any, out any) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

// TestKafkaSyncToCluster pushes a service's ACLs through the API to an
// in-process Kafka cluster that enforces ACLs, and checks with real SCRAM
// clients that they grant what they say.
func TestKafkaSyncToCluster(t *testing.T) {
	t.Parallel()
	const adminUser, adminPass = "operator", "operator-pw"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser("SCRAM-SHA-256", adminUser, adminPass), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	addrs := cluster.ListenAddrs()
	kafkaClient := func(user string, opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...),
			kgo.SASL(scram.Auth{User: user, Pass: user + "-pw"}.AsSha256Mechanism()),
			kgo.RetryTimeout(2 * time.Second), kgo.RecordDeliveryTimeout(3 * time.Second)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return cl
	}
	adm := kadm.NewClient(kafkaClient(adminUser))
	var upserts []kadm.UpsertSCRAM
	for _, u := range []string{"writer", "reader"} {
		upserts = append(upserts, kadm.UpsertSCRAM{User: u, Mechanism: kadm.ScramSha256, Iterations: 4096, Password: u + "-pw"})
	}
	if res, err := adm.AlterUserSCRAMs(t.Context(), nil, upserts); err != nil || res.Error() != nil {
		t.Fatalf("SCRAM users: %v %v", err, res.Error())
	}

	srv := servertest.Start(t, servertest.SQLite(t))
	ctx := t.Context()
	token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	c := client(t, srv.URL, token)
	kafkaProject(t, c)
	for _, e := range []kafka.ServiceKafkaAclAddIn{
		{Username: "writer", Permission: "readwrite", Topic: "orders"},
		{Username: "reader", Permission: "read", Topic: "ord*"},
	} {
		if _, err := c.ServiceKafkaAclAdd(ctx, "stream", "kafka-1", &e); err != nil {
			t.Fatal(err)
		}
	}
	sync := func(dryRun bool) (created, deleted int) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"bootstrap_servers": addrs, "sasl_mechanism": "SCRAM-SHA-256",
			"username": adminUser, "password": adminPass, "keep_principals": []string{"User:" + adminUser}, "dry_run": dryRun})
		status, out := rawCall(t, "POST", srv.URL+"/v1/project/stream/service/kafka-1/kafka/sync", token, body)
		if status != http.StatusOK {
			t.Fatalf("sync: %d %v", status, out)
		}
		return len(out["created"].([]any)), len(out["deleted"].([]any))
	}
	if cr, del := sync(true); cr == 0 || del != 0 {
		t.Fatalf("dry run: %d to create, %d to delete", cr, del)
	}
	if cr, _ := sync(true); cr == 0 {
		t.Fatal("a dry run changed the cluster")
	}
	if cr, _ := sync(false); cr == 0 {
		t.Fatal("sync created nothing")
	}
	if cr, del := sync(true); cr != 0 || del != 0 {
		t.Fatalf("drift after sync: %d to create, %d to delete", cr, del)
	}

	produce := func(user string) error {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		return kafkaClient(user, kgo.DefaultProduceTopic("orders")).ProduceSync(ctx, kgo.StringRecord("v")).FirstErr()
	}
	if err := produce("writer"); err != nil {
		t.Fatalf("writer cannot produce: %v", err)
	}
	// A read-only user's producer is refused, on the topic or (for an
	// idempotent producer) on the cluster's IdempotentWrite first.
	if err := produce("reader"); !errors.Is(err, kerr.TopicAuthorizationFailed) && !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Fatalf("reader produce: %v, want an authorization failure", err)
	}
	if err := produce("stranger"); err == nil {
		t.Fatal("a user without SCRAM credentials or ACLs produced")
	}

	// Unreachable clusters are a 502 with a message, not a hang or a 500.
	status, out := rawCall(t, "POST", srv.URL+"/v1/project/stream/service/kafka-1/kafka/sync", token,
		[]byte(`{"bootstrap_servers":["127.0.0.1:1"],"dry_run":true}`))
	if status != http.StatusBadGateway || out["message"] == "" {
		t.Fatalf("unreachable: %d %v", status, out)
	}
}
