package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a destination that keeps what it was given, one entry per
// Write call; while gate is set, writes wait until it is closed.
type recorder struct {
	mu     sync.Mutex
	writes [][]byte
	gate   chan struct{}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(bytes.Join(r.writes, nil))
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writes)
}

func TestLogWriterKeepsEveryLineInOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration
	}{
		{"written by the background flush", 0},
		{"left for Close", time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dst recorder
			w := newLogWriter(&dst, tc.delay)
			const writers, lines = 8, 500
			var wg sync.WaitGroup
			for g := range writers {
				wg.Go(func() {
					for i := range lines {
						fmt.Fprintf(w, "g%d line %d\n", g, i)
					}
				})
			}
			wg.Wait()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			next := make([]int, writers)
			got := strings.Split(strings.TrimSuffix(dst.String(), "\n"), "\n")
			for _, l := range got {
				var g, i int
				if _, err := fmt.Sscanf(l, "g%d line %d", &g, &i); err != nil {
					t.Fatalf("torn line %q", l)
				}
				if i != next[g] {
					t.Fatalf("writer %d: line %d after line %d", g, i, next[g]-1)
				}
				next[g]++
			}
			if len(got) != writers*lines {
				t.Fatalf("%d lines written, want %d", len(got), writers*lines)
			}
		})
	}
}

func TestLogWriterBatchesLines(t *testing.T) {
	var dst recorder
	w := newLogWriter(&dst, time.Hour)
	for i := range 100 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	time.Sleep(50 * time.Millisecond) // time enough for a flush that does not wait
	if n := dst.calls(); n != 0 {
		t.Fatalf("%d writes before the flush is due, want none", n)
	}
	w.Flush()
	if n := dst.calls(); n != 1 {
		t.Fatalf("100 lines took %d writes, want 1", n)
	}
	_ = w.Close()
}

func TestLogWriterWritesWarningsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		log    func(*slog.Logger)
		want   []string
		wantIn bool // the lines are at the destination before Close
	}{
		{"info waits", func(l *slog.Logger) { l.Info("routine") }, []string{"routine"}, false},
		{"warn", func(l *slog.Logger) { l.Info("before"); l.Warn("careful") }, []string{"before", "careful"}, true},
		{"error, through With", func(l *slog.Logger) { l.With("k", "v").WithGroup("g").Error("broken", "x", 1) }, []string{"broken", "k=v", "g.x=1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dst recorder
			w := newLogWriter(&dst, time.Hour)
			tc.log(slog.New(w.Handler(slog.NewTextHandler(w, nil))))
			for _, s := range tc.want {
				if strings.Contains(dst.String(), s) != tc.wantIn {
					t.Errorf("%q at the destination before Close: %v, want %v (%q)", s, !tc.wantIn, tc.wantIn, dst.String())
				}
			}
			_ = w.Close()
			for _, s := range tc.want {
				if !strings.Contains(dst.String(), s) {
					t.Errorf("%q missing after Close: %q", s, dst.String())
				}
			}
		})
	}
}

// TestLogWriterWaitsForASlowDestination: when the destination stops
// taking lines, writers wait rather than queue without bound.
func TestLogWriterWaitsForASlowDestination(t *testing.T) {
	dst := recorder{gate: make(chan struct{})}
	w := newLogWriter(&dst, 0)
	line := strings.Repeat("x", 1023) + "\n"
	const total = 4 * maxLogBuffer / 1024
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for range total {
			_, _ = w.Write([]byte(line))
		}
	}()
	select {
	case <-wrote:
		t.Fatal("the writer queued four times the bound while the destination took nothing")
	case <-time.After(100 * time.Millisecond):
	}
	w.mu.Lock()
	queued := len(w.pending)
	w.mu.Unlock()
	if queued > maxLogBuffer+len(line) {
		t.Fatalf("%d bytes queued, bound %d", queued, maxLogBuffer)
	}
	close(dst.gate)
	<-wrote
	_ = w.Close()
	if got := len(dst.String()); got != total*len(line) {
		t.Fatalf("%d bytes written, want %d", got, total*len(line))
	}
}

func TestLogWriterAfterClose(t *testing.T) {
	var dst recorder
	w := newLogWriter(&dst, time.Hour)
	_ = w.Close()
	_ = w.Close() // twice is harmless
	fmt.Fprintln(w, "late")
	if dst.String() != "late\n" {
		t.Fatalf("a write after Close gave %q", dst.String())
	}
}
