-- backup-e2e seed schema (PostgreSQL): four related tables, filled with
-- high-entropy random content by helpers/db (COPY), sized by profile.
CREATE TABLE customers (
    id          bigint PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL,
    created_at  timestamptz NOT NULL,
    notes       text NOT NULL
);
CREATE TABLE products (
    id          bigint PRIMARY KEY,
    sku         text NOT NULL,
    title       text NOT NULL,
    price_cents bigint NOT NULL,
    description text NOT NULL
);
CREATE TABLE orders (
    id          bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id),
    product_id  bigint NOT NULL REFERENCES products(id),
    quantity    integer NOT NULL,
    placed_at   timestamptz NOT NULL,
    payload     bytea NOT NULL
);
CREATE TABLE order_events (
    id          bigint PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders(id),
    kind        text NOT NULL,
    at          timestamptz NOT NULL,
    body        text NOT NULL
);
