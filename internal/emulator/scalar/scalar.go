// Package scalar parses the text form of a botocore scalar shape (boolean,
// integer, long, double, float, timestamp, blob, string) as the Query and
// REST-XML codecs both receive it: one parser, so the two protocols accept
// the same values.
package scalar

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// Parse parses s as shape's type: bool, int64 (range-checked to 32 bits
// for "integer"), float64 (also Infinity, -Infinity, NaN), time.Time (see
// ParseTimestamp), a blob's base64-decoded bytes as a string; any other
// type is s itself.
func Parse(shape *awsmodel.Shape, s string) (any, error) {
	switch shape.Type {
	case "boolean":
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("parse boolean %q", s)
	case "integer", "long":
		bits := 64
		if shape.Type == "integer" {
			bits = 32
		}
		return strconv.ParseInt(s, 10, bits)
	case "double", "float":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		return f, nil
	case "timestamp":
		return ParseTimestamp(s)
	case "blob":
		b, err := base64.StdEncoding.DecodeString(s)
		return string(b), err
	}
	return s, nil
}

var timestampLayouts = []string{
	time.RFC3339Nano,                // 2026-01-02T15:04:05.123Z, with offset
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
	http.TimeFormat, // REST headers
	time.RFC1123,
	time.RFC1123Z,
}

// maxEpochSeconds bounds epoch-second timestamps: beyond it the value
// cannot be an intended time (and time.Unix would overflow its fraction).
const maxEpochSeconds = 1e15

// ParseTimestamp accepts ISO 8601 date-times (what botocore and the Go SDK
// send), HTTP dates and, leniently, epoch seconds within ±1e15.
func ParseTimestamp(s string) (time.Time, error) {
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < maxEpochSeconds {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("parse timestamp %q", s)
}
