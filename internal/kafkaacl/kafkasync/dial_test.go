package kafkasync

import (
	"errors"
	"net"
	"testing"
)

func TestDialRefusesUnworkableSettings(t *testing.T) {
	cases := []struct {
		name string
		c    Cluster
	}{
		{"no brokers", Cluster{}},
		{"broker without port", Cluster{BootstrapServers: []string{"kafka.example.com"}}},
		{"unknown SASL mechanism", Cluster{BootstrapServers: []string{"127.0.0.1:9092"}, SASLMechanism: "GSSAPI"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := Dial(c.c, &net.Dialer{}); !errors.Is(err, ErrConfig) {
				t.Fatalf("Dial = %v, want ErrConfig", err)
			}
		})
	}
	for _, mech := range []string{"", "PLAIN", "scram-sha-256", "SCRAM-SHA-512"} {
		adm, closeClient, err := Dial(Cluster{BootstrapServers: []string{"127.0.0.1:9092"}, SASLMechanism: mech, Username: "u", Password: "p"}, &net.Dialer{})
		if err != nil || adm == nil {
			t.Fatalf("mechanism %q: %v", mech, err)
		}
		closeClient()
	}
}
