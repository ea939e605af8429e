package control

import (
	"context"
	"errors"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/tracing"
	"go.opentelemetry.io/otel/codes"
)

// seamStore is the store as the use cases see it: every transaction's
// error passes through translate, so no store wording reaches a caller.
// Use cases translate what they expect (notFound, conflict) with Aiven's
// wording; translate is the catch-all for what they did not.
// written, when set, is called after every write transaction ends, so
// caches of what a write may change are emptied before its answer.
type seamStore struct {
	store.Store
	written func()
}

func (s seamStore) Read(ctx context.Context, fn func(store.Reader) error) error {
	ctx, span := tracing.Start(ctx, "store.read")
	defer span.End()
	return spanErr(span, translate(s.Store.Read(ctx, fn)))
}

func (s seamStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	ctx, span := tracing.Start(ctx, "store.write")
	defer span.End()
	err := s.Store.Write(ctx, fn)
	if s.written != nil {
		s.written() // committed or not: emptying a cache is always safe
	}
	return spanErr(span, translate(err))
}

// spanErr marks span failed when err is not nil, and returns err.
func spanErr(span interface {
	SetStatus(codes.Code, string)
}, err error) error {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}

// untranslated is a store sentinel no use case put into words: it keeps
// its status (404, 409) with a neutral message, and still matches the
// store sentinel for code inside control that asks errors.Is.
type untranslated struct {
	kind  error
	msg   string
	cause error
}

func (e *untranslated) Error() string   { return e.msg }
func (e *untranslated) Unwrap() []error { return []error{e.kind, e.cause} }

// translate turns a store sentinel that no use case translated into a
// domain error, leaving domain errors and everything else alone: an error
// of no known kind becomes a 500 with an opaque message in the API, which
// logs it.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var f *failure
	var u *untranslated
	if errors.As(err, &f) || errors.As(err, &u) {
		return err
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &untranslated{kind: ErrNotFound, msg: "Not found", cause: err}
	case errors.Is(err, store.ErrConflict):
		return &untranslated{kind: ErrExists, msg: "Already exists", cause: err}
	}
	return err
}
