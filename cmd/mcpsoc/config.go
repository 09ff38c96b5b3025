package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/ingest/kafka/state"
)

// Config is the configuration of `mcpsoc run`, read from a YAML file
// (deploy/mcpsoc.example.yaml documents every field). Zero values mean the
// defaults given in the comments. Secrets can come from the environment:
// MCPSOC_KAFKA_SASL_USERNAME and MCPSOC_KAFKA_SASL_PASSWORD override the
// file.
type Config struct {
	Kafka     KafkaConfig     `yaml:"kafka"`
	Pipeline  PipelineConfig  `yaml:"pipeline"`
	Events    EventsConfig    `yaml:"events"`
	Detection DetectionConfig `yaml:"detection"`
	Sinks     SinksConfig     `yaml:"sinks"`
	Log       LogConfig       `yaml:"log"`
}

// KafkaConfig says where the audit events come from.
type KafkaConfig struct {
	// Brokers to bootstrap from. Empty: start the embedded broker on
	// 127.0.0.1:9092 (for trying mcpsoc, not for production).
	Brokers []string `yaml:"brokers"`
	// GroupID is the consumer group (default mcpsoc). Every mcpsoc process
	// of one deployment uses the same group and shares the partitions.
	GroupID string `yaml:"group_id"`
	// Topics to consume (default [mcp.audit]).
	Topics []string `yaml:"topics"`
	// DeadLetterTopic receives events that cannot be decoded, with the
	// reason in headers (default mcp.audit.dlq).
	DeadLetterTopic string `yaml:"dead_letter_topic"`
	// StateTopic keeps what first_seen and change rules learn (known
	// values, current tool definitions, learning starts), shared by every
	// partition and process and kept across restarts (default
	// mcp.audit.state). Created if missing: 1 partition,
	// cleanup.policy=compact.
	StateTopic string `yaml:"state_topic"`
	// StartOffset for a group with no committed offset: first or last
	// (default first).
	StartOffset string `yaml:"start_offset"`
	// MaxInFlight is how many records of one partition may be unsettled
	// (read but their alerts not yet accepted) before fetching pauses
	// (default 4096).
	MaxInFlight int `yaml:"max_in_flight"`
	// CommitInterval is how often settled offsets are committed (default 1s).
	CommitInterval time.Duration `yaml:"commit_interval"`
	// SessionTimeout of the group membership (default 10s).
	SessionTimeout time.Duration `yaml:"session_timeout"`
	TLS            TLSConfig     `yaml:"tls"`
	SASL           SASLConfig    `yaml:"sasl"`
}

// TLSConfig configures TLS to the brokers.
type TLSConfig struct {
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM bundle of the CAs to trust (default: the system's).
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate for mutual TLS.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked in the brokers' certificates.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify disables certificate checks. Never in production.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// SASLConfig configures SASL authentication to the brokers.
type SASLConfig struct {
	// Mechanism is plain, scram-sha-256 or scram-sha-512 (empty: none).
	Mechanism string `yaml:"mechanism"`
	// Username and Password; MCPSOC_KAFKA_SASL_USERNAME and
	// MCPSOC_KAFKA_SASL_PASSWORD override them.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// PipelineConfig sizes the pipeline.
type PipelineConfig struct {
	// Shards is the number of engine goroutines (default: the number of
	// CPUs). Partition p is processed by shard p % shards.
	Shards int `yaml:"shards"`
	// BatchSize is the most alerts written to the sinks at once (default 500).
	BatchSize int `yaml:"batch_size"`
	// BatchWait is the longest an alert waits for its batch (default 50ms).
	BatchWait time.Duration `yaml:"batch_wait"`
	// ShutdownTimeout bounds the drain on SIGINT/SIGTERM (default 10s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// EventsConfig bounds what the decoder accepts.
type EventsConfig struct {
	// MaxEventBytes: larger events are dead-lettered (default 1048576).
	MaxEventBytes int `yaml:"max_event_bytes"`
	// MaxResultText: result text kept per event, the rest cut and
	// mcp.result.truncated set (default 65536).
	MaxResultText int `yaml:"max_result_text"`
}

// DetectionConfig selects and tunes the rules.
type DetectionConfig struct {
	// Rules are rule files or directories. Empty: the built-in pack.
	Rules []string `yaml:"rules"`
	// EvidenceText is how many bytes of each text alerts keep as evidence
	// (default 1024).
	EvidenceText int `yaml:"evidence_text"`
	// AllowedLateness is how far behind the newest event time an event may
	// arrive and still be put in order for correlation rules (default 2m).
	AllowedLateness time.Duration `yaml:"allowed_lateness"`
	// MaxKeys bounds the keys each correlation rule remembers (default 100000).
	MaxKeys int `yaml:"max_keys"`
	// IdleRelease: when a partition has been quiet this long (wall clock),
	// the events held for reordering are correlated at once instead of
	// waiting for later traffic to move event time on (default 5s).
	IdleRelease time.Duration `yaml:"idle_release"`
}

// SinksConfig lists where alerts go. Every enabled sink must accept an
// alert before the offsets it came from are committed.
type SinksConfig struct {
	// Stdout writes alerts as NDJSON on standard output (default: on when
	// no other sink is configured).
	Stdout *bool `yaml:"stdout"`
	// File appends alerts as NDJSON to a file, synced after every batch.
	File string `yaml:"file"`
}

// LogConfig configures the process's own logs (on stderr; never payloads).
type LogConfig struct {
	// Level is debug, info, warn or error (default info).
	Level string `yaml:"level"`
	// Format is text or json (default text).
	Format string `yaml:"format"`
}

// LoadConfig reads, applies environment overrides to, and validates a
// configuration file. Unknown keys are errors.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return ParseConfig(path, data, os.Getenv)
}

// ParseConfig parses a configuration; getenv supplies the environment
// overrides.
func ParseConfig(name string, data []byte, getenv func(string) string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file (io.EOF) means every default.
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if v := getenv("MCPSOC_KAFKA_SASL_USERNAME"); v != "" {
		c.Kafka.SASL.Username = v
	}
	if v := getenv("MCPSOC_KAFKA_SASL_PASSWORD"); v != "" {
		c.Kafka.SASL.Password = v
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}

// sessionTimeout is the default group session timeout of `mcpsoc run`:
// shorter than the Kafka client's 30s so that the partitions of a crashed
// process move to the others (and their alerts flow again) sooner.
const sessionTimeout = 10 * time.Second

// idleRelease is the default Detection.IdleRelease of `mcpsoc run`.
const idleRelease = 5 * time.Second

// applyDefaults fills the zero values with the defaults of the packages
// that use them, so that the configuration shown and validated is the one
// that runs.
func (c *Config) applyDefaults() {
	k := &c.Kafka
	set := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	set(&k.GroupID, kafka.DefaultGroupID)
	if len(k.Topics) == 0 {
		k.Topics = []string{kafka.DefaultTopic}
	}
	set(&k.DeadLetterTopic, kafka.DefaultDeadLetterTopic)
	set(&k.StateTopic, state.DefaultTopic)
	set(&k.StartOffset, kafka.StartFirst)
	if k.MaxInFlight == 0 {
		k.MaxInFlight = kafka.DefaultMaxInFlight
	}
	if k.CommitInterval == 0 {
		k.CommitInterval = kafka.DefaultCommitInterval
	}
	if k.SessionTimeout == 0 {
		k.SessionTimeout = sessionTimeout
	}
	lim := event.DefaultLimits()
	if c.Events.MaxEventBytes == 0 {
		c.Events.MaxEventBytes = lim.MaxEventBytes
	}
	if c.Events.MaxResultText == 0 {
		c.Events.MaxResultText = lim.MaxResultText
	}
	if c.Detection.EvidenceText == 0 {
		c.Detection.EvidenceText = detect.DefaultEvidenceText
	}
	if c.Detection.AllowedLateness == 0 {
		c.Detection.AllowedLateness = correlate.DefaultAllowedLateness
	}
	if c.Detection.MaxKeys == 0 {
		c.Detection.MaxKeys = correlate.DefaultMaxKeys
	}
	if c.Detection.IdleRelease == 0 {
		c.Detection.IdleRelease = idleRelease
	}
	if c.Pipeline.BatchSize == 0 {
		c.Pipeline.BatchSize = pipeline.DefaultBatchSize
	}
	if c.Pipeline.BatchWait == 0 {
		c.Pipeline.BatchWait = pipeline.DefaultBatchWait
	}
	if c.Pipeline.ShutdownTimeout == 0 {
		c.Pipeline.ShutdownTimeout = pipeline.DefaultShutdownTimeout
	}
	if c.Sinks.Stdout == nil {
		on := c.Sinks.File == ""
		c.Sinks.Stdout = &on
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	k := &c.Kafka
	for i, b := range k.Brokers {
		if !strings.Contains(b, ":") {
			bad(fmt.Sprintf("kafka.brokers[%d]", i), "%q has no port (want host:port)", b)
		}
	}
	for i, t := range k.Topics {
		if t == "" {
			bad(fmt.Sprintf("kafka.topics[%d]", i), "empty topic name")
		}
		if t == k.DeadLetterTopic {
			bad("kafka.dead_letter_topic", "%q is also an input topic", t)
		}
		if t == k.StateTopic {
			bad("kafka.state_topic", "%q is also an input topic", t)
		}
	}
	if k.StateTopic == k.DeadLetterTopic {
		bad("kafka.state_topic", "%q is also the dead-letter topic", k.StateTopic)
	}
	if k.StartOffset != "first" && k.StartOffset != "last" {
		bad("kafka.start_offset", "%q: want first or last", k.StartOffset)
	}
	if k.MaxInFlight < 1 {
		bad("kafka.max_in_flight", "%d: want at least 1", k.MaxInFlight)
	}
	if k.CommitInterval < 0 || k.SessionTimeout < 0 {
		bad("kafka", "durations must be positive")
	}
	switch k.SASL.Mechanism {
	case "":
		if k.SASL.Username != "" || k.SASL.Password != "" {
			bad("kafka.sasl.mechanism", "credentials given but no mechanism (want plain, scram-sha-256 or scram-sha-512)")
		}
	case "plain", "scram-sha-256", "scram-sha-512":
		if k.SASL.Username == "" || k.SASL.Password == "" {
			bad("kafka.sasl", "mechanism %s needs a username and a password (or MCPSOC_KAFKA_SASL_USERNAME / MCPSOC_KAFKA_SASL_PASSWORD)", k.SASL.Mechanism)
		}
	default:
		bad("kafka.sasl.mechanism", "%q: want plain, scram-sha-256 or scram-sha-512", k.SASL.Mechanism)
	}
	if t := k.TLS; !t.Enabled && (t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.InsecureSkipVerify) {
		bad("kafka.tls.enabled", "TLS settings given but TLS is not enabled")
	}
	if (k.TLS.CertFile == "") != (k.TLS.KeyFile == "") {
		bad("kafka.tls", "cert_file and key_file go together")
	}
	if len(k.Brokers) == 0 && (k.TLS.Enabled || k.SASL.Mechanism != "") {
		bad("kafka.brokers", "TLS or SASL configured but no brokers (the embedded broker speaks neither)")
	}
	if c.Pipeline.Shards < 0 || c.Pipeline.BatchSize < 1 || c.Pipeline.BatchWait < 0 {
		bad("pipeline", "shards, batch_size and batch_wait must be positive")
	}
	if c.Events.MaxEventBytes < 1024 {
		bad("events.max_event_bytes", "%d: want at least 1024", c.Events.MaxEventBytes)
	}
	if c.Events.MaxResultText < 0 || c.Detection.EvidenceText < 0 || c.Detection.MaxKeys < 0 || c.Detection.AllowedLateness < 0 || c.Detection.IdleRelease < 0 {
		bad("events/detection", "sizes and durations must be positive")
	}
	if !*c.Sinks.Stdout && c.Sinks.File == "" {
		bad("sinks", "no sink enabled: alerts would have nowhere to go")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q: want text or json", c.Log.Format)
	}
	return errors.Join(errs...)
}

// tlsConfig builds the TLS configuration for the brokers, or nil.
func (t TLSConfig) tlsConfig() (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka.tls.ca_file: %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka.tls: loading client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// config runs `mcpsoc config check FILE`.
func (c *cli) config(args []string) int {
	if len(args) != 2 || args[0] != "check" {
		fmt.Fprintln(c.stderr, "Usage: mcpsoc config check FILE")
		return exitUsage
	}
	cfg, err := LoadConfig(args[1])
	if err != nil {
		fmt.Fprintf(c.stderr, "mcpsoc config check: %v\n", err)
		return exitFailure
	}
	if _, err := cfg.Kafka.TLS.tlsConfig(); err != nil {
		fmt.Fprintf(c.stderr, "mcpsoc config check: %s: %v\n", args[1], err)
		return exitFailure
	}
	if _, err := loadRules(cfg.Detection.Rules); err != nil {
		fmt.Fprintf(c.stderr, "mcpsoc config check: %s: detection.rules: %v\n", args[1], err)
		return exitFailure
	}
	fmt.Fprintf(c.stdout, "%s: OK\n", args[1])
	return exitOK
}
