package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile("../../deploy/mcpsoc.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig("mcpsoc.example.yaml", data, env(map[string]string{"MCPSOC_KAFKA_SASL_PASSWORD": "s3cret"}))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if c.Kafka.SASL.Password != "s3cret" || c.Kafka.GroupID != "mcpsoc" || c.Detection.AllowedLateness != 2*time.Minute {
		t.Errorf("example config parsed as %+v", c)
	}
	// Every field of Config is shown in the example, so the example stays
	// the reference.
	for _, key := range yamlKeys(reflect.TypeOf(Config{}), "") {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(string(data), leaf+":") {
			t.Errorf("deploy/mcpsoc.example.yaml does not show %s", key)
		}
	}
}

func yamlKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Duration(0)) {
			out = append(out, yamlKeys(ft, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		wantErr []string
		check   func(*testing.T, *Config)
	}{
		{name: "empty file means defaults", yaml: "", check: func(t *testing.T, c *Config) {
			if len(c.Kafka.Brokers) != 0 || c.Kafka.Topics[0] != "mcp.audit" || c.Kafka.DeadLetterTopic != "mcp.audit.dlq" || !*c.Sinks.Stdout {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{name: "file sink turns stdout off", yaml: "sinks: {file: /tmp/a.jsonl}", check: func(t *testing.T, c *Config) {
			if *c.Sinks.Stdout {
				t.Error("stdout on with a file sink")
			}
		}},
		{name: "unknown key", yaml: "kafka: {brokerz: [a:1]}", wantErr: []string{"field brokerz not found"}},
		{name: "every problem at once", yaml: `
kafka:
  brokers: [nohost]
  start_offset: middle
  sasl: {mechanism: gssapi}
log: {level: loud}
`, wantErr: []string{"kafka.brokers[0]", "kafka.start_offset", "kafka.sasl.mechanism", "log.level"}},
		{name: "sasl needs credentials", yaml: "kafka: {brokers: [k:9092], sasl: {mechanism: plain}}", wantErr: []string{"needs a username and a password"}},
		{name: "sasl from the environment", yaml: "kafka: {brokers: [k:9092], sasl: {mechanism: scram-sha-256}}",
			env: map[string]string{"MCPSOC_KAFKA_SASL_USERNAME": "u", "MCPSOC_KAFKA_SASL_PASSWORD": "p"},
			check: func(t *testing.T, c *Config) {
				if c.Kafka.SASL.Username != "u" || c.Kafka.SASL.Password != "p" {
					t.Errorf("sasl = %+v", c.Kafka.SASL)
				}
			}},
		{name: "dead-letter topic is an input", yaml: "kafka: {topics: [a], dead_letter_topic: a}", wantErr: []string{"also an input topic"}},
		{name: "no sink", yaml: "sinks: {stdout: false}", wantErr: []string{"no sink enabled"}},
		{name: "tls without brokers", yaml: "kafka: {tls: {enabled: true}}", wantErr: []string{"embedded broker speaks neither"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig("c.yaml", []byte(tt.yaml), env(tt.env))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("ParseConfig = nil error, want %q", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}
