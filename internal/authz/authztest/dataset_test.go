package authztest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
)

func TestSmallDatasetIndexesCleanly(t *testing.T) {
	d := Generate(Small())
	ix, err := authz.BuildChecked(d.Snapshot, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := ix.Stats()
	cfg := Small()
	if st.Grants != len(d.Snapshot.Grants) || st.Grants < cfg.Grants*95/100 {
		t.Errorf("grants %d (snapshot %d, config %d)", st.Grants, len(d.Snapshot.Grants), cfg.Grants)
	}
	if st.Nodes != 1+cfg.Units+cfg.Projects*(1+cfg.ServicesPerProject) || st.Users != cfg.Users || st.Groups != cfg.Groups {
		t.Errorf("stats %+v", st)
	}
	ids, _ := ix.Resources(d.PowerUser, authz.ProjectServicesRead, authz.KindProject, "", 0)
	if len(ids) < len(d.PowerProjects) {
		t.Errorf("power user reaches %d projects, granted %d", len(ids), len(d.PowerProjects))
	}
}
