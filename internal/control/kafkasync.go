package control

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl/kafkasync"
	"github.com/gatehouse-dev/gatehouse/internal/outbound"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// KafkaCluster says how to reach a Kafka cluster's Admin API. The
// credentials are used for this one call and never stored or logged.
type KafkaCluster struct {
	kafkasync.Cluster
	// KeepPrincipals are principals (e.g. "User:operator") whose bindings
	// the sync neither reports nor deletes.
	KeepPrincipals []string
}

// KafkaSyncResult is what a sync changed, or would change on a dry run.
type KafkaSyncResult struct {
	DryRun         bool
	Created        []kafkasync.Binding
	Deleted        []kafkasync.Binding
	NotExpressible []kafkasync.NotExpressible
}

const kafkaSyncTimeout = 60 * time.Second

// SyncKafka makes a Kafka cluster's ACL bindings match the service's
// entries (or, with dryRun, reports the drift without changing anything).
// Wildcard entries Kafka cannot express are listed and get no bindings.
func (p *Plane) SyncKafka(ctx context.Context, a *Actor, project, service string, c KafkaCluster, dryRun bool) (KafkaSyncResult, error) {
	res, err := p.syncKafka(ctx, a, project, service, c, dryRun)
	p.obs.Call("kafka", callResult(err))
	return res, err
}

func (p *Plane) syncKafka(ctx context.Context, a *Actor, project, service string, c KafkaCluster, dryRun bool) (KafkaSyncResult, error) {
	res := KafkaSyncResult{DryRun: dryRun}
	adm, closeClient, err := kafkasync.Dial(c.Cluster, p.cfg.outbound.Dialer(10*time.Second))
	if err != nil {
		return res, fail(ErrInvalid, "%s", strings.TrimPrefix(err.Error(), kafkasync.ErrConfig.Error()+": "))
	}
	defer closeClient()
	var (
		rules kafkaacl.Rules
		orgID string
		accID string
	)
	err = p.read(ctx, func(tx store.Reader) error {
		pr, s, err := p.kafkaService(tx, a, OpServiceKafkaAclSync, project, service)
		if err != nil {
			return err
		}
		orgID, accID, project, service = pr.OrganizationID, pr.AccountID, pr.Name, s.Name
		rows, err := tx.ListKafkaACLs(s.Project, s.Name)
		if err != nil {
			return err
		}
		rules, err = rulesOf(rows)
		return err
	})
	if err != nil {
		return res, err
	}

	sctx, cancel := context.WithTimeout(ctx, kafkaSyncTimeout)
	defer cancel()
	keep := kafkasync.KeepPrincipals(c.KeepPrincipals...)

	if dryRun {
		d, err := kafkasync.CheckDrift(sctx, adm, rules, keep)
		if err != nil {
			return res, kafkaUnavailable(err)
		}
		res.Created, res.Deleted, res.NotExpressible = d.Create, d.Delete, d.NotExpressible
		return res, nil
	}
	r, syncErr := kafkasync.Sync(sctx, adm, rules, keep)
	res.Created, res.Deleted, res.NotExpressible = r.Created, r.Deleted, r.NotExpressible
	// Record what happened even when the sync stopped half-way: the
	// cluster changed either way.
	if len(res.Created)+len(res.Deleted) > 0 || syncErr == nil {
		desc := fmt.Sprintf("Synced the ACLs of service %q to Kafka at %s: %d bindings created, %d deleted, %d entries not expressible",
			service, strings.Join(c.BootstrapServers, ","), len(res.Created), len(res.Deleted), len(res.NotExpressible))
		if syncErr != nil {
			desc += " (stopped early: " + kafkaFailure(syncErr) + ")"
		}
		if err := p.write(context.WithoutCancel(ctx), func(tx store.Tx) error {
			return p.event(tx, a, eventOf{org: orgID, account: accID, project: project, service: service, action: "kafka_acl_sync", desc: desc})
		}); err != nil {
			p.log.Error("recording a Kafka ACL sync failed", "err", err)
		}
	}
	if syncErr != nil {
		return res, kafkaUnavailable(syncErr)
	}
	return res, nil
}

// kafkaUnavailable reports a failure talking to the cluster as a 502.
func kafkaUnavailable(err error) error { return fail(ErrUpstream, "Kafka: %s", kafkaFailure(err)) }

// kafkaFailure describes a failure talking to a cluster in words from a
// fixed set: Kafka's own error codes, or what went wrong connecting. What
// a peer that is not a Kafka broker answered (the client quotes its bytes
// as a message size) never leaves, so a sync cannot read other services.
func kafkaFailure(err error) string {
	var (
		ke     *kerr.Error
		dnsErr *net.DNSError
		netErr net.Error
	)
	switch {
	case errors.Is(err, outbound.ErrRefused):
		return "a broker's address is outside the networks this server may connect to (GATEHOUSE_OUTBOUND_ALLOW)"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("the cluster did not answer within %s", kafkaSyncTimeout)
	case errors.As(err, &ke):
		return ke.Message + ": " + ke.Description
	case errors.As(err, &dnsErr):
		return "a broker's host name does not resolve"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	}
	return "the server did not answer as a Kafka broker"
}
