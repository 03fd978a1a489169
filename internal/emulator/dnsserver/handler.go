package dnsserver

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// serveDNS answers one query: it picks the Source, builds the reply with
// reply and writes it.
func (s *Server) serveDNS(w dns.ResponseWriter, r *dns.Msg) {
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	m := s.reply(r, udp, clientIP(w.RemoteAddr()))
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
func (s *Server) reply(r *dns.Msg, udp bool, client net.IP) *dns.Msg {
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
		s.answer(m, r.Question[0], client)
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

// answer fills m from the first Source authoritative for q. When the
// answer ends in a CNAME to a name another Source serves (a Route 53
// record aimed at an RDS endpoint), the chain is followed there, as the
// recursive resolver a client uses would.
func (s *Server) answer(m *dns.Msg, q dns.Question, client net.IP) {
	res, ok := s.ask(q, client)
	if !ok {
		m.Rcode = dns.RcodeRefused
		s.logger.Debug("dns refused", "name", q.Name, "type", dns.TypeToString[q.Qtype])
		return
	}
	m.Authoritative = true
	m.Rcode = res.Rcode
	m.Answer, m.Ns = res.Answer, res.Ns
	m.Extra = append([]dns.RR(nil), res.Extra...) // the OPT is appended later
	for hop := 0; hop < 8 && q.Qtype != dns.TypeCNAME && res.Rcode == dns.RcodeSuccess; hop++ {
		target := danglingCNAME(m.Answer)
		if target == "" {
			break
		}
		next, ok := s.ask(dns.Question{Name: target, Qtype: q.Qtype, Qclass: q.Qclass}, client)
		if !ok {
			break
		}
		m.Answer = append(append([]dns.RR(nil), m.Answer...), next.Answer...)
		if next.Rcode != dns.RcodeSuccess {
			m.Rcode = next.Rcode
		}
		res = next
	}
	s.logger.Debug("dns answer", "name", q.Name, "type", dns.TypeToString[q.Qtype],
		"rcode", dns.RcodeToString[m.Rcode], "answers", len(m.Answer))
}

func (s *Server) ask(q dns.Question, client net.IP) (Result, bool) {
	for _, src := range s.sources {
		var res Result
		var ok bool
		if cs, isClient := src.(ClientSource); isClient {
			res, ok = cs.AnswerFrom(q, client)
		} else {
			res, ok = src.Answer(q)
		}
		if ok {
			return res, true
		}
	}
	return Result{}, false
}

// danglingCNAME returns the target of the answer's last CNAME when no
// record in the answer is owned by that target.
func danglingCNAME(rrs []dns.RR) string {
	var target string
	for _, rr := range rrs {
		if c, ok := rr.(*dns.CNAME); ok {
			target = c.Target
		}
	}
	if target == "" {
		return ""
	}
	for _, rr := range rrs {
		if strings.EqualFold(rr.Header().Name, target) {
			return ""
		}
	}
	return target
}

func clientIP(a net.Addr) net.IP {
	switch v := a.(type) {
	case *net.UDPAddr:
		return v.IP
	case *net.TCPAddr:
		return v.IP
	}
	return nil
}
