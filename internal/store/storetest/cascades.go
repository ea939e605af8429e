package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// world is a small installation that every cascade test starts from: two
// organizations (org1 and org2), users u1 (in both) and u2 (org1 only),
// units, projects with services, groups with members, grants and events.
func seedWorld(t *testing.T, s store.Store) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		steps := []func() error{
			func() error { return seedOrg(tx, "org1") },
			func() error { return seedOrg(tx, "org2") },
			func() error { return tx.CreateUnit(newUnit("org1", "a1", "org1-root")) },
			func() error { return tx.CreateUser(newUser("u1", "u1@example.com")) },
			func() error { return tx.CreateUser(newUser("u2", "u2@example.com")) },
			func() error { return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "u1"}) },
			func() error { return tx.AddMember(identity.Membership{OrganizationID: "org2", UserID: "u1"}) },
			func() error { return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "u2"}) },
			func() error {
				_, h, p := token.New(token.KindPersonal)
				return tx.CreateToken(token.Token{Hash: h, Prefix: p, Kind: token.KindPersonal, UserID: "u2"})
			},
			func() error {
				_, h, p := token.New(token.KindPersonal)
				return tx.CreateToken(token.Token{Hash: h, Prefix: p, Kind: token.KindPersonal, UserID: "u1"})
			},
			func() error { return tx.CreateProject(newProject("org1", "p1", "a1")) },
			func() error { return tx.CreateProject(newProject("org2", "p2", "org2")) },
			func() error { return tx.CreateService(newService("p1", "s1")) },
			func() error { return tx.CreateService(newService("p2", "s2")) },
			func() error { return tx.CreateGroup(newGroup("org1", "ug1", "g1")) },
			func() error { return tx.CreateGroup(newGroup("org2", "ug2", "g2")) },
			func() error { return tx.AddGroupMember(identity.GroupMember{GroupID: "ug1", UserID: "u1"}) },
			func() error { return tx.AddGroupMember(identity.GroupMember{GroupID: "ug1", UserID: "u2"}) },
			func() error { return tx.AddGroupMember(identity.GroupMember{GroupID: "ug2", UserID: "u1"}) },
		}
		for _, g := range []grant.Grant{
			newGrant("org1", grant.PrincipalUser, "u2", grant.ResourceProject, "p1", "developer"),
			newGrant("org1", grant.PrincipalUser, "u2", grant.ResourceUnit, "a1", "admin"),
			newGrant("org1", grant.PrincipalGroup, "ug1", grant.ResourceOrganization, "org1", "read_only"),
			newGrant("org1", grant.PrincipalGroup, "ug1", grant.ResourceProject, "p1", "operator"),
			newGrant("org1", grant.PrincipalUser, "u1", grant.ResourceUnit, "a1", "read_only"),
			newGrant("org2", grant.PrincipalUser, "u1", grant.ResourceProject, "p2", "admin"),
			newGrant("org2", grant.PrincipalGroup, "ug2", grant.ResourceProject, "p2", "read_only"),
		} {
			steps = append(steps, func() error { return tx.SetGrant(g) })
		}
		for _, e := range []audit.Event{
			{OrganizationID: "org1", AccountID: "a1", Project: "p1"},
			{OrganizationID: "org2", AccountID: "org2-root", Project: "p2"},
		} {
			steps = append(steps, func() error { _, err := tx.AppendEvent(e); return err })
		}
		for _, f := range steps {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
}

// snapshot is everything a store holds, in comparable form.
type snapshot struct {
	Orgs, Units, Projects, Services, Users, Members, Tokens []string
	Groups, GroupMembers, Grants, Events                    []string
}

func takeSnapshot(t *testing.T, s store.Store) snapshot {
	t.Helper()
	var sn snapshot
	read(t, s, func(tx store.Reader) error {
		orgs, err := tx.ListOrganizations()
		if err != nil {
			return err
		}
		for _, o := range orgs {
			sn.Orgs = append(sn.Orgs, o.ID)
			evs, err := tx.ListEvents(store.EventFilter{OrganizationID: o.ID})
			if err != nil {
				return err
			}
			for _, e := range evs {
				sn.Events = append(sn.Events, e.OrganizationID+"/"+e.Project)
			}
		}
		units, err := tx.ListAllUnits()
		if err != nil {
			return err
		}
		for _, u := range units {
			sn.Units = append(sn.Units, u.ID)
		}
		projects, err := tx.ListAllProjects()
		if err != nil {
			return err
		}
		for _, p := range projects {
			sn.Projects = append(sn.Projects, p.Name)
		}
		services, err := tx.ListAllServices()
		if err != nil {
			return err
		}
		for _, sv := range services {
			sn.Services = append(sn.Services, sv.Project+"/"+sv.Name)
		}
		users, err := tx.ListUsers()
		if err != nil {
			return err
		}
		for _, u := range users {
			sn.Users = append(sn.Users, u.ID)
			tks, err := tx.ListTokens(u.ID)
			if err != nil {
				return err
			}
			for _, tk := range tks {
				sn.Tokens = append(sn.Tokens, tk.UserID)
			}
		}
		members, err := tx.ListAllMembers()
		if err != nil {
			return err
		}
		for _, m := range members {
			sn.Members = append(sn.Members, m.OrganizationID+"/"+m.UserID)
		}
		groups, err := tx.ListAllGroups()
		if err != nil {
			return err
		}
		for _, g := range groups {
			sn.Groups = append(sn.Groups, g.ID)
		}
		gms, err := tx.ListAllGroupMembers()
		if err != nil {
			return err
		}
		for _, m := range gms {
			sn.GroupMembers = append(sn.GroupMembers, m.GroupID+"/"+m.UserID)
		}
		grants, err := tx.ListAllGrants()
		if err != nil {
			return err
		}
		for _, g := range grants {
			sn.Grants = append(sn.Grants, g.PrincipalID+"@"+g.ResourceID)
		}
		return nil
	})
	return sn
}

func testCascades(t *testing.T, open Opener) {
	full := snapshot{
		Orgs:         []string{"org1", "org2"},
		Units:        []string{"a1", "org1-root", "org2-root"},
		Projects:     []string{"p1", "p2"},
		Services:     []string{"p1/s1", "p2/s2"},
		Users:        []string{"u1", "u2"},
		Members:      []string{"org1/u1", "org1/u2", "org2/u1"},
		Tokens:       []string{"u1", "u2"},
		Groups:       []string{"ug1", "ug2"},
		GroupMembers: []string{"ug1/u1", "ug1/u2", "ug2/u1"},
		Grants:       []string{"u1@a1", "u1@p2", "u2@a1", "u2@p1", "ug1@org1", "ug1@p1", "ug2@p2"},
		Events:       []string{"org1/p1", "org2/p2"},
	}
	cases := []struct {
		name string
		del  func(store.Tx) error
		want func(*snapshot)
	}{
		{"DeleteOrganization", func(tx store.Tx) error { return tx.DeleteOrganization("org1") }, func(s *snapshot) {
			s.Orgs = []string{"org2"}
			s.Units = []string{"org2-root"}
			s.Projects = []string{"p2"}
			s.Services = []string{"p2/s2"}
			s.Members = []string{"org2/u1"}
			s.Groups = []string{"ug2"}
			s.GroupMembers = []string{"ug2/u1"}
			s.Grants = []string{"u1@p2", "ug2@p2"}
			s.Events = []string{"org2/p2"}
		}},
		{"DeleteUser", func(tx store.Tx) error { return tx.DeleteUser("u1") }, func(s *snapshot) {
			s.Users = []string{"u2"}
			s.Members = []string{"org1/u2"}
			s.Tokens = []string{"u2"}
			s.GroupMembers = []string{"ug1/u2"}
			s.Grants = []string{"u2@a1", "u2@p1", "ug1@org1", "ug1@p1", "ug2@p2"}
		}},
		{"DeleteGroup", func(tx store.Tx) error { return tx.DeleteGroup("ug1") }, func(s *snapshot) {
			s.Groups = []string{"ug2"}
			s.GroupMembers = []string{"ug2/u1"}
			s.Grants = []string{"u1@a1", "u1@p2", "u2@a1", "u2@p1", "ug2@p2"}
		}},
		{"DeleteProject", func(tx store.Tx) error { return tx.DeleteProject("p1") }, func(s *snapshot) {
			s.Projects = []string{"p2"}
			s.Services = []string{"p2/s2"}
			s.Grants = []string{"u1@a1", "u1@p2", "u2@a1", "ug1@org1", "ug2@p2"}
			// Events stay: the log outlives the project.
		}},
		{"DeleteUnit", func(tx store.Tx) error { return tx.DeleteUnit("a1") }, func(s *snapshot) {
			s.Units = []string{"org1-root", "org2-root"}
			s.Grants = []string{"u1@p2", "u2@p1", "ug1@org1", "ug1@p1", "ug2@p2"}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			seedWorld(t, s)
			equal(t, "seeded", takeSnapshot(t, s), full)
			write(t, s, c.del)
			want := full
			c.want(&want)
			equal(t, "after delete", takeSnapshot(t, s), want)
		})
	}
}
