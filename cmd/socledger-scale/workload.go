package main

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// The fill's workload. An append goes to one stream, so with batches of 100
// the 50 million events could reach only 500,000 streams. As in the
// product, the volume is in few streams and the streams are mostly small:
//
//   - log streams (log-t<N>.src<M>, a tenth of the streams) get 90% of the
//     events in batches of --batch, round robin, so each gets a few batches
//     spread over the whole fill;
//   - alert and incident streams (alert-t<N>.<hex>, incident-t<N>.<hex>; 3
//     to 1) get the other 10%, one append of a few events each (5 or 6 at
//     the default scale);
//   - --hot incident streams get --hot-events single-event appends each,
//     spread evenly over the whole fill.
//
// The three kinds are interleaved in proportion, so each is spread evenly
// over the log.

type kind uint8

const (
	kindLog kind = iota
	kindOther
	kindHot
	kinds
)

// tenants is how many tenants the stream names spread over (t0 … t99).
const tenants = 100

// workload is the fill's plan.
type workload struct {
	cfg          config
	total        [kinds]int64 // events of each kind
	logStreams   int64
	otherStreams int64
	batch        int
}

func newWorkload(cfg config) (workload, error) {
	w := workload{cfg: cfg, batch: cfg.Batch}
	hot := int64(cfg.Hot) * int64(cfg.HotEvents)
	rest := cfg.Events - hot
	w.logStreams = max(1, cfg.Streams/10)
	w.otherStreams = cfg.Streams - int64(cfg.Hot) - w.logStreams
	w.total[kindHot] = hot
	w.total[kindLog] = rest * 9 / 10 / int64(cfg.Batch) * int64(cfg.Batch)
	w.total[kindOther] = rest - w.total[kindLog]
	switch {
	case rest <= 0:
		return w, fmt.Errorf("--events %d: not more than the hot streams' %d", cfg.Events, hot)
	case w.otherStreams < 1:
		return w, fmt.Errorf("--streams %d: too few for %d hot streams, log streams and alert streams", cfg.Streams, cfg.Hot)
	case w.total[kindOther] < w.otherStreams:
		return w, fmt.Errorf("--events %d is too few for %d alert and incident streams (they get a tenth of the events, at least one each)", cfg.Events, w.otherStreams)
	case w.total[kindLog] < w.logStreams*int64(cfg.Batch):
		return w, fmt.Errorf("--events %d is too few for %d log streams of at least one batch of %d", cfg.Events, w.logStreams, cfg.Batch)
	}
	return w, nil
}

// op is one append of the plan: n events to stream idx of its kind.
type op struct {
	kind kind
	idx  int64
	n    int
}

// schedule sends the plan's appends to out in order, adding each one's
// events to issued before sending it, and closes out. It stops early when
// ctx ends.
func (w *workload) schedule(ctx context.Context, out chan<- op, issued *atomic.Int64) {
	defer close(out)
	var done, next [kinds]int64
	per, extra := w.total[kindOther]/w.otherStreams, w.total[kindOther]%w.otherStreams
	for {
		// The kind furthest behind its share goes next.
		k := kinds
		for c := range kinds {
			if done[c] >= w.total[c] {
				continue
			}
			if k == kinds || float64(done[c])/float64(w.total[c]) < float64(done[k])/float64(w.total[k]) {
				k = c
			}
		}
		if k == kinds {
			return
		}
		o := op{kind: k, idx: next[k]}
		switch k {
		case kindLog:
			o.idx, o.n = next[k]%w.logStreams, w.batch
		case kindOther:
			o.n = int(per)
			if o.idx < extra {
				o.n++
			}
		case kindHot:
			o.idx, o.n = next[k]%int64(w.cfg.Hot), 1
		}
		next[k]++
		done[k] += int64(o.n)
		issued.Add(int64(o.n))
		select {
		case out <- o:
		case <-ctx.Done():
			return
		}
	}
}

// stream returns the name of stream idx of kind k.
func (w *workload) stream(k kind, idx int64) string {
	t := strconv.FormatInt(idx%tenants, 10)
	switch k {
	case kindLog:
		return "log-t" + t + ".src" + strconv.FormatInt(idx/tenants, 10)
	case kindOther:
		if idx%4 == 3 {
			return fmt.Sprintf("incident-t%s.%016x", t, mix(uint64(idx)))
		}
		return fmt.Sprintf("alert-t%s.%016x", t, mix(uint64(idx)))
	}
	return fmt.Sprintf("incident-t%s.%016x", t, mix(uint64(idx)|1<<62))
}

// hotStreams returns the names of the hot streams.
func (w *workload) hotStreams() []string {
	names := make([]string, w.cfg.Hot)
	for i := range names {
		names[i] = w.stream(kindHot, int64(i))
	}
	return names
}

// eventType returns the event type of the events appended to stream idx of
// kind k.
func eventType(k kind, idx int64) string {
	switch {
	case k == kindLog:
		return "log.received"
	case k == kindOther && idx%4 != 3:
		return "alert.raised"
	}
	return "incident.note_added"
}

// mix is a bijection of uint64 (splitmix64's finaliser) that turns stream
// numbers into IDs that look random.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// payload returns size bytes of JSON.
func payload(size int, label string) []byte {
	b := fmt.Appendf(nil, `{"src":%q,"msg":"`, label)
	for len(b) < size-2 {
		b = append(b, 'a'+byte(len(b)%26))
	}
	return append(b[:size-2], '"', '}')
}

// batches holds, for one appender, events ready to append: up to max
// events of each kind with the data and type of that kind.
type batches struct {
	events [kinds + 1][]eventstore.EventData // the last: incident events of kindOther
}

func newBatches(size, max int) *batches {
	b := &batches{}
	for i, typ := range []string{"log.received", "alert.raised", "incident.note_added", "incident.note_added"} {
		evs := make([]eventstore.EventData, max)
		data := payload(size, typ)
		for j := range evs {
			evs[j] = eventstore.EventData{Type: typ, Data: data}
		}
		b.events[i] = evs
	}
	return b
}

// get returns the n events of an append to stream idx of kind k. Their
// EventIDs are zero, so the store gives each a random one.
func (b *batches) get(k kind, idx int64, n int) []eventstore.EventData {
	if k == kindOther && eventType(k, idx) != "alert.raised" {
		return b.events[kinds][:n]
	}
	return b.events[k][:n]
}

// fillClock is the store's clock during the fill: it runs span behind the
// real time at the start of the fill and catches up in proportion to the
// events issued, so an event issued at fraction f of the fill is recorded
// span×(1-f) before the end of the fill. With a span of 180 days and a
// 90-day retention, the first half of the log has expired when the fill
// ends. After the fill it is the real time.
type fillClock struct {
	span   time.Duration
	total  int64
	issued *atomic.Int64
}

func (c *fillClock) now() time.Time {
	left := c.total - min(c.issued.Load(), c.total)
	return time.Now().Add(-time.Duration(float64(c.span) * float64(left) / float64(c.total)))
}
