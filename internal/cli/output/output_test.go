package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

type user struct {
	UserID   string    `json:"user_id"`
	Info     info      `json:"user_info"`
	Groups   []string  `json:"groups"`
	Count    int64     `json:"count"`
	Created  time.Time `json:"create_time"`
	Optional *string   `json:"optional,omitempty"`
}

type info struct {
	Email string `json:"user_email"`
	Admin bool   `json:"is_admin"`
}

func TestPrint(t *testing.T) {
	created := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)
	rows := []user{
		{UserID: "u1", Info: info{Email: "ann@example.com", Admin: true}, Groups: []string{"a", "b"}, Count: 9007199254740993, Created: created},
		{UserID: "u22", Info: info{Email: "bo@example.com"}, Created: created},
	}
	tests := []struct {
		name    string
		p       Printer
		v       any
		columns []string
		want    string
	}{
		{
			name:    "table with dotted columns, lists and exact numbers",
			v:       rows,
			columns: []string{"user_id", "user_info.user_email", "user_info.is_admin", "groups", "count"},
			want: "" +
				"USER_ID  USER_INFO.USER_EMAIL  USER_INFO.IS_ADMIN  GROUPS  COUNT\n" +
				"=======  ====================  ==================  ======  ================\n" +
				"u1       ann@example.com       true                a, b    9007199254740993\n" +
				"u22      bo@example.com        false                       0\n",
		},
		{
			name:    "single object is one row",
			v:       rows[1],
			columns: []string{"user_id", "create_time", "optional"},
			want: "" +
				"USER_ID  CREATE_TIME           OPTIONAL\n" +
				"=======  ====================  ========\n" +
				"u22      2026-11-24T20:00:00Z\n",
		},
		{
			name:    "empty list prints the header only",
			v:       []user{},
			columns: []string{"user_id"},
			want:    "USER_ID\n=======\n",
		},
		{
			name: "without columns every key is shown, sorted",
			v:    json.RawMessage(`{"b":1,"a":{"x":true}}`),
			want: "A           B\n==========  =\n{\"x\":true}  1\n",
		},
		{
			name: "json is indented by four with sorted keys",
			p:    Printer{JSON: true},
			v:    json.RawMessage(`{"b":1,"a":[1,2]}`),
			want: "{\n    \"a\": [\n        1,\n        2\n    ],\n    \"b\": 1\n}\n",
		},
		{
			name: "format runs once per row",
			p:    Printer{Format: "{{.user_id}} {{.user_info.user_email}} {{join \"|\" .groups}}"},
			v:    rows,
			want: "u1 ann@example.com a|b\nu22 bo@example.com \n",
		},
		{
			name: "format wins over json",
			p:    Printer{JSON: true, Format: "{{.user_id}}\n"},
			v:    rows[:1],
			want: "u1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := tt.p
			p.W = &buf
			if err := p.Print(tt.v, tt.columns...); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", buf.String(), tt.want)
			}
		})
	}
}

func TestPrintBadFormat(t *testing.T) {
	for _, f := range []string{"{{.x", "{{call .x}}"} {
		err := Printer{W: &bytes.Buffer{}, Format: f}.Print(json.RawMessage(`{"x":1}`))
		if !errors.Is(err, ErrBadFormat) {
			t.Errorf("format %q: err = %v, want ErrBadFormat", f, err)
		}
	}
}

// FuzzPrint feeds arbitrary JSON and column paths: printing never panics,
// and a table always has a header, an underline and one line per row.
func FuzzPrint(f *testing.F) {
	f.Add(`[{"a":{"b":[1,"x",null]}}]`, "a.b")
	f.Add(`{"a":1}`, "a..b")
	f.Add(`"text"`, "")
	f.Add(`[1,2,3]`, "x")
	f.Fuzz(func(t *testing.T, doc, column string) {
		if !json.Valid([]byte(doc)) {
			return
		}
		var buf bytes.Buffer
		if err := (Printer{W: &buf}).Print(json.RawMessage(doc), column); err != nil {
			t.Fatal(err)
		}
		g, _ := toGeneric(json.RawMessage(doc))
		if lines := strings.Count(buf.String(), "\n"); lines != len(rowsOf(g))+2 {
			t.Fatalf("%d lines for %d rows:\n%s", lines, len(rowsOf(g)), buf.String())
		}
		buf.Reset()
		if err := (Printer{W: &buf, JSON: true}).Print(json.RawMessage(doc)); err != nil {
			t.Fatal(err)
		}
	})
}
