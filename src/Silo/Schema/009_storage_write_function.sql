-- The storage write as a function call. Npgsql reads the text of every command it sends, to turn the provider's named
-- parameters into PostgreSQL's numbered ones; for the write of schema 6 (over 2,000 characters, its parameters named 24
-- times) that reading was 4-5 % of each silo's CPU in the Black-Friday load (docs/benchmarks.md). The call below is
-- a tenth of that text. PL/pgSQL keeps each statement's plan for the connection, as a prepared statement does, so
-- PostgreSQL still plans the lookup once, through the key index of schema 6.
-- What it does is what schema 6's statement did: the row is updated only at the version the silo read, or inserted
-- only if the silo read none; a first write that lost the race changes nothing; the state's outbox goes to the event
-- log only if the state was stored. It answers the new version, or the one it was given (NULL for a lost first write),
-- which the provider takes as a conflict.
CREATE OR REPLACE FUNCTION orderactors_write_storage(
  p_service_id text, p_grain_type text, p_n0 bigint, p_n1 bigint, p_extension text,
  p_grain_id_hash integer, p_grain_type_hash integer, p_payload bytea, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $function$
DECLARE
  written integer;
BEGIN
  IF p_version IS NOT NULL THEN
    UPDATE OrleansStorage
    SET PayloadBinary = p_payload, GrainIdHash = p_grain_id_hash, GrainTypeHash = p_grain_type_hash,
        ModifiedOn = now(), Version = OrleansNextVersion(Version)
    WHERE ServiceId = p_service_id AND GrainTypeString = p_grain_type AND GrainIdN0 = p_n0 AND GrainIdN1 = p_n1
      AND coalesce(GrainIdExtensionString, '') = coalesce(p_extension, '')
      AND (GrainIdExtensionString IS NULL) = (p_extension IS NULL)
      AND Version = p_version
    RETURNING Version INTO written;
  ELSE
    INSERT INTO OrleansStorage
      (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString, GrainIdHash, GrainTypeHash, PayloadBinary, Version)
    VALUES (p_service_id, p_grain_type, p_n0, p_n1, p_extension, p_grain_id_hash, p_grain_type_hash, p_payload, 1)
    ON CONFLICT (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1,
                 coalesce(GrainIdExtensionString, ''), (GrainIdExtensionString IS NULL)) DO NOTHING
    RETURNING Version INTO written;
  END IF;

  IF written IS NULL THEN
    RETURN p_version;
  END IF;

  -- A repeat (an event still pending in a later write) is ignored.
  INSERT INTO orderactors_events (service_id, entity_type, entity_id, sequence, type, occurred_at, actor, data)
  SELECT p_service_id, p_grain_type, outbox ->> 'entityId', (event ->> 'sequence')::bigint, event ->> 'type',
         (event ->> 'at')::timestamptz, event ->> 'actor', (event ->> 'data')::jsonb
  FROM (SELECT orderactors_outbox(p_payload) AS outbox) AS state,
       jsonb_array_elements(outbox -> 'pending') AS event
  ON CONFLICT (service_id, entity_type, entity_id, sequence) DO NOTHING;
  RETURN written;
END
$function$;

UPDATE OrleansQuery SET QueryText = $query$
SELECT orderactors_write_storage(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
  @GrainIdHash, @GrainTypeHash, @PayloadBinary, @GrainStateVersion) AS NewGrainStateVersion;
$query$
WHERE QueryKey = 'WriteToStorageKey';
