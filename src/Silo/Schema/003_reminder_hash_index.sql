-- Key lookups of one reminder (read, delete) must use the primary key whatever the statistics say. Led by
-- ServiceId, the hash index matched them too, and a planner that still believed the table small (it grew since
-- its last ANALYZE, as it does when a sale starts) picked it and walked every reminder of the service for one
-- key: 20 ms instead of 0.1 ms per unregistered reminder in the bench. Led by GrainHash, it only serves the
-- range reads it exists for (ReadRangeRows1Key and ReadRangeRows2Key).
DROP INDEX IF EXISTS OrleansReminders_GrainHash;
CREATE INDEX IF NOT EXISTS OrleansReminders_HashRange ON OrleansReminders (GrainHash, ServiceId);
