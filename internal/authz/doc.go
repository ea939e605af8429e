// Package authz is Gatehouse's decision engine: a pure, in-memory model of
// Aiven's RBAC (organizations, nested units, projects, services; users,
// groups, super admins; roles and granular permissions granted at any level
// and inherited downward) that answers access questions without I/O.
//
// The store feeds it facts — a Snapshot at start, then Changes stamped with
// a revision — and it keeps an immutable Index per revision. The records
// live in versioned vectors shared by every revision (vvec.go): Index.Apply
// replaces each record a change touches by a new version stamped with the
// new revision, and an Index reads the newest version at or below its own
// revision, so an Engine can publish each revision with one atomic pointer
// swap while readers keep querying the previous one without locks, and a
// batch becomes visible only as a whole. Versions no held Index can read
// are dropped.
//
// Semantics, following Aiven: grants are cumulative and never deny; a grant
// on a node applies to its whole subtree; a user's effective permissions on
// a node are the union over the node and its ancestors of the sets granted
// to the user and to each of its groups, after role expansion (catalogue.go
// is the single source of truth for strings, roles and their contents). A
// super admin of the organization may do everything; a deactivated or
// unknown user, or an unknown resource, is denied everything.
//
// The engine trusts the caller for policy such as "which permissions make
// sense at which level" or "units nest at most 10 deep": it stores what it
// is given and only skips facts that cannot be represented (dangling
// references, cycles, non-grantable sets), reporting them from the
// *Checked variants.
package authz
