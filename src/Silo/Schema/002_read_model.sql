-- Read model for listings: grains stay the source of truth and project their state here after each change
-- (eventually consistent, within a second). Everything here can be rebuilt from OrleansStorage.

CREATE TABLE IF NOT EXISTS catalog_products
(
  service_id text NOT NULL,
  sku text NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  price numeric(14, 2) NOT NULL,
  currency char(3) NOT NULL,
  available integer NOT NULL,
  active boolean NOT NULL,
  -- The product's own version: a projection only ever replaces an older one, whatever order they arrive in.
  version integer NOT NULL,
  PRIMARY KEY (service_id, sku)
);

CREATE TABLE IF NOT EXISTS customer_orders
(
  service_id text NOT NULL,
  order_id text NOT NULL,
  customer_id text NOT NULL,
  status text NOT NULL,
  total numeric(14, 2) NOT NULL,
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL,
  PRIMARY KEY (service_id, order_id)
);

-- Newest first per customer, with the order id breaking ties so the cursor is exact.
CREATE INDEX IF NOT EXISTS customer_orders_by_customer
  ON customer_orders (service_id, customer_id, created_at DESC, order_id DESC);
