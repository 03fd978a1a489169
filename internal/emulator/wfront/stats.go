package wfront

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Stats are a front's write forwarding counters since it started, the
// raw material of the CloudWatch metrics Aurora publishes for a
// forwarding replica (rates and averages are computed by the reader).
type Stats struct {
	// DMLStatements counts forwarded DML statements
	// (AuroraForwardingReplicaDMLThroughput).
	DMLStatements int64
	// Commits counts forwarded commits, explicit or autocommit
	// (AuroraForwardingReplicaCommitThroughput).
	Commits int64
	// DMLLatencySum / DMLLatencyCount give the mean time of forwarded
	// requests carrying DML, round trip to the writer included
	// (AuroraForwardingReplicaDMLLatency).
	DMLLatencySum   time.Duration
	DMLLatencyCount int64
	// ReadWaitSum / ReadWaitCount give the mean time reads waited for
	// SESSION or GLOBAL consistency
	// (AuroraForwardingReplicaReadWaitLatency).
	ReadWaitSum   time.Duration
	ReadWaitCount int64
	// OpenSessions is the number of forwarding sessions open on the
	// writer now (AuroraForwardingReplicaOpenSessions).
	OpenSessions int64
	// TotalSessions counts the forwarding sessions opened on the writer
	// (the forwarder's share of AuroraForwardingWriterTotalSessions).
	TotalSessions int64
	// SessionsLimitErrors counts statements refused because
	// MaxForwardingConns was reached
	// (AuroraForwardingReplicaErrorSessionsLimit).
	SessionsLimitErrors int64
}

// Stats returns the front's write forwarding counters.
func (f *Front) Stats() Stats {
	c := &f.fw.stats
	return Stats{
		DMLStatements: c.dmlN.Load(), Commits: c.commits.Load(),
		DMLLatencySum: time.Duration(c.dmlNanos.Load()), DMLLatencyCount: c.dmlReqs.Load(),
		ReadWaitSum: time.Duration(c.waitNanos.Load()), ReadWaitCount: c.waits.Load(),
		OpenSessions: f.fw.open.Load(), TotalSessions: c.sessions.Load(), SessionsLimitErrors: c.limited.Load(),
	}
}

type counters struct {
	dmlN, commits, dmlNanos, dmlReqs, waitNanos, waits, limited, sessions atomic.Int64
}

func (c *counters) dml(n int, d time.Duration) {
	if n == 0 {
		return
	}
	c.dmlN.Add(int64(n))
	c.dmlReqs.Add(1)
	c.dmlNanos.Add(int64(d))
}

func (c *counters) readWait(d time.Duration) {
	c.waits.Add(1)
	c.waitNanos.Add(int64(d))
}

// fwState is what a front's forwarding sessions share.
type fwState struct {
	stats  counters
	open   atomic.Int64
	poller replayPoller

	mu       sync.Mutex
	lsnAddr  string
	lsnPool  []*pgconn.PgConn
	sessions map[string]*session // by the local server's cancel key (pid, secret)
}

// cancelKey cancels a statement running in a forwarding session.
type cancelKey struct {
	addr   string
	pid    uint32
	secret []byte
}

func keyOf(k *pgproto3.BackendKeyData) string {
	if k == nil {
		return ""
	}
	return string(binary.BigEndian.AppendUint32(nil, k.ProcessID)) + string(k.SecretKey)
}

func (s *fwState) register(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = map[string]*session{}
	}
	s.sessions[keyOf(ss.key)] = ss
}

func (s *fwState) unregister(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[keyOf(ss.key)] == ss {
		delete(s.sessions, keyOf(ss.key))
	}
}

// writerKey returns the cancel key of the forwarding session of the
// client session whose local key is key, nil if it has none.
func (s *fwState) writerKey(key string) *cancelKey {
	s.mu.Lock()
	ss := s.sessions[key]
	s.mu.Unlock()
	if ss == nil {
		return nil
	}
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	if ss.writer == nil {
		return nil
	}
	return ss.wkey
}

// acquire counts a new forwarding session unless max (>0) are open.
func (s *fwState) acquire(max int) bool {
	for {
		n := s.open.Load()
		if max > 0 && n >= int64(max) {
			s.stats.limited.Add(1)
			return false
		}
		if s.open.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (s *fwState) release() { s.open.Add(-1) }

const lsnPoolSize = 4

func (s *fwState) takeLSNConn(addr string) *pgconn.PgConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lsnAddr != addr || len(s.lsnPool) == 0 {
		return nil
	}
	c := s.lsnPool[len(s.lsnPool)-1]
	s.lsnPool = s.lsnPool[:len(s.lsnPool)-1]
	return c
}

func (s *fwState) putLSNConn(addr string, c *pgconn.PgConn) {
	s.mu.Lock()
	if s.lsnAddr != addr {
		for _, old := range s.lsnPool {
			old.Close(context.Background())
		}
		s.lsnPool, s.lsnAddr = nil, addr
	}
	if len(s.lsnPool) < lsnPoolSize {
		s.lsnPool = append(s.lsnPool, c)
		c = nil
	}
	s.mu.Unlock()
	if c != nil {
		c.Close(context.Background())
	}
}

// closeShared closes the pooled writer connections (at Close).
func (s *fwState) closeShared() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.lsnPool {
		c.Close(context.Background())
	}
	s.lsnPool = nil
}
