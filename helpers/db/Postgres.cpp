#include "db/Postgres.hpp"

#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"

#include <libpq-fe.h>
#include <set>
#include <sstream>

namespace e2e {

namespace {

struct PgResult {
    PGresult* r;
    ~PgResult() { PQclear(r); }
};

// Random printable text from a seeded stream: no repeated filler.
std::string randomText(Rng& rng, std::size_t n) {
    static const char* alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-";
    std::string s(n, ' ');
    for (auto& c : s) c = alpha[rng.below(66)];
    return s;
}

std::string randomHex(Rng& rng, std::size_t bytes) {
    static const char* h = "0123456789abcdef";
    std::string s;
    s.reserve(bytes * 2 + 3);
    s += "\\\\x";   // COPY text format: \\x then hex = bytea
    for (std::size_t i = 0; i < bytes; ++i) {
        auto v = rng.next() & 0xff;
        s += h[v >> 4];
        s += h[v & 15];
    }
    return s;
}

std::string timestamp(Rng& rng) {
    std::ostringstream s;
    s << 2020 + rng.below(6) << "-" << 1 + rng.below(12) << "-" << 1 + rng.below(28) << " " << rng.below(24) << ":" << rng.below(60) << ":"
      << rng.below(60) << "+00";
    return s.str();
}

}  // namespace

Postgres::Postgres(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string e = PQerrorMessage(conn_);
        PQfinish(conn_);
        conn_ = nullptr;
        throw DbError("cannot connect to PostgreSQL: " + e);
    }
}

Postgres::~Postgres() {
    if (conn_) PQfinish(conn_);
}

void Postgres::exec(const std::string& sql) {
    PgResult r{PQexec(conn_, sql.c_str())};
    auto st = PQresultStatus(r.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw DbError("PostgreSQL: " + std::string(PQerrorMessage(conn_)) + " in: " + sql.substr(0, 200));
}

std::string Postgres::scalar(const std::string& sql) {
    PgResult r{PQexec(conn_, sql.c_str())};
    if (PQresultStatus(r.r) != PGRES_TUPLES_OK || PQntuples(r.r) < 1)
        throw DbError("PostgreSQL: " + std::string(PQerrorMessage(conn_)) + " in: " + sql.substr(0, 200));
    return PQgetvalue(r.r, 0, 0);
}

void Postgres::copyRows(const std::string& table, const std::string& columns, const std::string& data) {
    PgResult start{PQexec(conn_, ("COPY " + table + " (" + columns + ") FROM STDIN").c_str())};
    if (PQresultStatus(start.r) != PGRES_COPY_IN) throw DbError("COPY " + table + ": " + PQerrorMessage(conn_));
    if (PQputCopyData(conn_, data.data(), int(data.size())) != 1 || PQputCopyEnd(conn_, nullptr) != 1)
        throw DbError("COPY " + table + " data: " + PQerrorMessage(conn_));
    PgResult end{PQgetResult(conn_)};
    if (PQresultStatus(end.r) != PGRES_COMMAND_OK) throw DbError("COPY " + table + " end: " + PQerrorMessage(conn_));
    while (PGresult* more = PQgetResult(conn_)) PQclear(more);
}

std::uint64_t Postgres::databaseBytes() { return std::stoull(scalar("SELECT pg_database_size(current_database())")); }

SeedStats Postgres::seed(const std::string& schema_sql, std::uint64_t target_bytes, std::uint64_t seed_value) {
    auto t0 = std::chrono::steady_clock::now();
    exec(schema_sql);
    Rng rng(seed_value);
    SeedStats st;
    // a fixed head of customers and products; orders and events grow to the target
    const std::uint64_t customers = 2000, products = 500;
    std::string buf;
    for (std::uint64_t i = 1; i <= customers; ++i)
        buf += std::to_string(i) + "\t" + randomText(rng, 12) + "\t" + randomText(rng, 8) + "@example.test\t" + timestamp(rng) + "\t" +
               randomText(rng, 200 + rng.below(200)) + "\n";
    copyRows("customers", "id, name, email, created_at, notes", buf);
    buf.clear();
    for (std::uint64_t i = 1; i <= products; ++i)
        buf += std::to_string(i) + "\tSKU-" + std::to_string(rng.next() % 100000000) + "\t" + randomText(rng, 30) + "\t" +
               std::to_string(rng.below(1000000)) + "\t" + randomText(rng, 300 + rng.below(300)) + "\n";
    copyRows("products", "id, sku, title, price_cents, description", buf);
    st.rows["customers"] = customers;
    st.rows["products"] = products;
    std::uint64_t order_id = 0, event_id = 0;
    const std::uint64_t batch = 2000;
    while (databaseBytes() < target_bytes) {
        std::string orders, events;
        for (std::uint64_t k = 0; k < batch; ++k) {
            ++order_id;
            orders += std::to_string(order_id) + "\t" + std::to_string(1 + rng.below(customers)) + "\t" + std::to_string(1 + rng.below(products)) +
                      "\t" + std::to_string(1 + rng.below(20)) + "\t" + timestamp(rng) + "\t" + randomHex(rng, 256 + rng.below(512)) + "\n";
            for (int e = 0, n = int(1 + rng.below(3)); e < n; ++e)
                events += std::to_string(++event_id) + "\t" + std::to_string(order_id) + "\t" + (rng.below(2) ? "shipped" : "paid") + "\t" +
                          timestamp(rng) + "\t" + randomText(rng, 100 + rng.below(200)) + "\n";
        }
        copyRows("orders", "id, customer_id, product_id, quantity, placed_at, payload", orders);
        copyRows("order_events", "id, order_id, kind, at, body", events);
    }
    exec("ANALYZE");
    st.rows["orders"] = order_id;
    st.rows["order_events"] = event_id;
    st.final_bytes = databaseBytes();
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return st;
}

DbFingerprint Postgres::fingerprint(std::uint64_t every) {
    DbFingerprint f;
    std::set<std::string> distinct;
    for (const char* t : {"customers", "products", "orders", "order_events"}) {
        f.rows[t] = std::stoull(scalar(std::string("SELECT count(*) FROM ") + t));
        PgResult r{PQexec(conn_, (std::string("SELECT t::text FROM ") + t + " t WHERE id % " + std::to_string(every) + " = 1 ORDER BY id").c_str())};
        if (PQresultStatus(r.r) != PGRES_TUPLES_OK) throw DbError(std::string("sampling ") + t + ": " + PQerrorMessage(conn_));
        std::string all;
        for (int i = 0; i < PQntuples(r.r); ++i) {
            std::string row = PQgetvalue(r.r, i, 0);
            all += row + "\n";
            if (distinct.insert(row).second) f.distinct_sample_bytes += row.size();
        }
        f.samples[t] = sha256(all);
    }
    return f;
}

}  // namespace e2e
