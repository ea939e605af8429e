package server_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/tracing"
)

// otlpSink is an OTLP/HTTP trace collector on loopback: it keeps the name
// of every span it is sent and the traceparent each belongs to.
type otlpSink struct {
	mu    sync.Mutex
	names []string
	parts map[string]string // span name → hex trace ID
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				s.names = append(s.names, sp.Name)
				s.parts[sp.Name] = string(sp.TraceId)
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(nil)
}

func (s *otlpSink) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.names)
}

// TestTracingExportsSpans: with OTEL_EXPORTER_OTLP_ENDPOINT naming a
// collector, a request's span (named after its operation), its store
// transaction and the engine update reach the collector, under the trace
// the caller's traceparent started; with the variable unset, tracing is
// off. (t.Setenv: the tracer provider is process-wide, so not parallel.)
func TestTracingExportsSpans(t *testing.T) {
	sink := &otlpSink{parts: map[string]string{}}
	collector := httptest.NewServer(sink)
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "20")

	srv := servertest.Start(t, servertest.SQLite(t))
	if !tracing.Enabled() {
		t.Fatal("tracing is off with OTEL_EXPORTER_OTLP_ENDPOINT set")
	}
	token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	_, orgs := rawCallJSON(t, http.MethodGet, srv.URL+"/v1/organizations", token, nil)
	list, _ := orgs["organizations"].([]any)
	if len(list) != 1 {
		t.Fatalf("organizations: %v", orgs)
	}
	orgID, _ := list[0].(map[string]any)["organization_id"].(string)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/project",
		strings.NewReader(`{"project":"traced","parent_id":"`+orgID+`"}`))
	req.Header.Set("Authorization", "aivenv1 "+token)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating a project: %d %s", resp.StatusCode, msg)
	}
	srv.Stop() // flushes what the batcher holds

	names := sink.seen()
	for _, want := range []string{"UserAuth", "ProjectCreate", "store.read", "store.write", "engine.update"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %q span among %v", want, names)
		}
	}
	sink.mu.Lock()
	got := sink.parts["ProjectCreate"]
	sink.mu.Unlock()
	if want, _ := hex.DecodeString(traceID); got != string(want) {
		t.Errorf("ProjectCreate span is in trace %x, want the caller's %s", got, traceID)
	}
	if tracing.Enabled() {
		t.Error("tracing still on after the server stopped")
	}
}

// TestTracingOffByDefault: without a collector configured no span is made
// (Start hands back the context it was given).
func TestTracingOffByDefault(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	servertest.Start(t, servertest.SQLite(t))
	if tracing.Enabled() {
		t.Fatal("tracing is on with no collector configured")
	}
	ctx := t.Context()
	if got, _ := tracing.Start(ctx, "x"); got != ctx {
		t.Error("Start made a span with tracing off")
	}
}
