// Package mailin receives official documents by e-mail (收文): it reads
// each receiving office's IMAP mailbox (IDLE where the server has it,
// polling otherwise), parses every message — Chinese charsets, RFC 2231 and
// RFC 2047 attachment names, nested multiparts — and turns it, exactly
// once, into an item of the office's 收文 queue (hooks/approval's inbound)
// with its attachments stored through the files service, or quarantines it
// with the reason when it is broken, hostile or marked classified. The raw
// message is kept for the raw_mail retention period.
package mailin
