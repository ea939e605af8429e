// Package fgapeer models Gatehouse's RBAC in OpenFGA (model.fga, generated
// from the catalogue by Model), served by an embedded OpenFGA server over
// its SQLite datastore in a temporary directory.
package fgapeer

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	"github.com/openfga/language/pkg/go/transformer"
	"github.com/openfga/openfga/pkg/server"
	"github.com/openfga/openfga/pkg/storage"
	"github.com/openfga/openfga/pkg/storage/migrate"
	"github.com/openfga/openfga/pkg/storage/sqlcommon"
	"github.com/openfga/openfga/pkg/storage/sqlite"

	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

//go:embed model.fga
var modelFile string

// Peer is OpenFGA, embedded.
type Peer struct {
	dir   string
	ds    *sqlite.Datastore
	srv   *server.Server
	store string
	model string
}

// New returns the OpenFGA peer.
func New() *Peer { return &Peer{} }

// Name implements compare.System.
func (p *Peer) Name() string { return "OpenFGA" }

// Version implements compare.System.
func (p *Peer) Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/openfga/openfga" {
				return d.Version + ", SQLite"
			}
		}
	}
	return "unknown"
}

// Load implements compare.System. The model is written through the
// server, which validates it; the tuples are bulk-loaded (bulk.go).
func (p *Peer) Load(ctx context.Context, d *authztest.Dataset) error {
	if modelFile != Model() {
		return fmt.Errorf("model.fga is not what Model generates: run go test ./fgapeer -update")
	}
	dir, err := os.MkdirTemp("", "fga-peer-")
	if err != nil {
		return err
	}
	p.dir = dir
	uri := "file:" + filepath.Join(dir, "fga.db")
	if err := migrate.RunMigrations(migrate.MigrationConfig{Engine: "sqlite", URI: uri, Timeout: time.Minute, PingTimeout: 10 * time.Second}); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p.ds, err = sqlite.New(uri, sqlcommon.NewConfig())
	if err != nil {
		return err
	}
	p.srv, err = server.NewServerWithOpts(
		server.WithDatastore(p.ds),
		// Listing all of a user's resources, not the first 1,000 within
		// 3 s (the defaults): the caller bounds the time.
		server.WithListObjectsMaxResults(0),
		server.WithListObjectsDeadline(time.Hour),
		server.WithMaxAuthorizationModelSizeInBytes(4<<20),
		// A service below ten nested units resolves through 13 nodes.
		server.WithResolveNodeLimit(50),
	)
	if err != nil {
		return err
	}
	st, err := p.srv.CreateStore(ctx, &openfgav1.CreateStoreRequest{Name: "gatehouse"})
	if err != nil {
		return err
	}
	p.store = st.GetId()
	m, err := transformer.TransformDSLToProto(modelFile)
	if err != nil {
		return err
	}
	wm, err := p.srv.WriteAuthorizationModel(ctx, &openfgav1.WriteAuthorizationModelRequest{
		StoreId: p.store, TypeDefinitions: m.GetTypeDefinitions(), SchemaVersion: m.GetSchemaVersion()})
	if err != nil {
		return err
	}
	p.model = wm.GetAuthorizationModelId()
	bulk, err := newBulkLoader(ctx, uri, p.store)
	if err != nil {
		return err
	}
	defer bulk.rollback()
	add := func(user, rel, obj string) error {
		return bulk.add(ctx, &openfgav1.TupleKey{User: user, Relation: rel, Object: obj})
	}
	for _, n := range d.Snapshot.Nodes {
		if n.Parent != (authz.Resource{}) {
			if err := add(compare.NodeName(n.Parent), "parent", compare.NodeName(n.Resource)); err != nil {
				return err
			}
		}
	}
	org := compare.NodeName(authz.Org(d.Org))
	for _, u := range d.Snapshot.Users {
		if u.Active {
			if err := add("user:"+u.ID, "active_user", org); err != nil {
				return err
			}
		}
	}
	for _, m := range d.Snapshot.Members {
		if err := add("user:"+m.User, "member", "group:"+m.Group); err != nil {
			return err
		}
	}
	for _, g := range d.Snapshot.Grants {
		for _, t := range grantTuples(g) {
			if err := add(t.User, t.Relation, t.Object); err != nil {
				return err
			}
		}
	}
	for _, sa := range d.Snapshot.SuperAdmins {
		if err := add("user:"+sa.User, "g_"+compare.SuperAdminRole, compare.NodeName(authz.Org(sa.Org))); err != nil {
			return err
		}
	}
	return bulk.commit()
}

func subject(p authz.Principal) string {
	if p.Kind == authz.PrincipalGroup {
		return "group:" + p.ID + "#member"
	}
	return "user:" + p.ID
}

func grantTuples(g authz.Grant) []*openfgav1.TupleKey {
	var out []*openfgav1.TupleKey
	for _, rel := range grantRelations(g.Perms) {
		out = append(out, &openfgav1.TupleKey{User: subject(g.Principal), Relation: rel, Object: compare.NodeName(g.Resource)})
	}
	return out
}

// Check implements compare.System.
func (p *Peer) Check(ctx context.Context, user string, perm authz.Permission, res authz.Resource) (bool, error) {
	r, err := p.srv.Check(ctx, &openfgav1.CheckRequest{StoreId: p.store, AuthorizationModelId: p.model,
		TupleKey: &openfgav1.CheckRequestTupleKey{User: "user:" + user, Relation: "can_" + compare.RelName(perm), Object: compare.NodeName(res)}})
	if err != nil {
		return false, err
	}
	return r.GetAllowed(), nil
}

// List implements compare.System with ListObjects.
func (p *Peer) List(ctx context.Context, user string, perm authz.Permission, kind authz.Kind) ([]string, error) {
	r, err := p.srv.ListObjects(ctx, &openfgav1.ListObjectsRequest{StoreId: p.store, AuthorizationModelId: p.model,
		Type: kind.String(), Relation: "can_" + compare.RelName(perm), User: "user:" + user})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(r.GetObjects()))
	for _, o := range r.GetObjects() {
		out = append(out, strings.TrimPrefix(o, kind.String()+":"))
	}
	return out, nil
}

// Apply implements compare.System through the server's Write API.
func (p *Peer) Apply(ctx context.Context, u compare.Update) error {
	req := &openfgav1.WriteRequest{StoreId: p.store, AuthorizationModelId: p.model}
	switch u.Kind {
	case compare.GrantAdd:
		req.Writes = &openfgav1.WriteRequestWrites{TupleKeys: grantTuples(u.Grant)}
	case compare.GrantRemove:
		var del []*openfgav1.TupleKeyWithoutCondition
		for _, t := range grantTuples(u.Grant) {
			del = append(del, &openfgav1.TupleKeyWithoutCondition{User: t.User, Relation: t.Relation, Object: t.Object})
		}
		req.Deletes = &openfgav1.WriteRequestDeletes{TupleKeys: del}
	case compare.MemberAdd:
		req.Writes = &openfgav1.WriteRequestWrites{TupleKeys: []*openfgav1.TupleKey{
			{User: "user:" + u.Member.User, Relation: "member", Object: "group:" + u.Member.Group}}}
	case compare.MemberRemove:
		req.Deletes = &openfgav1.WriteRequestDeletes{TupleKeys: []*openfgav1.TupleKeyWithoutCondition{
			{User: "user:" + u.Member.User, Relation: "member", Object: "group:" + u.Member.Group}}}
	default:
		return fmt.Errorf("openfga: unknown update %v", u.Kind)
	}
	_, err := p.srv.Write(ctx, req)
	return err
}

// DiskBytes implements compare.OnDisk: the database and its write-ahead
// log.
func (p *Peer) DiskBytes() int64 {
	var n int64
	for _, f := range []string{"fga.db", "fga.db-wal"} {
		if st, err := os.Stat(filepath.Join(p.dir, f)); err == nil {
			n += st.Size()
		}
	}
	return n
}

// Close implements compare.System.
func (p *Peer) Close() error {
	if p.srv != nil {
		p.srv.Close()
	}
	if p.ds != nil {
		p.ds.Close()
	}
	if p.dir != "" {
		return os.RemoveAll(p.dir)
	}
	return nil
}

var _ storage.OpenFGADatastore = (*sqlite.Datastore)(nil)
