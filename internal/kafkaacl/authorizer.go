package kafkaacl

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Request is one authorization question: may Principal, connecting from
// Host, perform Operation on the resource (ResourceType, Resource)?
type Request struct {
	// Principal is "User:<name>"; a bare name (no ':') is taken as a User
	// principal. Aiven and Schema Registry entries apply to User principals
	// only.
	Principal    string
	Host         string // the client's IP as text
	Operation    Operation
	ResourceType ResourceType
	// Resource is the resource name: a topic, group or transactional ID;
	// ClusterName for the cluster; "Config:" or "Subject:<name>" for
	// ResourceSchemaRegistry.
	Resource string
}

// Reason says why a Decision came out as it did.
type Reason uint8

// Reasons.
const (
	ReasonNoMatch Reason = iota
	ReasonAllowedByAiven
	ReasonAllowedByNative
	ReasonAllowedBySchemaRegistry
	ReasonDeniedByNative
	ReasonInvalidRequest
)

func (r Reason) String() string {
	switch r {
	case ReasonNoMatch:
		return "no matching ACL entry"
	case ReasonAllowedByAiven:
		return "allowed by Aiven ACL entry"
	case ReasonAllowedByNative:
		return "allowed by Kafka-native ACL entry"
	case ReasonAllowedBySchemaRegistry:
		return "allowed by Schema Registry ACL entry"
	case ReasonDeniedByNative:
		return "denied by Kafka-native DENY entry"
	case ReasonInvalidRequest:
		return "invalid request"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Decision is the answer to a Request. At most one of Aiven, Native and
// SchemaRegistry is set: the entry that decided (the first matching ALLOW,
// or a matching DENY). They point into the Authorizer's own copy of the
// rules and must not be modified.
type Decision struct {
	Allowed        bool
	Reason         Reason
	Aiven          *Entry
	Native         *NativeEntry
	SchemaRegistry *SchemaRegistryEntry
	// Resource is set by AuthorizeAny when allowed: a resource name the
	// rules allow, proving the answer.
	Resource string
}

// EntryID returns the ID of the deciding entry, or "".
func (d Decision) EntryID() string {
	switch {
	case d.Aiven != nil:
		return d.Aiven.ID
	case d.Native != nil:
		return d.Native.ID
	case d.SchemaRegistry != nil:
		return d.SchemaRegistry.ID
	}
	return ""
}

// String explains the decision for logs and the API's explain output.
func (d Decision) String() string {
	verdict := "DENY"
	if d.Allowed {
		verdict = "ALLOW"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", verdict, d.Reason)
	switch {
	case d.Aiven != nil:
		fmt.Fprintf(&b, " %s (username %q, permission %s, topic %q)", d.Aiven.ID, d.Aiven.Username, d.Aiven.Permission, d.Aiven.Topic)
	case d.Native != nil:
		n := d.Native
		fmt.Fprintf(&b, " %s (%s %s host %s %s %s:%s %s)", n.ID, n.PermissionType, n.Principal, n.Host, n.Operation, n.ResourceType, n.ResourceName, n.PatternType)
	case d.SchemaRegistry != nil:
		s := d.SchemaRegistry
		fmt.Fprintf(&b, " %s (username %q, permission %s, resource %q)", s.ID, s.Username, s.Permission, s.Resource)
	}
	if d.Resource != "" {
		fmt.Fprintf(&b, "; e.g. resource %q", d.Resource)
	}
	return b.String()
}

// rule is one compiled grant: an operation set on names matched by
// (kind, name, glob) for one resource type.
type rule struct {
	rt    ResourceType
	deny  bool
	ops   opMask
	host  string // "" matches every host
	kind  nameKind
	name  string // literal, prefix, or a glob's literal prefix
	glob  Glob
	aiven *Entry
	nat   *NativeEntry
	sr    *SchemaRegistryEntry
}

type nameKind uint8

const (
	nameAll nameKind = iota
	nameLiteral
	namePrefix
	nameGlob
)

func (r *rule) decision() Decision {
	switch {
	case r.deny:
		return Decision{Reason: ReasonDeniedByNative, Native: r.nat}
	case r.aiven != nil:
		return Decision{Allowed: true, Reason: ReasonAllowedByAiven, Aiven: r.aiven}
	case r.nat != nil:
		return Decision{Allowed: true, Reason: ReasonAllowedByNative, Native: r.nat}
	}
	return Decision{Allowed: true, Reason: ReasonAllowedBySchemaRegistry, SchemaRegistry: r.sr}
}

func globRule(r rule, pattern string) rule {
	g := CompileGlob(pattern)
	r.glob = g
	switch {
	case g.MatchesAll():
		r.kind = nameAll
	case g.IsLiteral():
		r.kind, r.name = nameLiteral, pattern
	default:
		if p, ok := g.PrefixOnly(); ok {
			r.kind, r.name = namePrefix, p
		} else {
			r.kind, r.name = nameGlob, g.LiteralPrefix()
		}
	}
	return r
}

// Authorizer decides requests against one service's rules. It is
// immutable apart from its caches and safe for concurrent use; rebuild
// with New when the rules change.
type Authorizer struct {
	rules Rules

	// Rules are grouped by who they apply to, so a principal's rule set is
	// assembled once without a scan of every entry.
	byUsername  map[string][]*rule // Aiven and SR entries with a literal username
	userGlobs   []userGlob         // Aiven and SR entries with a wildcard username
	byPrincipal map[string][]*rule // native entries by exact principal
	anyUser     []*rule            // native entries for "User:*"
	hostMatters bool               // some native entry names a host

	principals principalCache
	verdicts   *verdictCache
}

type userGlob struct {
	glob  Glob
	rules []*rule
}

// Option configures New.
type Option func(*config)

type config struct {
	cacheSize     int
	maxPrincipals int
}

// WithCacheSize sets the verdict cache's slot count (rounded up to a power
// of two; 0 disables the cache). The default is 65536 slots.
func WithCacheSize(n int) Option { return func(c *config) { c.cacheSize = n } }

// WithMaxPrincipals bounds how many principals' rule sets are kept (the
// default is 4096); beyond it, rule sets are assembled per request, so a
// flood of unknown principals cannot grow memory.
func WithMaxPrincipals(n int) Option { return func(c *config) { c.maxPrincipals = n } }

// New validates and compiles rules. It copies them: later changes to the
// caller's slices do not affect the Authorizer.
func New(rules Rules, opts ...Option) (*Authorizer, error) {
	cfg := config{cacheSize: 1 << 16, maxPrincipals: 4096}
	for _, o := range opts {
		o(&cfg)
	}
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	a := &Authorizer{
		rules: Rules{
			Aiven:          slices.Clone(rules.Aiven),
			Native:         slices.Clone(rules.Native),
			SchemaRegistry: slices.Clone(rules.SchemaRegistry),
		},
		byUsername:  make(map[string][]*rule),
		byPrincipal: make(map[string][]*rule),
		principals:  principalCache{max: cfg.maxPrincipals, m: make(map[string]*principalRules)},
		verdicts:    newVerdictCache(cfg.cacheSize),
	}
	globIdx := make(map[string]int) // username pattern → index in userGlobs
	addUser := func(username string, rs []*rule) {
		g := CompileGlob(username)
		if g.IsLiteral() {
			a.byUsername[username] = append(a.byUsername[username], rs...)
			return
		}
		i, ok := globIdx[username]
		if !ok {
			i = len(a.userGlobs)
			globIdx[username] = i
			a.userGlobs = append(a.userGlobs, userGlob{glob: g})
		}
		a.userGlobs[i].rules = append(a.userGlobs[i].rules, rs...)
	}
	for i := range a.rules.Aiven {
		e := &a.rules.Aiven[i]
		addUser(e.Username, aivenRules(e))
	}
	for i := range a.rules.Native {
		n := &a.rules.Native[i]
		*n = n.Normalize()
		r := &rule{rt: n.ResourceType, deny: n.PermissionType == Deny, nat: n}
		if r.deny {
			r.ops = denyMask(n.Operation)
		} else {
			r.ops = allowMask(n.Operation)
		}
		if n.Host != defaultHost {
			r.host = n.Host
			a.hostMatters = true
		}
		switch {
		case n.PatternType == PatternPrefixed:
			r.kind, r.name = namePrefix, n.ResourceName
		case n.ResourceName == wildcardResourceName:
			r.kind = nameAll
		default:
			r.kind, r.name = nameLiteral, n.ResourceName
		}
		if n.Principal == principalPrefix+"*" {
			a.anyUser = append(a.anyUser, r)
		} else {
			a.byPrincipal[n.Principal] = append(a.byPrincipal[n.Principal], r)
		}
	}
	for i := range a.rules.SchemaRegistry {
		s := &a.rules.SchemaRegistry[i]
		var ops opMask
		for _, g := range schemaRegistryTable {
			if g.Permission == s.Permission {
				ops = maskOf(g.Operations...)
			}
		}
		r := globRule(rule{rt: ResourceSchemaRegistry, ops: ops, sr: s}, s.Resource)
		addUser(s.Username, []*rule{&r})
	}
	return a, nil
}

// aivenRules expands one Aiven entry through the permission table into
// rules, one per resource type and scope.
func aivenRules(e *Entry) []*rule {
	grants := permGrants[e.Permission]
	var out []*rule
	for rt := range ResourceType(numResourceTypes) {
		g := grants[rt]
		if g.all != 0 {
			out = append(out, &rule{rt: rt, ops: g.all, kind: nameAll, aiven: e})
		}
		if g.pattern != 0 {
			r := globRule(rule{rt: rt, ops: g.pattern, aiven: e}, e.Topic)
			out = append(out, &r)
		}
	}
	return out
}

// Rules returns a copy of the rules the Authorizer was built from.
func (a *Authorizer) Rules() Rules {
	return Rules{
		Aiven:          slices.Clone(a.rules.Aiven),
		Native:         slices.Clone(a.rules.Native),
		SchemaRegistry: slices.Clone(a.rules.SchemaRegistry),
	}
}

// Authorize decides req. DENY in either Kafka model wins over ALLOW in
// both; otherwise a matching ALLOW decides (the same one every time, for
// the explanation); otherwise deny.
func (a *Authorizer) Authorize(req Request) Decision {
	if !req.Operation.Valid() || !req.ResourceType.Valid() {
		return Decision{Reason: ReasonInvalidRequest}
	}
	key := a.key(req.Principal, req.Host, req.Operation, req.ResourceType, req.Resource, false)
	h, d, ok := a.verdicts.get(&key)
	if ok {
		return d
	}
	d = a.principalRules(req.Principal).decide(req.Host, req.Operation, req.ResourceType, req.Resource)
	a.verdicts.put(h, &key, d)
	return d
}

// AuthorizeBatch decides every request, appending to out (which may be
// nil) and returning it. Consecutive requests for the same principal share
// one rule-set lookup.
func (a *Authorizer) AuthorizeBatch(reqs []Request, out []Decision) []Decision {
	var (
		lastPrincipal string
		pr            *principalRules
	)
	for _, req := range reqs {
		if !req.Operation.Valid() || !req.ResourceType.Valid() {
			out = append(out, Decision{Reason: ReasonInvalidRequest})
			continue
		}
		key := a.key(req.Principal, req.Host, req.Operation, req.ResourceType, req.Resource, false)
		h, d, ok := a.verdicts.get(&key)
		if ok {
			out = append(out, d)
			continue
		}
		if pr == nil || req.Principal != lastPrincipal {
			pr, lastPrincipal = a.principalRules(req.Principal), req.Principal
		}
		d = pr.decide(req.Host, req.Operation, req.ResourceType, req.Resource)
		a.verdicts.put(h, &key, d)
		out = append(out, d)
	}
	return out
}

// AuthorizeAny answers Kafka's authorizeByResourceType question: may the
// principal perform op on at least one resource of type rt? It applies
// exactly the rules of Authorize, DENY included (closing the fail-open gap
// of Aiven's plugin, whose by-type path ignores some DENY rules): it
// constructs a candidate name for each applicable ALLOW, avoiding the
// applicable DENY literals and prefixes, and confirms it with Authorize's
// own evaluation. An allowed Decision carries that name in Resource.
func (a *Authorizer) AuthorizeAny(principal, host string, op Operation, rt ResourceType) Decision {
	if !op.Valid() || !rt.Valid() {
		return Decision{Reason: ReasonInvalidRequest}
	}
	key := a.key(principal, host, op, rt, "", true)
	h, d, ok := a.verdicts.get(&key)
	if ok {
		return d
	}
	d = a.principalRules(principal).decideAny(host, op, rt)
	a.verdicts.put(h, &key, d)
	return d
}

func (a *Authorizer) key(principal, host string, op Operation, rt ResourceType, resource string, any bool) verdictKey {
	if !a.hostMatters {
		host = "" // every rule has host "*", so the host cannot change a verdict
	}
	return verdictKey{principal: principal, host: host, resource: resource, op: op, rt: rt, any: any}
}

// principalRules holds the rules applying to one principal, indexed per
// resource type, with DENY and ALLOW kept apart so DENY is checked first
// and the ALLOW scan can stop at the first match.
type principalRules struct {
	deny, allow [numResourceTypes]*nameIndex
}

type principalCache struct {
	mu  sync.RWMutex
	max int
	m   map[string]*principalRules
}

func (a *Authorizer) principalRules(principal string) *principalRules {
	a.principals.mu.RLock()
	pr, ok := a.principals.m[principal]
	a.principals.mu.RUnlock()
	if ok {
		return pr
	}
	pr = a.buildPrincipal(principal)
	a.principals.mu.Lock()
	if old, ok := a.principals.m[principal]; ok {
		pr = old // another goroutine won the race; keep one copy
	} else if len(a.principals.m) < a.principals.max {
		a.principals.m[principal] = pr
	}
	a.principals.mu.Unlock()
	return pr
}

func (a *Authorizer) buildPrincipal(principal string) *principalRules {
	typ, name, found := strings.Cut(principal, ":")
	if !found {
		typ, name = "User", principal
	}
	var rs []*rule
	if typ == "User" {
		rs = append(rs, a.byUsername[name]...)
		for _, ug := range a.userGlobs {
			if ug.glob.Match(name) {
				rs = append(rs, ug.rules...)
			}
		}
		rs = append(rs, a.byPrincipal[principalPrefix+name]...)
		rs = append(rs, a.anyUser...)
	} else {
		rs = append(rs, a.byPrincipal[principal]...)
	}
	var deny, allow [numResourceTypes][]*rule
	for _, r := range rs {
		if r.deny {
			deny[r.rt] = append(deny[r.rt], r)
		} else {
			allow[r.rt] = append(allow[r.rt], r)
		}
	}
	pr := &principalRules{}
	for rt := range numResourceTypes {
		pr.deny[rt] = newNameIndex(deny[rt])
		pr.allow[rt] = newNameIndex(allow[rt])
	}
	return pr
}

func (pr *principalRules) decide(host string, op Operation, rt ResourceType, name string) Decision {
	if r := pr.deny[rt].find(host, op, name); r != nil {
		return r.decision()
	}
	if r := pr.allow[rt].find(host, op, name); r != nil {
		return r.decision()
	}
	return Decision{Reason: ReasonNoMatch}
}

func (pr *principalRules) decideAny(host string, op Operation, rt ResourceType) Decision {
	allow := pr.allow[rt]
	if allow == nil {
		return Decision{Reason: ReasonNoMatch}
	}
	var denies []*rule
	if deny := pr.deny[rt]; deny != nil {
		for _, r := range deny.rules {
			if r.applies(host, op) {
				if r.kind == nameAll {
					return r.decision() // LITERAL "*" DENY: nothing of this type
				}
				denies = append(denies, r)
			}
		}
	}
	var firstDeny *Decision
	for _, r := range allow.rules {
		if !r.applies(host, op) {
			continue
		}
		for _, name := range witnesses(r, denies) {
			d := pr.decide(host, op, rt, name)
			if d.Allowed {
				d.Resource = name
				return d
			}
			if firstDeny == nil && d.Reason == ReasonDeniedByNative {
				firstDeny = &d
			}
		}
	}
	if firstDeny != nil {
		return *firstDeny
	}
	return Decision{Reason: ReasonNoMatch}
}

// fillBytes are tried, in order, for a wildcard in a witness name; the
// first not claimed by a DENY literal or prefix at that position wins.
const fillBytes = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._" +
	"!\"#$%&'()+,/:;<=>@[\\]^`{|}~"

// witnesses returns names r matches that the applicable DENY rules
// (LITERAL names and PREFIXED, the only shapes DENY takes) are least able
// to cover. With lp the text before r's first wildcard, DENY rules can cover
// all of r's names only with a prefix of lp; otherwise filling the first
// wildcard with a byte no DENY literal or prefix uses right after lp
// escapes them all. So an empty result after checking these candidates is
// a proof that no name is allowed (up to the fill alphabet running out,
// where we fail closed).
func witnesses(r *rule, denies []*rule) []string {
	var lp, pattern string
	switch r.kind {
	case nameLiteral:
		return []string{r.name}
	case namePrefix:
		lp, pattern = r.name, r.name+"*"
	case nameAll:
		pattern = "*"
	default:
		lp, pattern = r.name, r.glob.String()
	}
	var used [256]bool
	for _, d := range denies {
		if len(d.name) > len(lp) && strings.HasPrefix(d.name, lp) {
			used[d.name[len(lp)]] = true
		}
	}
	fill := byte(0)
	for i := 0; i < len(fillBytes); i++ {
		if !used[fillBytes[i]] {
			fill = fillBytes[i]
			break
		}
	}
	var out []string
	// The shortest name first (wildcards empty or one character), for a
	// readable witness; it may be denied where the escaping one is not.
	if short := fillPattern(pattern, 'a', false); short != "" {
		out = append(out, short)
	}
	if fill != 0 {
		out = append(out, fillPattern(pattern, fill, true))
	}
	return out
}

// fillPattern instantiates a glob: '?' becomes fill, '*' becomes empty,
// except that with first set the first wildcard, whichever it is, becomes
// fill.
func fillPattern(pattern string, fill byte, first bool) string {
	b := make([]byte, 0, len(pattern)+1)
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '?':
			b = append(b, fill)
			first = false
		case '*':
			if first {
				b = append(b, fill)
				first = false
			}
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func (r *rule) applies(host string, op Operation) bool {
	return r.ops.has(op) && (r.host == "" || r.host == host)
}

// nameIndex finds the rules matching a resource name without scanning
// unrelated ones: literals by hash, prefixes and globs by the hash of each
// distinct literal-prefix length, and only globs with no literal prefix
// (e.g. "*-events") by a scan.
type nameIndex struct {
	rules      []*rule // all, in entry order, for AuthorizeAny
	all        []*rule
	literal    map[string][]*rule
	prefixLens []int
	prefix     map[string][]*rule // by prefix (namePrefix) or literal prefix (nameGlob)
	floating   []*rule
}

func newNameIndex(rs []*rule) *nameIndex {
	if len(rs) == 0 {
		return nil
	}
	x := &nameIndex{rules: rs}
	for _, r := range rs {
		switch {
		case r.kind == nameAll:
			x.all = append(x.all, r)
		case r.kind == nameLiteral:
			if x.literal == nil {
				x.literal = make(map[string][]*rule)
			}
			x.literal[r.name] = append(x.literal[r.name], r)
		case r.name == "":
			x.floating = append(x.floating, r)
		default:
			if x.prefix == nil {
				x.prefix = make(map[string][]*rule)
			}
			if _, ok := x.prefix[r.name]; !ok && !slices.Contains(x.prefixLens, len(r.name)) {
				x.prefixLens = append(x.prefixLens, len(r.name))
			}
			x.prefix[r.name] = append(x.prefix[r.name], r)
		}
	}
	slices.Sort(x.prefixLens)
	return x
}

// find returns the first rule matching (host, op, name), or nil.
func (x *nameIndex) find(host string, op Operation, name string) *rule {
	if x == nil {
		return nil
	}
	for _, r := range x.all {
		if r.applies(host, op) {
			return r
		}
	}
	for _, r := range x.literal[name] {
		if r.applies(host, op) {
			return r
		}
	}
	for _, l := range x.prefixLens {
		if l > len(name) {
			break
		}
		for _, r := range x.prefix[name[:l]] {
			if r.applies(host, op) && (r.kind == namePrefix || r.glob.Match(name)) {
				return r
			}
		}
	}
	for _, r := range x.floating {
		if r.applies(host, op) && r.glob.Match(name) {
			return r
		}
	}
	return nil
}
