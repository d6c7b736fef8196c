-- The log's readers follow commit order: by the transaction that stored an event, then its position (see
-- src/Silo/Events/PostgresEventLog.cs). Position alone is not that order: a position is taken when its row is
-- inserted, and a transaction holding a smaller one can commit after a larger one was read. Readers page through
-- this index from their place; the position-only index of 005 is no reader's order any more.
CREATE INDEX IF NOT EXISTS orderactors_events_commit_order ON orderactors_events (service_id, transaction_id, position);

DROP INDEX IF EXISTS orderactors_events_by_service;
