package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// testGroupCommit: many concurrent writes, half of which fail, each keep
// their own outcome (a backend may commit them together): the failed ones
// leave nothing, the others all commit, and their change-log revisions are
// gapless.
func testGroupCommit(t *testing.T, open Opener) {
	s := open(t)
	const writes = 64
	errFail := errors.New("this write fails")
	var wg sync.WaitGroup
	errs := make([]error, writes)
	for i := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Write(t.Context(), func(tx store.Tx) error {
				id := fmt.Sprintf("u%d", i)
				if err := tx.CreateUser(newUser(id, id+"@example.com")); err != nil {
					return err
				}
				if _, err := tx.AppendChange([]byte(id)); err != nil {
					return err
				}
				if i%2 == 1 {
					return errFail
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if want := error(nil); i%2 == 1 {
			if !errors.Is(err, errFail) {
				t.Errorf("write %d: err = %v, want its own error", i, err)
			}
		} else if err != want {
			t.Errorf("write %d: err = %v", i, err)
		}
	}
	users := readVal(t, s, store.Reader.ListUsers)
	if len(users) != writes/2 {
		t.Fatalf("%d users, want %d", len(users), writes/2)
	}
	for _, u := range users {
		var n int
		if _, err := fmt.Sscanf(u.ID, "u%d", &n); err != nil || n%2 == 1 {
			t.Errorf("user %s of a failed write was kept", u.ID)
		}
	}
	changes, err := s.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != writes/2 {
		t.Fatalf("%d changes, want %d", len(changes), writes/2)
	}
	for i, c := range changes {
		if c.Revision != int64(i+1) {
			t.Fatalf("change %d has revision %d: revisions must be gapless", i, c.Revision)
		}
	}
}
