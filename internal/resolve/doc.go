// Package resolve resolves DNS names the way a client would and reports
// what it saw, for `globaldb verify` and `globaldb status`.
//
// A Resolver asks one of three kinds of target:
//
//	Server(addr)          one DNS server, recursion desired (the emulator's
//	                      DNS server, or any recursive resolver)
//	System()              the host's resolver (net.DefaultResolver)
//	Authoritative(zone,   a zone's own name servers, no recursion, for names
//	  nameservers,        inside the zone, so a Route 53 hosted zone can be
//	  fallback)           checked before it is delegated; names outside the
//	                      zone go to fallback
//
// For the seed name of a topology the chain crosses resolvers:
//
//	seed.globaldb.example.com  --CNAME-->  writer endpoint  --A-->  address
//	\________ Authoritative: zone's name servers ________/ \__ fallback __/
//
// Server and Authoritative treat every name as fully qualified (no search
// domains) and report each CNAME hop with its TTL. System reports only the
// addresses: the host resolver does not show the chain.
package resolve
