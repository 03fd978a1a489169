package controller

import (
	"crypto/tls"
	"net"
	"strconv"

	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

// serverPortOffset moves each instance's PostgreSQL server off the
// endpoint port: the instance's wire front (package wfront) owns
// host:port, the address its endpoint names resolve to, and the server
// listens on host:port+serverPortOffset. Replication, the controller's
// own connections and WAN links use the server's address.
const serverPortOffset = 10000

// serverPort is the port an instance's server listens on, for the
// endpoint port the model gave the instance.
func serverPort(endpointPort int) int { return endpointPort + serverPortOffset }

// syncFront keeps the instance's wire front listening exactly while its
// server runs, so that connecting to the endpoint fails when the server
// is down (a TCP health check sees the instance down, as on RDS).
func (a *actor) syncFront(spec rds.Node) {
	if a.proc == nil {
		a.closeFront()
		return
	}
	if a.front != nil {
		return
	}
	f, err := wfront.Start(wfront.Config{
		Listen: net.JoinHostPort(spec.Host, strconv.Itoa(spec.Port)),
		Local:  net.JoinHostPort(spec.Host, strconv.Itoa(serverPort(spec.Port))),
		Policy: a.frontPolicy,
		Cert:   a.frontCert,
		Dial:   a.c.cfg.Dial,
		Admin:  a.c.cfg.FrontAdmin,
		Logger: a.log.With("component", "front"),
	})
	if err != nil {
		a.log.Warn("start the instance's wire front", "err", err)
		return
	}
	a.front = f
}

func (a *actor) closeFront() {
	if a.front == nil {
		return
	}
	if err := a.front.Close(); err != nil {
		a.log.Debug("close wire front", "err", err)
	}
	a.front = nil
}

// frontPolicy is the instance's write forwarding policy, read by its
// front for each new connection.
func (a *actor) frontPolicy() wfront.Policy {
	return wfront.Policy{}
}

// frontCert is the instance's current server certificate.
func (a *actor) frontCert() *tls.Certificate {
	a.mu.Lock()
	cert := a.frontTLS
	a.mu.Unlock()
	return cert
}
