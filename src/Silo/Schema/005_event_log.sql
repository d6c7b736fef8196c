-- The event log: every domain event of every product and order, in one table per database. Grains keep their new
-- events in an outbox inside their state; the storage write below appends them here in the same statement, so an
-- event is in the log exactly when the change that caused it is stored, even if every silo dies right after.
CREATE TABLE IF NOT EXISTS orderactors_events
(
  -- Global order for paging. A reader must not pass a position whose transaction may still be open (see
  -- transaction_id): positions are taken at insert, and commit in any order.
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id text NOT NULL,
  -- The grain type ('order', 'product') and its key.
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  -- Gap-free per entity, from 1: a consumer that sees 5 after 3 knows it missed 4.
  sequence bigint NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor text NOT NULL,
  data jsonb NOT NULL,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (service_id, entity_type, entity_id, sequence)
);

CREATE INDEX IF NOT EXISTS orderactors_events_by_service ON orderactors_events (service_id, position);

-- The outbox of a stored state: our states are JSON with an "outbox" member; any other payload (a state without
-- one, a provider's binary test data) has none. Only the parse is guarded, and only for text that is not JSON.
CREATE OR REPLACE FUNCTION orderactors_outbox(payload bytea) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $function$
BEGIN
  IF payload IS NULL OR position('"outbox"'::bytea IN payload) = 0 THEN
    RETURN NULL;
  END IF;
  BEGIN
    RETURN convert_from(payload, 'UTF8')::jsonb -> 'outbox';
  EXCEPTION WHEN invalid_text_representation OR character_not_in_repertoire THEN
    RETURN NULL;
  END;
END
$function$;

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
$query$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
