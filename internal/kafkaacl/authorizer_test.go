package kafkaacl

import (
	"fmt"
	"sync"
	"testing"
)

const localhost = "127.0.0.1"

var idSeq int

func native(perm PermissionType, principal, host string, op Operation, rt ResourceType, pt PatternType, name string) NativeEntry {
	idSeq++
	return NativeEntry{ID: fmt.Sprintf("n%d", idSeq), Principal: principal, Host: host, ResourceType: rt,
		ResourceName: name, PatternType: pt, Operation: op, PermissionType: perm}
}

func allowTopic(principal string, op Operation, pt PatternType, name string) NativeEntry {
	return native(Allow, principal, "*", op, ResourceTopic, pt, name)
}

func denyTopic(principal string, op Operation, pt PatternType, name string) NativeEntry {
	return native(Deny, principal, "*", op, ResourceTopic, pt, name)
}

func aiven(user string, p Permission, topic string) Entry {
	idSeq++
	return Entry{ID: fmt.Sprintf("a%d", idSeq), Username: user, Permission: p, Topic: topic}
}

type check struct {
	principal string
	host      string // localhost if empty
	op        Operation
	rt        ResourceType // Topic if zero
	resource  string
	want      bool
}

func mustNew(t testing.TB, r Rules, opts ...Option) *Authorizer {
	t.Helper()
	a, err := New(r, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func runChecks(t *testing.T, a *Authorizer, checks []check) {
	t.Helper()
	for _, c := range checks {
		req := Request{Principal: c.principal, Host: c.host, Operation: c.op, ResourceType: c.rt, Resource: c.resource}
		if req.Host == "" {
			req.Host = localhost
		}
		if req.ResourceType == 0 {
			req.ResourceType = ResourceTopic
		}
		if got := a.Authorize(req); got.Allowed != c.want {
			t.Errorf("Authorize(%+v) = %v, want allowed=%v", req, got, c.want)
		}
	}
}

// TestReferenceCases ports the cases of reference §1.11 (Aiven's
// AivenAclAuthorizerV2Test and AivenAclTest). Aiven's regex rules become
// the equivalent native or Aiven entries.
func TestReferenceCases(t *testing.T) {
	tests := []struct {
		name   string
		rules  Rules
		checks []check
	}{
		{
			name:  "1 principal, resource type and operation must all match",
			rules: Rules{Native: []NativeEntry{allowTopic("User:pass", OpRead, PatternLiteral, "*")}},
			checks: []check{
				{principal: "User:pass", op: OpRead, resource: "Target", want: true},
				{principal: "User:fail", op: OpRead, resource: "Target"},
				{principal: "User:pass", op: OpRead, rt: ResourceGroup, resource: "Target"},
				{principal: "User:pass", op: OpCreate, resource: "Target"},
				{principal: "NonUser:pass", op: OpRead, resource: "Target"},
			},
		},
		{
			// Case 2 (a rule without principal_type matches any type) has no
			// counterpart: Aiven's API only has User principals. A bare name
			// is a User principal.
			name:  "2 bare name is a User principal",
			rules: Rules{Aiven: []Entry{aiven("pass", PermRead, "*")}},
			checks: []check{
				{principal: "pass", op: OpRead, resource: "Target", want: true},
				{principal: "User:pass", op: OpRead, resource: "Target", want: true},
				{principal: "NonUser:pass", op: OpRead, resource: "Target"},
			},
		},
		{
			name: "3 prefix pattern",
			rules: Rules{
				Aiven:  []Entry{aiven("pass", PermRead, "prefix-*")},
				Native: []NativeEntry{allowTopic("User:native", OpRead, PatternPrefixed, "prefix-")},
			},
			checks: []check{
				{principal: "pass", op: OpRead, resource: "prefix-topic", want: true},
				{principal: "pass", op: OpRead, resource: "other-topic"},
				{principal: "native", op: OpRead, resource: "prefix-topic", want: true},
				{principal: "native", op: OpRead, resource: "prefix", want: false},
			},
		},
		{
			name: "4 deny beats allow for every user",
			rules: Rules{Native: []NativeEntry{
				allowTopic("User:*", OpRead, PatternLiteral, "*"),
				denyTopic("User:*", OpRead, PatternLiteral, "topic-denied"),
			}},
			checks: []check{
				{principal: "anyone", op: OpRead, resource: "test-topic", want: true},
				{principal: "anyone", op: OpRead, resource: "topic-denied"},
			},
		},
		{
			name: "4b native deny beats Aiven allow",
			rules: Rules{
				Aiven:  []Entry{aiven("*", PermRead, "*")},
				Native: []NativeEntry{denyTopic("User:*", OpRead, PatternLiteral, "topic-denied")},
			},
			checks: []check{
				{principal: "anyone", op: OpRead, resource: "test-topic", want: true},
				{principal: "anyone", op: OpRead, resource: "topic-denied"},
				{principal: "anyone", op: OpDescribe, resource: "topic-denied", want: true}, // DENY implies nothing
			},
		},
		{
			name: "5 deny one operation on a prefix",
			rules: Rules{Native: []NativeEntry{
				allowTopic("User:pass", OpAll, PatternLiteral, "*"),
				denyTopic("User:pass", OpCreate, PatternPrefixed, "denied-"),
			}},
			checks: []check{
				{principal: "pass", op: OpRead, resource: "Target", want: true},
				{principal: "pass", op: OpCreate, resource: "Target", want: true},
				{principal: "pass", op: OpRead, resource: "denied-topic", want: true},
				{principal: "pass", op: OpCreate, resource: "denied-topic"},
			},
		},
		{
			name: "6 many users, one denied topic, answers stable through the cache",
			rules: func() Rules {
				var r Rules
				for i := range 13 {
					r.Native = append(r.Native, allowTopic(fmt.Sprintf("User:pass-%d", i), OpRead, PatternLiteral, "*"))
				}
				r.Native = append(r.Native, denyTopic("User:pass-3", OpRead, PatternLiteral, "denied"))
				return r
			}(),
			checks: func() []check {
				one := []check{
					{principal: "pass-1", op: OpRead, resource: "Target", want: true},
					{principal: "pass-3", op: OpRead, resource: "Target", want: true},
					{principal: "pass-3", op: OpRead, resource: "denied"},
					{principal: "fail-1", op: OpRead, resource: "Target"},
				}
				return append(one, one...)
			}(),
		},
		{
			name: "7 hosts",
			rules: Rules{Native: []NativeEntry{
				native(Allow, "User:pass", "*", OpRead, ResourceTopic, PatternLiteral, "topic-1"),
				native(Allow, "User:pass", "192.168.0.45", OpRead, ResourceTopic, PatternLiteral, "topic-2"),
				native(Allow, "User:pass", "", OpRead, ResourceTopic, PatternLiteral, "topic-3"), // empty = *
				native(Deny, "User:pass", "192.168.0.47", OpRead, ResourceTopic, PatternLiteral, "topic-1"),
			}},
			checks: []check{
				{principal: "pass", op: OpRead, resource: "topic-1", want: true},
				{principal: "pass", host: "192.168.0.45", op: OpRead, resource: "topic-2", want: true},
				{principal: "pass", host: "192.168.0.46", op: OpRead, resource: "topic-2"},
				{principal: "pass", host: "192.168.0.47", op: OpRead, resource: "topic-1"},
				{principal: "pass", host: "192.168.0.1", op: OpRead, resource: "topic-3", want: true},
			},
		},
		{
			name: "8 literal resources",
			rules: Rules{Native: []NativeEntry{
				allowTopic("User:user1", OpRead, PatternLiteral, "topic-1"),
				denyTopic("User:user2", OpRead, PatternLiteral, "topic-2"),
				allowTopic("User:user3", OpRead, PatternLiteral, "*"),
			}},
			checks: []check{
				{principal: "user1", op: OpRead, resource: "topic-1", want: true},
				{principal: "user1", op: OpRead, resource: "topic-2"},
				{principal: "user2", op: OpRead, resource: "topic-2"},
				{principal: "user3", op: OpRead, resource: "topic-3", want: true},
			},
		},
		{
			name: "9 prefixed resources",
			rules: Rules{Native: []NativeEntry{
				allowTopic("User:user1", OpRead, PatternPrefixed, "groupA."),
				denyTopic("User:user2", OpRead, PatternPrefixed, "groupB."),
			}},
			checks: []check{
				{principal: "user1", op: OpRead, resource: "groupA.topic", want: true},
				{principal: "user1", op: OpRead, resource: "groupC.topic"},
				{principal: "user2", op: OpRead, resource: "groupB.topic"},
			},
		},
		{
			// Aiven's deprecated regex operation mode has no implied
			// Describe; our operations are enums, where Kafka implies it.
			name: "10 enum operations imply Describe",
			rules: Rules{Native: []NativeEntry{
				allowTopic("User:pass", OpRead, PatternLiteral, "t"),
				allowTopic("User:pass", OpWrite, PatternLiteral, "t"),
				allowTopic("User:pass", OpAlter, PatternLiteral, "t"),
				allowTopic("User:pass", OpDelete, PatternLiteral, "t"),
			}},
			checks: []check{
				{principal: "pass", op: OpRead, resource: "t", want: true},
				{principal: "pass", op: OpWrite, resource: "t", want: true},
				{principal: "pass", op: OpAlter, resource: "t", want: true},
				{principal: "pass", op: OpDelete, resource: "t", want: true},
				{principal: "pass", op: OpDescribe, resource: "t", want: true},
				{principal: "pass", op: OpCreate, resource: "t"},
			},
		},
		{
			name: "11 groups: Read and Delete imply Describe",
			rules: Rules{Native: []NativeEntry{
				native(Allow, "User:pass", "*", OpRead, ResourceGroup, PatternLiteral, "g1"),
				native(Allow, "User:pass", "*", OpDelete, ResourceGroup, PatternLiteral, "g2"),
			}},
			checks: []check{
				{principal: "pass", op: OpRead, rt: ResourceGroup, resource: "g1", want: true},
				{principal: "pass", op: OpDelete, rt: ResourceGroup, resource: "g1"},
				{principal: "pass", op: OpDescribe, rt: ResourceGroup, resource: "g1", want: true},
				{principal: "pass", op: OpRead, rt: ResourceGroup, resource: "g2"},
				{principal: "pass", op: OpDelete, rt: ResourceGroup, resource: "g2", want: true},
				{principal: "pass", op: OpDescribe, rt: ResourceGroup, resource: "g2", want: true},
			},
		},
		{
			name: "12 topics: Alter and Write imply Describe",
			rules: Rules{Native: []NativeEntry{
				allowTopic("User:pass", OpAlter, PatternLiteral, "t1"),
				allowTopic("User:pass", OpWrite, PatternLiteral, "t2"),
			}},
			checks: []check{
				{principal: "pass", op: OpAlter, resource: "t1", want: true},
				{principal: "pass", op: OpWrite, resource: "t1"},
				{principal: "pass", op: OpDescribe, resource: "t1", want: true},
				{principal: "pass", op: OpAlter, resource: "t2"},
				{principal: "pass", op: OpWrite, resource: "t2", want: true},
				{principal: "pass", op: OpDescribe, resource: "t2", want: true},
			},
		},
		{
			name:  "13 AlterConfigs implies DescribeConfigs",
			rules: Rules{Native: []NativeEntry{allowTopic("User:pass", OpAlterConfigs, PatternLiteral, "t")}},
			checks: []check{
				{principal: "pass", op: OpAlterConfigs, resource: "t", want: true},
				{principal: "pass", op: OpDescribeConfigs, resource: "t", want: true},
			},
		},
		{
			name: "14 DENY AlterConfigs does not deny DescribeConfigs",
			rules: Rules{Native: []NativeEntry{
				allowTopic("User:pass", OpAll, PatternLiteral, "t"),
				denyTopic("User:pass", OpAlterConfigs, PatternLiteral, "t"),
			}},
			checks: []check{
				{principal: "pass", op: OpAlterConfigs, resource: "t"},
				{principal: "pass", op: OpDescribeConfigs, resource: "t", want: true},
			},
		},
		{
			name:  "15 All grants everything",
			rules: Rules{Native: []NativeEntry{allowTopic("User:pass", OpAll, PatternLiteral, "foobar")}},
			checks: []check{
				{principal: "pass", op: OpRead, resource: "foobar", want: true},
				{principal: "pass", op: OpWrite, resource: "foobar", want: true},
				{principal: "pass", op: OpAlterConfigs, resource: "foobar", want: true},
				{principal: "pass", op: OpDescribeConfigs, resource: "foobar", want: true},
			},
		},
		{
			// Case 16's unparsable file has no counterpart (rules are
			// values, validated by New); an empty rule set must deny.
			name:  "16 no rules deny everything",
			rules: Rules{},
			checks: []check{
				{principal: "avnadmin", op: OpRead, resource: "t"},
				{principal: "avnadmin", op: OpCreate, rt: ResourceCluster, resource: ClusterName},
			},
		},
		// Case 17 (resource_pattern templated on principal regex groups) has
		// no counterpart in Aiven's public API and is not ported.
		{
			name: "docs globs",
			rules: Rules{Aiven: []Entry{
				aiven("abc", PermRead, "xyz"),
				aiven("analyst*", PermRead, "xyz"),
				aiven("developer*", PermRead, "test*"),
				aiven("user?", PermRead, "logs-*"),
				aiven("svc", PermRead, "?*"),
			}},
			checks: []check{
				{principal: "abc", op: OpRead, resource: "xyz", want: true},
				{principal: "abc", op: OpRead, resource: "xyz1"},
				{principal: "analyst", op: OpRead, resource: "xyz", want: true},
				{principal: "analyst-7", op: OpRead, resource: "xyz", want: true},
				{principal: "developer1", op: OpRead, resource: "test", want: true},
				{principal: "developer1", op: OpRead, resource: "test1", want: true},
				{principal: "developer1", op: OpRead, resource: "testing", want: true},
				{principal: "developer1", op: OpRead, resource: "tes"},
				{principal: "user1", op: OpRead, resource: "logs-2023", want: true},
				{principal: "user1", op: OpRead, resource: "logs-error", want: true},
				{principal: "user10", op: OpRead, resource: "logs-2023"},
				{principal: "svc", op: OpRead, resource: "a", want: true},
				{principal: "svc", op: OpRead, resource: "", want: false}, // ?* never matches ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runChecks(t, mustNew(t, tt.rules), tt.checks)
		})
	}
}

// TestPermissionMapping checks Table A through the authorizer.
func TestPermissionMapping(t *testing.T) {
	a := mustNew(t, Rules{Aiven: []Entry{
		aiven("reader", PermRead, "orders-*"),
		aiven("writer", PermWrite, "orders-*"),
		aiven("rw", PermReadWrite, "orders-*"),
		aiven("admin", PermAdmin, "orders-*"),
	}})
	type row struct {
		op       Operation
		rt       ResourceType
		resource string
		allowed  []string // users allowed
	}
	rows := []row{
		{OpCreate, ResourceCluster, ClusterName, []string{"admin"}},
		{OpCreate, ResourceTopic, "anything", []string{"admin"}},
		{OpRead, ResourceGroup, "any-group", []string{"reader", "rw", "admin"}},
		{OpDescribe, ResourceGroup, "any-group", []string{"reader", "rw", "admin"}},
		{OpDelete, ResourceGroup, "any-group", []string{"reader", "rw", "admin"}},
		{OpRead, ResourceTopic, "orders-1", []string{"reader", "rw", "admin"}},
		{OpRead, ResourceTopic, "payments", nil},
		{OpWrite, ResourceTopic, "orders-1", []string{"writer", "rw", "admin"}},
		{OpDescribe, ResourceTopic, "orders-1", []string{"reader", "writer", "rw", "admin"}},
		{OpDescribeConfigs, ResourceTopic, "orders-1", []string{"reader", "writer", "rw", "admin"}},
		{OpDescribe, ResourceTopic, "payments", nil},
		{OpAlter, ResourceTopic, "orders-1", []string{"admin"}},
		{OpAlterConfigs, ResourceTopic, "orders-1", []string{"admin"}},
		{OpDelete, ResourceTopic, "orders-1", []string{"admin"}},
		{OpDelete, ResourceTopic, "payments", nil},
		{OpWrite, ResourceTransactionalID, "any-txn", []string{"writer", "rw", "admin"}},
		{OpDescribe, ResourceTransactionalID, "any-txn", []string{"writer", "rw", "admin"}},
		{OpIdempotentWrite, ResourceCluster, ClusterName, []string{"writer", "rw", "admin"}},
		{OpAlter, ResourceCluster, ClusterName, nil},
		{OpClusterAction, ResourceCluster, ClusterName, nil},
	}
	for _, r := range rows {
		for _, u := range []string{"reader", "writer", "rw", "admin"} {
			want := false
			for _, w := range r.allowed {
				want = want || w == u
			}
			d := a.Authorize(Request{Principal: u, Host: localhost, Operation: r.op, ResourceType: r.rt, Resource: r.resource})
			if d.Allowed != want {
				t.Errorf("%s %s %s:%s = %v, want %v", u, r.op, r.rt, r.resource, d, want)
			}
		}
	}
}

// TestAuthorizeAny ports Aiven's AuthByResouceTypeTest (reference §1.11)
// and adds the fail-open gap: DENY rules must count on this path too.
func TestAuthorizeAny(t *testing.T) {
	r := Rules{Native: []NativeEntry{
		allowTopic("User:allow_some", OpWrite, PatternLiteral, "some"),
		denyTopic("User:allow_some", OpWrite, PatternLiteral, "deniedtopic"),
		allowTopic("User:deny_prefix", OpWrite, PatternPrefixed, "prefix.something"),
		denyTopic("User:deny_prefix", OpWrite, PatternPrefixed, "prefix"),
		allowTopic("User:deny_all", OpWrite, PatternLiteral, "some"),
		denyTopic("User:deny_all", OpWrite, PatternLiteral, "*"),
		allowTopic("User:allow_read", OpRead, PatternLiteral, "*"),
		allowTopic("User:allow_all", OpAll, PatternLiteral, "*"),
		allowTopic("User:allow_wildcard_host", OpAll, PatternLiteral, "*"),
		allowTopic("User:allow_localhost", OpAll, PatternLiteral, "*"),
		allowTopic("User:deny_host", OpAll, PatternLiteral, "*"),
		native(Deny, "User:deny_host", localhost, OpAll, ResourceTopic, PatternLiteral, "*"),
		allowTopic("User:deny_write", OpAll, PatternLiteral, "fixedtopic"),
		denyTopic("User:deny_write", OpWrite, PatternLiteral, "fixedtopic"),
		allowTopic("User:deny_prefix_write", OpAll, PatternPrefixed, "prefix.foo."),
		denyTopic("User:deny_prefix_write", OpWrite, PatternPrefixed, "prefix"),
	}, Aiven: []Entry{
		// The gap: Aiven allows by glob, a native DENY covers all of it.
		aiven("gap_glob", PermWrite, "team.*.events"),
		aiven("gap_open", PermWrite, "team.*.events"),
		aiven("gap_qmark", PermWrite, "t?"),
	}}
	r.Native = append(r.Native,
		denyTopic("User:gap_glob", OpWrite, PatternPrefixed, "team."),
		denyTopic("User:gap_open", OpWrite, PatternPrefixed, "team.a"), // leaves team.b….events
		denyTopic("User:gap_qmark", OpWrite, PatternLiteral, "ta"),     // leaves tb, tc, …
	)
	a := mustNew(t, r)
	tests := []struct {
		user string
		host string
		op   Operation
		want bool
	}{
		{"no_acls", localhost, OpWrite, false},
		{"allow_some", localhost, OpWrite, true},
		{"deny_all", localhost, OpWrite, false},
		{"deny_prefix", localhost, OpWrite, false},
		{"allow_read", localhost, OpWrite, false},
		{"allow_all", localhost, OpWrite, true},
		{"allow_wildcard_host", localhost, OpWrite, true},
		{"allow_localhost", localhost, OpWrite, true},
		{"deny_host", localhost, OpWrite, false},
		{"deny_host", "10.0.0.1", OpWrite, true},
		{"deny_write", localhost, OpWrite, false},
		{"deny_write", localhost, OpRead, true},
		{"deny_prefix_write", localhost, OpWrite, false},
		{"deny_prefix_write", localhost, OpRead, true},
		{"gap_glob", localhost, OpWrite, false},
		{"gap_glob", localhost, OpDescribe, true},
		{"gap_open", localhost, OpWrite, true},
		{"gap_qmark", localhost, OpWrite, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tt.user, tt.host, tt.op), func(t *testing.T) {
			d := a.AuthorizeAny("User:"+tt.user, tt.host, tt.op, ResourceTopic)
			if d.Allowed != tt.want {
				t.Fatalf("AuthorizeAny = %v, want %v", d, tt.want)
			}
			if d.Allowed {
				// The witness must itself be allowed by Authorize.
				w := a.Authorize(Request{Principal: "User:" + tt.user, Host: tt.host, Operation: tt.op, ResourceType: ResourceTopic, Resource: d.Resource})
				if !w.Allowed {
					t.Fatalf("witness %q denied: %v", d.Resource, w)
				}
			}
		})
	}
}

func TestSchemaRegistry(t *testing.T) {
	a := mustNew(t, Rules{SchemaRegistry: append(DefaultSchemaRegistryEntries(),
		SchemaRegistryEntry{ID: "acl1", Username: "reader*", Permission: SRRead, Resource: "Subject:orders-*"},
	)})
	sr := func(user string, op Operation, res string) check {
		return check{principal: user, op: op, rt: ResourceSchemaRegistry, resource: res}
	}
	yes := func(c check) check { c.want = true; return c }
	runChecks(t, a, []check{
		yes(sr("avnadmin", OpWrite, "Config:")),
		yes(sr("avnadmin", OpRead, "Config:")), // write implies read
		yes(sr("avnadmin", OpWrite, "Subject:anything")),
		yes(sr("reader-1", OpRead, "Subject:orders-value")),
		sr("reader-1", OpWrite, "Subject:orders-value"),
		sr("reader-1", OpRead, "Subject:payments-value"),
		sr("reader-1", OpRead, "Config:"),
		sr("stranger", OpRead, "Subject:orders-value"),
		// SR entries do not grant Kafka access, nor the reverse.
		{principal: "avnadmin", op: OpRead, resource: "orders"},
	})
}

func TestDecisionExplains(t *testing.T) {
	a := mustNew(t, Rules{
		Aiven:  DefaultEntries(),
		Native: []NativeEntry{{ID: "acl9", Principal: "User:avnadmin", ResourceType: ResourceTopic, ResourceName: "secret", PatternType: PatternLiteral, Operation: OpRead, PermissionType: Deny}},
	})
	req := Request{Principal: "avnadmin", Host: localhost, Operation: OpRead, ResourceType: ResourceTopic, Resource: "orders"}
	d := a.Authorize(req)
	if !d.Allowed || d.Reason != ReasonAllowedByAiven || d.EntryID() != DefaultEntryID {
		t.Errorf("got %v, want allowed by %s", d, DefaultEntryID)
	}
	req.Resource = "secret"
	d = a.Authorize(req)
	if d.Allowed || d.Reason != ReasonDeniedByNative || d.EntryID() != "acl9" {
		t.Errorf("got %v, want denied by acl9", d)
	}
	if s := d.String(); s == "" {
		t.Error("empty explanation")
	}
	req.Principal = "nobody"
	if d = a.Authorize(req); d.Allowed || d.Reason != ReasonNoMatch || d.EntryID() != "" {
		t.Errorf("got %v, want no match", d)
	}
	if d = a.Authorize(Request{Principal: "avnadmin", Operation: OpAny, ResourceType: ResourceTopic}); d.Reason != ReasonInvalidRequest {
		t.Errorf("OpAny: got %v, want invalid request", d)
	}
}

func TestNewCopiesAndValidates(t *testing.T) {
	entries := []Entry{aiven("alice", PermRead, "t")}
	a := mustNew(t, Rules{Aiven: entries})
	entries[0].Username = "mallory"
	req := Request{Principal: "alice", Operation: OpRead, ResourceType: ResourceTopic, Resource: "t"}
	if !a.Authorize(req).Allowed {
		t.Error("caller's later edit leaked into the Authorizer")
	}
	if _, err := New(Rules{Aiven: []Entry{aiven("bad name", PermRead, "t")}}); err == nil {
		t.Error("New accepted an invalid username")
	}
}

func TestAuthorizeBatch(t *testing.T) {
	a := mustNew(t, Rules{Aiven: []Entry{aiven("alice", PermRead, "t*"), aiven("bob", PermWrite, "t*")}})
	reqs := []Request{
		{Principal: "alice", Operation: OpRead, ResourceType: ResourceTopic, Resource: "t1"},
		{Principal: "alice", Operation: OpWrite, ResourceType: ResourceTopic, Resource: "t1"},
		{Principal: "bob", Operation: OpWrite, ResourceType: ResourceTopic, Resource: "t1"},
		{Principal: "bob", Operation: OpUnknown, ResourceType: ResourceTopic, Resource: "t1"},
		{Principal: "alice", Operation: OpRead, ResourceType: ResourceTopic, Resource: "t1"},
	}
	want := []bool{true, false, true, false, true}
	got := a.AuthorizeBatch(reqs, nil)
	if len(got) != len(want) {
		t.Fatalf("got %d decisions, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Allowed != want[i] || got[i] != a.Authorize(reqs[i]) {
			t.Errorf("request %d: got %v, want allowed=%v and equal to Authorize", i, got[i], want[i])
		}
	}
}

// TestRebuildInvalidates shows the rebuild contract: a new Authorizer has
// a fresh cache, so a removed entry stops granting at once.
func TestRebuildInvalidates(t *testing.T) {
	req := Request{Principal: "alice", Operation: OpRead, ResourceType: ResourceTopic, Resource: "t"}
	a := mustNew(t, Rules{Aiven: []Entry{aiven("alice", PermRead, "t")}})
	if !a.Authorize(req).Allowed {
		t.Fatal("want allowed before removal")
	}
	b := mustNew(t, Rules{})
	if b.Authorize(req).Allowed {
		t.Fatal("rebuilt authorizer served a stale verdict")
	}
}

func TestCacheBounded(t *testing.T) {
	a := mustNew(t, Rules{Aiven: DefaultEntries()}, WithCacheSize(64), WithMaxPrincipals(2))
	for i := range 10_000 {
		req := Request{Principal: fmt.Sprintf("u%d", i%5), Operation: OpRead, ResourceType: ResourceTopic, Resource: fmt.Sprint(i)}
		a.Authorize(req)
	}
	if n := a.verdicts.len(); n > 64 {
		t.Errorf("verdict cache holds %d entries, bound 64", n)
	}
	if len(a.principals.m) > 2 {
		t.Errorf("principal cache holds %d entries, bound 2", len(a.principals.m))
	}
	// Disabled cache still answers.
	c := mustNew(t, Rules{Aiven: DefaultEntries()}, WithCacheSize(0))
	if !c.Authorize(Request{Principal: "avnadmin", Operation: OpRead, ResourceType: ResourceTopic, Resource: "x"}).Allowed {
		t.Error("uncached authorizer denied avnadmin")
	}
}

// TestConcurrentAuthorize is meant for -race: many goroutines share one
// Authorizer, populating both caches while reading them.
func TestConcurrentAuthorize(t *testing.T) {
	rules := benchRules(10, 500)
	a := mustNew(t, rules, WithCacheSize(256))
	ref := mustNew(t, rules, WithCacheSize(0))
	reqs := benchRequests(10, 400, rules)
	want := make([]bool, len(reqs))
	for i, r := range reqs {
		want[i] = ref.Authorize(r).Allowed
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 3 * len(reqs) {
				j := (i*7 + g*13) % len(reqs)
				var got bool
				switch i % 3 {
				case 0:
					got = a.Authorize(reqs[j]).Allowed
				case 1:
					got = a.AuthorizeBatch(reqs[j:j+1], nil)[0].Allowed
				default:
					a.AuthorizeAny(reqs[j].Principal, reqs[j].Host, reqs[j].Operation, reqs[j].ResourceType)
					got = want[j]
				}
				if got != want[j] {
					t.Errorf("request %d: got %v, want %v", j, got, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}
