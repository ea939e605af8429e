package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	"github.com/authzed/spicedb/pkg/cmd/datastore"
	"github.com/authzed/spicedb/pkg/cmd/server"
	"github.com/authzed/spicedb/pkg/cmd/util"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

//go:embed schema.zed
var schemaFile string

// peer is SpiceDB, embedded: its gRPC server on an in-process buffered
// connection (no network), over the in-memory datastore (memdb).
type peer struct {
	stop  context.CancelFunc
	done  chan error
	conn  *grpc.ClientConn
	perms v1.PermissionsServiceClient
	// token is the revision of the last write: every request asks for a
	// revision at least as fresh, so answers follow the writes (read your
	// writes) while SpiceDB may still serve cached results.
	token *v1.ZedToken
}

func newPeer() *peer { return &peer{} }

// Name implements compare.System.
func (p *peer) Name() string { return "SpiceDB" }

// Version implements compare.System.
func (p *peer) Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/authzed/spicedb" {
				return d.Version + ", memdb"
			}
		}
	}
	return "unknown"
}

// Load implements compare.System: the schema through WriteSchema, the
// relationships through ImportBulkRelationships.
func (p *peer) Load(ctx context.Context, d *authztest.Dataset) error {
	if schemaFile != Schema() {
		return errors.New("schema.zed is not what Schema generates: run go test . -update")
	}
	sctx, stop := context.WithCancel(context.Background())
	p.stop = stop
	dsCfg := datastore.DefaultDatastoreConfig()
	// Metrics are registered globally; each size starts a new server.
	dsCfg.EnableDatastoreMetrics = false
	ds, err := datastore.NewDatastore(sctx, dsCfg.ToOption())
	if err != nil {
		return err
	}
	srv, err := server.NewConfigWithOptionsAndDefaults(
		server.WithDatastore(ds),
		server.WithGRPCServer(util.GRPCServerConfig{Network: util.BufferedNetwork, Enabled: true}),
		server.WithGRPCAuthFunc(func(ctx context.Context) (context.Context, error) { return ctx, nil }),
		server.WithHTTPGateway(util.HTTPServerConfig{HTTPEnabled: false}),
		server.WithMetricsAPI(util.HTTPServerConfig{HTTPEnabled: false}),
		// The protection rejects requests when the process's heap nears
		// its limit, which a benchmark holding five systems may do.
		server.WithEnableMemoryProtectionMiddleware(false),
	).Complete(sctx)
	if err != nil {
		return err
	}
	p.done = make(chan error, 1)
	go func() { p.done <- srv.Run(sctx) }()
	p.conn, err = srv.NewClient(grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	if _, err := v1.NewSchemaServiceClient(p.conn).WriteSchema(ctx, &v1.WriteSchemaRequest{Schema: schemaFile}); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	p.perms = v1.NewPermissionsServiceClient(p.conn)
	stream, err := p.perms.ImportBulkRelationships(ctx)
	if err != nil {
		return err
	}
	const batch = 5_000
	var rels []*v1.Relationship
	send := func(force bool) error {
		if len(rels) < batch && !(force && len(rels) > 0) {
			return nil
		}
		err := stream.Send(&v1.ImportBulkRelationshipsRequest{Relationships: rels})
		rels = nil
		return err
	}
	add := func(r *v1.Relationship) error {
		rels = append(rels, r)
		return send(false)
	}
	for _, n := range d.Snapshot.Nodes {
		if n.Parent != (authz.Resource{}) {
			if err := add(rel(n.Resource, "parent", obj(n.Parent.Kind.String(), n.Parent.ID), "")); err != nil {
				return err
			}
		}
	}
	org := authz.Org(d.Org)
	var first string
	for _, u := range d.Snapshot.Users {
		if u.Active {
			if first == "" {
				first = u.ID
			}
			if err := add(rel(org, "active_user", obj("user", u.ID), "")); err != nil {
				return err
			}
		}
	}
	for _, m := range d.Snapshot.Members {
		if err := add(&v1.Relationship{Resource: obj("group", m.Group), Relation: "member",
			Subject: &v1.SubjectReference{Object: obj("user", m.User)}}); err != nil {
			return err
		}
	}
	for _, g := range d.Snapshot.Grants {
		for _, r := range grantRels(g) {
			if err := add(r); err != nil {
				return err
			}
		}
	}
	for _, sa := range d.Snapshot.SuperAdmins {
		if err := add(rel(authz.Org(sa.Org), "g_"+compare.SuperAdminRole, obj("user", sa.User), "")); err != nil {
			return err
		}
	}
	if err := send(true); err != nil {
		return err
	}
	if _, err := stream.CloseAndRecv(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("import: %w", err)
	}
	// The import returns no revision: touch one loaded relationship to
	// get one that includes everything.
	w, err := p.perms.WriteRelationships(ctx, &v1.WriteRelationshipsRequest{Updates: []*v1.RelationshipUpdate{
		{Operation: v1.RelationshipUpdate_OPERATION_TOUCH, Relationship: rel(org, "active_user", obj("user", first), "")}}})
	if err != nil {
		return err
	}
	p.token = w.GetWrittenAt()
	return nil
}

func obj(typ, id string) *v1.ObjectReference {
	return &v1.ObjectReference{ObjectType: typ, ObjectId: id}
}

func rel(res authz.Resource, relation string, subject *v1.ObjectReference, subjectRel string) *v1.Relationship {
	return &v1.Relationship{Resource: obj(res.Kind.String(), res.ID), Relation: relation,
		Subject: &v1.SubjectReference{Object: subject, OptionalRelation: subjectRel}}
}

func grantRels(g authz.Grant) []*v1.Relationship {
	var out []*v1.Relationship
	for _, perm := range g.Perms.Perms() {
		r := "g_" + compare.RelName(perm)
		if g.Principal.Kind == authz.PrincipalGroup {
			out = append(out, rel(g.Resource, r, obj("group", g.Principal.ID), "member"))
		} else {
			out = append(out, rel(g.Resource, r, obj("user", g.Principal.ID), ""))
		}
	}
	return out
}

func (p *peer) consistency() *v1.Consistency {
	return &v1.Consistency{Requirement: &v1.Consistency_AtLeastAsFresh{AtLeastAsFresh: p.token}}
}

// Check implements compare.System with CheckPermission.
func (p *peer) Check(ctx context.Context, user string, perm authz.Permission, res authz.Resource) (bool, error) {
	r, err := p.perms.CheckPermission(ctx, &v1.CheckPermissionRequest{Consistency: p.consistency(),
		Resource: obj(res.Kind.String(), res.ID), Permission: "can_" + compare.RelName(perm),
		Subject: &v1.SubjectReference{Object: obj("user", user)}})
	if err != nil {
		return false, err
	}
	return r.GetPermissionship() == v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION, nil
}

// List implements compare.System with LookupResources.
func (p *peer) List(ctx context.Context, user string, perm authz.Permission, kind authz.Kind) ([]string, error) {
	s, err := p.perms.LookupResources(ctx, &v1.LookupResourcesRequest{Consistency: p.consistency(),
		ResourceObjectType: kind.String(), Permission: "can_" + compare.RelName(perm),
		Subject: &v1.SubjectReference{Object: obj("user", user)}})
	if err != nil {
		return nil, err
	}
	var out []string
	for {
		r, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if r.GetPermissionship() == v1.LookupPermissionship_LOOKUP_PERMISSIONSHIP_HAS_PERMISSION {
			out = append(out, r.GetResourceObjectId())
		}
	}
}

// Apply implements compare.System with WriteRelationships.
func (p *peer) Apply(ctx context.Context, u compare.Update) error {
	var ups []*v1.RelationshipUpdate
	op := v1.RelationshipUpdate_OPERATION_TOUCH
	switch u.Kind {
	case compare.GrantRemove, compare.MemberRemove:
		op = v1.RelationshipUpdate_OPERATION_DELETE
	}
	switch u.Kind {
	case compare.GrantAdd, compare.GrantRemove:
		for _, r := range grantRels(u.Grant) {
			ups = append(ups, &v1.RelationshipUpdate{Operation: op, Relationship: r})
		}
	case compare.MemberAdd, compare.MemberRemove:
		ups = append(ups, &v1.RelationshipUpdate{Operation: op, Relationship: &v1.Relationship{
			Resource: obj("group", u.Member.Group), Relation: "member", Subject: &v1.SubjectReference{Object: obj("user", u.Member.User)}}})
	default:
		return fmt.Errorf("spicedb: unknown update %v", u.Kind)
	}
	w, err := p.perms.WriteRelationships(ctx, &v1.WriteRelationshipsRequest{Updates: ups})
	if err != nil {
		return err
	}
	p.token = w.GetWrittenAt()
	return nil
}

// Close implements compare.System.
func (p *peer) Close() error {
	if p.conn != nil {
		_ = p.conn.Close()
	}
	if p.stop != nil {
		p.stop()
		<-p.done
	}
	return nil
}
