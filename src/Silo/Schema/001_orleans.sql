-- Orleans ADO.NET grain storage and reminders for PostgreSQL 15+.
-- Safe to run again: every statement is idempotent, and stored query text is replaced on re-run.

-- The providers read their SQL from here at start-up, by key.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
  QueryKey varchar(64) PRIMARY KEY,
  QueryText text NOT NULL
);

CREATE TABLE IF NOT EXISTS OrleansStorage
(
  ServiceId text NOT NULL,
  GrainTypeString text NOT NULL,
  GrainIdN0 bigint NOT NULL,
  GrainIdN1 bigint NOT NULL,
  -- NULL for grains without a key extension.
  GrainIdExtensionString text NULL,
  -- Sent by the provider and kept for ad-hoc queries; lookups go through the identity index,
  -- so changing the provider's hasher can never hide a row.
  GrainIdHash integer NOT NULL,
  GrainTypeHash integer NOT NULL,
  -- NULL after a clear: the row keeps its version so the ETag check still holds.
  PayloadBinary bytea NULL,
  ModifiedOn timestamptz NOT NULL DEFAULT now(),
  Version integer NOT NULL
);

-- One row per grain state. NULLS NOT DISTINCT makes a NULL extension count as a value, so two
-- concurrent first writes of the same grain collide here instead of both inserting.
CREATE UNIQUE INDEX IF NOT EXISTS OrleansStorage_Identity
  ON OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString)
  NULLS NOT DISTINCT;

CREATE TABLE IF NOT EXISTS OrleansReminders
(
  ServiceId text NOT NULL,
  GrainId text NOT NULL,
  ReminderName text NOT NULL,
  StartTime timestamptz NOT NULL,
  -- Milliseconds.
  Period bigint NOT NULL,
  GrainHash integer NOT NULL,
  Version integer NOT NULL,
  PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Each silo reads the reminders of its slice of the hash ring.
CREATE INDEX IF NOT EXISTS OrleansReminders_GrainHash ON OrleansReminders (ServiceId, GrainHash);

-- Storage queries. The writes always return exactly one row: the new version when the row changed,
-- otherwise the version the caller sent (NULL for a first write). The provider treats "same as sent"
-- and NULL as an ETag conflict, whereas returning no row or the stored version could pass unnoticed.
-- The extension is matched with "= or both NULL" rather than IS NOT DISTINCT FROM so the index is used.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', $query$
WITH updated AS (
  UPDATE OrleansStorage
  SET PayloadBinary = @PayloadBinary,
      GrainIdHash = @GrainIdHash,
      GrainTypeHash = @GrainTypeHash,
      ModifiedOn = now(),
      Version = Version + 1
  WHERE @GrainStateVersion IS NOT NULL
    AND ServiceId = @ServiceId
    AND GrainTypeString = @GrainTypeString
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND (GrainIdExtensionString = @GrainIdExtensionString
         OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL))
    AND Version = @GrainStateVersion
  RETURNING Version
),
inserted AS (
  -- A concurrent first write that lost the race inserts nothing, and returns NULL below.
  INSERT INTO OrleansStorage
    (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString,
     GrainIdHash, GrainTypeHash, PayloadBinary, Version)
  SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
         @GrainIdHash, @GrainTypeHash, @PayloadBinary, 1
  WHERE @GrainStateVersion IS NULL
  ON CONFLICT (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString) DO NOTHING
  RETURNING Version
)
SELECT coalesce((SELECT Version FROM updated), (SELECT Version FROM inserted), @GrainStateVersion)
  AS NewGrainStateVersion;
$query$),
('ReadFromStorageKey', $query$
SELECT PayloadBinary, ModifiedOn, Version
FROM OrleansStorage
WHERE ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString
  AND GrainIdN0 = @GrainIdN0
  AND GrainIdN1 = @GrainIdN1
  AND (GrainIdExtensionString = @GrainIdExtensionString
       OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL));
$query$),
('ClearStorageKey', $query$
WITH cleared AS (
  UPDATE OrleansStorage
  SET PayloadBinary = NULL,
      ModifiedOn = now(),
      Version = Version + 1
  WHERE ServiceId = @ServiceId
    AND GrainTypeString = @GrainTypeString
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND (GrainIdExtensionString = @GrainIdExtensionString
         OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL))
    AND Version = @GrainStateVersion
  RETURNING Version
)
SELECT coalesce((SELECT Version FROM cleared), @GrainStateVersion) AS NewGrainStateVersion;
$query$),
('DeleteStorageKey', $query$
WITH deleted AS (
  DELETE FROM OrleansStorage
  WHERE ServiceId = @ServiceId
    AND GrainTypeString = @GrainTypeString
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND (GrainIdExtensionString = @GrainIdExtensionString
         OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL))
    AND Version = @GrainStateVersion
  RETURNING Version
)
SELECT coalesce((SELECT Version + 1 FROM deleted), @GrainStateVersion) AS NewGrainStateVersion;
$query$),

-- Reminder queries. The provider reads result columns by name, so the names below are the contract.
('UpsertReminderRowKey', $query$
INSERT INTO OrleansReminders (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
SET StartTime = excluded.StartTime,
    Period = excluded.Period,
    GrainHash = excluded.GrainHash,
    Version = OrleansReminders.Version + 1
RETURNING Version;
$query$),
('ReadReminderRowsKey', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansReminders
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
$query$),
('ReadReminderRowKey', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansReminders
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
$query$),
('ReadRangeRows1Key', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansReminders
WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
$query$),
-- The provider picks this one when the range wraps past the end of the (signed) hash ring.
('ReadRangeRows2Key', $query$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansReminders
WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$query$),
-- The provider expects exactly one row with one value: rows deleted (0 = version mismatch or gone).
('DeleteReminderRowKey', $query$
WITH deleted AS (
  DELETE FROM OrleansReminders
  WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName
    AND Version = @Version
  RETURNING 1
)
SELECT count(*)::integer AS DeletedCount FROM deleted;
$query$),
('DeleteReminderRowsKey', $query$
DELETE FROM OrleansReminders WHERE ServiceId = @ServiceId;
$query$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
