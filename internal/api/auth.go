package api

import (
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

func (s *Server) userAuth(r *http.Request, _ *control.Actor) (int, any, error) {
	// The official client always sends an Authorization header, even to log
	// in; it is ignored here.
	var in struct {
		Email    string  `json:"email"`
		Password string  `json:"password"`
		OTP      *string `json:"otp"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	otp := ""
	if in.OTP != nil {
		otp = *in.OTP
	}
	res, err := s.plane.Login(r.Context(), in.Email, in.Password, otp, clientIP(r), r.UserAgent())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"token": res.Token, "state": res.User.State, "user_email": res.User.Email}, nil
}

func (s *Server) userLogout(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.Logout(r.Context(), a); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// DefaultReadyMaxLag is how long the decision engine may trail the change
// log before /readyz answers 503 (WithReadyMaxLag).
const DefaultReadyMaxLag = 5 * time.Second

// WithReadyMaxLag sets how long the decision engine may trail the change
// log before /readyz answers 503.
func WithReadyMaxLag(d time.Duration) Option { return func(s *Server) { s.readyMaxLag = d } }

// readyz is the readiness probe: 200 when the server may be sent
// requests, 503 with the reason otherwise (see control.Plane.Ready).
func (s *Server) readyz(r *http.Request, _ *control.Actor) (int, any, error) {
	if err := s.plane.Ready(r.Context(), s.readyMaxLag); err != nil {
		return http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": err.Error()}, nil
	}
	return http.StatusOK, map[string]any{"status": "ok"}, nil
}

func (s *Server) healthz(r *http.Request, _ *control.Actor) (int, any, error) {
	if err := s.plane.Ping(r.Context()); err != nil {
		return http.StatusServiceUnavailable, map[string]any{"status": "unavailable"}, nil
	}
	return http.StatusOK, map[string]any{"status": "ok"}, nil
}
