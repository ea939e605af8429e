package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

// Options configure the handler.
type Options struct {
	// PublicURL is Gatehouse's base URL, for resources' locations.
	PublicURL string
	// Describe is the API's one translation of domain errors to a status
	// and message; SCIM adds its scimType.
	Describe func(error) (int, string)
	// ClientIP is the request's client address as the API decides it.
	ClientIP func(*http.Request) string
	Log      *slog.Logger
}

// Handler serves /scim/v2/.
type Handler struct {
	plane *control.Plane
	opt   Options
	mux   *http.ServeMux
}

// Paging bounds: Okta asks for 100 at a time, Entra ID for fewer.
const (
	defaultCount = 100
	maxCount     = 1000
	maxBody      = 1 << 20
	contentType  = "application/scim+json"
)

// New returns the SCIM handler.
func New(p *control.Plane, opt Options) *Handler {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{plane: p, opt: opt, mux: http.NewServeMux()}
	type route struct {
		pattern string
		fn      func(http.ResponseWriter, *http.Request, *control.SCIMClient)
	}
	for _, rt := range []route{
		{"GET /ServiceProviderConfig", h.serviceProviderConfig},
		{"GET /ResourceTypes", h.resourceTypes},
		{"GET /ResourceTypes/{name}", h.resourceType},
		{"GET /Schemas", h.schemas},
		{"GET /Schemas/{id}", h.schema},
		{"GET /Users", h.listUsers},
		{"POST /Users", h.createUser},
		{"GET /Users/{id}", h.getUser},
		{"PUT /Users/{id}", h.replaceUser},
		{"PATCH /Users/{id}", h.patchUser},
		{"DELETE /Users/{id}", h.deleteUser},
		{"GET /Groups", h.listGroups},
		{"POST /Groups", h.createGroup},
		{"GET /Groups/{id}", h.getGroup},
		{"PUT /Groups/{id}", h.replaceGroup},
		{"PATCH /Groups/{id}", h.patchGroup},
		{"DELETE /Groups/{id}", h.deleteGroup},
	} {
		method, path, _ := strings.Cut(rt.pattern, " ")
		h.mux.HandleFunc(method+" /scim/v2/{method}"+path, h.authed(rt.fn))
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, http.StatusNotFound, "", "No SCIM endpoint at "+r.Method+" "+r.URL.Path)
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.opt.Log.Error("SCIM request panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
			h.writeError(w, r, http.StatusInternalServerError, "", "Internal error")
		}
	}()
	h.mux.ServeHTTP(w, r)
}

// authed checks the bearer token of the method in the path.
func (h *Handler) authed(fn func(http.ResponseWriter, *http.Request, *control.SCIMClient)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret := ""
		if scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			secret = strings.TrimSpace(rest)
		}
		ip := ""
		if h.opt.ClientIP != nil {
			ip = h.opt.ClientIP(r)
		}
		c, err := h.plane.AuthenticateSCIM(r.Context(), r.PathValue("method"), secret, ip)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
			h.fail(w, r, err)
			return
		}
		fn(w, r, c)
	}
}

// errSyntax is a body SCIM cannot read (invalidSyntax); errValue a value
// of the wrong kind (invalidValue).
type (
	errSyntax struct{ msg string }
	errValue  struct{ msg string }
)

func (e *errSyntax) Error() string { return e.msg }
func (e *errValue) Error() string  { return e.msg }

// fail answers err as a SCIM error.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ef *errFilter
		ep *errPath
		es *errSyntax
		ev *errValue
	)
	switch {
	case errors.As(err, &ef):
		h.writeError(w, r, http.StatusBadRequest, "invalidFilter", ef.msg)
		return
	case errors.As(err, &ep):
		h.writeError(w, r, http.StatusBadRequest, "invalidPath", ep.msg)
		return
	case errors.As(err, &es):
		h.writeError(w, r, http.StatusBadRequest, "invalidSyntax", es.msg)
		return
	case errors.As(err, &ev):
		h.writeError(w, r, http.StatusBadRequest, "invalidValue", ev.msg)
		return
	}
	status, msg := http.StatusInternalServerError, "Internal error"
	if h.opt.Describe != nil {
		status, msg = h.opt.Describe(err)
	}
	scimType := ""
	switch {
	case status == http.StatusConflict:
		scimType = "uniqueness"
	case status == http.StatusBadRequest:
		scimType = "invalidValue"
	case errors.Is(err, control.ErrPrecondition):
		status = http.StatusPreconditionFailed
	}
	if status >= 500 {
		h.opt.Log.Error("SCIM request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.writeError(w, r, status, scimType, msg)
}

type errorDoc struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, scimType, detail string) {
	writeJSON(w, status, errorDoc{Schemas: []string{schemaError}, Status: strconv.Itoa(status), ScimType: scimType, Detail: detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeResource answers one resource with its version as ETag.
func writeResource(w http.ResponseWriter, status int, version string, v any) {
	w.Header().Set("ETag", version)
	writeJSON(w, status, v)
}

// decode reads a JSON body of at most maxBody bytes into v.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return &errSyntax{"The request body could not be read"}
	}
	if len(body) > maxBody {
		return &errSyntax{fmt.Sprintf("The request body is larger than %d bytes", maxBody)}
	}
	if strings.ContainsRune(string(body), 0) || strings.Contains(string(body), `\u0000`) {
		return &errValue{"The request body holds a NUL character"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &errValue{fmt.Sprintf("%s: expected %s, not %s", te.Field, te.Type, te.Value)}
		}
		return &errSyntax{"The request body is not valid JSON: " + err.Error()}
	}
	return nil
}

// paging reads startIndex and count (RFC 7644 §3.4.2.4): a startIndex
// below 1 is 1, a negative count 0.
func paging(r *http.Request) (start, count int, err error) {
	start, count = 1, defaultCount
	q := r.URL.Query()
	if v := q.Get("startIndex"); v != "" {
		if start, err = strconv.Atoi(v); err != nil {
			return 0, 0, &errValue{fmt.Sprintf("startIndex %q is not an integer", v)}
		}
		start = max(start, 1)
	}
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil {
			return 0, 0, &errValue{fmt.Sprintf("count %q is not an integer", v)}
		}
		count = min(max(count, 0), maxCount)
	}
	return start, count, nil
}

// listQuery is a list request's paging and filter, parsed once for
// Users and Groups alike.
type listQuery struct {
	page   control.SCIMPage
	filter control.SCIMFilter
}

// parseList reads startIndex, count and a filter on one of attrs of
// schema.
func parseList(r *http.Request, schema string, attrs ...string) (listQuery, error) {
	start, count, err := paging(r)
	if err != nil {
		return listQuery{}, err
	}
	q := listQuery{page: control.SCIMPage{StartIndex: start, Count: count}}
	if s := r.URL.Query().Get("filter"); s != "" {
		pf, err := parseFilter(s, schema, attrs...)
		if err != nil {
			return listQuery{}, err
		}
		q.filter = control.SCIMFilter{Attr: pf.attr, Value: pf.value}
	}
	return q, nil
}

// list is the answer to q: the page's resources and how many match.
func (q listQuery) list(total int, resources []any) listDoc {
	if resources == nil {
		resources = []any{}
	}
	return listDoc{Schemas: []string{schemaList}, TotalResults: total, StartIndex: q.page.StartIndex,
		ItemsPerPage: len(resources), Resources: resources}
}

type listDoc struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

type metaDoc struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

func (h *Handler) location(r *http.Request, kind, id string) string {
	return strings.TrimRight(h.opt.PublicURL, "/") + "/scim/v2/" + r.PathValue("method") + "/" + kind + "/" + id
}

func meta(kind, loc string, created, modified time.Time) metaDoc {
	return metaDoc{ResourceType: kind, Created: created.UTC().Format(time.RFC3339Nano), LastModified: modified.UTC().Format(time.RFC3339Nano),
		Location: loc, Version: control.SCIMVersion(modified)}
}

// flexBool is a boolean as Entra ID sends it, a JSON boolean or the
// strings "True" and "False".
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	v, err := parseBool(data)
	*b = flexBool(v)
	return err
}

func parseBool(data []byte) (bool, error) {
	var x any
	if err := json.Unmarshal(data, &x); err != nil {
		return false, &errValue{"expected a boolean"}
	}
	switch v := x.(type) {
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, &errValue{fmt.Sprintf("expected a boolean, not %s", data)}
}
