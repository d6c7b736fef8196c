-- Storage lookups that stay on the index when prepared. The silo lets Npgsql prepare the statements it sends all day;
-- PostgreSQL then plans each once for any parameter value (a generic plan). The key test of 001 — "extension = @x, or
-- both NULL" — cannot be an index condition in such a plan, so the lookup matched only the first four key columns: for
-- string-keyed grains (GrainIdN0 = GrainIdN1 = 0) that is every grain of the type, read through and filtered one by
-- one. The identity below is the same one, written so that a single equality per column finds the row: the extension
-- with NULL folded to '' plus whether it is NULL, so NULL and '' stay two different grains.
CREATE UNIQUE INDEX IF NOT EXISTS OrleansStorage_Key
  ON OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1,
                     coalesce(GrainIdExtensionString, ''), (GrainIdExtensionString IS NULL));

DROP INDEX IF EXISTS OrleansStorage_Identity;

-- The storage queries of 004 and 005 with that key test, and the first write's conflict on that index.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', $query$
WITH updated AS (
  UPDATE OrleansStorage
  SET PayloadBinary = @PayloadBinary,
      GrainIdHash = @GrainIdHash,
      GrainTypeHash = @GrainTypeHash,
      ModifiedOn = now(),
      Version = OrleansNextVersion(Version)
  WHERE @GrainStateVersion IS NOT NULL
    AND ServiceId = @ServiceId
    AND GrainTypeString = @GrainTypeString
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND coalesce(GrainIdExtensionString, '') = coalesce(@GrainIdExtensionString, '')
    AND (GrainIdExtensionString IS NULL) = (@GrainIdExtensionString IS NULL)
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
  ON CONFLICT (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1,
               coalesce(GrainIdExtensionString, ''), (GrainIdExtensionString IS NULL)) DO NOTHING
  RETURNING Version
),
appended AS (
  -- The state's outbox goes to the log in the statement that stores the state, and only if it stored it.
  -- A repeat (an event still pending in a later write) is ignored.
  INSERT INTO orderactors_events (service_id, entity_type, entity_id, sequence, type, occurred_at, actor, data)
  SELECT @ServiceId, @GrainTypeString, outbox->>'entityId',
         (event->>'sequence')::bigint, event->>'type', (event->>'at')::timestamptz, event->>'actor', (event->>'data')::jsonb
  FROM (SELECT Version FROM updated UNION ALL SELECT Version FROM inserted) AS written,
       (SELECT orderactors_outbox(@PayloadBinary) AS outbox) AS state,
       jsonb_array_elements(outbox -> 'pending') AS event
  ON CONFLICT (service_id, entity_type, entity_id, sequence) DO NOTHING
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
  AND coalesce(GrainIdExtensionString, '') = coalesce(@GrainIdExtensionString, '')
  AND (GrainIdExtensionString IS NULL) = (@GrainIdExtensionString IS NULL);
$query$),
('ClearStorageKey', $query$
WITH cleared AS (
  UPDATE OrleansStorage
  SET PayloadBinary = NULL,
      ModifiedOn = now(),
      Version = OrleansNextVersion(Version)
  WHERE ServiceId = @ServiceId
    AND GrainTypeString = @GrainTypeString
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND coalesce(GrainIdExtensionString, '') = coalesce(@GrainIdExtensionString, '')
    AND (GrainIdExtensionString IS NULL) = (@GrainIdExtensionString IS NULL)
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
    AND coalesce(GrainIdExtensionString, '') = coalesce(@GrainIdExtensionString, '')
    AND (GrainIdExtensionString IS NULL) = (@GrainIdExtensionString IS NULL)
    AND Version = @GrainStateVersion
  RETURNING Version
)
SELECT coalesce((SELECT OrleansNextVersion(Version) FROM deleted), @GrainStateVersion) AS NewGrainStateVersion;
$query$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
