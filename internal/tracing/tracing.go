// Package tracing sends OpenTelemetry traces over OTLP/HTTP when the
// standard OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
// variable is set. Otherwise Start hands out OpenTelemetry's no-op span
// without touching the context, so tracing that is off costs one atomic
// load.
package tracing

import (
	"context"
	"errors"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Instrumentation scope of every span Gatehouse makes.
const scope = "github.com/gatehouse-dev/gatehouse"

// ErrActive: a second Setup in one process while the first is running;
// the tracer provider is process-wide.
var ErrActive = errors.New("tracing is already set up in this process")

var (
	enabled atomic.Bool
	noSpan  = noop.Span{}
)

// Endpoint is the collector address the environment names, "" when
// tracing is off.
func Endpoint(getenv func(string) string) string {
	if e := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); e != "" {
		return e
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
}

// Setup starts exporting spans when the environment names a collector
// (the exporter reads the OTEL_EXPORTER_OTLP_* variables itself: headers,
// timeout, TLS). The returned function flushes what is buffered and turns
// tracing off again; it is a no-op when tracing was never on.
func Setup(ctx context.Context, getenv func(string) string, version string) (shutdown func(context.Context) error, err error) {
	if Endpoint(getenv) == "" {
		return func(context.Context) error { return nil }, nil
	}
	if enabled.Load() {
		return nil, ErrActive
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res := resource.NewSchemaless(attribute.String("service.name", "gatehouse"), attribute.String("service.version", version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	enabled.Store(true)
	return func(ctx context.Context) error {
		enabled.Store(false)
		err := tp.Shutdown(ctx)
		otel.SetTracerProvider(noop.NewTracerProvider())
		return err
	}, nil
}

// Enabled reports whether spans are being exported.
func Enabled() bool { return enabled.Load() }

// Start begins a span named name as a child of ctx's span. With tracing
// off it returns ctx unchanged and a no-op span.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if !enabled.Load() {
		return ctx, noSpan
	}
	return otel.Tracer(scope).Start(ctx, name, trace.WithAttributes(attrs...))
}

// Extract returns ctx carrying the remote span context of carrier's
// traceparent header, when tracing is on.
func Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if !enabled.Load() {
		return ctx
	}
	return otel.GetTextMapPropagator().Extract(ctx, carrier)
}
