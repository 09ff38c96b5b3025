package deadletter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/mcpsoc/mcpsoc/ingest"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
)

// Header keys written on every dead-letter record.
const (
	HeaderReason          = "mcpsoc.reason"           // why the record was rejected (a decode error's text)
	HeaderSourceTopic     = "mcpsoc.source.topic"     // topic the record was read from
	HeaderSourcePartition = "mcpsoc.source.partition" // its partition, decimal
	HeaderSourceOffset    = "mcpsoc.source.offset"    // its offset, decimal
	HeaderSourceTimestamp = "mcpsoc.source.timestamp" // its Kafka timestamp, RFC 3339 UTC with nanoseconds; absent if none
	HeaderTime            = "mcpsoc.time"             // when it was dead-lettered, RFC 3339 UTC with nanoseconds
	HeaderValueSize       = "mcpsoc.value.size"       // original value length, only when the value was truncated
)

// Defaults applied to the zero values of Config.
const (
	DefaultTopic        = kafka.DefaultDeadLetterTopic // "mcp.audit.dlq"
	DefaultWriteTimeout = 10 * time.Second
	// MaxReasonBytes caps the reason header: a decode error may quote part
	// of a hostile record.
	MaxReasonBytes = 1024
)

// ErrTooLarge is matched (errors.Is) by a Write error when the broker
// refused the record as larger than the topic's max.message.bytes. Retrying
// cannot help: raise the dead-letter topic's limit or set MaxValueBytes.
var ErrTooLarge = errors.New("dead-letter record too large for the topic")

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("deadletter: writer closed")

// Config configures a Writer. Only Conn.Brokers is required.
type Config struct {
	kafka.Conn

	// Topic is the dead-letter topic. Default "mcp.audit.dlq".
	Topic string
	// MaxValueBytes, when positive, truncates values longer than it and
	// records the original length in the mcpsoc.value.size header. The
	// default, 0, keeps values whole so that they can be replayed byte for
	// byte: a record that fitted the source topic fits a dead-letter topic
	// with the same max.message.bytes.
	MaxValueBytes int
	// WriteTimeout bounds one produce request. Default 10s.
	WriteTimeout time.Duration
	// AutoCreateTopic asks the broker to create a missing topic on first
	// write; it works only where the broker allows automatic topic
	// creation. Prefer creating the topic beforehand, or EnsureTopic.
	AutoCreateTopic bool
	// Logger receives the writer's logs; values are never logged. Default:
	// discard.
	Logger *slog.Logger
}

// Entry is one record to dead-letter with the reason it was rejected.
type Entry struct {
	Record ingest.Record
	Reason string
}

// Writer writes rejected records to the dead-letter topic. Every write is
// synchronous and acknowledged by all in-sync replicas before it returns.
// It is safe for concurrent use.
type Writer struct {
	topic    string
	maxValue int
	w        *kafkago.Writer
	tr       *kafkago.Transport
	conn     kafka.Conn
	log      *slog.Logger
	now      func() time.Time

	closeOnce sync.Once
	closed    chan struct{}
}

// New returns a Writer. It does not connect until the first write.
func New(cfg Config) (*Writer, error) {
	if cfg.MaxValueBytes < 0 {
		return nil, fmt.Errorf("deadletter: config: negative max value bytes %d", cfg.MaxValueBytes)
	}
	if cfg.WriteTimeout < 0 {
		return nil, fmt.Errorf("deadletter: config: negative write timeout %v", cfg.WriteTimeout)
	}
	tr, err := cfg.Conn.Transport()
	if err != nil {
		return nil, fmt.Errorf("deadletter: config: %w", err)
	}
	topic := cmp.Or(cfg.Topic, DefaultTopic)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "sink", "sink", "deadletter", "topic", topic)
	timeout := cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	w := &Writer{
		topic:    topic,
		maxValue: cfg.MaxValueBytes,
		conn:     cfg.Conn,
		tr:       tr,
		log:      log,
		now:      time.Now,
		closed:   make(chan struct{}),
		// Records of one flow stay together and in order.
		w: cfg.Conn.SyncWriter(tr, topic, timeout),
	}
	w.w.AllowAutoTopicCreation = cfg.AutoCreateTopic
	return w, nil
}

// Topic returns the dead-letter topic.
func (w *Writer) Topic() string { return w.topic }

// Write dead-letters one record and returns once the broker has
// acknowledged it. On error nothing may be assumed written: the caller
// retries with backoff and must not acknowledge the source record until
// Write succeeds. A retry after an ambiguous failure may write the record
// twice.
func (w *Writer) Write(ctx context.Context, rec ingest.Record, reason string) error {
	return w.WriteBatch(ctx, []Entry{{Record: rec, Reason: reason}})
}

// WriteBatch dead-letters several records in as few requests as possible.
// It returns nil only when every one was acknowledged; on error the caller
// retries the whole batch.
func (w *Writer) WriteBatch(ctx context.Context, entries []Entry) error {
	select {
	case <-w.closed:
		return ErrClosed
	default:
	}
	if len(entries) == 0 {
		return nil
	}
	now := w.now().UTC()
	msgs := make([]kafkago.Message, len(entries))
	for i, e := range entries {
		msgs[i] = w.message(e, now)
	}
	err := w.w.WriteMessages(ctx, msgs...)
	if err == nil {
		w.log.Info("records dead-lettered", "records", len(entries))
		for _, e := range entries {
			w.log.Debug("record dead-lettered", "source_topic", e.Record.Topic,
				"partition", e.Record.Partition, "offset", e.Record.Offset)
		}
		return nil
	}
	if tooLarge(err) {
		err = fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	w.log.Warn("writing dead-letter records", "records", len(entries), "err", err)
	return fmt.Errorf("deadletter: writing %d records to %s: %w", len(entries), w.topic, err)
}

// message builds the dead-letter record of e.
func (w *Writer) message(e Entry, now time.Time) kafkago.Message {
	rec := e.Record
	value := rec.Value
	headers := make([]kafkago.Header, 0, 7)
	if w.maxValue > 0 && len(value) > w.maxValue {
		headers = append(headers, kafkago.Header{Key: HeaderValueSize, Value: []byte(strconv.Itoa(len(value)))})
		value = value[:w.maxValue]
	}
	headers = append(headers,
		kafkago.Header{Key: HeaderReason, Value: []byte(truncateUTF8(e.Reason, MaxReasonBytes))},
		kafkago.Header{Key: HeaderSourceTopic, Value: []byte(rec.Topic)},
		kafkago.Header{Key: HeaderSourcePartition, Value: []byte(strconv.Itoa(rec.Partition))},
		kafkago.Header{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(rec.Offset, 10))},
	)
	if !rec.Time.IsZero() {
		headers = append(headers, kafkago.Header{Key: HeaderSourceTimestamp, Value: []byte(rec.Time.UTC().Format(time.RFC3339Nano))})
	}
	headers = append(headers, kafkago.Header{Key: HeaderTime, Value: []byte(now.Format(time.RFC3339Nano))})
	return kafkago.Message{Key: rec.Key, Value: value, Headers: headers}
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func tooLarge(err error) bool {
	if errors.Is(err, kafkago.MessageSizeTooLarge) {
		return true
	}
	var werrs kafkago.WriteErrors
	if errors.As(err, &werrs) {
		for _, e := range werrs {
			if errors.Is(e, kafkago.MessageSizeTooLarge) {
				return true
			}
		}
	}
	return false
}

// EnsureTopic creates the dead-letter topic with the given partitions and
// replication factor (-1 for the broker's defaults) if it does not exist.
// An existing topic is left as it is.
func (w *Writer) EnsureTopic(ctx context.Context, partitions, replicationFactor int) error {
	c := &kafkago.Client{Addr: kafkago.TCP(w.conn.Brokers...), Transport: w.tr}
	tc := kafkago.TopicConfig{Topic: w.topic, NumPartitions: partitions, ReplicationFactor: replicationFactor}
	if err := kafka.EnsureTopic(ctx, c, tc); err != nil {
		return fmt.Errorf("deadletter: creating topic %s: %w", w.topic, err)
	}
	return nil
}

// Close releases the writer's connections. Writes in progress finish first;
// later writes fail with ErrClosed. It is safe to call more than once.
func (w *Writer) Close(ctx context.Context) error {
	var err error
	w.closeOnce.Do(func() {
		close(w.closed)
		done := make(chan error, 1)
		go func() { done <- w.w.Close() }()
		select {
		case err = <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		w.tr.CloseIdleConnections()
		if err != nil {
			err = fmt.Errorf("deadletter: closing writer: %w", err)
		}
	})
	return err
}
