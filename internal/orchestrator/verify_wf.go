package orchestrator

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// forwardingRegions are the secondaries whose cluster reports global write
// forwarding enabled: verify writes through their reader endpoints
// instead of expecting the writes refused.
func forwardingRegions(w *World, views []regionView, writer string) map[string]bool {
	out := map[string]bool{}
	for _, rv := range views {
		c := w.Clusters[rv.region]
		if rv.region == writer || rv.role != "secondary" || c == nil {
			continue
		}
		if c.GlobalWriteForwardingStatus == rdstypes.WriteForwardingStatusEnabled && aws.ToBool(c.GlobalWriteForwardingRequested) {
			out[rv.region] = true
		}
	}
	return out
}

// forwardedRowID marks a verify row written through region's reader
// endpoint; unique per call.
func forwardedRowID(region string, now time.Time) string {
	return "wf-" + region + "-" + strconv.FormatInt(now.UnixNano(), 36)
}

// forwardedWrite writes a uniquely marked row into globaldb_canary through
// region rv's reader endpoint with consistency_mode session, reads it back
// on the same connection (read-your-writes: no waiting, SESSION waits for
// the writer's commit to replay) and checks on the writer's cluster
// endpoint that it arrived. Call after the canary created the table.
func (v *verifier) forwardedWrite(ctx context.Context, rv regionView) Check {
	c := Check{Name: "forwarded write through the reader endpoint (session consistency)", Region: rv.region, Target: fmt.Sprintf("%s:%d", rv.reader, rv.port)}
	pv := v.view(v.writer)
	if rv.reader == "" || pv.cluster == "" {
		c.Target = ""
		return c.fail("reader endpoint of %s or cluster endpoint of the writer region unknown", rv.region)
	}
	db, err := openDB(ctx, v.t, v.res, v.trust, rv.reader, rv.port)
	if err != nil {
		return c.fail("%v", err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	if _, err := db.Exec(ctx, `SET apg_write_forward.consistency_mode = 'session'`); err != nil {
		return c.fail("set consistency mode: %v", err)
	}
	id := forwardedRowID(rv.region, time.Now())
	sent := time.Now()
	if _, err := db.Exec(ctx, `INSERT INTO globaldb_canary (id) VALUES ($1)`, id); err != nil {
		return c.fail("forwarded insert of row %s: %v", id, err)
	}
	wrote := time.Since(sent)
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary WHERE id = $1`, id).Scan(&n); err != nil {
		return c.fail("read back row %s: %v", id, err)
	}
	if n != 1 {
		return c.fail("row %s not visible on the same session right after its forwarded insert (session consistency promises read-your-writes)", id)
	}
	w, err := openDB(ctx, v.t, v.res, v.trust, pv.cluster, pv.port)
	if err != nil {
		return c.fail("row %s read back; the writer: %v", id, err)
	}
	defer w.Close(context.WithoutCancel(ctx))
	if err := w.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary WHERE id = $1`, id).Scan(&n); err != nil {
		return c.fail("row %s read back; on the writer: %v", id, err)
	}
	if n != 1 {
		return c.fail("row %s read back on %s but absent on the writer in %s", id, rv.region, v.writer)
	}
	return c.pass("row %s forwarded in %.1f ms, read back on the same session, present on the writer in %s", id, durationMS(wrote), v.writer)
}
