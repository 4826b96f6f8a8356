// Package casework owns the casework knowledge base (经验案例): cases, review, entities, discussion, follows and the feed.
package casework
