package wfront

import (
	"net"
)

// forward serves a client of an instance that forwards writes: the front
// speaks the protocol itself (session.go), runs reads on the local
// replica and forwards writes to the writer (writer.go).
func (f *Front) forward(c net.Conn) {
	s, err := f.startup(c)
	if err != nil {
		f.log.Debug("front: forwarding session startup", "err", err)
		return
	}
	defer s.close()
	if err := s.serve(); err != nil {
		f.log.Debug("front: forwarding session ended", "err", err)
	}
}
