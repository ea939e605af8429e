package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// slogLine is the line slog's own handler writes for r.
func slogLine(t *testing.T, r slog.Record, json bool) string {
	t.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&buf, nil)
	if json {
		h = slog.NewJSONHandler(&buf, nil)
	}
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func record(tm time.Time, level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(tm, level, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

// accessRecord is a record like the API's access-log lines.
func accessRecord(tm time.Time) slog.Record {
	return record(tm, slog.LevelInfo, "request",
		slog.String("request_id", "0f3c9a1b2d4e5f60718293a4b5c6d7e8"), slog.String("operation", "OrganizationAccessCheck"),
		slog.String("method", "POST"), slog.Int("status", 200), slog.Float64("duration_ms", 0.123),
		slog.String("actor_id", "u1a2b3c4d5e6f7a8b"), slog.String("client", "127.0.0.1"))
}

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

// TestLineHandlerAgreesWithSlog: whatever the record, appendLine writes
// slog's line or declines; and it declines none of the plain records the
// server logs on every request.
func TestLineHandlerAgreesWithSlog(t *testing.T) {
	now := time.Date(2026, 12, 7, 17, 40, 43, 123456789, time.UTC)
	local := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", -7*3600-30*60))
	var ascii strings.Builder
	for c := range 128 {
		ascii.WriteByte(byte(c))
	}
	tests := []struct {
		name  string
		r     slog.Record
		plain bool // appendLine must not decline it
	}{
		{"access line", accessRecord(now), true},
		{"access line, local time", accessRecord(local), true},
		{"access line, no actor", record(now, slog.LevelInfo, "request", slog.String("request_id", "r-1:2.3_4+5=/6"), slog.String("actor_id", ""), slog.Float64("duration_ms", 12)), true},
		{"whole milliseconds", accessRecord(time.Date(2026, 1, 1, 0, 0, 0, 5_000_000, time.UTC)), true},
		{"levels", record(now, slog.LevelWarn+2, "m", slog.Int("n", -3)), true},
		{"debug", record(now, slog.LevelDebug-4, "m"), true},
		{"quoted strings", record(now, slog.LevelError, "two words", slog.String("k", "a=b"), slog.String("q", `say "hi"`), slog.String("e", ""), slog.String("b", `back\slash`)), false},
		{"numbers", record(now, slog.LevelInfo, "m", slog.Int64("i", math.MinInt64), slog.Uint64("u", math.MaxUint64), slog.Bool("t", true), slog.Bool("f", false)), true},
		{"durations", record(now, slog.LevelInfo, "m", slog.Duration("d", 1500*time.Millisecond), slog.Duration("z", 0)), true},
		{"empty key", record(now, slog.LevelInfo, "m", slog.Int("", 1)), false},
		{"empty attribute", record(now, slog.LevelInfo, "m", slog.Attr{}, slog.Int("after", 1)), false},
		{"groups", record(now, slog.LevelInfo, "m", slog.Group("g", slog.Int("a", 1)), slog.Group("", slog.Int("b", 2))), false},
		{"time value", record(now, slog.LevelInfo, "m", slog.Time("at", now)), false},
		{"error value", record(now, slog.LevelInfo, "m", slog.Any("err", errors.New("boom"))), false},
		{"log valuer", record(now, slog.LevelInfo, "m", slog.Any("v", valuer{})), false},
		{"non-ASCII", record(now, slog.LevelInfo, "héllo", slog.String("k", "naïve\u2028"), slog.String("bad", "\xff")), false},
		{"every ASCII byte", record(now, slog.LevelInfo, ascii.String(), slog.String(ascii.String(), ascii.String())), false},
		{"no time", record(time.Time{}, slog.LevelInfo, "m", slog.Int("n", 1)), false},
		{"year 10000", record(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "m"), false},
		{"year -1", record(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "m"), false},
	}
	for c := range 128 {
		s := string(rune(c))
		tests = append(tests, struct {
			name  string
			r     slog.Record
			plain bool
		}{"byte " + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15]),
			record(now, slog.LevelInfo, s, slog.String(s, s), slog.String("k", "a"+s+"b")), false})
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 0.001, 0.123, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 123456789.125, -2.5e-5,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		tests = append(tests, struct {
			name  string
			r     slog.Record
			plain bool
		}{"float " + strings.TrimSpace(slog.Float64Value(f).String()), record(now, slog.LevelInfo, "m", slog.Float64("f", f)), false})
	}
	for _, tm := range []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 999_000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.FixedZone("east", 3600)),
		time.Date(1970, 1, 1, 0, 30, 0, 0, time.FixedZone("west", -3600)),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 1, 59, 59, 1_000_000, time.Local),
		time.Date(2026, 6, 1, 5, 45, 0, 0, time.FixedZone("NPT", 5*3600+45*60)),
		time.Date(2026, 6, 1, 5, 45, 0, 0, time.FixedZone("LMT", -(17*60+30))),
		time.Date(2026, 6, 1, 5, 45, 0, 0, time.FixedZone("LMT", -30)),
		time.Date(2026, 6, 1, 5, 45, 0, 0, time.FixedZone("LMT", 3600+59)),
		time.Date(2026, 6, 1, 5, 45, 0, 0, time.FixedZone("LINT", 14*3600)),
		time.Date(2026, 6, 1, 5, 45, 0, 0, time.FixedZone("far", 99*3600+59*60)),
		time.Date(2026, 6, 1, 5, 45, 0, 0, time.FixedZone("too far", -100*3600)),
	} {
		tests = append(tests, struct {
			name  string
			r     slog.Record
			plain bool
		}{"time " + tm.Format(time.RFC3339Nano), accessRecord(tm), true})
	}
	trng := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		zone := time.FixedZone("z", trng.IntN(2*18*3600)-18*3600)
		tm := time.Unix(trng.Int64N(253402300800), trng.Int64N(1e9)).In(zone)
		tests = append(tests, struct {
			name  string
			r     slog.Record
			plain bool
		}{"random time", accessRecord(tm), true})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		f := math.Float64frombits(rng.Uint64())
		tests = append(tests, struct {
			name  string
			r     slog.Record
			plain bool
		}{"random float", record(now, slog.LevelInfo, "m", slog.Float64("f", f)), false})
		d := float64(rng.IntN(10_000_000)) / 1000 // a duration in milliseconds
		tests = append(tests, struct {
			name  string
			r     slog.Record
			plain bool
		}{"random duration_ms", record(now, slog.LevelInfo, "m", slog.Float64("duration_ms", d)), true})
	}
	for _, tc := range tests {
		for _, json := range []bool{false, true} {
			got, ok := appendLine(nil, tc.r, json)
			if !ok {
				if tc.plain {
					t.Errorf("%s (json %v): declined a plain record", tc.name, json)
				}
				continue
			}
			if want := slogLine(t, tc.r, json); string(got) != want {
				t.Errorf("%s (json %v):\n got %q\nwant %q", tc.name, json, got, want)
			}
		}
	}
}

// TestLineHandler: lines come out whole through the LogWriter, the ones
// appendLine declines through slog's handler, and loggers with attributes
// or groups keep them.
func TestLineHandler(t *testing.T) {
	now := time.Date(2026, 12, 7, 17, 40, 43, 123456789, time.UTC)
	for _, json := range []bool{false, true} {
		var dst recorder
		w := newLogWriter(&dst, time.Hour)
		h := w.NewHandler(json, slog.LevelInfo)
		ctx := context.Background()
		if h.Enabled(ctx, slog.LevelDebug) || !h.Enabled(ctx, slog.LevelInfo) {
			t.Fatalf("json %v: enabled at the wrong levels", json)
		}
		records := []slog.Record{accessRecord(now), record(now, slog.LevelInfo, "héllo", slog.Any("err", errors.New("boom")))}
		want := ""
		for _, r := range records {
			if err := h.Handle(ctx, r); err != nil {
				t.Fatal(err)
			}
			want += slogLine(t, r, json)
		}
		var with bytes.Buffer
		var sh slog.Handler = slog.NewTextHandler(&with, nil)
		if json {
			sh = slog.NewJSONHandler(&with, nil)
		}
		r := accessRecord(now)
		if err := h.WithAttrs([]slog.Attr{slog.String("pid", "7")}).WithGroup("g").Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := sh.WithAttrs([]slog.Attr{slog.String("pid", "7")}).WithGroup("g").Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		want += with.String()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if got := dst.String(); got != want {
			t.Errorf("json %v:\n got %q\nwant %q", json, got, want)
		}
	}
}

// BenchmarkAccessLine: one access-log line through the server's handler
// and through slog's, into a LogWriter.
func BenchmarkAccessLine(b *testing.B) {
	for _, bc := range []struct {
		name string
		h    func(w *LogWriter) slog.Handler
	}{
		{"lineHandler", func(w *LogWriter) slog.Handler { return w.NewHandler(false, slog.LevelInfo) }},
		{"slog", func(w *LogWriter) slog.Handler { return w.Handler(slog.NewTextHandler(w, nil)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := newLogWriter(discard{}, time.Millisecond)
			defer w.Close()
			h := bc.h(w)
			r := accessRecord(time.Now())
			b.ReportAllocs()
			for b.Loop() {
				_ = h.Handle(context.Background(), r)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkAppendLine: formatting alone, against slog's text handler.
func BenchmarkAppendLine(b *testing.B) {
	r := accessRecord(time.Now())
	b.Run("appendLine", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = appendLine(buf[:0], r, false)
		}
	})
	b.Run("slog", func(b *testing.B) {
		b.ReportAllocs()
		h := slog.NewTextHandler(discard{}, nil)
		for b.Loop() {
			_ = h.Handle(context.Background(), r)
		}
	})
}
