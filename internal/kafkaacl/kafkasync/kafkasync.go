// Package kafkasync pushes a service's ACLs to a real Kafka cluster as
// Kafka-native ACL bindings, and reports drift between the two.
//
// Native entries map one to one. Aiven entries are expanded through
// kafkaacl's permission table, but only where Kafka can express their
// patterns: Kafka knows exact names, the LITERAL name "*" and PREFIXED
// names, and for principals exact names and "User:*". Entries using '?',
// an inner or leading '*', or a username prefix are returned as
// NotExpressible instead of being approximated: widening would grant too
// much and narrowing would silently break clients, so the caller decides
// (for example by enforcing those through kafkaacl.Authorizer instead).
package kafkasync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
)

// ErrKafka wraps every failure reported by the cluster.
var ErrKafka = errors.New("kafkasync: kafka")

// Binding is one Kafka ACL binding. It is comparable, so sets of bindings
// are plain maps.
type Binding struct {
	Principal      string
	Host           string
	ResourceType   kafkaacl.ResourceType
	ResourceName   string
	PatternType    kafkaacl.PatternType
	Operation      kafkaacl.Operation
	PermissionType kafkaacl.PermissionType
}

func (b Binding) String() string {
	return fmt.Sprintf("%s %s@%s %s %s:%s(%s)", b.PermissionType, b.Principal, b.Host, b.Operation, b.ResourceType, b.ResourceName, b.PatternType)
}

func compareBindings(a, b Binding) int {
	return cmp.Or(
		strings.Compare(a.Principal, b.Principal),
		cmp.Compare(a.ResourceType, b.ResourceType),
		strings.Compare(a.ResourceName, b.ResourceName),
		strings.Compare(string(a.PatternType), string(b.PatternType)),
		cmp.Compare(a.Operation, b.Operation),
		strings.Compare(string(a.PermissionType), string(b.PermissionType)),
		strings.Compare(a.Host, b.Host),
	)
}

// NotExpressible is an entry Kafka's ACLs cannot represent exactly.
type NotExpressible struct {
	Aiven  *kafkaacl.Entry       // set for an Aiven entry
	Native *kafkaacl.NativeEntry // set for a native entry
	Reason string
}

func (n NotExpressible) String() string {
	if n.Aiven != nil {
		return fmt.Sprintf("acl %s (%s %s %s): %s", n.Aiven.ID, n.Aiven.Username, n.Aiven.Permission, n.Aiven.Topic, n.Reason)
	}
	return fmt.Sprintf("kafka_acl %s: %s", n.Native.ID, n.Reason)
}

// Translation is the Kafka form of a service's rules.
type Translation struct {
	Bindings       []Binding // sorted, without duplicates
	NotExpressible []NotExpressible
}

// Translate converts Aiven and native entries to bindings. Schema Registry
// entries are not Kafka ACLs (the registry enforces them) and are ignored.
func Translate(rules kafkaacl.Rules) Translation {
	var t Translation
	seen := make(map[Binding]bool)
	add := func(b Binding) {
		if !seen[b] {
			seen[b] = true
			t.Bindings = append(t.Bindings, b)
		}
	}
	table := kafkaacl.PermissionTable()
	for i := range rules.Aiven {
		e := &rules.Aiven[i]
		principal, why := principalFor(e.Username)
		topicName, topicPattern, whyTopic := resourceFor(e.Topic)
		if why == "" {
			why = whyTopic
		}
		if why != "" {
			t.NotExpressible = append(t.NotExpressible, NotExpressible{Aiven: e, Reason: why})
			continue
		}
		for _, g := range table {
			if !slices.Contains(g.Permissions, e.Permission) {
				continue
			}
			name, pattern := topicName, topicPattern
			switch g.Scope {
			case kafkaacl.ScopeAllNames:
				name, pattern = "*", kafkaacl.PatternLiteral
			case kafkaacl.ScopeCluster:
				name, pattern = kafkaacl.ClusterName, kafkaacl.PatternLiteral
			}
			for _, op := range g.Operations {
				add(Binding{Principal: principal, Host: "*", ResourceType: g.ResourceType, ResourceName: name,
					PatternType: pattern, Operation: op, PermissionType: kafkaacl.Allow})
			}
		}
	}
	for i := range rules.Native {
		n := &rules.Native[i]
		norm := n.Normalize()
		switch {
		case norm.ResourceType == kafkaacl.ResourceUser:
			t.NotExpressible = append(t.NotExpressible, NotExpressible{Native: n, Reason: "kadm cannot build ACLs on the User resource type"})
			continue
		case norm.ResourceType == kafkaacl.ResourceCluster && norm.ResourceName != kafkaacl.ClusterName:
			t.NotExpressible = append(t.NotExpressible, NotExpressible{Native: n, Reason: "Kafka's cluster resource is named " + kafkaacl.ClusterName})
			continue
		}
		add(Binding{Principal: norm.Principal, Host: norm.Host, ResourceType: norm.ResourceType, ResourceName: norm.ResourceName,
			PatternType: norm.PatternType, Operation: norm.Operation, PermissionType: norm.PermissionType})
	}
	slices.SortFunc(t.Bindings, compareBindings)
	return t
}

func principalFor(username string) (string, string) {
	g := kafkaacl.CompileGlob(username)
	switch {
	case g.IsLiteral():
		return "User:" + username, ""
	case g.MatchesAll():
		return "User:*", ""
	}
	return "", fmt.Sprintf("username pattern %q: Kafka principals are exact names or User:*", username)
}

func resourceFor(topic string) (string, kafkaacl.PatternType, string) {
	g := kafkaacl.CompileGlob(topic)
	if g.IsLiteral() {
		return topic, kafkaacl.PatternLiteral, ""
	}
	if g.MatchesAll() {
		return "*", kafkaacl.PatternLiteral, ""
	}
	if p, ok := g.PrefixOnly(); ok {
		return p, kafkaacl.PatternPrefixed, ""
	}
	return "", "", fmt.Sprintf("topic pattern %q: Kafka has only LITERAL and PREFIXED patterns; '?' and a '*' before the end have no equivalent", topic)
}

// Diff is what turns current into desired.
type Diff struct {
	Create []Binding // desired, missing from the cluster
	Delete []Binding // on the cluster, not desired
}

// Empty reports whether the cluster already matches.
func (d Diff) Empty() bool { return len(d.Create) == 0 && len(d.Delete) == 0 }

// Plan computes the bindings to create and delete. Both outputs are sorted.
func Plan(desired, current []Binding) Diff {
	want := make(map[Binding]bool, len(desired))
	for _, b := range desired {
		want[b] = true
	}
	have := make(map[Binding]bool, len(current))
	for _, b := range current {
		have[b] = true
	}
	var d Diff
	for b := range want {
		if !have[b] {
			d.Create = append(d.Create, b)
		}
	}
	for b := range have {
		if !want[b] {
			d.Delete = append(d.Delete, b)
		}
	}
	slices.SortFunc(d.Create, compareBindings)
	slices.SortFunc(d.Delete, compareBindings)
	return d
}

// Option configures Sync and CheckDrift.
type Option func(*options)

type options struct {
	keep map[string]bool
}

// KeepPrincipals leaves bindings of these principals (e.g. an operator
// account) alone: they are neither reported as drift nor deleted.
func KeepPrincipals(principals ...string) Option {
	return func(o *options) {
		for _, p := range principals {
			o.keep[p] = true
		}
	}
}

// Drift compares the cluster with the rules without changing anything.
type Drift struct {
	Diff
	NotExpressible []NotExpressible
}

// Result reports what Sync changed.
type Result struct {
	Created        []Binding
	Deleted        []Binding
	NotExpressible []NotExpressible
}

// Current reads every ACL binding on the cluster.
func Current(ctx context.Context, cl *kadm.Client) ([]Binding, error) {
	b := kadm.NewACLs().AnyResource().Allow().AllowHosts().Deny().DenyHosts().
		Operations().ResourcePatternType(kadm.ACLPatternAny)
	res, err := cl.DescribeACLs(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("%w: describe ACLs: %w", ErrKafka, err)
	}
	var out []Binding
	for _, r := range res {
		if r.Err != nil {
			return nil, fmt.Errorf("%w: describe ACLs: %w %s", ErrKafka, r.Err, r.ErrMessage)
		}
		for _, d := range r.Described {
			out = append(out, Binding{
				Principal:      d.Principal,
				Host:           d.Host,
				ResourceType:   kafkaacl.ResourceType(d.Type),
				ResourceName:   d.Name,
				PatternType:    kafkaacl.PatternType(d.Pattern.String()),
				Operation:      kafkaacl.Operation(d.Operation),
				PermissionType: kafkaacl.PermissionType(d.Permission.String()),
			})
		}
	}
	slices.SortFunc(out, compareBindings)
	return slices.Compact(out), nil
}

func (o *options) filter(bs []Binding) []Binding {
	if len(o.keep) == 0 {
		return bs
	}
	return slices.DeleteFunc(bs, func(b Binding) bool { return o.keep[b.Principal] })
}

func newOptions(opts []Option) *options {
	o := &options{keep: make(map[string]bool)}
	for _, f := range opts {
		f(o)
	}
	return o
}

// CheckDrift reports how the cluster differs from rules, without fixing it.
func CheckDrift(ctx context.Context, cl *kadm.Client, rules kafkaacl.Rules, opts ...Option) (Drift, error) {
	o := newOptions(opts)
	t := Translate(rules)
	cur, err := Current(ctx, cl)
	if err != nil {
		return Drift{}, err
	}
	return Drift{Diff: Plan(o.filter(t.Bindings), o.filter(cur)), NotExpressible: t.NotExpressible}, nil
}

// Sync makes the cluster's ACLs equal to the translation of rules: it
// reads the current bindings, creates the missing ones, then deletes the
// unwanted ones (creating first, so a rule rewritten in place never leaves
// a window without access). Entries that are not expressible are reported
// and get no bindings, failing closed.
func Sync(ctx context.Context, cl *kadm.Client, rules kafkaacl.Rules, opts ...Option) (Result, error) {
	drift, err := CheckDrift(ctx, cl, rules, opts...)
	if err != nil {
		return Result{}, err
	}
	res := Result{NotExpressible: drift.NotExpressible}
	for _, grp := range group(drift.Create) {
		rs, err := cl.CreateACLs(ctx, grp.builder())
		if err != nil {
			return res, fmt.Errorf("%w: create ACLs: %w", ErrKafka, err)
		}
		for _, r := range rs {
			if r.Err != nil {
				return res, fmt.Errorf("%w: create ACL %s: %w %s", ErrKafka, grp.binding(kafkaacl.Operation(r.Operation)), r.Err, r.ErrMessage)
			}
			res.Created = append(res.Created, grp.binding(kafkaacl.Operation(r.Operation)))
		}
	}
	for _, grp := range group(drift.Delete) {
		rs, err := cl.DeleteACLs(ctx, grp.builder())
		if err != nil {
			return res, fmt.Errorf("%w: delete ACLs: %w", ErrKafka, err)
		}
		for _, r := range rs {
			if r.Err != nil {
				return res, fmt.Errorf("%w: delete ACL %s: %w %s", ErrKafka, grp.binding(kafkaacl.Operation(r.Operation)), r.Err, r.ErrMessage)
			}
			for range r.Deleted {
				res.Deleted = append(res.Deleted, grp.binding(kafkaacl.Operation(r.Operation)))
			}
		}
	}
	return res, nil
}

// bindingGroup is bindings differing only in operation: one kadm builder
// expresses them exactly (its cross product has a single resource,
// principal and host).
type bindingGroup struct {
	key Binding // Operation unset
	ops []kadm.ACLOperation
}

func group(bs []Binding) []bindingGroup {
	var out []bindingGroup
	idx := make(map[Binding]int)
	for _, b := range bs {
		k := b
		k.Operation = kafkaacl.OpUnknown
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, bindingGroup{key: k})
		}
		out[i].ops = append(out[i].ops, kmsg.ACLOperation(b.Operation))
	}
	return out
}

func (g bindingGroup) binding(op kafkaacl.Operation) Binding {
	b := g.key
	b.Operation = op
	return b
}

func (g bindingGroup) builder() *kadm.ACLBuilder {
	k := g.key
	b := kadm.NewACLs().Operations(g.ops...)
	switch k.ResourceType {
	case kafkaacl.ResourceTopic:
		b.Topics(k.ResourceName)
	case kafkaacl.ResourceGroup:
		b.Groups(k.ResourceName)
	case kafkaacl.ResourceCluster:
		b.Clusters()
	case kafkaacl.ResourceTransactionalID:
		b.TransactionalIDs(k.ResourceName)
	case kafkaacl.ResourceDelegationToken:
		b.DelegationTokens(k.ResourceName)
	}
	if k.PatternType == kafkaacl.PatternPrefixed {
		b.ResourcePatternType(kadm.ACLPatternPrefixed)
	} else {
		b.ResourcePatternType(kadm.ACLPatternLiteral)
	}
	if k.PermissionType == kafkaacl.Deny {
		b.Deny(k.Principal).DenyHosts(k.Host)
	} else {
		b.Allow(k.Principal).AllowHosts(k.Host)
	}
	return b
}
