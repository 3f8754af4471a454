-- backup-e2e seed schema (MariaDB): the same four related tables as
-- postgres.sql, filled with high-entropy random content by helpers/db
-- (multi-row INSERT), sized by profile.
CREATE TABLE customers (
    id          BIGINT PRIMARY KEY,
    name        VARCHAR(64) NOT NULL,
    email       VARCHAR(128) NOT NULL,
    created_at  DATETIME NOT NULL,
    notes       TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE products (
    id          BIGINT PRIMARY KEY,
    sku         VARCHAR(32) NOT NULL,
    title       VARCHAR(128) NOT NULL,
    price_cents BIGINT NOT NULL,
    description TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (
    id          BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    product_id  BIGINT NOT NULL,
    quantity    INT NOT NULL,
    placed_at   DATETIME NOT NULL,
    payload     BLOB NOT NULL,
    FOREIGN KEY (customer_id) REFERENCES customers(id),
    FOREIGN KEY (product_id) REFERENCES products(id)
) ENGINE=InnoDB;
CREATE TABLE order_events (
    id          BIGINT PRIMARY KEY,
    order_id    BIGINT NOT NULL,
    kind        VARCHAR(16) NOT NULL,
    at          DATETIME NOT NULL,
    body        TEXT NOT NULL,
    FOREIGN KEY (order_id) REFERENCES orders(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
