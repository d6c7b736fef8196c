-- The storage write of schema 6 reaches PostgreSQL as a prepared statement (Npgsql prepares what a silo sends all day),
-- and PostgreSQL still planned it again for every write. Declared IMMUTABLE, orderactors_outbox was run by the planner
-- on each write's own payload; the custom plans that came out of that looked cheaper than the generic plan, so the plan
-- cache never settled on the generic one, and planning this statement took about a third of PostgreSQL's time under a
-- cart-write load. STABLE keeps the function out of planning (it runs once per write, when the statement executes); after
-- its first five writes a connection keeps the generic plan, which finds the row through the key index (schema 6).
ALTER FUNCTION orderactors_outbox(bytea) STABLE;
