#include "db/Postgres.hpp"
#include "process/Heartbeat.hpp"

#include "text/Text.hpp"
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

std::string hexBytea(const std::string& raw) {
    static const char* h = "0123456789abcdef";
    std::string s = "\\\\x";  // COPY text format: \\x then hex = bytea
    s.reserve(raw.size() * 2 + 3);
    for (unsigned char c : raw) {
        s += h[c >> 4];
        s += h[c & 15];
    }
    return s;
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
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        throw DbError("PostgreSQL: " + std::string(PQerrorMessage(conn_)) + " in: " + sql.substr(0, 200));
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

std::uint64_t Postgres::databaseBytes() {
    return std::stoull(scalar("SELECT pg_database_size(current_database())"));
}

SeedStats Postgres::seed(const std::string& schema_sql, std::uint64_t target_bytes, std::uint64_t seed_value) {
    auto t0 = std::chrono::steady_clock::now();
    exec(schema_sql);
    // bulk load: no per-row foreign-key triggers (the ids are generated consistent)
    exec("SET session_replication_role = replica");
    RowGen g(seed_value);
    SeedStats st;
    const std::uint64_t customers = kSeedCustomers, products = kSeedProducts;
    std::string buf;
    for (std::uint64_t i = 1; i <= customers; ++i)
        buf += std::to_string(i) + "\t" + g.text(12) + "\t" + g.text(8) + "@example.test\t" + g.timestamp() + "+00\t" +
               g.text(200 + g.below(200)) + "\n";
    copyRows("customers", "id, name, email, created_at, notes", buf);
    buf.clear();
    for (std::uint64_t i = 1; i <= products; ++i)
        buf += std::to_string(i) + "\tSKU-" + std::to_string(g.below(100000000)) + "\t" + g.text(30) + "\t" +
               std::to_string(g.below(1000000)) + "\t" + g.text(300 + g.below(300)) + "\n";
    copyRows("products", "id, sku, title, price_cents, description", buf);
    st.rows["customers"] = customers;
    st.rows["products"] = products;
    std::uint64_t order_id = 0, event_id = 0;
    const std::uint64_t batch = 2000;
    Heartbeat hb("seeding PostgreSQL to " + humanBytes(target_bytes), "seeded", "rows");
    while (databaseBytes() < target_bytes) {
        hb.tick(customers + products + order_id + event_id);
        std::string orders, events;
        for (std::uint64_t k = 0; k < batch; ++k) {
            ++order_id;
            orders += std::to_string(order_id) + "\t" + std::to_string(1 + g.below(customers)) + "\t" +
                      std::to_string(1 + g.below(products)) + "\t" + std::to_string(1 + g.below(20)) + "\t" +
                      g.timestamp() + "+00\t" + hexBytea(g.bytes(256 + g.below(512))) + "\n";
            for (int e = 0, n = int(1 + g.below(3)); e < n; ++e)
                events += std::to_string(++event_id) + "\t" + std::to_string(order_id) + "\t" +
                          (g.below(2) ? "shipped" : "paid") + "\t" + g.timestamp() + "+00\t" +
                          g.text(100 + g.below(200)) + "\n";
        }
        copyRows("orders", "id, customer_id, product_id, quantity, placed_at, payload", orders);
        copyRows("order_events", "id, order_id, kind, at, body", events);
    }
    exec("SET session_replication_role = DEFAULT");
    exec("ANALYZE");
    st.rows["orders"] = order_id;
    st.rows["order_events"] = event_id;
    st.final_bytes = databaseBytes();
    st.seconds = secondsSince(t0);
    return st;
}

SeedStats Postgres::seedWithSqlGenerator(const std::string& schema_sql, std::uint64_t target_bytes) {
    // The usual hand-written approach: the server generates rows itself. Text
    // comes from md5() of random(), payload from gen_random_bytes-like
    // decode(md5...) chains: random, but far less entropy per byte than ours.
    auto t0 = std::chrono::steady_clock::now();
    exec(schema_sql);
    exec(
        "INSERT INTO customers SELECT i, md5(random()::text), md5(random()::text) || '@example.test', now() - random() "
        "* interval '5 years', "
        "repeat(md5(random()::text), 9) FROM generate_series(1, " +
        std::to_string(kSeedCustomers) + ") i");
    exec(
        "INSERT INTO products SELECT i, 'SKU-' || (random() * 1e8)::bigint, md5(random()::text), (random() * "
        "1e6)::bigint, "
        "repeat(md5(random()::text), 14) FROM generate_series(1, " +
        std::to_string(kSeedProducts) + ") i");
    SeedStats st;
    std::uint64_t order_id = 0, event_id = 0;
    const std::uint64_t batch = 20000;
    while (databaseBytes() < target_bytes) {
        const std::string from = std::to_string(order_id + 1), to = std::to_string(order_id + batch);
        exec("INSERT INTO orders SELECT i, 1 + (random() * " + std::to_string(kSeedCustomers - 1) +
             ")::int, 1 + (random() * " + std::to_string(kSeedProducts - 1) +
             ")::int, 1 + (random() * 19)::int, now() - random() * interval '5 years', "
             "decode(repeat(md5(random()::text), 16), 'hex') FROM generate_series(" +
             from + ", " + to + ") i");
        exec("INSERT INTO order_events SELECT " + std::to_string(event_id) +
             " + row_number() OVER (), o, "
             "CASE WHEN random() < 0.5 THEN 'paid' ELSE 'shipped' END, now() - random() * interval '5 years', "
             "repeat(md5(random()::text), 6) "
             "FROM generate_series(" +
             from + ", " + to + ") o, generate_series(1, 2) k");
        order_id += batch;
        event_id += 2 * batch;
    }
    exec("ANALYZE");
    st.rows["customers"] = kSeedCustomers;
    st.rows["products"] = kSeedProducts;
    st.rows["orders"] = order_id;
    st.rows["order_events"] = event_id;
    st.final_bytes = databaseBytes();
    st.seconds = secondsSince(t0);
    return st;
}

DbFingerprint Postgres::fingerprint() {
    // a row's text depends on these settings: pin them so source and copy print alike
    exec(
        "SET bytea_output = 'hex'; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
        "SET extra_float_digits = 1");
    DbFingerprint f;
    std::set<std::string> distinct;
    for (const char* t : kSeedTables) {
        // Blocks of kBlock rows in id order (keyset on the primary key: one index scan
        // in pieces, no giant string): the server gives md5 over the md5s of each row's
        // text (every column; NULL prints empty, '' prints ""; bytea in hex); the
        // block digests in order make the table's digest.
        std::string chain, after;
        std::uint64_t n = 0;
        for (;;) {
            const std::string q = std::string(
                                      "SELECT count(*), max(id), md5(string_agg(md5(r), '' ORDER BY id)) FROM (SELECT "
                                      "id, t::text AS r FROM ") +
                                  t + " t" + (after.empty() ? "" : " WHERE id > " + after) + " ORDER BY id LIMIT " +
                                  std::to_string(kBlock) + ") b";
            PgResult r{PQexec(conn_, q.c_str())};
            if (PQresultStatus(r.r) != PGRES_TUPLES_OK || PQntuples(r.r) != 1)
                throw DbError(std::string("digest of ") + t + ": " + PQerrorMessage(conn_));
            const std::uint64_t got = std::stoull(PQgetvalue(r.r, 0, 0));
            if (got == 0) break;
            n += got;
            after = PQgetvalue(r.r, 0, 1);
            chain += std::string(PQgetvalue(r.r, 0, 2)) + "\n";
            if (got < kBlock) break;
        }
        f.rows[t] = n;
        f.digests[t] = sha256(chain);
        PgResult r{PQexec(conn_, (std::string("SELECT t::text FROM ") + t + " t ORDER BY id LIMIT " +
                                  std::to_string(kContentProbeRows))
                                     .c_str())};
        if (PQresultStatus(r.r) != PGRES_TUPLES_OK)
            throw DbError(std::string("reading ") + t + ": " + PQerrorMessage(conn_));
        for (int i = 0; i < PQntuples(r.r); ++i) {
            std::string row = PQgetvalue(r.r, i, 0);
            std::string content = row.substr(std::min(row.size(), row.find(',')));  // "(id,...": the key left out
            if (distinct.insert(content).second) f.distinct_content_bytes += content.size();
        }
    }
    return f;
}

void Postgres::flipByte(const std::string& table, const std::string& column, std::uint64_t id, std::uint64_t offset) {
    const std::string c = column, at = std::to_string(offset), where = " WHERE id = " + std::to_string(id);
    const bool binary = scalar("SELECT data_type FROM information_schema.columns WHERE table_name = '" + table +
                               "' AND column_name = '" + column + "'") == "bytea";
    if (binary)
        exec("UPDATE " + table + " SET " + c + " = set_byte(" + c + ", " + at + ", get_byte(" + c + ", " + at +
             ") # 1)" + where);
    else
        exec("UPDATE " + table + " SET " + c + " = overlay(" + c + " placing chr(ascii(substr(" + c + ", " + at +
             " + 1, 1)) # 1) from " + at + " + 1 for 1)" + where);
}

}  // namespace e2e
