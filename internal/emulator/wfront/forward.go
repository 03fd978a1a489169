package wfront

import "net"

// forward serves a client of an instance that forwards writes: the front
// speaks the protocol itself, runs reads on the local replica and
// forwards writes to the writer. Until that lands it relays, so the
// replica itself refuses writes (SQLSTATE 25006).
func (f *Front) forward(c net.Conn) {
	f.relay(c)
}
