-- The event log's retention (src/Silo/Events/PostgresEventLog.cs, Trim) deletes old events that every reader has
-- passed. Each deletion records here, in the same statement, the place in log order of the newest event it deleted:
-- a reader whose place is before it has lost events (the feed answers such a cursor 410), and `verify` knows which
-- events may be missing, and from when.
CREATE TABLE IF NOT EXISTS orderactors_events_horizon
(
  service_id text PRIMARY KEY,
  transaction_id xid8 NOT NULL,
  position bigint NOT NULL,
  -- Every deleted event happened before this.
  trimmed_before timestamptz NOT NULL
);
