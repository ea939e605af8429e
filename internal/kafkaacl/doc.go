// Package kafkaacl models a Kafka service's access-control lists the way
// Aiven exposes them and decides requests against them.
//
// Three kinds of rule exist side by side on a service:
//
//   - [Entry]: Aiven's ACL (username glob, permission, topic glob);
//   - [NativeEntry]: a Kafka-native binding (principal, host, resource,
//     pattern type, operation, ALLOW or DENY);
//   - [SchemaRegistryEntry]: a Karapace/Schema Registry ACL.
//
// [New] compiles them into an immutable [Authorizer]. A DENY in either Kafka
// model wins over an ALLOW in both; no match means deny. When rules change,
// build a new Authorizer and swap it in (for example with atomic.Pointer):
// the verdict cache belongs to the Authorizer, so a rebuild invalidates it
// wholesale and no stale verdict can survive a rule change.
//
// The permission → Kafka operation mapping lives in one table,
// [PermissionTable]; docs/kafka-acl.md mirrors it and a test keeps the two
// in step.
package kafkaacl
