package eventio

// DecodeObject exposes the object decoder to the black-box tests: it decodes
// the object at the start of data and returns it with the bytes it spans.
func DecodeObject(data []byte) (map[string]any, int, error) {
	var d decoder
	return d.decodeObject(data)
}
