package kafka

import (
	"bytes"
	"context"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// BenchmarkSource measures records per second from an in-process kfake
// broker through Read and an immediate ack, 4 partitions, 1 KiB values,
// commits every 50ms. Producing and joining the group happen before the
// timer starts. Bound the
// memory with e.g. -benchtime=200000x.
func BenchmarkSource(b *testing.B) {
	const parts = 4
	e := startBroker(b, parts)
	value := bytes.Repeat([]byte("x"), 1024)
	msgs := make([]kafkago.Message, b.N+1)
	for i := range msgs {
		msgs[i] = kafkago.Message{Key: flowKey(i % 1000), Value: value}
	}
	produceMessages(b, e.Addr(), testTopic, msgs)
	msgs = nil

	cfg := testConfig(e.Addr(), "g-bench")
	cfg.Logger = nil
	s := newSource(b, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// The first record waits for the group to form: keep it off the clock.
	if _, ack, err := s.Read(ctx); err != nil {
		b.Fatalf("Read: %v", err)
	} else {
		_ = ack(ctx, nil)
	}
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		_, ack, err := s.Read(ctx)
		if err != nil {
			b.Fatalf("Read: %v", err)
		}
		if err := ack(ctx, nil); err != nil {
			b.Fatalf("ack: %v", err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}
