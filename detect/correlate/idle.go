package correlate

// Idle releases every buffered event as if the allowed lateness had passed
// and closes the windows that end before the newest event time seen. A live
// pipeline calls it when a stream has been quiet for a while (by the wall
// clock), so that its last events are not held back until more traffic
// arrives: event time alone cannot tell a quiet stream from a slow one. The
// watermark moves up to the newest event time seen, so an event older than
// that arriving later is late (docs/correlation.md). Windows still open at
// that time stay open.
func (c *Correlator) Idle(emit func(Match)) {
	if !c.started || c.wm >= c.maxSeen {
		return
	}
	c.wm = c.maxSeen
	c.release(emit)
}
