package decide

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Record is one decision as the controller logs it (at debug level, the
// JSON in the "decision" attribute): the spec and snapshot it was made
// from and the actions that came out. Replay re-runs it offline.
type Record struct {
	Spec     Spec     `json:"spec"`
	Snapshot Snapshot `json:"snapshot"`
	// Instance is the instance the decision was for; "" for all.
	Instance string   `json:"instance,omitempty"`
	Actions  []Action `json:"actions"`
}

// NewRecord decides for instance (every instance when "") and returns the
// record of it.
func NewRecord(spec Spec, snap Snapshot, instance string) Record {
	r := Record{Spec: spec, Snapshot: snap, Instance: instance}
	if instance == "" {
		r.Actions = Decide(spec, snap)
	} else {
		r.Actions = For(spec, snap, instance)
	}
	return r
}

// String renders the record as one line of JSON.
func (r Record) String() string {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprintf("decide.Record: %v", err)
	}
	return string(b)
}

// ParseRecord reads a record rendered by String.
func ParseRecord(data []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("parse decision record: %w", err)
	}
	return r, nil
}

// LogKey is the log attribute that carries a decision record.
const LogKey = "decision"

// FromLogLine reads the record of one log line of the controller's debug
// log, in slog's JSON or text form (`globaldb emulator --log-format …`),
// or a bare record.
func FromLogLine(line []byte) (Record, error) {
	line = bytes.TrimSpace(line)
	if bytes.HasPrefix(line, []byte("{")) {
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(line, &attrs); err != nil {
			return Record{}, fmt.Errorf("parse log line: %w", err)
		}
		raw, ok := attrs[LogKey]
		if !ok {
			return ParseRecord(line)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return Record{}, fmt.Errorf("parse log line: %s: %w", LogKey, err)
		}
		return ParseRecord([]byte(s))
	}
	_, rest, ok := bytes.Cut(line, []byte(" "+LogKey+"="))
	if !ok {
		return Record{}, errors.New("parse log line: no " + LogKey + " attribute")
	}
	q, err := strconv.QuotedPrefix(string(rest))
	if err != nil {
		return Record{}, fmt.Errorf("parse log line: %s: %w", LogKey, err)
	}
	s, err := strconv.Unquote(q)
	if err != nil {
		return Record{}, fmt.Errorf("parse log line: %s: %w", LogKey, err)
	}
	return ParseRecord([]byte(s))
}

// Replay decides again from the record's spec and snapshot, and reports
// whether the actions are the ones recorded.
func (r Record) Replay() ([]Action, bool) {
	again := NewRecord(r.Spec, r.Snapshot, r.Instance).Actions
	return again, slices.EqualFunc(again, r.Actions, equalAction)
}

func equalAction(a, b Action) bool {
	return a.Kind == b.Kind && a.Node == b.Node && a.Rule == b.Rule && a.From == b.From && a.To == b.To &&
		a.Slot == b.Slot && slices.Equal(a.Names, b.Names) && a.Crash == b.Crash && a.Reason == b.Reason
}
