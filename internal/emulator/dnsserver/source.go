// Package dnsserver is the emulator's authoritative DNS server. It serves the
// names of emulated endpoints (RDS cluster and instance endpoints now, Route
// 53 hosted zones later) on UDP and TCP so that real clients resolve them.
//
// Answer selection is kept apart from sockets, in the style of CoreDNS: a
// Source turns a question into a Result with no I/O (Table is the in-memory
// Source), and Server only decodes queries, asks its Sources in order and
// writes replies (EDNS0, truncation, the AA flag, REFUSED).
//
//	client ──UDP/TCP──▶ Server ──Question──▶ Source.Answer ──Result──▶ Server ──reply──▶ client
package dnsserver

import (
	"net"

	"github.com/miekg/dns"
)

// Source answers questions for the zones it is authoritative for.
//
// Answer must be pure and fast: no I/O, no blocking beyond short locks, safe
// for concurrent use. It returns false when it is not authoritative for
// q.Name; the Server then asks the next Source, and replies REFUSED when no
// Source is authoritative. A true answer is sent with the AA flag set.
type Source interface {
	Answer(q dns.Question) (Result, bool)
}

// ClientSource is a Source whose answers depend on who asks (Route 53
// latency routing picks by the client's region). The Server calls
// AnswerFrom instead of Answer when a Source implements it.
type ClientSource interface {
	Source
	AnswerFrom(q dns.Question, client net.IP) (Result, bool)
}

// Result is an authoritative answer to one question.
type Result struct {
	// Rcode is the DNS response code, e.g. dns.RcodeSuccess or dns.RcodeNameError.
	Rcode int
	// Answer, Ns and Extra are the answer, authority and additional sections.
	// The Server does not modify the records; a Source must not modify them
	// after returning them.
	Answer, Ns, Extra []dns.RR
}
