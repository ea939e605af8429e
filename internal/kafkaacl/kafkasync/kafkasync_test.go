package kafkasync

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		name     string
		entry    kafkaacl.Entry
		want     []string // a sample of expected bindings (Binding.String)
		notWant  []string
		notExpr  string // substring of the reason, "" if expressible
		bindings int    // total bindings, if expressible
	}{
		{
			name:  "literal read",
			entry: kafkaacl.Entry{Username: "bob", Permission: kafkaacl.PermRead, Topic: "orders"},
			want: []string{
				"ALLOW User:bob@* Read Topic:orders(LITERAL)",
				"ALLOW User:bob@* Describe Topic:orders(LITERAL)",
				"ALLOW User:bob@* Read Group:*(LITERAL)",
			},
			notWant:  []string{"ALLOW User:bob@* Write Topic:orders(LITERAL)"},
			bindings: 6, // Read, Describe, DescribeConfigs on the topic; Read, Describe, Delete on groups
		},
		{
			name:  "prefix and wildcard user",
			entry: kafkaacl.Entry{Username: "*", Permission: kafkaacl.PermWrite, Topic: "logs-*"},
			want: []string{
				"ALLOW User:*@* Write Topic:logs-(PREFIXED)",
				"ALLOW User:*@* Write TransactionalId:*(LITERAL)",
				"ALLOW User:*@* IdempotentWrite Cluster:kafka-cluster(LITERAL)",
			},
			bindings: 6,
		},
		{
			name:  "admin on everything",
			entry: kafkaacl.Entry{Username: "avnadmin", Permission: kafkaacl.PermAdmin, Topic: "*"},
			want: []string{
				"ALLOW User:avnadmin@* Create Cluster:kafka-cluster(LITERAL)",
				"ALLOW User:avnadmin@* Create Topic:*(LITERAL)",
				"ALLOW User:avnadmin@* AlterConfigs Topic:*(LITERAL)",
			},
			bindings: 15,
		},
		{name: "question mark", entry: kafkaacl.Entry{Username: "a", Permission: kafkaacl.PermRead, Topic: "t?"}, notExpr: "LITERAL and PREFIXED"},
		{name: "infix star", entry: kafkaacl.Entry{Username: "a", Permission: kafkaacl.PermRead, Topic: "a*b"}, notExpr: "LITERAL and PREFIXED"},
		{name: "suffix", entry: kafkaacl.Entry{Username: "a", Permission: kafkaacl.PermRead, Topic: "*-dlq"}, notExpr: "LITERAL and PREFIXED"},
		{name: "username prefix", entry: kafkaacl.Entry{Username: "analyst*", Permission: kafkaacl.PermRead, Topic: "x"}, notExpr: "User:*"},
		{name: "username question", entry: kafkaacl.Entry{Username: "user?", Permission: kafkaacl.PermRead, Topic: "x"}, notExpr: "User:*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Translate(kafkaacl.Rules{Aiven: []kafkaacl.Entry{tt.entry}})
			if tt.notExpr != "" {
				if len(tr.Bindings) != 0 || len(tr.NotExpressible) != 1 || !strings.Contains(tr.NotExpressible[0].Reason, tt.notExpr) {
					t.Fatalf("got %v / %v, want not expressible (%s)", tr.Bindings, tr.NotExpressible, tt.notExpr)
				}
				return
			}
			got := make([]string, len(tr.Bindings))
			for i, b := range tr.Bindings {
				got[i] = b.String()
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %s in %v", w, got)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("unexpected %s", w)
				}
			}
			if len(got) != tt.bindings {
				t.Errorf("got %d bindings, want %d: %v", len(got), tt.bindings, got)
			}
		})
	}
}

func TestTranslateNative(t *testing.T) {
	n := kafkaacl.NativeEntry{ID: "acl1", Principal: "User:x", ResourceType: kafkaacl.ResourceTopic, ResourceName: "t",
		PatternType: kafkaacl.PatternPrefixed, Operation: kafkaacl.OpWrite, PermissionType: kafkaacl.Deny}
	user := n
	user.ResourceType = kafkaacl.ResourceUser
	cluster := n
	cluster.ResourceType = kafkaacl.ResourceCluster
	tr := Translate(kafkaacl.Rules{Native: []kafkaacl.NativeEntry{n, n, user, cluster}})
	want := Binding{Principal: "User:x", Host: "*", ResourceType: kafkaacl.ResourceTopic, ResourceName: "t",
		PatternType: kafkaacl.PatternPrefixed, Operation: kafkaacl.OpWrite, PermissionType: kafkaacl.Deny}
	if len(tr.Bindings) != 1 || tr.Bindings[0] != want {
		t.Errorf("bindings = %v, want [%v] (deduplicated, host defaulted)", tr.Bindings, want)
	}
	if len(tr.NotExpressible) != 2 {
		t.Errorf("not expressible = %v, want the User and misnamed Cluster entries", tr.NotExpressible)
	}
}

func TestPlan(t *testing.T) {
	b := func(name string) Binding {
		return Binding{Principal: "User:a", Host: "*", ResourceType: kafkaacl.ResourceTopic, ResourceName: name,
			PatternType: kafkaacl.PatternLiteral, Operation: kafkaacl.OpRead, PermissionType: kafkaacl.Allow}
	}
	tests := []struct {
		name             string
		desired, current []Binding
		create, delete   []Binding
	}{
		{"empty", nil, nil, nil, nil},
		{"create", []Binding{b("x")}, nil, []Binding{b("x")}, nil},
		{"delete", nil, []Binding{b("x")}, nil, []Binding{b("x")}},
		{"in sync", []Binding{b("x")}, []Binding{b("x")}, nil, nil},
		{"both, sorted", []Binding{b("z"), b("y"), b("x")}, []Binding{b("x"), b("w"), b("v")}, []Binding{b("y"), b("z")}, []Binding{b("v"), b("w")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Plan(tt.desired, tt.current)
			if !slices.Equal(d.Create, tt.create) || !slices.Equal(d.Delete, tt.delete) {
				t.Fatalf("Plan = %+v, want create %v delete %v", d, tt.create, tt.delete)
			}
			if d.Empty() != (len(tt.create)+len(tt.delete) == 0) {
				t.Fatal("Empty disagrees")
			}
		})
	}
}

const (
	adminUser = "admin"
	adminPass = "admin-secret"
	topic     = "orders"
)

type kafkaEnv struct {
	t     *testing.T
	addrs []string
	adm   *kadm.Client
}

// newKafka starts an in-process kfake cluster on loopback with SASL/SCRAM
// and ACL enforcement, and SCRAM users with password user+"-pw".
func newKafka(t *testing.T, users map[string]kadm.ScramMechanism) *kafkaEnv {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.EnableSASL(),
		kfake.EnableACLs(),
		kfake.Superuser("SCRAM-SHA-256", adminUser, adminPass),
		kfake.SeedTopics(1, topic, "payments"),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	env := &kafkaEnv{t: t, addrs: c.ListenAddrs()}
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.addrs...), kgo.SASL(scram.Auth{User: adminUser, Pass: adminPass}.AsSha256Mechanism()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	env.adm = kadm.NewClient(cl)
	var upserts []kadm.UpsertSCRAM
	for u, m := range users {
		upserts = append(upserts, kadm.UpsertSCRAM{User: u, Mechanism: m, Iterations: 4096, Password: u + "-pw"})
	}
	res, err := env.adm.AlterUserSCRAMs(t.Context(), nil, upserts)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Error(); err != nil {
		t.Fatal(err)
	}
	return env
}

func (e *kafkaEnv) client(user string, mech kadm.ScramMechanism, opts ...kgo.Opt) *kgo.Client {
	e.t.Helper()
	auth := scram.Auth{User: user, Pass: user + "-pw"}
	var m sasl.Mechanism = auth.AsSha256Mechanism()
	if mech == kadm.ScramSha512 {
		m = auth.AsSha512Mechanism()
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(e.addrs...),
		kgo.SASL(m),
		kgo.RetryTimeout(2 * time.Second),
		kgo.RecordDeliveryTimeout(3 * time.Second),
	}, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(cl.Close)
	return cl
}

func (e *kafkaEnv) produce(user string, mech kadm.ScramMechanism, value string) error {
	ctx, cancel := context.WithTimeout(e.t.Context(), 5*time.Second)
	defer cancel()
	cl := e.client(user, mech, kgo.DefaultProduceTopic(topic))
	return cl.ProduceSync(ctx, kgo.StringRecord(value)).FirstErr()
}

// consume reads topic from the start in a consumer group until it sees a
// record (returning the values), hits an error, or times out.
func (e *kafkaEnv) consume(user string, mech kadm.ScramMechanism) ([]string, error) {
	ctx, cancel := context.WithTimeout(e.t.Context(), 5*time.Second)
	defer cancel()
	cl := e.client(user, mech,
		kgo.ConsumerGroup("group-"+user),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var errs []error
		fs.EachError(func(_ string, _ int32, err error) { errs = append(errs, err) })
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		var vals []string
		fs.EachRecord(func(r *kgo.Record) { vals = append(vals, string(r.Value)) })
		if len(vals) > 0 {
			return vals, nil
		}
	}
}

func isAuthz(err error) bool {
	for _, want := range []error{kerr.TopicAuthorizationFailed, kerr.GroupAuthorizationFailed,
		kerr.ClusterAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed} {
		if errors.Is(err, want) {
			return true
		}
	}
	return false
}

// TestSyncAgainstKafka pushes ACLs to a real (in-process) Kafka broker and
// checks with real SCRAM clients that they grant what they should.
func TestSyncAgainstKafka(t *testing.T) {
	const (
		alice = "alice" // readwrite, SCRAM-SHA-512
		bob   = "bob"   // read
		carol = "carol" // no ACL
	)
	sha256, sha512 := kadm.ScramSha256, kadm.ScramSha512
	env := newKafka(t, map[string]kadm.ScramMechanism{alice: sha512, bob: sha256, carol: sha256})
	ctx := t.Context()
	keep := KeepPrincipals("User:" + adminUser)

	rules := kafkaacl.Rules{Aiven: []kafkaacl.Entry{
		{ID: "acl1", Username: alice, Permission: kafkaacl.PermReadWrite, Topic: topic},
		{ID: "acl2", Username: bob, Permission: kafkaacl.PermRead, Topic: "ord*"},
		{ID: "acl3", Username: "team-?", Permission: kafkaacl.PermRead, Topic: topic}, // not expressible
	}}
	res, err := Sync(ctx, env.adm, rules, keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) == 0 || len(res.Deleted) != 0 {
		t.Fatalf("first sync: created %d, deleted %d", len(res.Created), len(res.Deleted))
	}
	if len(res.NotExpressible) != 1 || res.NotExpressible[0].Aiven.ID != "acl3" {
		t.Fatalf("not expressible = %v, want acl3", res.NotExpressible)
	}
	if d, err := CheckDrift(ctx, env.adm, rules, keep); err != nil || !d.Empty() {
		t.Fatalf("after sync: drift %+v, %v", d.Diff, err)
	}

	t.Run("readwrite produces and consumes", func(t *testing.T) {
		if err := env.produce(alice, sha512, "hello"); err != nil {
			t.Fatalf("alice produce: %v", err)
		}
		vals, err := env.consume(alice, sha512)
		if err != nil || !slices.Contains(vals, "hello") {
			t.Fatalf("alice consume: %v, %v", vals, err)
		}
	})
	t.Run("read consumes but cannot produce", func(t *testing.T) {
		vals, err := env.consume(bob, sha256)
		if err != nil || !slices.Contains(vals, "hello") {
			t.Fatalf("bob consume: %v, %v", vals, err)
		}
		if err := env.produce(bob, sha256, "nope"); !isAuthz(err) {
			t.Fatalf("bob produce: got %v, want an authorization error", err)
		}
	})
	t.Run("unknown user gets nothing", func(t *testing.T) {
		if err := env.produce(carol, sha256, "nope"); !isAuthz(err) {
			t.Fatalf("carol produce: got %v, want an authorization error", err)
		}
		if vals, err := env.consume(carol, sha256); !isAuthz(err) {
			t.Fatalf("carol consume: got %v, %v, want an authorization error", vals, err)
		}
	})

	t.Run("drift is reported, then removed by sync", func(t *testing.T) {
		sneaky := kadm.NewACLs().Topics(topic).ResourcePatternType(kadm.ACLPatternLiteral).
			Allow("User:" + carol).Operations(kadm.OpWrite)
		if _, err := env.adm.CreateACLs(ctx, sneaky); err != nil {
			t.Fatal(err)
		}
		if err := env.produce(carol, sha256, "sneaky"); err != nil {
			t.Fatalf("carol produce with the sneaky ACL: %v", err)
		}
		d, err := CheckDrift(ctx, env.adm, rules, keep)
		if err != nil {
			t.Fatal(err)
		}
		want := Binding{Principal: "User:carol", Host: "*", ResourceType: kafkaacl.ResourceTopic, ResourceName: topic,
			PatternType: kafkaacl.PatternLiteral, Operation: kafkaacl.OpWrite, PermissionType: kafkaacl.Allow}
		if len(d.Create) != 0 || !slices.Equal(d.Delete, []Binding{want}) {
			t.Fatalf("drift = %+v, want only %v to delete", d.Diff, want)
		}
		res, err := Sync(ctx, env.adm, rules, keep)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Created) != 0 || !slices.Equal(res.Deleted, []Binding{want}) {
			t.Fatalf("sync = %+v, want only %v deleted", res, want)
		}
		if err := env.produce(carol, sha256, "nope"); !isAuthz(err) {
			t.Fatalf("carol produce after sync: got %v, want an authorization error", err)
		}
	})

	t.Run("removing an entry takes access away", func(t *testing.T) {
		rules.Aiven = slices.DeleteFunc(slices.Clone(rules.Aiven), func(e kafkaacl.Entry) bool { return e.ID == "acl2" })
		res, err := Sync(ctx, env.adm, rules, keep)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Deleted) == 0 || len(res.Created) != 0 {
			t.Fatalf("sync after removal: %+v", res)
		}
		for _, b := range res.Deleted {
			if b.Principal != "User:"+bob {
				t.Errorf("deleted a binding of another principal: %v", b)
			}
		}
		if vals, err := env.consume(bob, sha256); !isAuthz(err) {
			t.Fatalf("bob consume after removal: got %v, %v, want an authorization error", vals, err)
		}
		// alice is untouched.
		if err := env.produce(alice, sha512, "still here"); err != nil {
			t.Fatalf("alice produce: %v", err)
		}
	})
}
