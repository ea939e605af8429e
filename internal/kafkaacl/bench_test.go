package kafkaacl

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// benchRules builds a service with users service users and entries ACL
// entries: mostly per-user Aiven entries (literal, prefix and '?'
// patterns), some wildcard-username entries, and a few native ALLOW/DENY
// bindings, in a fixed pseudo-random mix.
func benchRules(users, entries int) Rules {
	rng := rand.New(rand.NewPCG(1, 2))
	var r Rules
	for i := range entries {
		u := rng.IntN(users)
		perm := Permissions[rng.IntN(len(Permissions))]
		user := fmt.Sprintf("svc-%03d", u)
		var topic string
		switch k := rng.IntN(100); {
		case k < 60:
			topic = fmt.Sprintf("team%d.topic-%d", u, i)
		case k < 85:
			topic = fmt.Sprintf("team%d.stream-%d.*", u, i)
		case k < 95:
			topic = fmt.Sprintf("team%d.events-?-%d", u, i)
		default:
			topic = fmt.Sprintf("*.audit-%d", i)
		}
		switch k := rng.IntN(100); {
		case k < 5: // a team-wide username wildcard
			user = fmt.Sprintf("svc-0%d?", u%10)
		case k < 10:
			n := native(Allow, "User:"+user, "*", OpRead, ResourceTopic, PatternPrefixed, fmt.Sprintf("team%d.shared-%d", u, i))
			if rng.IntN(4) == 0 {
				n.PermissionType = Deny
				n.ResourceName = fmt.Sprintf("team%d.topic-%d", u, i-1)
				n.PatternType = PatternLiteral
			}
			r.Native = append(r.Native, n)
			continue
		}
		r.Aiven = append(r.Aiven, Entry{ID: fmt.Sprintf("acl%05d", i), Username: user, Permission: perm, Topic: topic})
	}
	return r
}

// benchRequests draws requests that hit the rules' own names (matches and
// near misses) for users 0..users-1.
func benchRequests(users, n int, r Rules) []Request {
	rng := rand.New(rand.NewPCG(3, 4))
	ops := []Operation{OpRead, OpWrite, OpDescribe, OpAlter}
	out := make([]Request, n)
	for i := range out {
		u := rng.IntN(users)
		name := fmt.Sprintf("team%d.topic-%d", u, rng.IntN(len(r.Aiven)+len(r.Native)))
		switch rng.IntN(4) {
		case 1:
			name = fmt.Sprintf("team%d.stream-%d.part", u, rng.IntN(len(r.Aiven)))
		case 2:
			name = fmt.Sprintf("team%d.events-x-%d", u, rng.IntN(len(r.Aiven)))
		case 3:
			name = fmt.Sprintf("x.audit-%d", rng.IntN(len(r.Aiven)))
		}
		out[i] = Request{
			Principal:    fmt.Sprintf("User:svc-%03d", u),
			Host:         "10.0.0.1",
			Operation:    ops[rng.IntN(len(ops))],
			ResourceType: ResourceTopic,
			Resource:     name,
		}
	}
	return out
}

const (
	benchUsers   = 50
	benchEntries = 10_000
)

func BenchmarkAuthorize(b *testing.B) {
	rules := benchRules(benchUsers, benchEntries)
	reqs := benchRequests(benchUsers, 4096, rules)

	// cached: 4096 distinct questions in rotation, so the cache's working
	// set is larger than the CPU's L2 and most hits pay memory latency.
	b.Run("cached", func(b *testing.B) {
		a := mustNew(b, rules)
		for _, r := range reqs {
			a.Authorize(r)
		}
		i := 0
		for b.Loop() {
			a.Authorize(reqs[i&4095])
			i++
		}
	})
	// cached-hot: 64 distinct questions, as on a broker serving a few busy
	// clients; the pure CPU cost of a hit.
	b.Run("cached-hot", func(b *testing.B) {
		a := mustNew(b, rules)
		for _, r := range reqs[:64] {
			a.Authorize(r)
		}
		i := 0
		for b.Loop() {
			a.Authorize(reqs[i&63])
			i++
		}
	})
	b.Run("uncached", func(b *testing.B) {
		a := mustNew(b, rules, WithCacheSize(0))
		for _, r := range reqs {
			a.Authorize(r) // per-user rule sets built once, as in steady state
		}
		i := 0
		for b.Loop() {
			a.Authorize(reqs[i&4095])
			i++
		}
	})
	b.Run("regex-linear", func(b *testing.B) {
		s := newRegexScan(rules)
		i := 0
		for b.Loop() {
			s.authorize(reqs[i&4095])
			i++
		}
	})
}

func BenchmarkAuthorizeAny(b *testing.B) {
	rules := benchRules(benchUsers, benchEntries)
	reqs := benchRequests(benchUsers, 4096, rules)
	a := mustNew(b, rules, WithCacheSize(0))
	i := 0
	for b.Loop() {
		r := reqs[i&4095]
		a.AuthorizeAny(r.Principal, r.Host, r.Operation, ResourceTopic)
		i++
	}
}

// BenchmarkRebuild measures New plus the first request of every user, the
// cost paid once per rule change.
func BenchmarkRebuild(b *testing.B) {
	rules := benchRules(benchUsers, benchEntries)
	for b.Loop() {
		a := mustNew(b, rules)
		for u := range benchUsers {
			a.Authorize(Request{Principal: fmt.Sprintf("User:svc-%03d", u), Operation: OpRead, ResourceType: ResourceTopic, Resource: "x"})
		}
	}
}

// regexScan is the approach of Aiven's published authorizer: each entry
// becomes anchored regexes over the principal and "<Type>:<name>", checked
// by a linear scan of the DENY rules and then the ALLOW rules, with no
// index. It is here for comparison only.
type regexScan struct {
	deny, allow []regexRule
}

type regexRule struct {
	principal *regexp.Regexp
	resource  *regexp.Regexp
	ops       []Operation
	host      string
}

func globToRegex(g string) string {
	var b strings.Builder
	for _, c := range g {
		switch c {
		case '*':
			b.WriteString("(.*)")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

func newRegexScan(r Rules) *regexScan {
	s := &regexScan{}
	for _, e := range r.Aiven {
		principal := regexp.MustCompile("^(" + globToRegex(e.Username) + ")$")
		for _, g := range permissionTable {
			granted := false
			for _, p := range g.Permissions {
				granted = granted || p == e.Permission
			}
			if !granted {
				continue
			}
			name := "(.*)"
			if g.Scope == ScopeTopicPattern {
				name = "(" + globToRegex(e.Topic) + ")"
			}
			s.allow = append(s.allow, regexRule{
				principal: principal,
				resource:  regexp.MustCompile("^" + g.ResourceType.String() + ":" + name + "$"),
				ops:       g.Operations,
				host:      "*",
			})
		}
	}
	for _, n := range r.Native {
		n = n.Normalize()
		name := regexp.QuoteMeta(n.ResourceName)
		switch {
		case n.PatternType == PatternPrefixed:
			name += "(.*)"
		case n.ResourceName == "*":
			name = "(.*)"
		}
		rr := regexRule{
			principal: regexp.MustCompile("^" + regexp.QuoteMeta(strings.TrimPrefix(n.Principal, "User:")) + "$"),
			resource:  regexp.MustCompile("^" + n.ResourceType.String() + ":" + name + "$"),
			ops:       []Operation{n.Operation},
			host:      n.Host,
		}
		if n.Principal == "User:*" {
			rr.principal = regexp.MustCompile("^(.*)$")
		}
		if n.PermissionType == Deny {
			s.deny = append(s.deny, rr)
		} else {
			s.allow = append(s.allow, rr)
		}
	}
	return s
}

func (s *regexScan) authorize(req Request) bool {
	user := strings.TrimPrefix(req.Principal, "User:")
	resource := req.ResourceType.String() + ":" + req.Resource
	match := func(r *regexRule, allow bool) bool {
		if r.host != "*" && r.host != req.Host {
			return false
		}
		opOK := false
		for _, o := range r.ops {
			if allow {
				opOK = opOK || allowMask(o).has(req.Operation)
			} else {
				opOK = opOK || denyMask(o).has(req.Operation)
			}
		}
		return opOK && r.principal.MatchString(user) && r.resource.MatchString(resource)
	}
	for i := range s.deny {
		if match(&s.deny[i], false) {
			return false
		}
	}
	for i := range s.allow {
		if match(&s.allow[i], true) {
			return true
		}
	}
	return false
}

// TestRegexScanAgrees keeps the benchmark honest: both approaches must
// give the same answers on the benchmark's data.
func TestRegexScanAgrees(t *testing.T) {
	rules := benchRules(benchUsers, 2000)
	reqs := benchRequests(benchUsers, 2000, rules)
	a := mustNew(t, rules)
	s := newRegexScan(rules)
	allowed := 0
	for _, r := range reqs {
		got, want := a.Authorize(r).Allowed, s.authorize(r)
		if got != want {
			t.Fatalf("%+v: compiled %v, regex scan %v", r, got, want)
		}
		if got {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(reqs) {
		t.Fatalf("degenerate benchmark data: %d of %d allowed", allowed, len(reqs))
	}
	t.Logf("%d of %d benchmark requests allowed", allowed, len(reqs))
}
