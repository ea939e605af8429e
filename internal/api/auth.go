package api

import (
	"net/http"

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

func (s *Server) healthz(r *http.Request, _ *control.Actor) (int, any, error) {
	if err := s.plane.Ping(r.Context()); err != nil {
		return http.StatusServiceUnavailable, map[string]any{"status": "unavailable"}, nil
	}
	return http.StatusOK, map[string]any{"status": "ok"}, nil
}
