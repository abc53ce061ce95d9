package normalize_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/socledger/socledger/detection/eventio"
	"github.com/socledger/socledger/detection/normalize"
)

// BenchmarkNormalize normalises the testdata events of each layout (and all
// of them mixed) and reports events/s. Normalize takes ownership of its
// input, so events are decoded afresh, outside the timer, in batches.
func BenchmarkNormalize(b *testing.B) {
	cases := []struct {
		name  string
		files []string
	}{
		{"evtx-sysmon", []string{"sysmon_1.evtx.json"}},
		{"evtx-security", []string{"security_4688.evtx.json"}},
		{"windows-flat", []string{"windows_flat.ndjson"}},
		{"ecs", []string{"ecs.ndjson"}},
		{"zeek", []string{"zeek.ndjson"}},
		{"generic", []string{"generic.ndjson"}},
		{"mixed", []string{"sysmon_1.evtx.json", "security_4688.evtx.json", "defender_1116.evtx.json",
			"windows_flat.ndjson", "ecs.ndjson", "zeek.ndjson", "generic.ndjson"}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			var data [][]byte
			for _, f := range bc.files {
				d, err := os.ReadFile(filepath.Join("testdata", f))
				if err != nil {
					b.Fatal(err)
				}
				data = append(data, d)
			}
			var protos []map[string]any
			for _, d := range data {
				r := eventio.NewReader(bytes.NewReader(d), "bench")
				for {
					rec, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					protos = append(protos, rec.Object)
				}
			}
			const batch = 4096
			pool := make([]map[string]any, 0, batch)
			refill := func() {
				pool = pool[:0]
				for len(pool) < batch {
					for _, p := range protos {
						pool = append(pool, deepCopy(p).(map[string]any))
					}
				}
			}
			m := normalize.Default()
			refill()
			next := 0
			b.ReportAllocs()
			for b.Loop() {
				if next == len(pool) {
					b.StopTimer()
					refill()
					next = 0
					b.StartTimer()
				}
				m.Normalize(pool[next])
				next++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}
