package eventio_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/socledger/socledger/detection/eventio"
)

// stdDecode is what encoding/json makes of the object at the start of data.
func stdDecode(data []byte) (map[string]any, int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, 0, err
	}
	return m, int(dec.InputOffset()), nil
}

var decodeSeeds = []string{
	`{}`,
	`{"a":1}`,
	`{"a":-0.5e+10,"b":[],"c":{},"d":[1,[2,[3]]],"e":null,"f":true,"g":false}`,
	`{"esc":"\"\\\/\b\f\n\r\t\u00e9\ud834\udd1e","raw":"é𝄞®"}`,
	`{"lone":"\ud800x","pair-bad":"\ud800\u0041","low":"\udc00"}`,
	"{\"bad-utf8\":\"a\xffb\xe2\x82\"}",
	`{"a":1,"a":2}`,
	"{\n  \"a\" :\t[ 1 , 2 ] ,\r\n \"b\":{\"c\":\"d\"}\n}",
	`{"a":01}`,
	`{"a":1.}`,
	`{"a":1e}`,
	`{"a":-}`,
	`{"a":tru}`,
	`{"a":"\x"}`,
	`{"a":"\u12G4"}`,
	`{"a":1,}`,
	`{"a" 1}`,
	`{1:2}`,
	"{\"a\":\"x\ny\"}",
	`{"a":[1,]}`,
	`{"a":1}}`,
	`{"a":"\ud800"}`,
}

func TestDecodeMatchesStdlib(t *testing.T) {
	t.Parallel()
	for _, s := range decodeSeeds {
		checkDecode(t, []byte(s))
	}
}

// FuzzDecodeMatchesStdlib checks that the reader's own decoder accepts the
// objects encoding/json accepts, rejects the ones it rejects, and decodes
// them to equal values.
func FuzzDecodeMatchesStdlib(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	if len(data) == 0 || data[0] != '{' {
		return
	}
	want, wantN, wantErr := stdDecode(data)
	got, gotN, gotErr := eventio.DecodeObject(data)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q: encoding/json error %v, ours %v", data, wantErr, gotErr)
	}
	if wantErr != nil {
		return
	}
	if gotN != wantN {
		t.Errorf("%q: spans %d bytes, encoding/json says %d", data, gotN, wantN)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q:\n ours %#v\n std  %#v", data, got, want)
	}
}
