package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const fixture = `{
 "version": "2.0",
 "metadata": {"apiVersion": "2020-01-01", "protocol": "query", "serviceFullName": "Test Service",
   "xmlNamespace": "urn:test", "signingName": "test", "serviceId": "Test", "endpointPrefix": "test", "uid": "x"},
 "operations": {
  "Put": {"name": "Put", "http": {"method": "POST", "requestUri": "/"},
   "input": {"shape": "PutInput", "locationName": "PutRequest", "xmlNamespace": {"uri": "urn:ns"}},
   "output": {"shape": "PutOutput", "resultWrapper": "PutResult"},
   "errors": [{"shape": "NotFound"}], "documentation": "<p>Puts.</p>"}
 },
 "shapes": {
  "PutInput": {"type": "structure", "required": ["Zeta"], "documentation": "<p>in</p>",
   "members": {"Zeta": {"shape": "S", "documentation": "<p>z</p>"}, "Alpha": {"shape": "L", "locationName": "alpha"},
               "Mid": {"shape": "S", "location": "header", "locationName": "x-mid"}}},
  "PutOutput": {"type": "structure", "members": {"When": {"shape": "T"}}},
  "L": {"type": "list", "member": {"shape": "S", "locationName": "Item"}, "flattened": true, "max": 5},
  "S": {"type": "string", "enum": ["a", "b"], "pattern": "^[a-z<>]+$", "sensitive": true},
  "T": {"type": "timestamp", "timestampFormat": "iso8601"},
  "NotFound": {"type": "structure", "members": {}, "error": {"code": "NF", "httpStatusCode": 404, "senderFault": true}, "exception": true},
  "Unused": {"type": "string", "documentation": "<p>never referenced</p>"}
 }
}`

func TestTrim(t *testing.T) {
	out, err := trim([]byte(fixture), "by test")
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	tests := []struct {
		name string
		ok   bool
	}{
		{"no documentation", !strings.Contains(text, "documentation")},
		{"unreachable shape dropped", !strings.Contains(text, `"Unused"`)},
		{"dropped metadata", !strings.Contains(text, "serviceFullName") && !strings.Contains(text, `"uid"`)},
		{"header field", strings.HasPrefix(text, `{"_generated":"by test",`)},
		{"member order kept", strings.Contains(text, `"members":[{"name":"Zeta","shape":"S"},{"name":"Alpha","shape":"L","locationName":"alpha"},{"name":"Mid","shape":"S","locationName":"x-mid","location":"header"}]`)},
		{"namespace flattened", strings.Contains(text, `"xmlNamespace":"urn:ns"`)},
		{"result wrapper", strings.Contains(text, `"resultWrapper":"PutResult"`)},
		{"list traits", strings.Contains(text, `"L":{"type":"list","member":{"shape":"S","locationName":"Item"},"flattened":true,"max":5}`)},
		{"no HTML escaping", strings.Contains(text, `"pattern":"^[a-z<>]+$"`)},
		{"error info", strings.Contains(text, `"error":{"code":"NF","httpStatusCode":404,"senderFault":true},"exception":true`)},
		{"valid JSON", json.Valid(out)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("output:\n%s", text)
			}
		})
	}
	t.Run("deterministic", func(t *testing.T) {
		again, err := trim([]byte(fixture), "by test")
		if err != nil || !bytes.Equal(out, again) {
			t.Errorf("second run differs (err %v)", err)
		}
	})
	t.Run("dangling reference", func(t *testing.T) {
		bad := strings.Replace(fixture, `"When": {"shape": "T"}`, `"When": {"shape": "Missing"}`, 1)
		if _, err := trim([]byte(bad), "x"); err == nil {
			t.Error("trim accepted a reference to a missing shape")
		}
	})
}
