package wfront

import (
	"github.com/jackc/pgx/v5/pgproto3"
)

// pending is an extended-protocol message held until Sync.
type pending struct {
	raw []byte
}

// prepared is a protocol-level prepared statement.
type prepared struct{}

func (s *session) enqueue(m pgproto3.FrontendMessage) {
	raw, _ := m.Encode(nil)
	s.batch = append(s.batch, pending{raw: raw})
}

func (s *session) sync() error {
	s.checkIdle()
	for _, p := range s.batch {
		s.local.out = append(s.local.out, p.raw...)
	}
	s.batch = s.batch[:0]
	s.local.send(&pgproto3.Sync{})
	if err := s.local.flush(); err != nil {
		return err
	}
	if _, err := s.drain(s.local, true, nil); err != nil {
		return err
	}
	return s.ready()
}
