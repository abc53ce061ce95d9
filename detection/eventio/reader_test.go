package eventio_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"

	"github.com/socledger/socledger/detection/detectiontest"
	"github.com/socledger/socledger/detection/eventio"
)

// got is what a test sees of one Next call.
type got struct {
	Line  int
	Index int
	Obj   map[string]any
	Err   *eventio.SyntaxError
}

// readAll calls Next until io.EOF or a final error (the same error twice).
func readAll(t *testing.T, r *eventio.Reader) []got {
	t.Helper()
	var out []got
	var last error
	for range 10000 {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			var se *eventio.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Next: %v (%T), want *SyntaxError", err, err)
			}
			if err == last { // final: returned again
				return out
			}
			last = err
			out = append(out, got{Line: se.Line, Err: se})
			continue
		}
		if rec.File != "f.json" {
			t.Errorf("File = %q, want f.json", rec.File)
		}
		out = append(out, got{Line: rec.Line, Index: rec.Index, Obj: rec.Object})
	}
	t.Fatal("Next did not stop")
	return nil
}

func read(t *testing.T, input string) ([]got, eventio.Format) {
	t.Helper()
	r := eventio.NewReader(strings.NewReader(input), "f.json")
	return readAll(t, r), r.Format()
}

func lines(gs []got) []int {
	var out []int
	for _, g := range gs {
		if g.Err == nil {
			out = append(out, g.Line)
		}
	}
	return out
}

func TestFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		give       string
		wantFormat eventio.Format
		wantLines  []int
		wantA      []string // the "a" field of each event
	}{
		{
			name:       "ndjson",
			give:       "{\"a\":\"1\"}\n{\"a\":\"2\"}\n\n{\"a\":\"3\"}\n",
			wantFormat: eventio.FormatNDJSON,
			wantLines:  []int{1, 2, 4},
			wantA:      []string{"1", "2", "3"},
		},
		{
			name:       "ndjson without final newline",
			give:       "{\"a\":\"1\"}\n{\"a\":\"2\"}",
			wantFormat: eventio.FormatNDJSON,
			wantLines:  []int{1, 2},
			wantA:      []string{"1", "2"},
		},
		{
			name:       "several objects on a line",
			give:       "{\"a\":\"1\"} {\"a\":\"2\"}{\"a\":\"3\"}\n{\"a\":\"4\"}",
			wantFormat: eventio.FormatNDJSON,
			wantLines:  []int{1, 1, 1, 2},
			wantA:      []string{"1", "2", "3", "4"},
		},
		{
			name:       "concatenated pretty objects",
			give:       "{\n  \"a\": \"1\",\n  \"n\": {\"x\": [1, 2]}\n}\n{\n  \"a\": \"2\"\n}\n\n\n  {\"a\": \"3\"}",
			wantFormat: eventio.FormatConcatenated,
			wantLines:  []int{1, 5, 10},
			wantA:      []string{"1", "2", "3"},
		},
		{
			name:       "array one line",
			give:       `[{"a":"1"},{"a":"2"}]`,
			wantFormat: eventio.FormatArray,
			wantLines:  []int{1, 1},
			wantA:      []string{"1", "2"},
		},
		{
			name:       "array pretty",
			give:       "[\n  {\n    \"a\": \"1\"\n  },\n  {\n    \"a\": \"2\"\n  }\n]\n",
			wantFormat: eventio.FormatArray,
			wantLines:  []int{2, 5},
			wantA:      []string{"1", "2"},
		},
		{
			name:       "empty array",
			give:       " [ ] ",
			wantFormat: eventio.FormatArray,
		},
		{
			name:       "arrays one after another",
			give:       "[{\"a\":\"1\"}]\n[{\"a\":\"2\"}]",
			wantFormat: eventio.FormatArray,
			wantLines:  []int{1, 2},
			wantA:      []string{"1", "2"},
		},
		{
			name:       "crlf",
			give:       "{\"a\":\"1\"}\r\n{\"a\":\"2\"}\r\n\r\n{\r\n\"a\":\"3\"\r\n}\r\n",
			wantFormat: eventio.FormatNDJSON,
			wantLines:  []int{1, 2, 4},
			wantA:      []string{"1", "2", "3"},
		},
		{
			name:       "utf-8 bom",
			give:       "\xEF\xBB\xBF{\"a\":\"1\"}\n{\"a\":\"2\"}",
			wantFormat: eventio.FormatNDJSON,
			wantLines:  []int{1, 2},
			wantA:      []string{"1", "2"},
		},
		{
			name:       "braces and escapes inside strings",
			give:       "{\"a\":\"{[\\\"}\\\\\"}\n{\"a\":\"]\"}",
			wantFormat: eventio.FormatNDJSON,
			wantLines:  []int{1, 2},
			wantA:      []string{`{["}\`, "]"},
		},
		{name: "empty", give: ""},
		{name: "white space only", give: " \n\t\r\n "},
		{name: "bom only", give: "\xEF\xBB\xBF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gs, format := read(t, tt.give)
			if format != tt.wantFormat {
				t.Errorf("Format = %v, want %v", format, tt.wantFormat)
			}
			var as []string
			for i, g := range gs {
				if g.Err != nil {
					t.Fatalf("event %d: %v", i, g.Err)
				}
				if g.Index != i {
					t.Errorf("event %d: Index = %d", i, g.Index)
				}
				as = append(as, g.Obj["a"].(string))
			}
			if !reflect.DeepEqual(lines(gs), tt.wantLines) {
				t.Errorf("lines = %v, want %v", lines(gs), tt.wantLines)
			}
			if !reflect.DeepEqual(as, tt.wantA) {
				t.Errorf("a = %q, want %q", as, tt.wantA)
			}
		})
	}
}

func TestNumbersAndNesting(t *testing.T) {
	t.Parallel()
	gs, _ := read(t, `{"n": 4688, "f": 1.5e3, "big": 18446744073709551616, "b": true, "z": null, "o": {"l": [1, "x", {"k": 2}]}}`)
	if len(gs) != 1 || gs[0].Err != nil {
		t.Fatalf("got %+v", gs)
	}
	want := map[string]any{
		"n":   json.Number("4688"),
		"f":   json.Number("1.5e3"),
		"big": json.Number("18446744073709551616"),
		"b":   true,
		"z":   nil,
		"o":   map[string]any{"l": []any{json.Number("1"), "x", map[string]any{"k": json.Number("2")}}},
	}
	if !reflect.DeepEqual(gs[0].Obj, want) {
		t.Errorf("object = %#v\nwant %#v", gs[0].Obj, want)
	}
}

func TestUTF16(t *testing.T) {
	t.Parallel()
	text := "[\r\n  {\"a\": \"é𝄞\"},\r\n  {\"a\": \"2\"}\r\n]\r\n"
	units := utf16.Encode([]rune(text))
	for _, big := range []bool{false, true} {
		var b bytes.Buffer
		if big {
			b.Write([]byte{0xFE, 0xFF})
		} else {
			b.Write([]byte{0xFF, 0xFE})
		}
		for _, u := range units {
			if big {
				b.Write([]byte{byte(u >> 8), byte(u)})
			} else {
				b.Write([]byte{byte(u), byte(u >> 8)})
			}
		}
		r := eventio.NewReader(iotest.OneByteReader(&b), "f.json")
		gs := readAll(t, r)
		if len(gs) != 2 || gs[0].Err != nil || gs[1].Err != nil {
			t.Fatalf("big endian %v: got %+v", big, gs)
		}
		if a := gs[0].Obj["a"]; a != "é𝄞" {
			t.Errorf("big endian %v: a = %q", big, a)
		}
		if l := lines(gs); !reflect.DeepEqual(l, []int{2, 3}) {
			t.Errorf("big endian %v: lines = %v", big, l)
		}
	}
}

// TestSmallReads checks that results do not depend on how the input arrives.
func TestSmallReads(t *testing.T) {
	t.Parallel()
	input := "\xEF\xBB\xBF{\n \"a\": \"1\",\n \"s\": \"" + strings.Repeat("x{}[]\\\"", 30000) + "\"\n}\n{\"a\":\"2\"}\r\n[{\"a\":\"3\"},\n{\"a\":\"4\"}]"
	want, _ := read(t, input)
	if l := lines(want); !reflect.DeepEqual(l, []int{1, 5, 6, 7}) {
		t.Fatalf("lines = %v", l)
	}
	readers := map[string]func(io.Reader) io.Reader{
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+err": iotest.DataErrReader,
	}
	for name, wrap := range readers {
		r := eventio.NewReader(wrap(strings.NewReader(input)), "f.json")
		if gs := readAll(t, r); !reflect.DeepEqual(gs, want) {
			t.Errorf("%s: results differ from a plain read", name)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		// want lists the outcome of each call: a line number for an
		// event, "line:col" for a *SyntaxError.
		want     []string
		wantText string // a substring of the first error's message
	}{
		{
			name:     "bad value inside an object, then recovery",
			give:     "{\"a\":1}\n{\"a\":\n  tru}\n{\"a\":3}\n",
			want:     []string{"1", "err 3:6", "4"},
			wantText: "f.json:3:6: invalid character '}' in literal true",
		},
		{
			name:     "truncated ndjson line",
			give:     "{\"a\":1}\n{\"a\":{\"b\":2}\n{\"a\":3}\n",
			want:     []string{"1", "err 2:1", "3"},
			wantText: "not closed before line 3",
		},
		{
			name:     "string cut by a line end",
			give:     "{\"a\":1}\n{\"a\":\"xyz\n{\"a\":3}\n",
			want:     []string{"1", "err 2:10", "3"},
			wantText: "end of line inside a string",
		},
		{
			name:     "top-level number",
			give:     "{\"a\":1}\n\n  42\n{\"a\":3}",
			want:     []string{"1", "err 3:3", "4"},
			wantText: "f.json:3:3: top-level value is a number: want an object",
		},
		{
			name:     "top-level string with braces",
			give:     "\"{x}\" {\"a\":1}",
			want:     []string{"err 1:1", "1"},
			wantText: "top-level value is a string",
		},
		{
			name:     "garbage word",
			give:     "hello {\"a\":1}",
			want:     []string{"err 1:1", "1"},
			wantText: "invalid character 'h'",
		},
		{
			name:     "array element not an object",
			give:     "[{\"a\":1},\n \"x\",\n {\"a\":3}]",
			want:     []string{"1", "err 2:2", "3"},
			wantText: "array element is a string",
		},
		{
			name:     "missing comma in array is final",
			give:     "[{\"a\":1}\n {\"a\":2}]",
			want:     []string{"1", "err 2:2"},
			wantText: "want ',' or ']'",
		},
		{
			name:     "trailing comma",
			give:     "[{\"a\":1},\n]\n{\"a\":3}",
			want:     []string{"1", "err 2:1", "3"},
			wantText: "element is missing",
		},
		{
			name:     "unclosed object at end is final",
			give:     "{\"a\":1}\n{\n \"a\": 2,\n",
			want:     []string{"1", "err 2:1"},
			wantText: "end of input inside the object",
		},
		{
			name:     "unclosed array is final",
			give:     "[{\"a\":1},\n{\"a\":2}\n",
			want:     []string{"1", "2", "err 3:1"},
			wantText: "array opened on line 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gs, _ := read(t, tt.give)
			var outcome []string
			var first *eventio.SyntaxError
			for _, g := range gs {
				if g.Err != nil {
					outcome = append(outcome, fmt.Sprintf("err %d:%d", g.Err.Line, g.Err.Column))
					if first == nil {
						first = g.Err
					}
					continue
				}
				outcome = append(outcome, fmt.Sprint(g.Line))
			}
			if !reflect.DeepEqual(outcome, tt.want) {
				t.Errorf("outcome = %q, want %q", outcome, tt.want)
			}
			if first == nil || !strings.Contains(first.Error(), tt.wantText) {
				t.Errorf("first error = %v, want it to contain %q", first, tt.wantText)
			}
		})
	}
}

func TestIndexCountsBadValues(t *testing.T) {
	t.Parallel()
	gs, _ := read(t, "{\"a\":1}\n{bad}\n{\"a\":3}\n")
	if len(gs) != 3 || gs[2].Index != 2 {
		t.Fatalf("got %+v, want the third event at index 2", gs)
	}
}

func TestMaxObjectSize(t *testing.T) {
	t.Parallel()
	input := `{"a":"` + strings.Repeat("x", 200_000) + `"}` + "\n{}"
	r := eventio.NewReader(strings.NewReader(input), "f.json")
	r.SetMaxObjectSize(100_000)
	_, err := r.Next()
	var se *eventio.SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "larger than 100000") {
		t.Fatalf("err = %v, want a size error", err)
	}
	if _, err2 := r.Next(); err2 != err {
		t.Errorf("second Next = %v, want the same final error", err2)
	}

	r = eventio.NewReader(strings.NewReader(input), "f.json")
	rec, err := r.Next()
	if err != nil || len(rec.Object["a"].(string)) != 200_000 {
		t.Fatalf("default limit: %v", err)
	}
}

func TestReadErrorIsFinal(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	src := io.MultiReader(strings.NewReader("{\"a\":1}\n{\"a\""), iotest.ErrReader(boom))
	r := eventio.NewReader(src, "f.json")
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next()
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Errorf("second call: %v, want boom again", err)
	}
}

// sharedData returns ../shared/data, or skips the test.
func sharedData(t testing.TB) string {
	t.Helper()
	return detectiontest.SharedData(t)
}

// TestRegressionFiles reads every SigmaHQ regression event file (evtx_dump
// output: pretty-printed objects one after another) and checks each object
// starts on a line beginning with '{'.
func TestRegressionFiles(t *testing.T) {
	t.Parallel()
	root := filepath.Join(sharedData(t), "sigma-conformance", "sigmahq-regression", "regression_data")
	var files, multi int
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var want []int
		for i, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "{") {
				want = append(want, i+1)
			}
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r := eventio.NewReader(f, path)
		var got []int
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("%v", err)
				return nil
			}
			if _, ok := rec.Object["Event"]; !ok {
				t.Errorf("%s:%d: no Event key", path, rec.Line)
			}
			got = append(got, rec.Line)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: lines %v, want %v", path, got, want)
		}
		files++
		if len(got) > 1 {
			multi++
			if r.Format() != eventio.FormatConcatenated {
				t.Errorf("%s: format %v", path, r.Format())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 || multi == 0 {
		t.Fatalf("read %d files, %d with several objects: want some of each", files, multi)
	}
	t.Logf("%d files, %d with several objects", files, multi)
}

// TestDTraceKernelDump pins one real multi-object file: two Sysmon events
// starting on lines 1 and 67.
func TestDTraceKernelDump(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedData(t), "sigma-conformance", "sigmahq-regression", "regression_data",
		"rules", "windows", "process_creation", "proc_creation_win_dtrace_kernel_dump",
		"7124aebe-4cd7-4ccb-8df0-6d6b93c96795.json")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("regression file absent: %v", err)
	}
	defer f.Close()
	r := eventio.NewReader(f, "dtrace.json")
	var got []int
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sys := rec.Object["Event"].(map[string]any)["System"].(map[string]any)
		if sys["EventID"] != json.Number("1") {
			t.Errorf("line %d: EventID %v", rec.Line, sys["EventID"])
		}
		got = append(got, rec.Line, rec.Index)
	}
	if want := []int{1, 0, 67, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("(line, index) = %v, want %v", got, want)
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":[1,2]}\n"))
	f.Add([]byte("[{\"a\":1},{\"b\":2}]"))
	f.Add([]byte("{\n \"a\": 1\n}\n{\n \"b\": \"x\"\n}"))
	f.Add([]byte("\xEF\xBB\xBF{\"a\":\"\\\"\"}"))
	f.Add([]byte("\xFF\xFE{\x00}\x00"))
	f.Add([]byte("[1,,]"))
	f.Add([]byte("{\"a\":\"x\",\"b\":1}\n{\"a\":\"x\",\"b\":2}\n{\"b\":\"x\",\"a\":\"x\"}\n{\"a\\u0041\":\"\\u00e9\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstStdlib(t, data)
		r := eventio.NewReader(bytes.NewReader(data), "fuzz")
		// Every call that is not final consumes input, so the calls are
		// bounded by its length (UTF-16 doubles it at most).
		var last error
		for range 2*len(data) + 4 {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if err == last {
					return
				}
				last = err
				var se *eventio.SyntaxError
				if !errors.As(err, &se) || se.Line < 1 {
					t.Fatalf("error %v: want a located *SyntaxError", err)
				}
				continue
			}
			if rec.Object == nil || rec.Line < 1 {
				t.Fatalf("record %+v", rec)
			}
		}
		t.Fatal("Next did not stop")
	})
}

// checkAgainstStdlib: when encoding/json reads data as a sequence of
// objects, the Reader must return the same objects.
func checkAgainstStdlib(t *testing.T, data []byte) {
	t.Helper()
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) || bytes.HasPrefix(data, []byte("\xFF\xFE")) || bytes.HasPrefix(data, []byte("\xFE\xFF")) {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var want []map[string]any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		m, ok := v.(map[string]any)
		if err != nil || !ok {
			return
		}
		want = append(want, m)
	}
	r := eventio.NewReader(bytes.NewReader(data), "fuzz")
	for i, w := range want {
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("object %d: %v; encoding/json read it", i, err)
		}
		if !reflect.DeepEqual(rec.Object, w) {
			t.Fatalf("object %d: %#v, encoding/json: %#v", i, rec.Object, w)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after %d objects: %v, want io.EOF", len(want), err)
	}
}

func TestRepeatedShapes(t *testing.T) {
	t.Parallel()
	// The decoder reuses the previous object's keys and short values by
	// position; shapes that change must not leak between objects.
	checkAgainstStdlib(t, []byte(`{"a":"x","b":1,"c":"long value here"}
{"a":"x","b":"1","c":"long value here"}
{"b":"x","a":"x"}
{"a":"y","b":{"a":"x"},"c":[]}
{"a\u0041":"\u00e9","b":"x"}
{"aA":"é","b":"x","d":null}
{}
{"a":"x"}`))
}
