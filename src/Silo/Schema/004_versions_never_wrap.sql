-- Grain state versions never wrap into an error. The providers read and send the version as a 32-bit integer
-- (int.Parse of the ETag), so a wider column would not help: a hot product writing 600 times a second would reach
-- 2^31 in about 41 days, and "Version + 1" would then fail every write with "integer out of range". The version
-- only has to differ from the one before it for the ETag check to hold, so after the largest integer it starts
-- again at 1. A stale activation would have to miss exactly 2^31 - 1 writes to be fooled.
CREATE OR REPLACE FUNCTION OrleansNextVersion(version integer) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END;

-- The storage queries of 001, with the wrapping increment.
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
SELECT coalesce((SELECT OrleansNextVersion(Version) FROM deleted), @GrainStateVersion) AS NewGrainStateVersion;
$query$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- A product's own version (its HTTP ETag and the listing's "only newer replaces older") is 64-bit in the grain.
ALTER TABLE catalog_products ALTER COLUMN version TYPE bigint;
