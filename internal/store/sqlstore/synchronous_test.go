package sqlstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestSQLiteSynchronous checks that the writer runs the synchronous mode
// asked for, FULL when none is, and that unknown modes are refused.
func TestSQLiteSynchronous(t *testing.T) {
	cases := []struct {
		name string
		mode string
		want int // PRAGMA synchronous: 1 NORMAL, 2 FULL, 3 EXTRA
	}{
		{"default is FULL", "", 2},
		{"normal", "normal", 1},
		{"full", "FULL", 2},
		{"extra", "Extra", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), filepath.Join(t.TempDir(), "g.db"), WithSynchronous(tc.mode))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var got int
			if err := s.writer.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("synchronous = %d, want %d", got, tc.want)
			}
		})
	}
	if _, err := Open(t.Context(), filepath.Join(t.TempDir(), "g.db"), WithSynchronous("OFF")); !errors.Is(err, ErrSynchronous) {
		t.Fatalf("OFF: err = %v, want ErrSynchronous", err)
	}
}

// BenchmarkSQLiteWrite measures one small committed write (a change-log
// entry) per operation under each synchronous mode: the price of FULL.
//
//	go test ./internal/store/sqlstore -run '^$' -bench SQLiteWrite -benchtime 2000x
func BenchmarkSQLiteWrite(b *testing.B) {
	for _, mode := range []string{SynchronousNormal, SynchronousFull, SynchronousExtra} {
		b.Run(mode, func(b *testing.B) {
			s, err := Open(b.Context(), filepath.Join(b.TempDir(), "g.db"), WithSynchronous(mode))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			payload := []byte(`[{"op":"bench"}]`)
			b.ResetTimer()
			for i := range b.N {
				if err := s.Write(b.Context(), func(tx store.Tx) error {
					_, err := tx.AppendChange(payload)
					return err
				}); err != nil {
					b.Fatal(fmt.Errorf("write %d: %w", i, err))
				}
			}
		})
	}
}
