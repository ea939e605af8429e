// Package audit defines the event log entries every mutation writes, in the
// same transaction as the change itself.
package audit

import "time"

// Event is one entry of the event log. OrganizationID is always set;
// AccountID names the unit (or root account) the target lives in; Project
// and Service are set for project and service events; ProjectID is the
// project's internal ID (org.Project.ID), by which a project's log is
// read: Project is its name when the event happened.
type Event struct {
	ID             int64
	OrganizationID string
	AccountID      string
	ProjectID      string
	Project        string
	Service        string
	ActorUserID    string
	ActorEmail     string
	ActionType     string
	Description    string
	ClientIP       string
	CreateTime     time.Time
}
