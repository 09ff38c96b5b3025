package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// Committed returns the offsets group has committed on the partitions
// 0..partitions-1 of topic, -1 where it has committed none (and everywhere
// when the group does not exist yet).
func Committed(ctx context.Context, addr string, tr *kafkago.Transport, group, topic string, partitions int) ([]int64, error) {
	c := &kafkago.Client{Addr: kafkago.TCP(addr), Transport: tr, Timeout: 5 * time.Second}
	ps := make([]int, partitions)
	for i := range ps {
		ps[i] = i
	}
	resp, err := c.OffsetFetch(ctx, &kafkago.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ps}})
	if err == nil {
		err = resp.Error
	}
	out := slices.Repeat([]int64{-1}, partitions)
	if errors.Is(err, kafkago.GroupIdNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fetching the offsets of group %s on %s: %w", group, topic, err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("fetching the offset of group %s on %s/%d: %w", group, topic, p.Partition, p.Error)
		}
		if p.Partition >= 0 && p.Partition < partitions {
			out[p.Partition] = p.CommittedOffset
		}
	}
	return out, nil
}

// Produce writes msgs with w, chunk messages per WriteMessages call (a
// writer given tens of thousands of messages at once buffers them all).
func Produce(ctx context.Context, w *kafkago.Writer, msgs []kafkago.Message, chunk int) error {
	for len(msgs) > 0 {
		n := min(len(msgs), max(chunk, 1))
		if err := w.WriteMessages(ctx, msgs[:n]...); err != nil {
			return fmt.Errorf("producing to %s: %w", w.Topic, err)
		}
		msgs = msgs[n:]
	}
	return nil
}
