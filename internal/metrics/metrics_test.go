package metrics

import (
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// counts gathers m's samples of family name: the counter value, or a
// histogram's sample count, by the series' label values joined with "/".
func counts(t *testing.T, m *Metrics, name string) map[string]float64 {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			k := ""
			for i, l := range s.GetLabel() {
				if i > 0 {
					k += "/"
				}
				k += l.GetValue()
			}
			out[k] = value(s)
		}
	}
	return out
}

func value(s *dto.Metric) float64 {
	if h := s.GetHistogram(); h != nil {
		return float64(h.GetSampleCount())
	}
	return s.GetCounter().GetValue()
}

func TestCounting(t *testing.T) {
	tests := []struct {
		name   string
		record func(m *Metrics)
		family string
		want   map[string]float64
	}{
		{"requests by operation and status", func(m *Metrics) {
			m.Request("AccessCheck", 200, time.Millisecond)
			m.Request("AccessCheck", 200, time.Millisecond)
			m.Request("AccessCheck", 404, time.Millisecond)
			m.Request("ProjectList", 200, time.Millisecond)
		}, "gatehouse_http_requests_total", map[string]float64{"200/AccessCheck": 2, "404/AccessCheck": 1, "200/ProjectList": 1}},
		{"request durations by operation and status", func(m *Metrics) {
			m.Request("AccessCheck", 200, time.Millisecond)
			m.Request("AccessCheck", 403, time.Millisecond)
			m.Request("AccessCheck", 403, time.Second)
		}, "gatehouse_http_request_duration_seconds", map[string]float64{"200/AccessCheck": 1, "403/AccessCheck": 2}},
		{"decisions", func(m *Metrics) {
			m.Decision(true)
			m.Decision(true)
			m.Decision(false)
		}, "gatehouse_authz_decisions_total", map[string]float64{"allowed": 2, "denied": 1}},
		{"decision series exist from the start", func(*Metrics) {}, "gatehouse_authz_decisions_total", map[string]float64{"allowed": 0, "denied": 0}},
		{"token cache", func(m *Metrics) {
			m.TokenCache(false)
			m.TokenCache(true)
			m.TokenCache(true)
			m.TokenCache(true)
		}, "gatehouse_token_cache_lookups_total", map[string]float64{"hit": 3, "miss": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			tc.record(m)
			got := counts(t, m, tc.family)
			if len(got) != len(tc.want) {
				t.Fatalf("series %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

// TestRequestConcurrent adds series from many goroutines at once: none
// may be lost while another is being added.
func TestRequestConcurrent(t *testing.T) {
	m := New()
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m.Request("Op", 200+(i+w)%5, time.Millisecond)
			}
		})
	}
	wg.Wait()
	total := 0.0
	got := counts(t, m, "gatehouse_http_requests_total")
	for _, v := range got {
		total += v
	}
	if len(got) != 5 || total != workers*each {
		t.Errorf("%d series counting %v requests, want 5 counting %d: %v", len(got), total, workers*each, got)
	}
}
