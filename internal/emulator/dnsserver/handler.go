package dnsserver

import (
	"net"

	"github.com/miekg/dns"
)

// serveDNS answers one query: it picks the Source, builds the reply with
// reply and writes it.
func (s *Server) serveDNS(w dns.ResponseWriter, r *dns.Msg) {
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	m := s.reply(r, udp)
	if err := w.WriteMsg(m); err != nil {
		s.logger.Warn("write dns reply", "remote", w.RemoteAddr().String(), "error", err)
	}
}

// reply builds the response to r. It is pure apart from calling the Sources.
// Rules: one question per query (else FORMERR); opcode QUERY only (else
// NOTIMP); EDNS version 0 only (else BADVERS); the first authoritative Source
// answers with AA set, REFUSED when none is; an OPT record with UDPSize is
// echoed when the query had one; UDP replies that do not fit the client's
// buffer (512 without EDNS0, min(its size, UDPSize) with) are truncated with TC.
func (s *Server) reply(r *dns.Msg, udp bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = false
	opt := r.IsEdns0()
	switch {
	case r.Opcode != dns.OpcodeQuery:
		m.SetRcode(r, dns.RcodeNotImplemented)
	case len(r.Question) != 1:
		m.SetRcode(r, dns.RcodeFormatError)
	case opt != nil && opt.Version() != 0:
		m.SetRcode(r, dns.RcodeBadVers)
	default:
		s.answer(m, r.Question[0])
	}
	size := dns.MaxMsgSize
	if opt != nil {
		m.SetEdns0(UDPSize, false) // Pack moves an extended rcode (BADVERS) into it
		if udp {
			size = max(dns.MinMsgSize, min(int(opt.UDPSize()), UDPSize))
		}
	} else if udp {
		size = dns.MinMsgSize
	}
	m.Truncate(size)
	return m
}

// answer fills m from the first Source authoritative for q.
func (s *Server) answer(m *dns.Msg, q dns.Question) {
	for _, src := range s.sources {
		res, ok := src.Answer(q)
		if !ok {
			continue
		}
		m.Authoritative = true
		m.Rcode = res.Rcode
		m.Answer, m.Ns = res.Answer, res.Ns
		m.Extra = append([]dns.RR(nil), res.Extra...) // the OPT is appended later
		s.logger.Debug("dns answer", "name", q.Name, "type", dns.TypeToString[q.Qtype],
			"rcode", dns.RcodeToString[res.Rcode], "answers", len(res.Answer))
		return
	}
	m.Rcode = dns.RcodeRefused
	s.logger.Debug("dns refused", "name", q.Name, "type", dns.TypeToString[q.Qtype])
}
