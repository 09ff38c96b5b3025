package correlate

import (
	"encoding/json"

	jsonv2 "github.com/goccy/go-json/v2"
)

// parseObject parses the JSON text of an object, as encoding/json's
// Unmarshal into a map[string]any would (nil when that fails).
//
// The text is what appendJSON wrote: compact and valid. goccy's decoder
// (the event decoder's) builds the map several times faster than
// encoding/json, which matters because every match and every step
// condition applied later decodes its events' objects again. It is
// stricter than encoding/json (invalid UTF-8, duplicate names): whatever
// it refuses goes to encoding/json, so the result is always json's
// (FuzzParseObject compares the two).
func parseObject(s string) map[string]any {
	var m map[string]any
	if jsonv2.Unmarshal([]byte(s), &m) == nil && m != nil {
		return m
	}
	m = nil
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}
