package server

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
)

// NewHandler returns the server's log handler writing to w: slog's text
// handler, or its JSON handler when json is set, for records at level and
// above, with w.Handler's flushing of warnings and errors. Records made
// only of plain values (every access-log line) are formatted without
// slog's handler, byte for byte as it would have: its generic formatting
// was most of an access line's cost, itself a tenth of a single check's
// server CPU.
func (w *LogWriter) NewHandler(json bool, level slog.Leveler) slog.Handler {
	opts := &slog.HandlerOptions{Level: level} // lineHandler knows no other option
	var h slog.Handler
	if json {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return w.Handler(&lineHandler{Handler: h, w: w, json: json})
}

// lineHandler formats the records appendLine can and hands the rest to
// slog's handler, which also answers Enabled, WithAttrs and WithGroup
// (records of loggers made with those are all slog's). Each line is one
// Write, as slog's handlers do, and LogWriter keeps whole lines apart.
type lineHandler struct {
	slog.Handler // made over w with Level as its only option
	w            *LogWriter
	json         bool
}

// lineBufs holds the buffers lines are formatted into.
var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledLine bounds the line buffers kept for reuse.
const maxPooledLine = 16 << 10

func (h *lineHandler) Handle(ctx context.Context, r slog.Record) error {
	bp := lineBufs.Get().(*[]byte)
	b, ok := appendLine((*bp)[:0], r, h.json)
	if !ok {
		lineBufs.Put(bp)
		return h.Handler.Handle(ctx, r)
	}
	_, err := h.w.Write(b) // copies b
	if cap(b) <= maxPooledLine {
		*bp = b[:0]
		lineBufs.Put(bp)
	}
	return err
}

// appendLine appends r's line as slog's text handler (JSON handler, when
// json is set) with no option but a level would write it, and reports
// whether it could: r has a time, and its attributes are strings, numbers,
// booleans and durations whose keys and strings are printable ASCII.
// Anything else (groups, times, errors and other values, non-ASCII text,
// control characters, floats JSON writes in exponent form) is left to
// slog's handler, which TestLineHandlerAgreesWithSlog holds this to.
func appendLine(b []byte, r slog.Record, json bool) ([]byte, bool) {
	if r.Time.IsZero() {
		return b, false
	}
	t := r.Time.Round(0) // as slog: no monotonic reading
	ok := true
	if json {
		if y := t.Year(); y < 0 || y >= 10000 {
			return b, false // slog adds an error to the line
		}
		b = append(b, `{"time":"`...)
		b = append(t.AppendFormat(b, time.RFC3339Nano), `","level":`...)
		b, ok = appendJSONString(b, r.Level.String())
		b = append(b, `,"msg":`...)
	} else {
		b = appendRFC3339Millis(append(b, "time="...), t)
		b = append(b, " level="...)
		b, ok = appendTextString(b, r.Level.String())
		b = append(b, " msg="...)
	}
	if !ok {
		return b, false
	}
	if json {
		b, ok = appendJSONString(b, r.Message)
	} else {
		b, ok = appendTextString(b, r.Message)
	}
	r.Attrs(func(a slog.Attr) bool {
		if ok {
			b, ok = appendAttr(b, a, json)
		}
		return ok
	})
	if !ok {
		return b, false
	}
	if json {
		b = append(b, '}')
	}
	return append(b, '\n'), true
}

// appendAttr appends ` key=value` (JSON: `,"key":value`).
func appendAttr(b []byte, a slog.Attr, json bool) ([]byte, bool) {
	v := a.Value
	if a.Key == "" && v.Equal(slog.Value{}) {
		return b, true // slog elides empty attributes
	}
	ok := true
	if json {
		b, ok = appendJSONString(append(b, ','), a.Key)
		b = append(b, ':')
	} else {
		b, ok = appendTextString(append(b, ' '), a.Key)
		b = append(b, '=')
	}
	if !ok {
		return b, false
	}
	switch v.Kind() {
	case slog.KindString:
		if json {
			return appendJSONString(b, v.String())
		}
		return appendTextString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		if json {
			return strconv.AppendInt(b, int64(v.Duration()), 10), true // as encoding/json
		}
		return append(b, v.Duration().String()...), true
	case slog.KindFloat64:
		f := v.Float64()
		if !json {
			return strconv.AppendFloat(b, f, 'g', -1, 64), true
		}
		// encoding/json's form, for what it writes without an exponent.
		if abs := math.Abs(f); math.IsNaN(f) || math.IsInf(f, 0) || abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			return b, false
		}
		return strconv.AppendFloat(b, f, 'f', -1, 64), true
	}
	return b, false
}

// What appendTextString and appendJSONString make of each byte: nothing
// (printed as it is), textQuote (the text handler quotes the string) or
// decline (left to slog's handler); one table lookup a byte.
const (
	textQuote = 1 << iota
	textDecline
	jsonDecline
)

var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c < ' ' || c >= 0x7f:
			t[c] = textDecline | jsonDecline
		case c == '"':
			t[c] = textQuote | jsonDecline
		case c == ' ' || c == '=':
			t[c] = textQuote
		case c == '\\':
			t[c] = jsonDecline
		}
	}
	return t
}()

// classOf ors the classes of s's bytes.
func classOf(s string) uint8 {
	var or uint8
	for i := 0; i < len(s); i++ {
		or |= byteClass[s[i]]
	}
	return or
}

// appendTextString appends s as slog's text handler does, for printable
// ASCII: bare, or quoted when empty or holding a space, '=' or '"'.
func appendTextString(b []byte, s string) ([]byte, bool) {
	c := classOf(s)
	switch {
	case c&textDecline != 0:
		return b, false
	case c&textQuote != 0 || s == "":
		return strconv.AppendQuote(b, s), true
	}
	return append(b, s...), true
}

// appendJSONString appends s quoted as slog's JSON handler does, for
// printable ASCII without '"' or '\' (which it would escape).
func appendJSONString(b []byte, s string) ([]byte, bool) {
	if classOf(s)&jsonDecline != 0 {
		return b, false
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}

// appendRFC3339Millis is slog's text handler's time: RFC 3339 with
// exactly three digits of milliseconds, truncated.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	// Written from the seconds since 1970 in t's zone: AppendFormat
	// interprets its layout, and Date and Clock each convert the time,
	// for every line (a tenth of the line's cost).
	_, offset := t.Zone()
	secs := t.Unix() + int64(offset)
	const maxSecs = 253402300800 // 10000-01-01T00:00:00
	if secs < 0 || secs >= maxSecs || offset <= -100*3600 || offset >= 100*3600 {
		return appendRFC3339MillisLayout(b, t)
	}
	days, daySecs := int(secs/86400), int(secs%86400)
	year, month, day := civilDate(days)
	var out [len("2006-01-02T15:04:05.000-07:00")]byte
	put2(out[0:], year/100)
	put2(out[2:], year%100)
	out[4] = '-'
	put2(out[5:], month)
	out[7] = '-'
	put2(out[8:], day)
	out[10] = 'T'
	put2(out[11:], daySecs/3600)
	out[13] = ':'
	put2(out[14:], daySecs/60%60)
	out[16] = ':'
	put2(out[17:], daySecs%60)
	out[19] = '.'
	ms := t.Nanosecond() / 1e6
	out[20] = byte('0' + ms/100)
	put2(out[21:], ms%100)
	if offset == 0 {
		out[23] = 'Z'
		return append(b, out[:24]...)
	}
	// As the layout's "Z07:00": whole minutes, truncated toward zero.
	zone := offset / 60
	out[23] = '+'
	if zone < 0 {
		out[23] = '-'
		zone = -zone
	}
	put2(out[24:], zone/60)
	out[26] = ':'
	put2(out[27:], zone%60)
	return append(b, out[:]...)
}

// put2 writes n (0 <= n < 100) as two decimal digits at b[0:2].
func put2(b []byte, n int) {
	const digits = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
	b[0], b[1] = digits[2*n], digits[2*n+1]
}

// civilDate is the proleptic Gregorian date days after 1970-01-01
// (days >= 0), by Howard Hinnant's days_from_civil inverse.
func civilDate(days int) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	year = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendRFC3339MillisLayout is appendRFC3339Millis through AppendFormat,
// as slog writes it, for the years and offsets the digits above do not
// cover.
func appendRFC3339MillisLayout(b []byte, t time.Time) []byte {
	// RFC3339Nano trims trailing zeros: a tenth of a millisecond more
	// makes four digits, of which the fourth is dropped.
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}
