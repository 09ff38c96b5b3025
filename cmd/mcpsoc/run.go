package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/mcpsoc/mcpsoc/detect"
	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/ingest/kafka/state"
	"github.com/mcpsoc/mcpsoc/rules"
	"github.com/mcpsoc/mcpsoc/sinks"
	"github.com/mcpsoc/mcpsoc/sinks/deadletter"
)

func (c *cli) runCmd(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (deploy/mcpsoc.example.yaml documents it); default: embedded broker, built-in rules, alerts on stdout")
	demo := fs.Bool("demo", false, "produce the sample traffic (--demo-file) into the input topic at start")
	demoFile := fs.String("demo-file", "testdata/events/demo.jsonl", "NDJSON events produced by --demo")
	listen := fs.String("listen", kafka.DefaultEmbeddedAddr, "address of the embedded broker (used when the configuration names no brokers)")
	fs.Usage = func() {
		fmt.Fprint(c.stderr, `Usage: mcpsoc run [flags]

Consumes audit events from Kafka with a consumer group, runs the rules,
delivers alerts to the configured sinks, and commits an offset only once
every alert derived from it is accepted. Stops on SIGINT/SIGTERM with a
final commit.

Without --config (or with no brokers configured) it starts an embedded
Kafka-protocol broker on --listen with the topic mcp.audit: any Kafka client
can produce to it (kcat -P -b 127.0.0.1:9092 -t mcp.audit -K'\t'). It is for
trying mcpsoc, not for production. --demo feeds it the sample traffic.

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	var cfg *Config
	var err error
	if *configPath != "" {
		cfg, err = LoadConfig(*configPath)
	} else {
		cfg, err = ParseConfig("defaults", nil, os.Getenv)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "mcpsoc run: %v\n", err)
		return exitFailure
	}
	log := newLogger(c, cfg.Log)
	if err := c.runPipeline(ctx, cfg, log, *listen, *demo, *demoFile); err != nil {
		log.Error("mcpsoc run failed", "err", err)
		return exitFailure
	}
	return exitOK
}

func newLogger(c *cli, lc LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(lc.Level))
	opts := &slog.HandlerOptions{Level: level}
	if lc.Format == "json" {
		return slog.New(slog.NewJSONHandler(c.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(c.stderr, opts))
}

func (c *cli) runPipeline(ctx context.Context, cfg *Config, log *slog.Logger, listen string, demo bool, demoFile string) error {
	set, err := loadRules(cfg.Detection.Rules)
	if err != nil {
		return fmt.Errorf("loading rules: %w", err)
	}
	conn := kafka.Conn{Brokers: cfg.Kafka.Brokers, SASL: kafka.SASL{
		Mechanism: cfg.Kafka.SASL.Mechanism, Username: cfg.Kafka.SASL.Username, Password: cfg.Kafka.SASL.Password,
	}}
	if conn.TLS, err = cfg.Kafka.TLS.tlsConfig(); err != nil {
		return err
	}
	if len(conn.Brokers) == 0 {
		b, err := kafka.StartEmbedded(ctx, kafka.Options{
			Addr:   listen,
			Topics: append(append([]string(nil), cfg.Kafka.Topics...), cfg.Kafka.DeadLetterTopic),
			Logger: log,
		})
		if err != nil {
			return fmt.Errorf("starting the embedded broker: %w", err)
		}
		defer b.Close()
		log.Warn("no brokers configured: using the embedded Kafka broker, for trying mcpsoc, not for production",
			"addr", b.Addr(), "topics", cfg.Kafka.Topics)
		conn.Brokers = []string{b.Addr()}
	}
	if demo {
		n, err := produceFile(ctx, conn, cfg.Kafka.Topics[0], demoFile)
		if err != nil {
			return fmt.Errorf("producing the demo traffic: %w", err)
		}
		log.Info("produced the demo traffic; alerts follow on stdout. Produce more with kcat -P -b "+conn.Brokers[0]+" -t "+cfg.Kafka.Topics[0]+"; Ctrl-C stops",
			"events", n, "file", demoFile, "topic", cfg.Kafka.Topics[0])
	}

	// What first_seen and change rules learnt, loaded whole before any
	// record is read.
	store, err := state.Open(ctx, state.Config{
		Conn:       conn,
		Topic:      cfg.Kafka.StateTopic,
		MaxPerRule: cfg.Detection.MaxKeys,
		Logger:     log,
	})
	if err != nil {
		return fmt.Errorf("loading the correlation state: %w", err)
	}
	defer store.Close(context.WithoutCancel(ctx)) // after the final commit; a no-op then

	lateness := cfg.Detection.AllowedLateness
	src, err := kafka.New(kafka.Config{
		Conn:           conn,
		GroupID:        cfg.Kafka.GroupID,
		Topics:         cfg.Kafka.Topics,
		MaxInFlight:    cfg.Kafka.MaxInFlight,
		CommitInterval: cfg.Kafka.CommitInterval,
		SessionTimeout: cfg.Kafka.SessionTimeout,
		StartOffset:    cfg.Kafka.StartOffset,
		Rewind:         warmupSpan(set, lateness),
		Logger:         log.With("component", "kafka"),
	})
	if err != nil {
		return fmt.Errorf("creating the Kafka source: %w", err)
	}
	dlq, err := deadletter.New(deadletter.Config{Conn: conn, Topic: cfg.Kafka.DeadLetterTopic})
	if err != nil {
		return fmt.Errorf("creating the dead-letter writer: %w", err)
	}
	sink, closeSinks, err := buildSinks(c, cfg.Sinks, log)
	if err != nil {
		return err
	}

	run := pipeline.New(src, set, sink, pipeline.Options{
		Shards: cfg.Pipeline.Shards,
		Limits: event.Limits{MaxEventBytes: cfg.Events.MaxEventBytes, MaxResultText: cfg.Events.MaxResultText},
		Engine: detect.Options{
			EvidenceText: cfg.Detection.EvidenceText,
			Ruleset:      rulesetName(cfg.Detection.Rules),
			Correlate:    correlate.Options{AllowedLateness: lateness, MaxKeys: cfg.Detection.MaxKeys},
			Logger:       log.With("component", "engine"),
		},
		BatchSize:       cfg.Pipeline.BatchSize,
		BatchWait:       cfg.Pipeline.BatchWait,
		DeadLetter:      dlq.Write,
		IdleRelease:     cfg.Detection.IdleRelease,
		Facts:           store,
		ShutdownTimeout: cfg.Pipeline.ShutdownTimeout,
		Logger:          log.With("component", "pipeline"),
	})
	log.Info("mcpsoc running", "brokers", conn.Brokers, "group", cfg.Kafka.GroupID, "topics", cfg.Kafka.Topics, "rules", len(set.Rules))
	stopReload := reloadOnHUP(run, cfg.Detection.Rules, log)
	defer stopReload()
	runErr := run.Run(ctx)
	if errors.Is(runErr, context.Canceled) && ctx.Err() != nil {
		runErr = nil // SIGINT/SIGTERM: a normal stop
	}

	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Pipeline.ShutdownTimeout)
	defer cancel()
	errs := []error{runErr}
	errs = append(errs, src.Close(closeCtx)) // final commit
	errs = append(errs, dlq.Close(closeCtx), closeSinks(closeCtx), store.Close(closeCtx))
	s := run.Stats()
	log.Info("mcpsoc stopped", "records", s.Records, "events", s.Events, "bad_events", s.BadEvents, "alerts", s.Alerts, "warmup", s.Warmup, "facts", s.Facts)
	return errors.Join(errs...)
}

// reloadOnHUP reloads the rules when the process gets SIGHUP: all files are
// loaded and compiled first, and a set with any error is refused (the
// running rules stay). It returns a function that stops listening.
func reloadOnHUP(run *pipeline.Runner, paths []string, log *slog.Logger) func() {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
				set, err := loadRules(paths)
				if err != nil {
					log.Error("rules not reloaded; the previous rule set stays", "err", err)
					continue
				}
				run.Reload(set)
				log.Info("rules reloaded", "rules", len(set.Rules))
			}
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}

// warmupSpan is how far back a reassigned partition is read again to
// rebuild correlation state: the longest window of the rules plus the
// allowed lateness.
func warmupSpan(set *rules.Set, lateness time.Duration) time.Duration {
	var longest time.Duration
	for _, r := range set.Rules {
		if !r.Enabled || r.Kind == rules.KindMatch {
			continue
		}
		longest = max(longest, r.Within)
		if r.Suppress != nil {
			longest = max(longest, r.Suppress.For)
		}
	}
	if longest == 0 {
		return 0
	}
	return longest + lateness
}

// buildSinks opens the configured sinks, each retried on its own.
func buildSinks(c *cli, sc SinksConfig, log *slog.Logger) (sinks.Sink, func(context.Context) error, error) {
	var all []sinks.Sink
	var files []*os.File
	if *sc.Stdout {
		all = append(all, sinks.Retry(sinks.NewWriter(c.stdout), sinks.RetryOptions{Name: "stdout", Logger: log}))
	}
	if sc.File != "" {
		f, err := os.OpenFile(sc.File, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			return nil, nil, fmt.Errorf("opening the alert file: %w", err)
		}
		files = append(files, f)
		all = append(all, sinks.Retry(sinks.NewWriter(f), sinks.RetryOptions{Name: "file", Logger: log}))
	}
	s := sinks.Fanout(all...)
	closeAll := func(ctx context.Context) error {
		err := s.Close(ctx)
		for _, f := range files {
			err = errors.Join(err, f.Close())
		}
		return err
	}
	return s, closeAll, nil
}

// produceFile writes the NDJSON events of path to topic, keyed by
// organization.id|mcp.flow.id as a gateway should, and returns how many
// records it wrote.
func produceFile(ctx context.Context, conn kafka.Conn, topic, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	tr, err := conn.Transport()
	if err != nil {
		return 0, err
	}
	defer tr.CloseIdleConnections()
	w := conn.SyncWriter(tr, topic, 10*time.Second)
	defer w.Close()
	var msgs []kafkago.Message
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 2<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var key []byte
		if ev, err := event.Decode(line, event.Limits{}); err == nil {
			key = []byte(ev.Organization.ID + "|" + ev.MCP.Flow.ID)
		}
		msgs = append(msgs, kafkago.Message{Key: key, Value: append([]byte(nil), line...)})
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	for start := 0; start < len(msgs); start += 500 {
		if err := w.WriteMessages(ctx, msgs[start:min(start+500, len(msgs))]...); err != nil {
			return start, err
		}
	}
	return len(msgs), nil
}
