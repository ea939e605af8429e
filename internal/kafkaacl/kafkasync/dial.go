package kafkasync

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// ErrConfig reports connection settings that cannot work (no brokers, an
// unknown SASL mechanism).
var ErrConfig = errors.New("kafkasync: invalid connection settings")

// Cluster says how to reach a Kafka cluster's Admin API.
type Cluster struct {
	BootstrapServers []string // host:port
	// SASLMechanism is "", "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512".
	SASLMechanism string
	Username      string
	Password      string
	TLS           bool
}

func (c Cluster) mechanism() (sasl.Mechanism, error) {
	switch strings.ToUpper(c.SASLMechanism) {
	case "":
		return nil, nil
	case "PLAIN":
		return plain.Auth{User: c.Username, Pass: c.Password}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: c.Username, Pass: c.Password}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: c.Username, Pass: c.Password}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("%w: sasl_mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not %q", ErrConfig, c.SASLMechanism)
}

// Dial returns an Admin API client for c and a function that closes it.
// Connecting happens lazily, on the first request; every connection to a
// broker (the seeds and the brokers they name) goes through d, whose
// Control hook may refuse the address.
func Dial(c Cluster, d *net.Dialer) (*kadm.Client, func(), error) {
	if len(c.BootstrapServers) == 0 {
		return nil, nil, fmt.Errorf("%w: bootstrap_servers must name at least one broker (host:port)", ErrConfig)
	}
	for _, b := range c.BootstrapServers {
		if !strings.Contains(b, ":") {
			return nil, nil, fmt.Errorf("%w: bootstrap server %q must be host:port", ErrConfig, b)
		}
	}
	mech, err := c.mechanism()
	if err != nil {
		return nil, nil, err
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.BootstrapServers...),
		kgo.RetryTimeout(10 * time.Second),
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	if c.TLS {
		td := &tls.Dialer{NetDialer: d, Config: &tls.Config{MinVersion: tls.VersionTLS12}}
		opts = append(opts, kgo.Dialer(td.DialContext))
	} else {
		opts = append(opts, kgo.Dialer(d.DialContext))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return kadm.NewClient(cl), cl.Close, nil
}
