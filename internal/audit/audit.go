// Package audit defines the event log entries every mutation writes, in the
// same transaction as the change itself.
package audit

import "time"

// Event is one entry of the event log. OrganizationID is always set;
// AccountID names the unit (or root account) the target lives in; Project
// and Service are set for project and service events.
type Event struct {
	ID             int64
	OrganizationID string
	AccountID      string
	Project        string
	Service        string
	ActorUserID    string
	ActorEmail     string
	ActionType     string
	Description    string
	ClientIP       string
	CreateTime     time.Time
}
