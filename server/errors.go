package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/synth"
)

// apiError is an error answered with its own status and message.
type apiError struct {
	Status int
	Msg    string
	// RetryAfter, if positive, is sent as the Retry-After header (seconds):
	// only where retrying later can succeed.
	RetryAfter int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// writeError answers err as JSON {"error": msg} with the status of its
// cause: an apiError's own (with its Retry-After), 422 for a value the
// range policy or synth refuses, 503 for an expired or cancelled
// computation (without Retry-After: retrying the same request cannot
// help), 500 (logged) otherwise.
func writeError(w http.ResponseWriter, log *slog.Logger, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		if ae.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(ae.RetryAfter))
		}
		writeJSONError(w, ae.Status, ae.Msg)
	case errors.Is(err, synth.ErrRange), errors.Is(err, synth.ErrInput):
		writeJSONError(w, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		writeJSONError(w, http.StatusServiceUnavailable, "the computation exceeded the request time limit: "+err.Error())
	case errors.Is(err, context.Canceled):
		writeJSONError(w, http.StatusServiceUnavailable, "request cancelled")
	default:
		log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSONError(w, http.StatusInternalServerError, err.Error())
	}
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeJSON answers v as JSON with status 200.
func writeJSON(w http.ResponseWriter, v any) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(buf.Bytes())
	return err
}

// decodeJSON decodes exactly one JSON value from r into v, refusing
// unknown fields and trailing data. Errors are 400 for malformed input and
// 413 when r (an http.MaxBytesReader) hit its limit.
func decodeJSON(r io.Reader, v any) error {
	d := json.NewDecoder(r)
	d.DisallowUnknownFields()
	err := d.Decode(v)
	if err == nil {
		var extra json.RawMessage
		if err2 := d.Decode(&extra); err2 != io.EOF {
			if err2 == nil {
				return errorf(http.StatusBadRequest, "malformed JSON: trailing data after the request object")
			}
			err = err2
		}
	}
	if err == nil {
		return nil
	}
	var (
		mb  *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mb):
		return errorf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", mb.Limit)
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "empty request body: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "malformed JSON: unexpected end of the request body")
	case errors.As(err, &se):
		return errorf(http.StatusBadRequest, "malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &ute):
		field := strings.ReplaceAll(ute.Field, "stimulusJSON.", "") // the embedded single-stimulus form
		if field == "" {
			return errorf(http.StatusBadRequest, "the request must be a JSON object, not %s", ute.Value)
		}
		return errorf(http.StatusBadRequest, "field %q: JSON %s where %s was expected", field, ute.Value, jsonKind(ute.Type.Kind().String()))
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errorf(http.StatusBadRequest, "unknown field %s", msg)
	}
	return errorf(http.StatusBadRequest, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind in JSON terms.
func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "float"), strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "a number"
	case k == "bool":
		return "true or false"
	case k == "slice":
		return "an array"
	case k == "string":
		return "a string"
	case k == "struct", k == "ptr":
		return "an object"
	}
	return k
}
