package kafka

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Defaults applied to the zero values of Config.
const (
	DefaultGroupID           = "mcpsoc"
	DefaultTopic             = "mcp.audit"
	DefaultClientID          = "mcpsoc"
	DefaultMaxInFlight       = 4096
	DefaultCommitInterval    = time.Second
	DefaultSessionTimeout    = 30 * time.Second
	DefaultHeartbeatInterval = 3 * time.Second
	DefaultRebalanceTimeout  = 30 * time.Second
	DefaultDrainTimeout      = 5 * time.Second
	DefaultMinBytes          = 1
	DefaultMaxBytes          = 4 << 20
	DefaultMaxWait           = 500 * time.Millisecond
	DefaultDialTimeout       = 10 * time.Second
)

// Where a partition without a committed offset starts.
const (
	// StartFirst reads a partition without a committed offset from its
	// oldest record still retained. It is the default: nothing produced
	// before the first start of mcpsoc is skipped.
	StartFirst = "first"
	// StartLast reads only records produced after the assignment.
	StartLast = "last"
)

// SASL mechanisms accepted in SASL.Mechanism.
const (
	SASLPlain       = "plain"
	SASLScramSHA256 = "scram-sha-256"
	SASLScramSHA512 = "scram-sha-512"
)

// SASL holds the credentials for SASL authentication. The zero value means
// no authentication.
type SASL struct {
	// Mechanism is "plain", "scram-sha-256" or "scram-sha-512" (any case);
	// empty disables SASL. PLAIN sends the password as it is: use it only
	// with TLS.
	Mechanism string
	// Username and Password are the credentials; both are required when
	// Mechanism is set.
	Username string
	Password string
}

// Enabled reports whether a mechanism is set.
func (s SASL) Enabled() bool { return s.Mechanism != "" }

// mechanism returns the kafka-go SASL mechanism for s, nil when SASL is
// disabled.
func (s SASL) mechanism() (sasl.Mechanism, error) {
	if s.Mechanism == "" {
		if s.Username != "" || s.Password != "" {
			return nil, errors.New("sasl: credentials given without a mechanism")
		}
		return nil, nil
	}
	if s.Username == "" || s.Password == "" {
		return nil, fmt.Errorf("sasl %s: username and password are required", s.Mechanism)
	}
	switch strings.ToLower(s.Mechanism) {
	case SASLPlain:
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case SASLScramSHA256, SASLScramSHA512:
		algo := scram.SHA256
		if strings.EqualFold(s.Mechanism, SASLScramSHA512) {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, s.Username, s.Password)
		if err != nil {
			return nil, fmt.Errorf("sasl %s: %w", s.Mechanism, err)
		}
		return m, nil
	default:
		return nil, fmt.Errorf("sasl: unknown mechanism %q (want %s, %s or %s)",
			s.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512)
	}
}

// Conn holds what every connection to the cluster needs: the Source, the
// dead-letter writer and tools share it.
type Conn struct {
	// Brokers lists bootstrap brokers as host:port. Required.
	Brokers []string
	// ClientID names this client in broker logs and quotas. Default
	// "mcpsoc".
	ClientID string
	// TLS, when not nil, makes every connection use TLS with this
	// configuration.
	TLS *tls.Config
	// SASL authenticates every connection when its Mechanism is set.
	SASL SASL
	// DialTimeout bounds opening a connection, TLS and SASL included.
	// Default 10s.
	DialTimeout time.Duration
}

// Validate reports the first problem with c.
func (c Conn) Validate() error {
	_, err := c.validate()
	return err
}

// validate reports the first problem with c, or returns its SASL
// mechanism (nil when SASL is disabled).
func (c Conn) validate() (sasl.Mechanism, error) {
	if len(c.Brokers) == 0 {
		return nil, errors.New("no brokers")
	}
	for _, b := range c.Brokers {
		if strings.TrimSpace(b) == "" {
			return nil, errors.New("empty broker address")
		}
	}
	if c.DialTimeout < 0 {
		return nil, fmt.Errorf("negative dial timeout %v", c.DialTimeout)
	}
	return c.SASL.mechanism()
}

// Dialer returns a kafka-go Dialer for c, for Conn-level and consumer-group
// connections.
func (c Conn) Dialer() (*kafkago.Dialer, error) {
	m, err := c.validate()
	if err != nil {
		return nil, err
	}
	return &kafkago.Dialer{
		ClientID:      cmp.Or(c.ClientID, DefaultClientID),
		Timeout:       cmp.Or(c.DialTimeout, DefaultDialTimeout),
		DualStack:     true,
		TLS:           c.TLS,
		SASLMechanism: m,
	}, nil
}

// Transport returns a kafka-go Transport for c, for Writer and Client. The
// caller owns it and should call CloseIdleConnections when done.
func (c Conn) Transport() (*kafkago.Transport, error) {
	m, err := c.validate()
	if err != nil {
		return nil, err
	}
	return &kafkago.Transport{
		ClientID:    cmp.Or(c.ClientID, DefaultClientID),
		DialTimeout: cmp.Or(c.DialTimeout, DefaultDialTimeout),
		TLS:         c.TLS,
		SASL:        m,
	}, nil
}

// Config configures a Source. The zero value of each field means the
// documented default; only Conn.Brokers is required.
type Config struct {
	Conn

	// GroupID is the consumer group. Default "mcpsoc".
	GroupID string
	// Topics to consume. Default ["mcp.audit"].
	Topics []string

	// MaxInFlight is the number of records per partition handed out and
	// not yet committable (unacknowledged, or acknowledged behind one that
	// is not) after which fetching that partition pauses until
	// acknowledgements catch up. It bounds memory and what a crash
	// redelivers. Default 4096.
	MaxInFlight int
	// CommitInterval is how often acknowledged offsets are committed.
	// Offsets are also committed when a generation ends and on Close.
	// Default 1s.
	CommitInterval time.Duration
	// DrainTimeout is how long an assignment that is ending (a rebalance or
	// Close) waits for records already handed out to be acknowledged before
	// its final commit. What is still unacknowledged then is redelivered to
	// the next owner. Default 5s; negative means no wait. It is capped at
	// half of RebalanceTimeout.
	DrainTimeout time.Duration

	// Rewind enables the warm-up on assignment: records whose timestamps lie
	// within Rewind before the last committed record are read again, with
	// Record.Warmup set, so stateful rules can rebuild their windows. Set it
	// to the longest window of the stateful rules. 0 disables the warm-up.
	Rewind time.Duration
	// StartOffset is where a partition without a committed offset starts:
	// "first" (default) or "last".
	StartOffset string

	// SessionTimeout is how long the coordinator waits without a heartbeat
	// before it evicts this member. Default 30s.
	SessionTimeout time.Duration
	// HeartbeatInterval is how often this member heartbeats; it must be
	// below SessionTimeout. Default 3s.
	HeartbeatInterval time.Duration
	// RebalanceTimeout is how long the coordinator waits for members to
	// rejoin during a rebalance. Default 30s.
	RebalanceTimeout time.Duration

	// MinBytes, MaxBytes and MaxWait shape each fetch request of a
	// partition: the broker answers once MinBytes are available or MaxWait
	// has passed, with at most MaxBytes (one record larger than MaxBytes is
	// still returned whole). Defaults 1 B, 4 MiB and 500ms.
	MinBytes int
	MaxBytes int
	MaxWait  time.Duration

	// Logger receives the source's logs. Records' values are never logged,
	// only their coordinates. Default: discard.
	Logger *slog.Logger
}

// withDefaults returns c with defaults filled in, or the first problem.
func (c Config) withDefaults() (Config, error) {
	if err := c.Conn.Validate(); err != nil {
		return c, err
	}
	c.ClientID = cmp.Or(c.ClientID, DefaultClientID)
	c.DialTimeout = cmp.Or(c.DialTimeout, DefaultDialTimeout)
	c.GroupID = cmp.Or(c.GroupID, DefaultGroupID)
	if len(c.Topics) == 0 {
		c.Topics = []string{DefaultTopic}
	}
	seen := make(map[string]bool, len(c.Topics))
	for _, t := range c.Topics {
		if t == "" {
			return c, errors.New("empty topic name")
		}
		if seen[t] {
			return c, fmt.Errorf("topic %q listed twice", t)
		}
		seen[t] = true
	}
	switch {
	case c.MaxInFlight < 0:
		return c, fmt.Errorf("negative max in flight %d", c.MaxInFlight)
	case c.MaxInFlight == 0:
		c.MaxInFlight = DefaultMaxInFlight
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"commit interval", &c.CommitInterval, DefaultCommitInterval},
		{"session timeout", &c.SessionTimeout, DefaultSessionTimeout},
		{"heartbeat interval", &c.HeartbeatInterval, DefaultHeartbeatInterval},
		{"rebalance timeout", &c.RebalanceTimeout, DefaultRebalanceTimeout},
		{"max wait", &c.MaxWait, DefaultMaxWait},
	} {
		if *d.v < 0 {
			return c, fmt.Errorf("negative %s %v", d.name, *d.v)
		}
		*d.v = cmp.Or(*d.v, d.def)
	}
	if c.HeartbeatInterval >= c.SessionTimeout {
		return c, fmt.Errorf("heartbeat interval %v must be below session timeout %v", c.HeartbeatInterval, c.SessionTimeout)
	}
	if c.Rewind < 0 {
		return c, fmt.Errorf("negative rewind %v", c.Rewind)
	}
	switch {
	case c.DrainTimeout < 0:
		c.DrainTimeout = 0
	case c.DrainTimeout == 0:
		c.DrainTimeout = DefaultDrainTimeout
	}
	c.DrainTimeout = min(c.DrainTimeout, c.RebalanceTimeout/2)
	switch strings.ToLower(c.StartOffset) {
	case "", StartFirst:
		c.StartOffset = StartFirst
	case StartLast:
		c.StartOffset = StartLast
	default:
		return c, fmt.Errorf("start offset %q: want %q or %q", c.StartOffset, StartFirst, StartLast)
	}
	if c.MinBytes < 0 || c.MaxBytes < 0 {
		return c, fmt.Errorf("negative fetch size (min %d, max %d)", c.MinBytes, c.MaxBytes)
	}
	c.MinBytes = cmp.Or(c.MinBytes, DefaultMinBytes)
	c.MaxBytes = cmp.Or(c.MaxBytes, DefaultMaxBytes)
	if c.MinBytes > c.MaxBytes {
		return c, fmt.Errorf("min bytes %d above max bytes %d", c.MinBytes, c.MaxBytes)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// SyncWriter returns a kafka-go Writer for durable writes to topic through
// tr: each write returns once every in-sync replica has the records, keys
// are hashed to partitions (so one key stays on one partition, in order),
// batches leave at once, and a write gives up after timeout.
func (c Conn) SyncWriter(tr *kafkago.Transport, topic string, timeout time.Duration) *kafkago.Writer {
	return &kafkago.Writer{
		Addr:         kafkago.TCP(c.Brokers...),
		Topic:        topic,
		Balancer:     &kafkago.Hash{},
		RequiredAcks: kafkago.RequireAll,
		MaxAttempts:  3,
		BatchTimeout: time.Millisecond,
		WriteTimeout: timeout,
		ReadTimeout:  timeout,
		Transport:    tr,
	}
}

// EnsureTopic creates the topic tc through c unless it exists. An existing
// topic is left as it is, whatever its configuration.
func EnsureTopic(ctx context.Context, c *kafkago.Client, tc kafkago.TopicConfig) error {
	resp, err := c.CreateTopics(ctx, &kafkago.CreateTopicsRequest{Topics: []kafkago.TopicConfig{tc}})
	if err != nil {
		return err
	}
	if err := resp.Errors[tc.Topic]; err != nil && !errors.Is(err, kafkago.TopicAlreadyExists) {
		return err
	}
	return nil
}
