package kafkaacl

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveAuthorize is the specification written as plainly as possible: a
// linear scan of every entry with the recursive glob matcher, reading the
// permission table row by row. The compiled Authorizer must agree with it.
func naiveAuthorize(r Rules, req Request) bool {
	typ, name, found := strings.Cut(req.Principal, ":")
	if !found {
		typ, name = "User", req.Principal
	}
	implied := func(granted, asked Operation) bool {
		switch {
		case granted == asked, granted == OpAll:
			return true
		case asked == OpDescribe:
			return granted == OpRead || granted == OpWrite || granted == OpDelete || granted == OpAlter
		case asked == OpDescribeConfigs:
			return granted == OpAlterConfigs
		}
		return false
	}
	allowed := false
	for _, n := range r.Native {
		if n.Principal != typ+":"+name && !(n.Principal == "User:*" && typ == "User") {
			continue
		}
		if n.Host != "" && n.Host != "*" && n.Host != req.Host {
			continue
		}
		if n.ResourceType != req.ResourceType {
			continue
		}
		if n.PatternType == PatternPrefixed && !strings.HasPrefix(req.Resource, n.ResourceName) ||
			n.PatternType == PatternLiteral && n.ResourceName != "*" && n.ResourceName != req.Resource {
			continue
		}
		if n.PermissionType == Deny {
			if n.Operation == OpAll || n.Operation == req.Operation {
				return false
			}
			continue
		}
		allowed = allowed || implied(n.Operation, req.Operation)
	}
	if typ != "User" {
		return allowed
	}
	for _, e := range r.Aiven {
		if !naiveGlob(e.Username, name) {
			continue
		}
		for _, g := range permissionTable {
			has := false
			for _, p := range g.Permissions {
				has = has || p == e.Permission
			}
			if !has || g.ResourceType != req.ResourceType {
				continue
			}
			if g.Scope == ScopeTopicPattern && !naiveGlob(e.Topic, req.Resource) {
				continue
			}
			for _, o := range g.Operations {
				allowed = allowed || implied(o, req.Operation)
			}
		}
	}
	for _, s := range r.SchemaRegistry {
		if req.ResourceType != ResourceSchemaRegistry || !naiveGlob(s.Username, name) || !naiveGlob(s.Resource, req.Resource) {
			continue
		}
		allowed = allowed || req.Operation == OpRead || (s.Permission == SRWrite && req.Operation == OpWrite)
	}
	return allowed
}

// bruteNames are every string over {a,b,c} up to length 5: enough to find
// an allowed name whenever one exists for randomRules (patterns of at most
// 4 characters over {a,b}, so one spare letter escapes every DENY).
var bruteNames = func() []string {
	out := []string{""}
	level := []string{""}
	for range 5 {
		var next []string
		for _, s := range level {
			for _, c := range "abc" {
				next = append(next, s+string(c))
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}()

func naiveAuthorizeAny(r Rules, principal, host string, op Operation, rt ResourceType) bool {
	for _, name := range bruteNames {
		if naiveAuthorize(r, Request{Principal: principal, Host: host, Operation: op, ResourceType: rt, Resource: name}) {
			return true
		}
	}
	return false
}

var (
	fuzzUsers   = []string{"a", "b", "ab", "ba", "aa"}
	fuzzHosts   = []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}
	fuzzOps     = []Operation{OpRead, OpWrite, OpDescribe, OpDescribeConfigs, OpAlter, OpAlterConfigs, OpDelete, OpCreate, OpIdempotentWrite}
	fuzzRTs     = []ResourceType{ResourceTopic, ResourceTopic, ResourceGroup, ResourceCluster, ResourceTransactionalID, ResourceSchemaRegistry}
	fuzzNatOps  = append([]Operation{OpAll}, fuzzOps...)
	fuzzNatRTs  = []ResourceType{ResourceTopic, ResourceTopic, ResourceTopic, ResourceGroup, ResourceCluster, ResourceTransactionalID}
	fuzzSRNames = []string{"Config:", "Subject:a", "Subject:ab", "Subject:b"}
)

func randStr(rng *rand.Rand, alphabet string, minLen, maxLen int) string {
	n := minLen + rng.IntN(maxLen-minLen+1)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func randomRules(rng *rand.Rand) Rules {
	var r Rules
	for range rng.IntN(6) {
		r.Aiven = append(r.Aiven, Entry{
			ID:         NewID(),
			Username:   randStr(rng, "ab*?", 1, 3),
			Permission: Permissions[rng.IntN(len(Permissions))],
			Topic:      randStr(rng, "aab*?", 1, 4),
		})
	}
	for range rng.IntN(8) {
		n := NativeEntry{
			ID:             NewID(),
			Principal:      "User:" + fuzzUsers[rng.IntN(len(fuzzUsers))],
			Host:           "*",
			ResourceType:   fuzzNatRTs[rng.IntN(len(fuzzNatRTs))],
			ResourceName:   randStr(rng, "ab", 1, 3),
			PatternType:    PatternLiteral,
			Operation:      fuzzNatOps[rng.IntN(len(fuzzNatOps))],
			PermissionType: Allow,
		}
		if rng.IntN(4) == 0 {
			n.Principal = "User:*"
		}
		if rng.IntN(4) == 0 {
			n.Host = fuzzHosts[rng.IntN(2)]
		}
		if rng.IntN(2) == 0 {
			n.PatternType = PatternPrefixed
		} else if rng.IntN(4) == 0 {
			n.ResourceName = "*"
		}
		if rng.IntN(2) == 0 {
			n.PermissionType = Deny
		}
		r.Native = append(r.Native, n)
	}
	for range rng.IntN(3) {
		s := SchemaRegistryEntry{ID: NewID(), Username: randStr(rng, "ab*?", 1, 3), Permission: SRRead, Resource: "Subject:" + randStr(rng, "ab*?", 1, 2)}
		if rng.IntN(2) == 0 {
			s.Permission = SRWrite
		}
		if rng.IntN(4) == 0 {
			s.Resource = "Config:"
		}
		r.SchemaRegistry = append(r.SchemaRegistry, s)
	}
	return r
}

func checkAgainstNaive(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	rules := randomRules(rng)
	a, err := New(rules, WithCacheSize(64))
	if err != nil {
		t.Fatalf("seed %d: New: %v", seed, err)
	}
	for range 40 {
		req := Request{
			Principal:    fuzzUsers[rng.IntN(len(fuzzUsers))],
			Host:         fuzzHosts[rng.IntN(len(fuzzHosts))],
			Operation:    fuzzOps[rng.IntN(len(fuzzOps))],
			ResourceType: fuzzRTs[rng.IntN(len(fuzzRTs))],
			Resource:     randStr(rng, "abc", 0, 5),
		}
		if rng.IntN(2) == 0 {
			req.Principal = "User:" + req.Principal
		}
		if req.ResourceType == ResourceSchemaRegistry {
			req.Resource = fuzzSRNames[rng.IntN(len(fuzzSRNames))]
		}
		want := naiveAuthorize(rules, req)
		for range 2 { // the second answer comes from the cache
			if got := a.Authorize(req); got.Allowed != want {
				t.Fatalf("seed %d: Authorize(%+v) = %v, naive says %v\nrules: %+v", seed, req, got, want, rules)
			}
		}
		if req.ResourceType == ResourceSchemaRegistry {
			continue
		}
		wantAny := naiveAuthorizeAny(rules, req.Principal, req.Host, req.Operation, req.ResourceType)
		got := a.AuthorizeAny(req.Principal, req.Host, req.Operation, req.ResourceType)
		if got.Allowed != wantAny {
			t.Fatalf("seed %d: AuthorizeAny(%s, %s, %s, %s) = %v, brute force says %v\nrules: %+v",
				seed, req.Principal, req.Host, req.Operation, req.ResourceType, got, wantAny, rules)
		}
	}
}

func FuzzAuthorizer(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed)
	}
	f.Fuzz(checkAgainstNaive)
}

// TestAuthorizerRandom runs the fuzz comparison over a fixed range of seeds
// in every plain `go test`.
func TestAuthorizerRandom(t *testing.T) {
	n := uint64(800)
	if testing.Short() || raceEnabled {
		n = 150
	}
	for seed := range n {
		checkAgainstNaive(t, seed)
	}
}
