// Package org defines the resource hierarchy Gatehouse guards: organizations,
// organizational units (Aiven's "accounts"), projects and services, with the
// validation rules and identifier shapes of Aiven's public API.
package org

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"
)

// Organization is the top of the hierarchy. Its AccountID names the root
// unit, which Aiven exposes as an account without a parent.
type Organization struct {
	ID         string
	Name       string
	Tier       string
	AccountID  string
	CreateTime time.Time
	UpdateTime time.Time
}

// Unit is an organizational unit (an Aiven account). ParentID is empty for
// an organization's root account and otherwise names another unit of the
// same organization.
type Unit struct {
	ID             string
	OrganizationID string
	Name           string
	ParentID       string
	CreateTime     time.Time
	UpdateTime     time.Time
}

// IsRoot reports whether u is the organization's root account.
func (u Unit) IsRoot() bool { return u.ParentID == "" }

// Project groups services. Its name is its identifier and is unique across
// the whole installation, as on Aiven. ParentID is the organization ID or a
// unit ID.
type Project struct {
	// ID is internal and never changes: what outlives the name (events
	// are keyed by it, so a later project with a freed name starts with
	// an empty log).
	ID             string
	Name           string
	OrganizationID string
	ParentID       string
	AccountID      string // the unit the project sits in (root account when directly under the organization)
	BillingGroupID string
	DefaultCloud   string
	BasePort       *int
	Tags           map[string]string
	TechEmails     []string
	CreateTime     time.Time
	UpdateTime     time.Time
}

// Service is a managed data service registered under a project. Gatehouse
// does not provision it; it is what service users, Kafka ACLs and
// service-level permissions attach to.
type Service struct {
	Project               string
	Name                  string
	Type                  string
	Plan                  string
	Cloud                 string
	Tags                  map[string]string
	TechEmails            []string
	TerminationProtection bool
	UserConfig            map[string]any
	CreateTime            time.Time
	UpdateTime            time.Time
}

// Limits of the hierarchy.
const (
	// MaxUnitDepth is how deep units may nest below the root account.
	MaxUnitDepth = 10
)

// Sentinel errors of the hierarchy's rules.
var (
	ErrInvalid     = errors.New("invalid")
	ErrCycle       = errors.New("move would create a cycle")
	ErrTooDeep     = errors.New("units nest too deep")
	ErrNotEmpty    = errors.New("not empty")
	ErrCrossTenant = errors.New("belongs to another organization")
)

// NewID returns a random identifier of Aiven's shape: prefix followed by
// hex digits ("org" for organizations, "a" for units, "u" for users, "ug"
// for groups).
func NewID(prefix string) string {
	var b [7]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}

// Identifier prefixes.
const (
	PrefixOrganization = "org"
	PrefixUnit         = "a"
	PrefixUser         = "u"
	PrefixGroup        = "ug"
	PrefixProject      = "prj"
)
