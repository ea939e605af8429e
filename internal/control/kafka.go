package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Kafka ACL operation IDs (go-client-codegen's permissions.yaml), plus
// Gatehouse's own authorizer and sync.
const (
	OpServiceKafkaAclAdd             Op = "ServiceKafkaAclAdd"
	OpServiceKafkaAclDelete          Op = "ServiceKafkaAclDelete"
	OpServiceKafkaAclList            Op = "ServiceKafkaAclList"
	OpServiceKafkaNativeAclAdd       Op = "ServiceKafkaNativeAclAdd"
	OpServiceKafkaNativeAclDelete    Op = "ServiceKafkaNativeAclDelete"
	OpServiceKafkaNativeAclGet       Op = "ServiceKafkaNativeAclGet"
	OpServiceKafkaNativeAclList      Op = "ServiceKafkaNativeAclList"
	OpServiceSchemaRegistryAclAdd    Op = "ServiceSchemaRegistryAclAdd"
	OpServiceSchemaRegistryAclDelete Op = "ServiceSchemaRegistryAclDelete"
	OpServiceSchemaRegistryAclList   Op = "ServiceSchemaRegistryAclList"
	OpServiceKafkaAuthorize          Op = "ServiceKafkaAuthorize"
	OpServiceKafkaAclSync            Op = "ServiceKafkaAclSync"
	kindAiven                           = "aiven"
	kindNative                          = "native"
	kindSchemaRegistry                  = "schema_registry"
	maxKafkaACLsPerService              = 20000
	maxKafkaAuthorizeBatch              = 1000
	kafkaAuthorizerCacheTTL             = time.Second
	kafkaServiceType                    = "kafka"
)

func init() {
	// Every Kafka ACL operation needs service:data:write (permissions.yaml);
	// the authorizer reveals no more than the listing, and syncing changes
	// only what the listing says, so they need the same.
	w := anyOf("service:data:write")
	addRequirements(map[Op]rule{
		OpServiceKafkaAclAdd: w, OpServiceKafkaAclDelete: w, OpServiceKafkaAclList: w,
		OpServiceKafkaNativeAclAdd: w, OpServiceKafkaNativeAclDelete: w, OpServiceKafkaNativeAclGet: w, OpServiceKafkaNativeAclList: w,
		OpServiceSchemaRegistryAclAdd: w, OpServiceSchemaRegistryAclDelete: w, OpServiceSchemaRegistryAclList: w,
		OpServiceKafkaAuthorize: w, OpServiceKafkaAclSync: w,
	})
}

// addDefaultKafkaACLs gives a new Kafka service Aiven's default entries
// (avnadmin may do everything) unless it was created with default_acl false.
func addDefaultKafkaACLs(tx store.Tx, s org.Service, in ServiceInput) error {
	if s.Type != kafkaServiceType || (in.DefaultACL != nil && !*in.DefaultACL) {
		return nil
	}
	var rows []store.KafkaACL
	for _, e := range kafkaacl.DefaultEntries() {
		rows = append(rows, kafkaRow(s, kindAiven, e.ID, e))
	}
	for _, e := range kafkaacl.DefaultSchemaRegistryEntries() {
		rows = append(rows, kafkaRow(s, kindSchemaRegistry, e.ID, e))
	}
	for _, r := range rows {
		if err := tx.AddKafkaACL(r); err != nil {
			return err
		}
	}
	return nil
}

func kafkaRow(s org.Service, kind, id string, entry any) store.KafkaACL {
	b, err := json.Marshal(entry)
	if err != nil {
		panic(err) // the entry types always marshal
	}
	return store.KafkaACL{Project: s.Project, Service: s.Name, ID: id, Kind: kind, Entry: b, CreateTime: s.CreateTime}
}

// rulesOf decodes a service's stored entries.
func rulesOf(rows []store.KafkaACL) (kafkaacl.Rules, error) {
	var r kafkaacl.Rules
	for _, row := range rows {
		var err error
		switch row.Kind {
		case kindAiven:
			var e kafkaacl.Entry
			if err = json.Unmarshal(row.Entry, &e); err == nil {
				r.Aiven = append(r.Aiven, e)
			}
		case kindNative:
			var e kafkaacl.NativeEntry
			if err = json.Unmarshal(row.Entry, &e); err == nil {
				r.Native = append(r.Native, e)
			}
		case kindSchemaRegistry:
			var e kafkaacl.SchemaRegistryEntry
			if err = json.Unmarshal(row.Entry, &e); err == nil {
				r.SchemaRegistry = append(r.SchemaRegistry, e)
			}
		default:
			err = fmt.Errorf("unknown kind %q", row.Kind)
		}
		if err != nil {
			return r, fmt.Errorf("stored Kafka ACL %s of %s/%s: %w", row.ID, row.Project, row.Service, err)
		}
	}
	return r, nil
}

// invalidKafkaACL turns a kafkaacl validation error into a 400 naming the
// field, the value and the rule.
func invalidKafkaACL(err error) error {
	var fe *kafkaacl.FieldError
	if errors.As(err, &fe) {
		return fail(ErrInvalid, "Invalid %s %q: %s", fe.Field, fe.Value, fe.Rule)
	}
	return err
}

// kafkaService loads and authorizes a Kafka service inside tx.
func (p *Plane) kafkaService(tx store.Reader, a *Actor, op Op, project, service string) (org.Project, org.Service, error) {
	pr, s, err := p.authorizedService(tx, a, op, project, service)
	if err != nil {
		return pr, s, err
	}
	if s.Type != kafkaServiceType {
		return pr, s, fail(ErrInvalid, "Service %q is of type %s; ACLs exist only on Kafka services", s.Name, s.Type)
	}
	return pr, s, nil
}

// KafkaACLs returns every ACL entry of a Kafka service, of all three kinds.
func (p *Plane) KafkaACLs(ctx context.Context, a *Actor, op Op, project, service string) (kafkaacl.Rules, error) {
	switch op {
	case OpServiceKafkaAclList, OpServiceKafkaNativeAclList, OpServiceSchemaRegistryAclList:
	default:
		return kafkaacl.Rules{}, fmt.Errorf("KafkaACLs: %q is not a listing operation", op)
	}
	var r kafkaacl.Rules
	err := p.read(ctx, func(tx store.Reader) error {
		_, s, err := p.kafkaService(tx, a, op, project, service)
		if err != nil {
			return err
		}
		rows, err := tx.ListKafkaACLs(s.Project, s.Name)
		if err != nil {
			return err
		}
		r, err = rulesOf(rows)
		return err
	})
	return r, err
}

// Listing operations, for callers naming what they list.
const (
	KafkaACLList          = OpServiceKafkaAclList
	KafkaNativeACLList    = OpServiceKafkaNativeAclList
	SchemaRegistryACLList = OpServiceSchemaRegistryAclList
)

// addKafkaEntry stores one validated entry and returns the service's rules
// after the change.
func (p *Plane) addKafkaEntry(ctx context.Context, a *Actor, op Op, project, service, kind string,
	build func(id string) (entry any, same func(kafkaacl.Rules) bool), describe string) (kafkaacl.Rules, error) {
	var after kafkaacl.Rules
	err := p.write(ctx, func(tx store.Tx) error {
		pr, s, err := p.kafkaService(tx, a, op, project, service)
		if err != nil {
			return err
		}
		rows, err := tx.ListKafkaACLs(s.Project, s.Name)
		if err != nil {
			return err
		}
		if len(rows) >= maxKafkaACLsPerService {
			return fail(ErrInvalid, "Service %q already has %d ACL entries, the most a service may have", s.Name, len(rows))
		}
		before, err := rulesOf(rows)
		if err != nil {
			return err
		}
		id := kafkaacl.NewID()
		entry, same := build(id)
		if same(before) {
			return fail(ErrConflict, "An identical ACL entry already exists on service %q", s.Name)
		}
		row := kafkaRow(s, kind, id, entry)
		row.CreateTime = p.now().UTC()
		if err := tx.AddKafkaACL(row); err != nil {
			return err
		}
		rows = append(rows, row)
		if after, err = rulesOf(rows); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "kafka_acl_add", desc: fmt.Sprintf("Added %s ACL entry %s to service %q: %s", kindName(kind), id, s.Name, describe)})
	})
	if err == nil {
		p.kafka.drop(project, service)
	}
	return after, err
}

func kindName(kind string) string {
	switch kind {
	case kindNative:
		return "Kafka-native"
	case kindSchemaRegistry:
		return "Schema Registry"
	}
	return "Aiven"
}

// AddKafkaACL adds an Aiven ACL entry and returns the service's rules.
func (p *Plane) AddKafkaACL(ctx context.Context, a *Actor, project, service string, e kafkaacl.Entry) (kafkaacl.Rules, error) {
	if err := e.Validate(); err != nil {
		return kafkaacl.Rules{}, invalidKafkaACL(err)
	}
	return p.addKafkaEntry(ctx, a, OpServiceKafkaAclAdd, project, service, kindAiven, func(id string) (any, func(kafkaacl.Rules) bool) {
		e.ID = id
		return e, func(r kafkaacl.Rules) bool {
			for _, x := range r.Aiven {
				if x.Username == e.Username && x.Permission == e.Permission && x.Topic == e.Topic {
					return true
				}
			}
			return false
		}
	}, fmt.Sprintf("username %q, permission %s, topic %q", e.Username, e.Permission, e.Topic))
}

// AddKafkaNativeACL adds a Kafka-native entry and returns it.
func (p *Plane) AddKafkaNativeACL(ctx context.Context, a *Actor, project, service string, e kafkaacl.NativeEntry) (kafkaacl.NativeEntry, error) {
	e = e.Normalize()
	if err := e.Validate(); err != nil {
		return e, invalidKafkaACL(err)
	}
	_, err := p.addKafkaEntry(ctx, a, OpServiceKafkaNativeAclAdd, project, service, kindNative, func(id string) (any, func(kafkaacl.Rules) bool) {
		e.ID = id
		return e, func(r kafkaacl.Rules) bool {
			for _, x := range r.Native {
				x.ID = e.ID
				if x == e {
					return true
				}
			}
			return false
		}
	}, fmt.Sprintf("%s %s host %s %s on %s %q (%s)", e.PermissionType, e.Principal, e.Host, e.Operation, e.ResourceType, e.ResourceName, e.PatternType))
	return e, err
}

// AddSchemaRegistryACL adds a Schema Registry entry and returns the
// service's rules.
func (p *Plane) AddSchemaRegistryACL(ctx context.Context, a *Actor, project, service string, e kafkaacl.SchemaRegistryEntry) (kafkaacl.Rules, error) {
	if err := e.Validate(); err != nil {
		return kafkaacl.Rules{}, invalidKafkaACL(err)
	}
	return p.addKafkaEntry(ctx, a, OpServiceSchemaRegistryAclAdd, project, service, kindSchemaRegistry, func(id string) (any, func(kafkaacl.Rules) bool) {
		e.ID = id
		return e, func(r kafkaacl.Rules) bool {
			for _, x := range r.SchemaRegistry {
				if x.Username == e.Username && x.Permission == e.Permission && x.Resource == e.Resource {
					return true
				}
			}
			return false
		}
	}, fmt.Sprintf("username %q, permission %s, resource %q", e.Username, e.Permission, e.Resource))
}

// DeleteKafkaACL removes an entry of one kind ("aiven", "native" or
// "schema_registry" as named by the operation) and returns the service's
// rules after the change.
func (p *Plane) deleteKafkaEntry(ctx context.Context, a *Actor, op Op, kind, project, service, id string) (kafkaacl.Rules, error) {
	var after kafkaacl.Rules
	err := p.write(ctx, func(tx store.Tx) error {
		pr, s, err := p.kafkaService(tx, a, op, project, service)
		if err != nil {
			return err
		}
		if err := tx.DeleteKafkaACL(s.Project, s.Name, kind, id); err != nil {
			return notFound(err, fmt.Sprintf("ACL entry %q not found on service %q", id, s.Name))
		}
		rows, err := tx.ListKafkaACLs(s.Project, s.Name)
		if err != nil {
			return err
		}
		if after, err = rulesOf(rows); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "kafka_acl_delete", desc: fmt.Sprintf("Deleted %s ACL entry %s from service %q", kindName(kind), id, s.Name)})
	})
	if err == nil {
		p.kafka.drop(project, service)
	}
	return after, err
}

// DeleteKafkaACL removes an Aiven ACL entry and returns the service's rules.
func (p *Plane) DeleteKafkaACL(ctx context.Context, a *Actor, project, service, id string) (kafkaacl.Rules, error) {
	return p.deleteKafkaEntry(ctx, a, OpServiceKafkaAclDelete, kindAiven, project, service, id)
}

// DeleteKafkaNativeACL removes a Kafka-native entry.
func (p *Plane) DeleteKafkaNativeACL(ctx context.Context, a *Actor, project, service, id string) error {
	_, err := p.deleteKafkaEntry(ctx, a, OpServiceKafkaNativeAclDelete, kindNative, project, service, id)
	return err
}

// DeleteSchemaRegistryACL removes a Schema Registry entry and returns the
// service's rules.
func (p *Plane) DeleteSchemaRegistryACL(ctx context.Context, a *Actor, project, service, id string) (kafkaacl.Rules, error) {
	return p.deleteKafkaEntry(ctx, a, OpServiceSchemaRegistryAclDelete, kindSchemaRegistry, project, service, id)
}

// KafkaNativeACL returns one Kafka-native entry.
func (p *Plane) KafkaNativeACL(ctx context.Context, a *Actor, project, service, id string) (kafkaacl.NativeEntry, error) {
	var out kafkaacl.NativeEntry
	err := p.read(ctx, func(tx store.Reader) error {
		_, s, err := p.kafkaService(tx, a, OpServiceKafkaNativeAclGet, project, service)
		if err != nil {
			return err
		}
		rows, err := tx.ListKafkaACLs(s.Project, s.Name)
		if err != nil {
			return err
		}
		r, err := rulesOf(rows)
		if err != nil {
			return err
		}
		for _, e := range r.Native {
			if e.ID == id {
				out = e
				return nil
			}
		}
		return fail(ErrNotFound, "Kafka-native ACL entry %q not found on service %q", id, s.Name)
	})
	return out, err
}

// AuthorizeKafka decides a batch of broker requests against the service's
// compiled ACLs. Each Decision names the entry that decided it.
func (p *Plane) AuthorizeKafka(ctx context.Context, a *Actor, project, service string, reqs []kafkaacl.Request) ([]kafkaacl.Decision, error) {
	if len(reqs) == 0 {
		return nil, fail(ErrInvalid, "requests must name at least one request")
	}
	if len(reqs) > maxKafkaAuthorizeBatch {
		return nil, fail(ErrInvalid, "At most %d requests per call, not %d", maxKafkaAuthorizeBatch, len(reqs))
	}
	az, err := p.kafkaAuthorizer(ctx, a, OpServiceKafkaAuthorize, project, service)
	if err != nil {
		return nil, err
	}
	return az.AuthorizeBatch(reqs, make([]kafkaacl.Decision, 0, len(reqs))), nil
}

// kafkaAuthorizer authorizes the caller and returns the service's compiled
// authorizer, building it when the cached one is missing or older than
// kafkaAuthorizerCacheTTL. Changes made through this server drop the cache
// at once; changes made through another server sharing the database are
// seen within the TTL.
func (p *Plane) kafkaAuthorizer(ctx context.Context, a *Actor, op Op, project, service string) (*kafkaacl.Authorizer, error) {
	now := p.now()
	var az *kafkaacl.Authorizer
	err := p.read(ctx, func(tx store.Reader) error {
		_, s, err := p.kafkaService(tx, a, op, project, service)
		if err != nil {
			return err
		}
		if az = p.kafka.get(s.Project, s.Name, now); az != nil {
			return nil
		}
		rows, err := tx.ListKafkaACLs(s.Project, s.Name)
		if err != nil {
			return err
		}
		r, err := rulesOf(rows)
		if err != nil {
			return err
		}
		if az, err = kafkaacl.New(r); err != nil {
			return fmt.Errorf("compiling the ACLs of %s/%s: %w", s.Project, s.Name, err)
		}
		p.kafka.put(s.Project, s.Name, az, now)
		return nil
	})
	return az, err
}

// kafkaAuthorizers caches compiled authorizers per service.
type kafkaAuthorizers struct {
	mu sync.Mutex
	m  map[string]kafkaCached
}

type kafkaCached struct {
	az    *kafkaacl.Authorizer
	built time.Time
}

func kafkaKey(project, service string) string { return project + "/" + service }

func (c *kafkaAuthorizers) get(project, service string, now time.Time) *kafkaacl.Authorizer {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[kafkaKey(project, service)]
	if !ok || now.Sub(e.built) >= kafkaAuthorizerCacheTTL || now.Before(e.built) {
		return nil
	}
	return e.az
}

func (c *kafkaAuthorizers) put(project, service string, az *kafkaacl.Authorizer, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]kafkaCached)
	}
	c.m[kafkaKey(project, service)] = kafkaCached{az: az, built: now}
}

func (c *kafkaAuthorizers) drop(project, service string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, kafkaKey(project, service))
}

// ParseKafkaRequest builds an authorizer request from wire strings.
// resourceType is a Kafka-native type or "SchemaRegistry"; operation is a
// Kafka operation name.
func ParseKafkaRequest(principal, host, operation, resourceType, resourceName string) (kafkaacl.Request, error) {
	req := kafkaacl.Request{Principal: principal, Host: host, Resource: resourceName}
	if principal == "" {
		return req, fail(ErrInvalid, "principal is required (User:<name>)")
	}
	if req.Host == "" {
		req.Host = "*"
	}
	op, err := kafkaacl.ParseOperation(operation)
	if err != nil {
		return req, invalidKafkaACL(err)
	}
	req.Operation = op
	if strings.EqualFold(resourceType, "SchemaRegistry") {
		req.ResourceType = kafkaacl.ResourceSchemaRegistry
		return req, nil
	}
	rt, err := kafkaacl.ParseResourceType(resourceType)
	if err != nil {
		return req, invalidKafkaACL(err)
	}
	req.ResourceType = rt
	return req, nil
}
