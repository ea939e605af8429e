package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testChangeLog(t *testing.T, open Opener) {
	s := open(t)
	if rev := readVal(t, s, store.Reader.Revision); rev != 0 {
		t.Fatalf("Revision of empty log = %d", rev)
	}
	payloads := [][]byte{[]byte("one"), []byte(`{"two":2}`), {0, 1, 2, 255}, []byte("four"), []byte("five")}
	write(t, s, func(tx store.Tx) error {
		for i, p := range payloads[:3] {
			rev, err := tx.AppendChange(p)
			if err != nil {
				return err
			}
			if rev != int64(i+1) {
				return fmt.Errorf("revision %d, want %d", rev, i+1)
			}
		}
		// The transaction sees its own appends.
		if rev, err := tx.Revision(); err != nil || rev != 3 {
			return fmt.Errorf("tx.Revision inside write = %d, %v", rev, err)
		}
		return nil
	})
	// A rolled-back append leaves no gap.
	_ = s.Write(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AppendChange([]byte("lost")); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	write(t, s, func(tx store.Tx) error {
		for i, p := range payloads[3:] {
			rev, err := tx.AppendChange(p)
			if err != nil {
				return err
			}
			if rev != int64(i+4) {
				return fmt.Errorf("revision %d, want %d", rev, i+4)
			}
		}
		return nil
	})
	if rev := readVal(t, s, store.Reader.Revision); rev != 5 {
		t.Errorf("Revision = %d, want 5", rev)
	}

	changes := func(t *testing.T, after int64, limit int) []store.Change {
		t.Helper()
		cs, err := s.Changes(t.Context(), after, limit)
		if err != nil {
			t.Fatalf("Changes(%d, %d): %v", after, limit, err)
		}
		return cs
	}
	cases := []struct {
		name         string
		after        int64
		limit        int
		wantRevision []int64
	}{
		{"FromStart", 0, 10, []int64{1, 2, 3, 4, 5}},
		{"Limited", 0, 2, []int64{1, 2}},
		{"After", 2, 2, []int64{3, 4}},
		{"Tail", 4, 10, []int64{5}},
		{"AtHead", 5, 10, nil},
		{"NoLimit", 1, 0, []int64{2, 3, 4, 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []int64
			for _, ch := range changes(t, c.after, c.limit) {
				got = append(got, ch.Revision)
				if !bytes.Equal(ch.Payload, payloads[ch.Revision-1]) {
					t.Errorf("revision %d payload = %q, want %q", ch.Revision, ch.Payload, payloads[ch.Revision-1])
				}
				if ch.CreateTime.IsZero() || ch.CreateTime.Location() != time.UTC {
					t.Errorf("revision %d create time = %v", ch.Revision, ch.CreateTime)
				}
			}
			equal(t, "revisions", got, c.wantRevision)
		})
	}
	t.Run("Paging", func(t *testing.T) {
		var after int64
		var got []int64
		for {
			page := changes(t, after, 2)
			if len(page) == 0 {
				break
			}
			for _, ch := range page {
				got = append(got, ch.Revision)
			}
			after = page[len(page)-1].Revision
		}
		equal(t, "paged revisions", got, []int64{1, 2, 3, 4, 5})
	})
}

// testConcurrentWrites checks that writes from many goroutines get
// gapless revisions in commit order: while each Write runs, no later
// revision may be visible yet.
func testConcurrentWrites(t *testing.T, open Opener) {
	s := open(t)
	const workers, perWorker = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				err := s.Write(t.Context(), func(tx store.Tx) error {
					before, err := tx.Revision()
					if err != nil {
						return err
					}
					rev, err := tx.AppendChange(fmt.Appendf(nil, "w%d-%d", w, i))
					if err != nil {
						return err
					}
					if rev != before+1 {
						return fmt.Errorf("appended revision %d after %d", rev, before)
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Read concurrently: a reader must never see a gap.
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		var after int64
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			cs, err := s.Changes(t.Context(), after, 100)
			if err != nil {
				readerDone <- err
				return
			}
			for _, c := range cs {
				if c.Revision != after+1 {
					readerDone <- fmt.Errorf("follower saw revision %d after %d", c.Revision, after)
					return
				}
				after = c.Revision
			}
		}
	}()
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := <-readerDone; err != nil {
		t.Error(err)
	}
	cs, err := s.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != workers*perWorker {
		t.Fatalf("%d changes, want %d", len(cs), workers*perWorker)
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if c.Revision != int64(i+1) {
			t.Fatalf("change %d has revision %d", i, c.Revision)
		}
		if seen[string(c.Payload)] {
			t.Fatalf("payload %q twice", c.Payload)
		}
		seen[string(c.Payload)] = true
	}
}
