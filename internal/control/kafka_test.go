package control

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
)

func TestKafkaACLsGuardedByServiceDataWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "stream"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateService(ctx, f.admin, ServiceInput{Project: "stream", Name: "kafka-1", Type: "kafka", Plan: "business-4"}); err != nil {
		t.Fatal(err)
	}
	grantRole := func(a *Actor, role string) {
		t.Helper()
		if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "stream", "grant",
			[]PrincipalPermissions{{grant.PrincipalUser, a.User.ID, []string{role}}}); err != nil {
			t.Fatal(err)
		}
	}
	viewer := f.member(t, "viewer@example.com")
	grantRole(viewer, "read_only")
	dev := f.member(t, "dev@example.com")
	grantRole(dev, "developer")
	stranger := f.member(t, "stranger@example.com")

	entry := kafkaacl.Entry{Username: "app-?", Permission: kafkaacl.PermRead, Topic: "orders.*"}
	req := []kafkaacl.Request{{Principal: "User:app-1", Host: "10.0.0.1", Operation: kafkaacl.OpRead, ResourceType: kafkaacl.ResourceTopic, Resource: "orders.eu"}}
	cases := []struct {
		name  string
		actor *Actor
		topic string
		want  error
	}{
		{"no grant", stranger, "orders.*", ErrForbidden},
		{"read_only lacks service:data:write", viewer, "orders.*", ErrForbidden},
		{"developer holds service:data:write", dev, "orders.*", nil},
		{"super admin", f.admin, "audit", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errList := f.p.KafkaACLs(ctx, c.actor, KafkaACLList, "stream", "kafka-1")
			_, errAuth := f.p.AuthorizeKafka(ctx, c.actor, "stream", "kafka-1", req)
			e := entry
			e.Topic = c.topic
			_, errAdd := f.p.AddKafkaACL(ctx, c.actor, "stream", "kafka-1", e)
			for _, err := range []error{errList, errAuth, errAdd} {
				if c.want == nil {
					if err != nil {
						t.Fatalf("err = %v, want success", err)
					}
					continue
				}
				wantErr(t, err, c.want)
			}
		})
	}

	// The authorizer sees a change at once on the server that made it.
	rules, err := f.p.KafkaACLs(ctx, f.admin, KafkaACLList, "stream", "kafka-1")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, e := range rules.Aiven {
		if e.Topic == "orders.*" {
			id = e.ID
		}
	}
	ds, err := f.p.AuthorizeKafka(ctx, dev, "stream", "kafka-1", req)
	if err != nil || !ds[0].Allowed || ds[0].EntryID() != id {
		t.Fatalf("before delete: %+v, %v (want allowed by %s)", ds, err, id)
	}
	if _, err := f.p.DeleteKafkaACL(ctx, dev, "stream", "kafka-1", id); err != nil {
		t.Fatal(err)
	}
	ds, err = f.p.AuthorizeKafka(ctx, dev, "stream", "kafka-1", req)
	if err != nil || ds[0].Allowed {
		t.Fatalf("after delete: %+v, %v (want denied)", ds, err)
	}
}
