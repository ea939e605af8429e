package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

// BenchmarkPostgresConcurrentWrites: 64 concurrent writers, each write
// reading the revision and appending two change-log entries, with one
// write per commit (as before group commit) and with group commit.
//
//	GATEHOUSE_TEST_POSTGRES=... go test ./internal/store/sqlstore -run '^$' -bench PostgresConcurrentWrites -benchtime 3s
func BenchmarkPostgresConcurrentWrites(b *testing.B) {
	dsn := storetest.Postgres(b)
	for _, tc := range []struct {
		name  string
		batch int
	}{{"one write per commit", 1}, {"group commit", maxBatch}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := Open(b.Context(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			defer func(n int) { maxBatch = n }(maxBatch)
			maxBatch = tc.batch
			b.SetParallelism(32) // 64 writers on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Write(b.Context(), func(tx store.Tx) error {
						if _, err := tx.Revision(); err != nil {
							return err
						}
						if _, err := tx.AppendChange([]byte("a")); err != nil {
							return err
						}
						_, err := tx.AppendChange([]byte("b"))
						return err
					}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// TestPostgresFollowersNeverSkip writes from three stores (three servers)
// at once, 16 writers each, group-committed, while followers read the log
// as servers do ("revision > the last one applied"): every follower must
// see every revision, in order, with no gap. A revision that became
// visible before a smaller one committed would be skipped for good.
func TestPostgresFollowersNeverSkip(t *testing.T) {
	dsn := postgresDB(t)
	writers := []*Store{mustOpen(t, dsn), mustOpen(t, dsn), mustOpen(t, dsn)}
	const perWriter, each = 25, 16
	want := int64(len(writers) * each * perWriter)
	stop := make(chan struct{})
	followed := make(chan error, 3)
	for _, f := range writers {
		go func() {
			var last int64
			for {
				cs, err := f.Changes(context.Background(), last, 0)
				if err != nil {
					followed <- err
					return
				}
				for _, c := range cs {
					if c.Revision != last+1 {
						followed <- fmt.Errorf("follower saw revision %d after %d: it skipped", c.Revision, last)
						return
					}
					last = c.Revision
				}
				if last >= want {
					followed <- nil
					return
				}
				select {
				case <-stop:
					followed <- fmt.Errorf("follower stopped at revision %d of %d", last, want)
					return
				default:
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for _, s := range writers {
		for range each {
			wg.Go(func() {
				for range perWriter {
					if err := s.Write(t.Context(), func(tx store.Tx) error {
						_, err := tx.AppendChange([]byte("x"))
						return err
					}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	time.AfterFunc(10*time.Second, func() { close(stop) })
	for range writers {
		if err := <-followed; err != nil {
			t.Fatal(err)
		}
	}
}
