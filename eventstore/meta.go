package eventstore

import (
	"encoding/json"
	"fmt"

	"github.com/socledger/socledger/domain"
)

func encodeMeta(m domain.EventMeta) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode event metadata: %w", err)
	}
	return b, nil
}
