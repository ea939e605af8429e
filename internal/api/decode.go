package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxBody is the largest request body accepted.
const maxBody = 1 << 20

// decode reads a JSON request body into dst. An empty body counts as {} (the
// official client sends none for zero-valued inputs); unknown fields are
// ignored so newer clients keep working; every other problem is a 400 that
// names what was wrong.
func decodeReq(r *http.Request, dst any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return badRequest("Could not read request body")
	}
	if len(body) > maxBody {
		return badRequest(fmt.Sprintf("Request body is larger than %d bytes", maxBody))
	}
	return decodeBytes(body, dst)
}

func decodeBytes(body []byte, dst any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || bytes.Equal(body, []byte("null")) {
		return nil
	}
	if body[0] != '{' {
		return badRequest("Request body must be a JSON object")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "body"
			}
			return badRequest(fmt.Sprintf("Invalid type for field %q: expected %s, got %s", field, te.Type.String(), te.Value))
		case errors.As(err, &se):
			return badRequest(fmt.Sprintf("Malformed JSON at offset %d", se.Offset))
		default:
			return badRequest("Malformed JSON: " + err.Error())
		}
	}
	return nil
}
