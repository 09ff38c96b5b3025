package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Default settings of the embedded broker.
const (
	DefaultEmbeddedAddr       = "127.0.0.1:9092"
	DefaultEmbeddedPartitions = 4
	DefaultDeadLetterTopic    = "mcp.audit.dlq"
)

// Options configures StartEmbedded. Zero values mean the defaults.
type Options struct {
	// Addr is the host:port the broker listens on and advertises to
	// clients. Default "127.0.0.1:9092"; port 0 picks a free port. Use a
	// concrete address, not 0.0.0.0: clients connect to what is advertised.
	Addr string
	// Topics are created at start. Default ["mcp.audit", "mcp.audit.dlq"].
	// Other topics are created on first use.
	Topics []string
	// Partitions per topic. Default 4.
	Partitions int
	// GroupMinSessionTimeout is the smallest session timeout the broker
	// accepts from consumer groups. Default 1s, so that tests and demos
	// can fail over quickly.
	GroupMinSessionTimeout time.Duration
	// Logger receives a line when the broker starts and stops. Default:
	// discard.
	Logger *slog.Logger
}

// Embedded is an in-process, in-memory Kafka-protocol broker (franz-go's
// kfake) for trying mcpsoc without a Kafka cluster: any Kafka client, kcat
// included, can produce to it.
//
// It is not for production: it keeps everything in memory, loses it all on
// exit, has no replication, and implements the protocol as a test fake.
type Embedded struct {
	c    *kfake.Cluster
	addr string
	log  *slog.Logger
	once sync.Once
}

// StartEmbedded starts an embedded broker. Close it when done. ctx bounds
// only the start.
func StartEmbedded(ctx context.Context, opts Options) (*Embedded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	addr := cmp.Or(opts.Addr, DefaultEmbeddedAddr)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("kafka: embedded broker address %q: %w", addr, err)
	}
	if host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
		return nil, fmt.Errorf("kafka: embedded broker address %q: want a concrete host to advertise", addr)
	}
	topics := opts.Topics
	if len(topics) == 0 {
		topics = []string{DefaultTopic, DefaultDeadLetterTopic}
	}
	partitions := opts.Partitions
	switch {
	case partitions < 0:
		return nil, fmt.Errorf("kafka: embedded broker: negative partitions %d", partitions)
	case partitions == 0:
		partitions = DefaultEmbeddedPartitions
	}
	minSession := opts.GroupMinSessionTimeout
	if minSession <= 0 {
		minSession = time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "embedded-kafka")

	listen := func(network, _ string) (net.Listener, error) {
		// kfake asks for 127.0.0.1:<port>; listen where we were told.
		var lc net.ListenConfig
		return lc.Listen(ctx, network, net.JoinHostPort(host, port))
	}
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.ListenFn(listen),
		kfake.SeedTopics(int32(partitions), topics...),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(partitions),
		kfake.GroupMinSessionTimeout(minSession),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka: starting embedded broker: %w", err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) != 1 {
		c.Close()
		return nil, errors.New("kafka: embedded broker: no listener")
	}
	e := &Embedded{c: c, addr: addrs[0], log: log}
	log.Warn("embedded Kafka broker started: in-memory, for trying mcpsoc only, not for production",
		"addr", e.addr, "topics", topics, "partitions", partitions)
	return e, nil
}

// Addr returns the host:port clients connect to.
func (e *Embedded) Addr() string { return e.addr }

// Cluster returns the underlying kfake cluster, for tests that inject
// faults.
func (e *Embedded) Cluster() *kfake.Cluster { return e.c }

// Close stops the broker and drops its data. It is safe to call more than
// once.
func (e *Embedded) Close() {
	e.once.Do(func() {
		e.c.Close()
		e.log.Info("embedded Kafka broker stopped", "addr", e.addr)
	})
}
