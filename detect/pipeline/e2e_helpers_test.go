package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"go.uber.org/goleak"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/internal/kafkatest"
	"github.com/mcpsoc/mcpsoc/rules"
	"github.com/mcpsoc/mcpsoc/sinks"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		// Re-executed by a test as a group member that can be SIGKILLed.
		os.Exit(runChild())
	}
	goleak.VerifyTestMain(m)
}

const (
	auditTopic = kafka.DefaultTopic           // "mcp.audit"
	dlqTopic   = kafka.DefaultDeadLetterTopic // "mcp.audit.dlq"
	// e2eTimeout bounds every wait for an expected state.
	e2eTimeout = 30 * time.Second
	// rewind is what production computes for testRules (warmupSpan): the
	// sequence's 10m window plus the default 2m allowed lateness.
	rewind = 12 * time.Minute
)

// Rule ids of testRules.
const (
	ruleMatch = "E2E-MATCH-001"
	ruleSeq   = "E2E-SEQ-001"
)

// testRules is a match rule on one tool and a two-step sequence per
// organization and flow: the expected alerts of a set of events are obvious.
const testRules = `
rules:
  - id: E2E-MATCH-001
    name: Destructive tool called
    severity: high
    condition: gen_ai.tool.name == "drop_database"
    reason: "{{ user.id }} called {{ gen_ai.tool.name }}"
  - id: E2E-SEQ-001
    kind: sequence
    name: Secret read, then sent out
    severity: critical
    by: [organization.id, mcp.flow.id]
    within: 10m
    steps:
      - name: read secret
        condition: gen_ai.tool.name == "read_secret"
      - name: send out
        condition: gen_ai.tool.name == "send_email"
`

// Tools of the test events.
const (
	toolMatch  = "drop_database" // raises ruleMatch
	toolStepA  = "read_secret"   // step 1 of ruleSeq
	toolStepB  = "send_email"    // step 2 of ruleSeq
	toolBenign = "list_tables"   // raises nothing; moves the watermark
)

func parseTestRules(t testing.TB) *rules.Set {
	t.Helper()
	set, err := rules.Parse("e2e.yaml", []byte(testRules))
	if err != nil {
		t.Fatalf("parsing the test rules: %v", err)
	}
	return set
}

var testBase = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// ev is one synthetic audit event.
type ev struct {
	id   string
	at   time.Time
	org  string
	flow string
	tool string
}

// json renders the event as a gateway would send it.
func (e ev) json() []byte {
	return fmt.Appendf(nil, `{"@timestamp":%q,"event":{"id":%q,"kind":"event","action":"tools/call"},`+
		`"organization":{"id":%q},"user":{"id":"u-%s"},`+
		`"mcp":{"method":{"name":"tools/call"},"server":{"name":"db"},"flow":{"id":%q}},`+
		`"gen_ai":{"tool":{"name":%q}}}`,
		e.at.Format(time.RFC3339Nano), e.id, e.org, e.org, e.flow, e.tool)
}

// alertKey names an expected alert: its rule and the event that completed
// it (the last evidence event).
func alertKey(rule, trigger string) string { return rule + "/" + trigger }

// scenario builds events and the alerts they must raise. Event times
// increase by 10s per event in the order they are added, so that the events
// of a partition arrive in event-time order whatever the keying does.
type scenario struct {
	prefix string
	clock  time.Time // time of the next event
	n      int
	evs    []ev
	want   []string // alertKeys
	flows  []string // flows in the order of their first event
}

func newScenario(prefix string, start time.Time) *scenario {
	return &scenario{prefix: prefix, clock: start}
}

// add adds a call of tool on flow.
func (s *scenario) add(flow, tool string) ev {
	s.n++
	e := ev{id: fmt.Sprintf("%s-%03d", s.prefix, s.n), at: s.clock, org: "acme", flow: flow, tool: tool}
	s.clock = s.clock.Add(10 * time.Second)
	s.evs = append(s.evs, e)
	if !slices.Contains(s.flows, flow) {
		s.flows = append(s.flows, flow)
	}
	if tool == toolMatch {
		s.want = append(s.want, alertKey(ruleMatch, e.id))
	}
	return e
}

// chain adds step A and then step B of ruleSeq on flow.
func (s *scenario) chain(flow string) (a, b ev) {
	a = s.add(flow, toolStepA)
	b = s.add(flow, toolStepB)
	s.want = append(s.want, alertKey(ruleSeq, b.id))
	return a, b
}

// tick adds, 3 minutes later, a benign call on every flow so far: with the
// default allowed lateness (2m), it moves the watermark of every partition
// past the events before it, so that the sequences they complete are
// raised.
func (s *scenario) tick() {
	s.clock = s.clock.Add(3 * time.Minute)
	for _, f := range s.flows {
		s.add(f, toolBenign)
	}
}

func (s *scenario) values() [][]byte {
	out := make([][]byte, len(s.evs))
	for i, e := range s.evs {
		out[i] = e.json()
	}
	return out
}

// mixed returns a scenario with, per flow, a benign call, a matching call
// and a complete chain, flows interleaved: 4 events and 2 alerts per flow.
func mixed(prefix string, flows int, start time.Time) *scenario {
	s := newScenario(prefix, start)
	flow := func(f int) string { return fmt.Sprintf("acme|%s-flow-%d", prefix, f) }
	for f := range flows {
		s.add(flow(f), toolBenign)
		s.add(flow(f), toolMatch)
	}
	for f := range flows {
		s.chain(flow(f))
	}
	return s
}

// broker is an in-process kfake broker with the audit and dead-letter
// topics, and a client transport for the test's own producing and reading.
type broker struct {
	*kafka.Embedded
	parts int
	tr    *kafkago.Transport
}

func startBroker(t testing.TB, partitions int) *broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	e, err := kafka.StartEmbedded(ctx, kafka.Options{
		Addr:                   "127.0.0.1:0",
		Topics:                 []string{auditTopic, dlqTopic},
		Partitions:             partitions,
		GroupMinSessionTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	b := &broker{Embedded: e, parts: partitions, tr: &kafkago.Transport{}}
	t.Cleanup(func() {
		b.tr.CloseIdleConnections()
		e.Close()
	})
	return b
}

// gatewayMessage keys value by organization.id|mcp.flow.id, as a gateway
// does (and as `mcpsoc run --demo` does), so that a flow stays on one
// partition. A value that does not decode keeps fallbackKey.
func gatewayMessage(value []byte, fallbackKey string) kafkago.Message {
	key := []byte(fallbackKey)
	if e, err := event.Decode(value, event.Limits{}); err == nil {
		key = []byte(e.Organization.ID + "|" + e.MCP.Flow.ID)
	}
	return kafkago.Message{Key: key, Value: value}
}

func (b *broker) writer() *kafkago.Writer {
	return &kafkago.Writer{
		Addr:         kafkago.TCP(b.Addr()),
		Topic:        auditTopic,
		Balancer:     &kafkago.Hash{},
		Transport:    b.tr,
		RequiredAcks: kafkago.RequireAll,
		BatchTimeout: time.Millisecond,
		BatchSize:    1000,
	}
}

// produce writes the values to the audit topic, keyed as a gateway would,
// in order.
func (b *broker) produce(t testing.TB, values ...[]byte) {
	t.Helper()
	msgs := make([]kafkago.Message, len(values))
	for i, v := range values {
		msgs[i] = gatewayMessage(v, "acme|unknown")
	}
	b.produceMessages(t, msgs...)
}

func (b *broker) produceMessages(t testing.TB, msgs ...kafkago.Message) {
	t.Helper()
	w := b.writer()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	if err := kafkatest.Produce(ctx, w, msgs, 1000); err != nil {
		t.Fatal(err)
	}
}

// partitionOf returns the partition the gateway's keying sends flow to.
func (b *broker) partitionOf(flow string) int {
	ps := make([]int, b.parts)
	for i := range ps {
		ps[i] = i
	}
	return (&kafkago.Hash{}).Balance(kafkago.Message{Key: []byte("acme|" + flow)}, ps...)
}

// pos is where a record is.
type pos struct {
	partition int
	offset    int64
}

// topicContent is what a topic holds, read back with kafka-go Readers.
type topicContent struct {
	msgs [][]kafkago.Message // per partition, in offset order
	end  []int64             // next offset per partition
	byID map[string]pos      // event.id → position, for records that decode
}

// read returns every record of topic.
func (b *broker) read(t testing.TB, topic string) topicContent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	tc := topicContent{msgs: make([][]kafkago.Message, b.parts), end: make([]int64, b.parts), byID: map[string]pos{}}
	for p := range b.parts {
		conn, err := kafkago.DialLeader(ctx, "tcp", b.Addr(), topic, p)
		if err != nil {
			t.Fatalf("dialing the leader of %s/%d: %v", topic, p, err)
		}
		first, last, err := conn.ReadOffsets()
		conn.Close()
		if err != nil {
			t.Fatalf("reading the offsets of %s/%d: %v", topic, p, err)
		}
		tc.end[p] = last
		if first == last {
			continue
		}
		r := kafkago.NewReader(kafkago.ReaderConfig{
			Brokers: []string{b.Addr()}, Topic: topic, Partition: p,
			MaxWait: 50 * time.Millisecond, MaxBytes: 16 << 20,
		})
		if err := r.SetOffset(first); err != nil {
			t.Fatal(err)
		}
		for off := first; off < last; off++ {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("reading %s/%d@%d: %v", topic, p, off, err)
			}
			tc.msgs[p] = append(tc.msgs[p], m)
			if e, err := event.Decode(m.Value, event.Limits{}); err == nil {
				tc.byID[e.Event.ID] = pos{p, m.Offset}
			}
		}
		r.Close()
	}
	return tc
}

// committed returns the group's committed offsets of the audit topic, -1
// where there is none.
func (b *broker) committed(t testing.TB, group string) []int64 {
	t.Helper()
	out, err := b.tryCommitted(group)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (b *broker) tryCommitted(group string) ([]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return kafkatest.Committed(ctx, b.Addr(), b.tr, group, auditTopic, b.parts)
}

// waitCommitted waits until the group's committed offsets are want.
func (b *broker) waitCommitted(t testing.TB, group string, want []int64) {
	t.Helper()
	var got []int64
	waitFor(t, func() string { return fmt.Sprintf("committed offsets %v to be %v", got, want) }, func() bool {
		got = b.committed(t, group)
		return sameOffsets(got, want)
	})
}

// sameOffsets compares committed offsets, where -1 (nothing committed)
// equals 0 (the start of an empty partition).
func sameOffsets(got, want []int64) bool {
	return slices.EqualFunc(got, want, func(a, b int64) bool { return max(a, 0) == max(b, 0) })
}

// waitFor polls cond until it holds, or fails the test after e2eTimeout
// with what() as the explanation.
func waitFor(t testing.TB, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(e2eTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func say(s string) func() string { return func() string { return s } }

// accepted is one alert a test sink accepted.
type accepted struct {
	id, rule, trigger string
}

func (a accepted) key() string { return alertKey(a.rule, a.trigger) }

func acceptedOf(a *alert.Alert) accepted {
	ids := a.MCP.Alert.EvidenceEventIDs
	return accepted{id: a.Event.ID, rule: a.Rule.ID, trigger: ids[len(ids)-1]}
}

// testSink records the alerts it accepts. It can be switched to refuse some
// alerts (a *sinks.BatchError), to fail whole writes (a destination that is
// down) or to block until released.
type testSink struct {
	mu       sync.Mutex
	got      []accepted
	refuse   map[string]bool // trigger event ids whose alerts are refused
	down     error
	block    chan struct{}
	delay    time.Duration // each write takes this long: a slow destination
	writes   int           // Write calls that got past block
	failed   int           // writes failed whole
	refused  int           // alerts refused
	blocked  int           // writes that waited on block
	onAccept func(accepted)
}

func newTestSink() *testSink { return &testSink{refuse: map[string]bool{}} }

// retried wraps the sink in sinks.Retry with a tiny backoff, as production
// wraps each sink.
func (s *testSink) retried() sinks.Sink {
	return sinks.Retry(s, sinks.RetryOptions{Name: "test", Backoff: sinks.Backoff{Initial: 2 * time.Millisecond, Max: 20 * time.Millisecond}})
}

func (s *testSink) Write(ctx context.Context, alerts []*alert.Alert) error {
	s.mu.Lock()
	block, delay := s.block, s.delay
	if block != nil {
		s.blocked++
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.down != nil {
		s.failed++
		return s.down
	}
	var be *sinks.BatchError
	for i, a := range alerts {
		acc := acceptedOf(a)
		if s.refuse[acc.trigger] {
			if be == nil {
				be = &sinks.BatchError{Failed: map[int]error{}}
			}
			be.Failed[i] = errors.New("refused by the test")
			s.refused++
			continue
		}
		s.got = append(s.got, acc)
		if s.onAccept != nil {
			s.onAccept(acc)
		}
	}
	if be != nil {
		return be
	}
	return nil
}

func (s *testSink) Close(context.Context) error { return nil }

func (s *testSink) set(f func(s *testSink)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *testSink) snapshot() []accepted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func (s *testSink) counter(f func(s *testSink) int) func() int {
	return func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return f(s)
	}
}

// keys returns the alert keys among got.
func keys(got []accepted) map[string]bool {
	out := make(map[string]bool, len(got))
	for _, a := range got {
		out[a.key()] = true
	}
	return out
}

// alertSet is something that accepted alerts: a testSink, or a child
// process's sink.
type alertSet interface{ snapshot() []accepted }

// waitAlerts waits until every alert of want was accepted by one of sinks.
func waitAlerts(t testing.TB, want []string, sinks ...alertSet) {
	t.Helper()
	var missing []string
	waitFor(t, func() string { return fmt.Sprintf("%d alerts, missing %v", len(want), missing) }, func() bool {
		var all []accepted
		for _, s := range sinks {
			all = append(all, s.snapshot()...)
		}
		have := keys(all)
		missing = missing[:0]
		for _, k := range want {
			if !have[k] {
				missing = append(missing, k)
			}
		}
		return len(missing) == 0
	})
}

// checkExactlyOnce checks that the alerts accepted by all of sinks together
// are exactly want, each accepted once, and that alert ids and alert keys
// correspond one to one.
func checkExactlyOnce(t testing.TB, want []string, sinks ...alertSet) {
	t.Helper()
	if dups := checkAtLeastOnce(t, want, sinks...); dups > 0 {
		t.Errorf("%d alerts accepted more than once, want each once", dups)
	}
}

// checkAtLeastOnce checks that the alerts accepted by all of sinks together
// are want, each at least once, and that alert ids and alert keys
// correspond one to one, so that a sink that takes the id as its
// idempotency key stores each alert once. It reports and returns the number
// of acceptances beyond the first.
func checkAtLeastOnce(t testing.TB, want []string, sinks ...alertSet) (dups int) {
	t.Helper()
	var all []accepted
	for _, s := range sinks {
		all = append(all, s.snapshot()...)
	}
	perID := map[string]int{}
	idKey := map[string]string{}
	keyID := map[string]string{}
	for _, a := range all {
		perID[a.id]++
		if k, ok := idKey[a.id]; ok && k != a.key() {
			t.Errorf("alert id %s accepted for %s and for %s", a.id, k, a.key())
		}
		if id, ok := keyID[a.key()]; ok && id != a.id {
			t.Errorf("alert %s accepted with ids %s and %s", a.key(), id, a.id)
		}
		idKey[a.id], keyID[a.key()] = a.key(), a.id
	}
	for id, n := range perID {
		if n != 1 {
			t.Logf("alert %s (%s) accepted %d times", id, idKey[id], n)
			dups += n - 1
		}
	}
	wantSet := map[string]bool{}
	for _, k := range want {
		wantSet[k] = true
		if keyID[k] == "" {
			t.Errorf("alert %s never accepted", k)
		}
	}
	for k := range keyID {
		if !wantSet[k] {
			t.Errorf("unexpected alert %s accepted", k)
		}
	}
	if len(wantSet) != len(want) {
		t.Fatalf("test bug: duplicate expected alerts in %v", want)
	}
	return dups
}

// sourceConfig is the Kafka Source configuration of the tests: production
// code paths with short timeouts.
func sourceConfig(addr, group string) kafka.Config {
	return kafka.Config{
		Conn:           kafka.Conn{Brokers: []string{addr}},
		GroupID:        group,
		Topics:         []string{auditTopic},
		CommitInterval: 50 * time.Millisecond,
		Rewind:         rewind,
		// Long enough that a loaded machine running -race does not miss a
		// heartbeat window (a spurious rebalance would redeliver).
		SessionTimeout:    6 * time.Second,
		HeartbeatInterval: 300 * time.Millisecond,
		RebalanceTimeout:  6 * time.Second,
		DrainTimeout:      2 * time.Second,
		MaxWait:           100 * time.Millisecond,
		Logger:            testLogger("source"),
	}
}

// pipelineOptions are the Runner options of the tests. lateness is the
// correlation's allowed lateness; negative means none, so that a sequence
// alert is raised on its last step.
func pipelineOptions(lateness time.Duration) pipeline.Options {
	return pipeline.Options{
		Shards:          2,
		BatchSize:       64,
		BatchWait:       5 * time.Millisecond,
		QueueSize:       64,
		ShutdownTimeout: 5 * time.Second,
		Engine:          detect.Options{Correlate: correlate.Options{AllowedLateness: lateness}},
		Logger:          testLogger("pipeline"),
	}
}

// testLogger logs to stderr when MCPSOC_TEST_LOG is set.
func testLogger(component string) *slog.Logger {
	if os.Getenv("MCPSOC_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", component, "pid", os.Getpid())
}

// member is one pipeline process's worth of parts: a Kafka Source in a
// group, a Runner and its sink.
type member struct {
	src    *kafka.Source
	run    *pipeline.Runner
	sink   *testSink
	cancel context.CancelFunc
	done   chan error

	stopOnce sync.Once
	runErr   error
}

// startMember starts a member of group. cfg and opts may be changed by mod
// before anything starts.
func startMember(t testing.TB, b *broker, group string, sink *testSink, lateness time.Duration, mod func(*kafka.Config, *pipeline.Options)) *member {
	t.Helper()
	cfg := sourceConfig(b.Addr(), group)
	opts := pipelineOptions(lateness)
	if mod != nil {
		mod(&cfg, &opts)
	}
	src, err := kafka.New(cfg)
	if err != nil {
		t.Fatalf("kafka.New: %v", err)
	}
	m := &member{src: src, sink: sink, done: make(chan error, 1)}
	m.run = pipeline.New(src, parseTestRules(t), sink.retried(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() { m.done <- m.run.Run(ctx) }()
	t.Cleanup(func() { m.stop(t) })
	return m
}

// stop shuts the member down as `mcpsoc run` does on SIGTERM: it cancels
// the Runner's context, waits for Run to return and closes the source (the
// final commit and the LeaveGroup). It returns Run's error.
func (m *member) stop(t testing.TB) error {
	t.Helper()
	m.stopOnce.Do(func() {
		m.cancel()
		select {
		case m.runErr = <-m.done:
		case <-time.After(e2eTimeout):
			t.Errorf("Run did not return within %v of its context's end", e2eTimeout)
		}
		ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
		defer cancel()
		if err := m.src.Close(ctx); err != nil {
			t.Errorf("closing the source: %v", err)
		}
	})
	return m.runErr
}

// owned returns the partitions the member's source owns now.
func (m *member) owned() []int {
	var ps []int
	for _, p := range m.src.Stats().Partitions {
		ps = append(ps, p.Partition)
	}
	return ps
}

// checkRunning fails the test if Run has returned.
func (m *member) checkRunning(t testing.TB) {
	t.Helper()
	select {
	case err := <-m.done:
		m.done <- err
		t.Fatalf("Run returned early: %v", err)
	default:
	}
}

// commitGuard checks, in the background, the at-least-once invariant of the
// pipeline: at every moment, the committed offset of a partition is at or
// below the first record of that partition whose alert the sink has not
// accepted yet.
type commitGuard struct {
	t     testing.TB
	b     *broker
	group string
	sink  *testSink

	mu      sync.Mutex
	pending map[string]pos // alert key → position of its trigger record
	samples int

	stop chan struct{}
	done chan struct{}
}

func guardCommits(t testing.TB, b *broker, group string, sink *testSink) *commitGuard {
	g := &commitGuard{t: t, b: b, group: group, sink: sink, pending: map[string]pos{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	t.Cleanup(g.close)
	return g
}

// expect registers the alerts of want, whose trigger records are in tc.
func (g *commitGuard) expect(want []string, tc topicContent) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range want {
		_, trigger, _ := strings.Cut(k, "/")
		p, ok := tc.byID[trigger]
		if !ok {
			g.t.Errorf("test bug: no record for %s", k)
			continue
		}
		g.pending[k] = p
	}
}

// check samples once; it reports the committed offsets and the bound.
func (g *commitGuard) check() (committed, bound []int64) {
	// Read the commits first: an alert not accepted now was not accepted
	// when they were read either.
	committed, err := g.b.tryCommitted(g.group)
	if err != nil {
		g.t.Errorf("commit guard: %v", err)
		return nil, nil
	}
	have := keys(g.sink.snapshot())
	g.mu.Lock()
	defer g.mu.Unlock()
	g.samples++
	bound = slices.Repeat([]int64{1 << 62}, g.b.parts)
	for k, p := range g.pending {
		if have[k] {
			delete(g.pending, k) // accepted for good
			continue
		}
		bound[p.partition] = min(bound[p.partition], p.offset)
	}
	for p := range committed {
		if committed[p] > bound[p] {
			g.t.Errorf("partition %d committed at %d, past record %d whose alert is not accepted", p, committed[p], bound[p])
		}
	}
	return committed, bound
}

func (g *commitGuard) loop() {
	defer close(g.done)
	for {
		select {
		case <-g.stop:
			return
		case <-time.After(5 * time.Millisecond):
			g.check()
		}
	}
}

func (g *commitGuard) close() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	<-g.done
}

func (g *commitGuard) sampled() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.samples
}
