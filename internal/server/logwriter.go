package server

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// LogWriter takes the server's log output off the request path. Write
// copies a line into a buffer and wakes a background goroutine, which
// writes everything gathered so far to the destination in one call: a
// request no longer makes a write system call for its access-log line,
// nor waits for another request's line to be written, and under load one
// write carries many lines. The access log was about a tenth of a single
// check's server CPU, half of it the write.
//
// Lines keep their order. Nothing is dropped: when the destination falls
// behind by more than maxLogBuffer bytes, Write waits for it, as an
// unbuffered writer would. Lines at WARN and above are written before
// their Log call returns (see Handler), and Close writes what is left, so
// only a crash can lose lines, and then only those of the last moments.
type LogWriter struct {
	dst   io.Writer
	delay time.Duration // logFlushDelay but in tests

	mu      sync.Mutex
	pending []byte // lines not yet taken by a flush
	closed  bool

	wake    chan struct{} // a flush is due; capacity 1
	closing chan struct{} // closed by Close: no more waiting
	done    chan struct{} // the flusher has exited

	// flushMu orders writes to dst, and guards spare: the buffer the
	// last flush wrote, reused for the next lines.
	flushMu sync.Mutex
	spare   []byte
}

// logFlushDelay is how long a line may wait for others to share its
// write. Lines at WARN and above do not wait (see Handler).
const logFlushDelay = 5 * time.Millisecond

// maxLogBuffer bounds the bytes waiting for the destination.
const maxLogBuffer = 256 << 10

// maxKeptLogBuffer bounds the buffer kept for reuse after a flush.
const maxKeptLogBuffer = 64 << 10

// NewLogWriter returns a LogWriter over dst. Close it to write what is
// left and stop its goroutine.
func NewLogWriter(dst io.Writer) *LogWriter { return newLogWriter(dst, logFlushDelay) }

func newLogWriter(dst io.Writer, delay time.Duration) *LogWriter {
	w := &LogWriter{dst: dst, delay: delay, wake: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *LogWriter) run() {
	defer close(w.done)
	for range w.wake {
		// Lines that come meanwhile join this flush without waking
		// anyone: under load one write carries hundreds of lines.
		w.sleep()
		w.Flush()
	}
}

// sleep waits out the flush delay, or until Close.
func (w *LogWriter) sleep() {
	t := time.NewTimer(w.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.closing:
	}
}

// Write queues p for the destination. It never fails; the destination's
// errors have nowhere to go (it is where errors are written).
func (w *LogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.flushMu.Lock()
		defer w.flushMu.Unlock()
		_, _ = w.dst.Write(p)
		return len(p), nil
	}
	if len(w.pending) == 0 {
		select {
		case w.wake <- struct{}{}:
		default: // a flush is due already and will take these bytes
		}
	}
	w.pending = append(w.pending, p...)
	full := len(w.pending) >= maxLogBuffer
	w.mu.Unlock()
	if full {
		w.Flush() // the destination is behind: wait for it
	}
	return len(p), nil
}

// Flush writes the lines queued so far before it returns.
func (w *LogWriter) Flush() {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	b := w.pending
	w.pending = w.spare[:0]
	w.mu.Unlock()
	if len(b) > 0 {
		_, _ = w.dst.Write(b)
	}
	if cap(b) <= maxKeptLogBuffer {
		w.spare = b[:0]
	} else {
		w.spare = nil
	}
}

// Close writes the lines queued so far and stops the background
// goroutine. Later writes go straight to the destination.
func (w *LogWriter) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.wake) // under mu: no Write sends on it after this
	close(w.closing)
	w.mu.Unlock()
	<-w.done
	w.Flush()
	return nil
}

// Handler wraps h, a handler writing to w, so that records at WARN and
// above are written out before their Log call returns: a warning or an
// error may be the last thing a process says.
func (w *LogWriter) Handler(h slog.Handler) slog.Handler {
	return &flushingHandler{Handler: h, w: w}
}

type flushingHandler struct {
	slog.Handler
	w *LogWriter
}

func (h *flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.w.Flush()
	}
	return err
}

func (h *flushingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &flushingHandler{Handler: h.Handler.WithAttrs(as), w: h.w}
}

func (h *flushingHandler) WithGroup(name string) slog.Handler {
	return &flushingHandler{Handler: h.Handler.WithGroup(name), w: h.w}
}
