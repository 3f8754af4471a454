#include "db/MariaDb.hpp"
#include "process/Heartbeat.hpp"

#include "text/Text.hpp"
#include "tree/Digest.hpp"

#include <mysql.h>
#include <cstring>
#include <future>
#include <optional>
#include <set>
#include <vector>

namespace e2e {

namespace {

struct Res {
    MYSQL_RES* r;
    ~Res() {
        if (r) mysql_free_result(r);
    }
};

// LOAD DATA LOCAL INFILE from memory: the handler serves one buffer.
struct InfileBuffer {
    const std::string* data;
    std::size_t pos = 0;
};

int infileInit(void** ptr, const char*, void* userdata) {
    *ptr = userdata;
    return 0;
}

int infileRead(void* ptr, char* buf, unsigned int len) {
    auto* b = static_cast<InfileBuffer*>(ptr);
    std::size_t n = std::min<std::size_t>(len, b->data->size() - b->pos);
    std::memcpy(buf, b->data->data() + b->pos, n);
    b->pos += n;
    return int(n);
}

void infileEnd(void*) {}

int infileError(void*, char* msg, unsigned int len) {
    snprintf(msg, len, "in-memory infile error");
    return 1;
}

// A field for LOAD DATA's default format: tab-separated, backslash escapes.
void field(std::string& out, const std::string& raw) {
    for (char c : raw) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\0':
                out += "\\0";
                break;
            default:
                out += c;
        }
    }
}

}  // namespace

void MariaDb::loadData(const std::string& table, const std::string& rows) {
    InfileBuffer b{&rows};
    mysql_set_local_infile_handler(conn_, infileInit, infileRead, infileEnd, infileError, &b);
    exec("LOAD DATA LOCAL INFILE 'backup-e2e-rows' INTO TABLE " + table + " CHARACTER SET binary");
    mysql_set_local_infile_default(conn_);
}

MariaDb::MariaDb(const MariaDbAddress& a, const std::string& dbname)
    : addr_(a), db_(dbname), conn_(mysql_init(nullptr)) {
    if (!conn_) throw DbError("mysql_init failed (out of memory)");
    unsigned timeout = 10, local_infile = 1;
    mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(conn_, MYSQL_OPT_LOCAL_INFILE, &local_infile);        // seeding: LOAD DATA LOCAL from memory
    mysql_options(conn_, MYSQL_READ_DEFAULT_GROUP, "backup-e2e-none");  // no ~/.my.cnf groups of the host
    if (!mysql_real_connect(conn_, nullptr, a.user.c_str(), a.password.empty() ? nullptr : a.password.c_str(),
                            dbname.empty() ? nullptr : dbname.c_str(), 0, a.socket.c_str(), CLIENT_MULTI_STATEMENTS)) {
        std::string e = mysql_error(conn_);
        mysql_close(conn_);
        conn_ = nullptr;
        throw DbError("cannot connect to MariaDB over " + a.socket + " as " + a.user + ": " + e);
    }
}

MariaDb::~MariaDb() {
    if (conn_) mysql_close(conn_);
}

void MariaDb::drain() {
    do {
        if (MYSQL_RES* r = mysql_store_result(conn_))
            mysql_free_result(r);
        else if (mysql_field_count(conn_) != 0)
            throw DbError(std::string("MariaDB: ") + mysql_error(conn_));
    } while (mysql_next_result(conn_) == 0);
    if (mysql_errno(conn_)) throw DbError(std::string("MariaDB: ") + mysql_error(conn_));
}

void MariaDb::exec(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0)
        throw DbError(std::string("MariaDB: ") + mysql_error(conn_) + " in: " + sql.substr(0, 200));
    drain();
}

std::string MariaDb::scalar(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0)
        throw DbError(std::string("MariaDB: ") + mysql_error(conn_) + " in: " + sql.substr(0, 200));
    Res r{mysql_store_result(conn_)};
    MYSQL_ROW row = r.r ? mysql_fetch_row(r.r) : nullptr;
    if (!row) throw DbError("MariaDB: no row from: " + sql.substr(0, 200));
    std::string v = row[0] ? row[0] : "";
    return v;
}

std::uint64_t MariaDb::databaseBytes() {
    return std::stoull(
        scalar("SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema "
               "= DATABASE()"));
}

SeedStats MariaDb::seed(const std::string& schema_sql, std::uint64_t target_bytes, std::uint64_t seed_value) {
    auto t0 = std::chrono::steady_clock::now();
    exec(schema_sql);
    exec("SET foreign_key_checks = 0, unique_checks = 0");
    RowGen g(seed_value);
    SeedStats st;
    std::uint64_t sent = 0;  // row bytes generated: InnoDB's size figures lag, this drives the loop
    auto load = [&](const char* table, std::string& rows) {
        sent += rows.size();
        loadData(table, rows);
        rows.clear();
    };
    auto sep = [](std::string& r) { r += '\t'; };
    std::string rows;
    for (std::uint64_t i = 1; i <= kSeedCustomers; ++i) {
        rows += std::to_string(i), sep(rows), field(rows, g.text(12)), sep(rows),
            field(rows, g.text(8) + "@example.test"), sep(rows);
        rows += g.timestamp(), sep(rows), field(rows, g.text(200 + g.below(200))), rows += '\n';
    }
    load("customers", rows);
    for (std::uint64_t i = 1; i <= kSeedProducts; ++i) {
        rows += std::to_string(i), sep(rows), rows += "SKU-" + std::to_string(g.below(100000000)), sep(rows),
            field(rows, g.text(30)), sep(rows);
        rows += std::to_string(g.below(1000000)), sep(rows), field(rows, g.text(300 + g.below(300))), rows += '\n';
    }
    load("products", rows);
    // Orders and events load on two connections at once while this thread
    // generates the next batch: the server has a core per table.
    MariaDb second(addr_, db_);
    second.exec("SET foreign_key_checks = 0, unique_checks = 0");
    std::uint64_t order_id = 0, event_id = 0;
    const std::uint64_t batch = 4000;
    std::string events;
    std::future<void> a, b;
    auto wait = [&] {
        if (a.valid()) a.get();
        if (b.valid()) b.get();
    };
    std::string orders_loading, events_loading;
    Heartbeat hb("seeding MariaDB to " + humanBytes(target_bytes), "seeded", "rows");
    while (sent < target_bytes) {
        hb.tick(kSeedCustomers + kSeedProducts + order_id + event_id);
        for (std::uint64_t k = 0; k < batch; ++k) {
            ++order_id;
            rows += std::to_string(order_id), sep(rows), rows += std::to_string(1 + g.below(kSeedCustomers)), sep(rows);
            rows += std::to_string(1 + g.below(kSeedProducts)), sep(rows), rows += std::to_string(1 + g.below(20)),
                sep(rows);
            rows += g.timestamp(), sep(rows), field(rows, g.bytes(256 + g.below(512))), rows += '\n';
            for (int e = 0, n = int(1 + g.below(3)); e < n; ++e) {
                events += std::to_string(++event_id), sep(events), events += std::to_string(order_id), sep(events);
                events += g.below(2) ? "shipped" : "paid", sep(events), events += g.timestamp(), sep(events);
                field(events, g.text(100 + g.below(200))), events += '\n';
            }
        }
        wait();
        sent += rows.size() + events.size();
        orders_loading.swap(rows);
        events_loading.swap(events);
        rows.clear();
        events.clear();
        a = std::async(std::launch::async, [&] { loadData("orders", orders_loading); });
        b = std::async(std::launch::async, [&] { second.loadData("order_events", events_loading); });
    }
    wait();
    exec("SET foreign_key_checks = 1, unique_checks = 1");
    exec("ANALYZE TABLE customers, products, orders, order_events");
    st.rows = {
        {"customers", kSeedCustomers}, {"products", kSeedProducts}, {"orders", order_id}, {"order_events", event_id}};
    st.final_bytes = databaseBytes();
    st.seconds = secondsSince(t0);
    return st;
}

SeedStats MariaDb::seedWithSqlGenerator(const std::string& schema_sql, std::uint64_t target_bytes) {
    auto t0 = std::chrono::steady_clock::now();
    exec(schema_sql);
    exec("SET foreign_key_checks = 0, unique_checks = 0");
    exec(
        "INSERT INTO customers SELECT seq, md5(rand()), concat(md5(rand()), '@example.test'), now() - interval "
        "floor(rand() * 1e8) second, "
        "repeat(md5(rand()), 9) FROM seq_1_to_" +
        std::to_string(kSeedCustomers));
    exec(
        "INSERT INTO products SELECT seq, concat('SKU-', floor(rand() * 1e8)), md5(rand()), floor(rand() * 1e6), "
        "repeat(md5(rand()), 14) FROM seq_1_to_" +
        std::to_string(kSeedProducts));
    std::uint64_t order_id = 0, event_id = 0, sent = 0;
    const std::uint64_t batch = 20000;
    exec("START TRANSACTION");
    while (sent < target_bytes) {
        const std::string off = std::to_string(order_id);
        exec("INSERT INTO orders SELECT " + off + " + seq, 1 + floor(rand() * " + std::to_string(kSeedCustomers - 1) +
             "), 1 + floor(rand() * " + std::to_string(kSeedProducts - 1) +
             "), 1 + floor(rand() * 19), now() - interval floor(rand() * 1e8) second, "
             "unhex(repeat(md5(rand()), 16)) FROM seq_1_to_" +
             std::to_string(batch));
        exec("INSERT INTO order_events SELECT " + std::to_string(event_id) + " + seq, " + off +
             " + ((seq + 1) DIV 2), if(rand() < 0.5, 'paid', 'shipped'), "
             "now() - interval floor(rand() * 1e8) second, repeat(md5(rand()), 6) FROM seq_1_to_" +
             std::to_string(2 * batch));
        order_id += batch;
        event_id += 2 * batch;
        sent += batch * (256 + 40) + 2 * batch * (192 + 30);
    }
    exec("COMMIT");
    exec("ANALYZE TABLE customers, products, orders, order_events");
    SeedStats st;
    st.rows = {
        {"customers", kSeedCustomers}, {"products", kSeedProducts}, {"orders", order_id}, {"order_events", event_id}};
    st.final_bytes = databaseBytes();
    st.seconds = secondsSince(t0);
    return st;
}

std::vector<std::optional<std::string>> MariaDb::row(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0)
        throw DbError(std::string("MariaDB: ") + mysql_error(conn_) + " in: " + sql.substr(0, 200));
    Res r{mysql_store_result(conn_)};
    MYSQL_ROW one = r.r ? mysql_fetch_row(r.r) : nullptr;
    if (!one) throw DbError("MariaDB: no row from: " + sql.substr(0, 200));
    unsigned long* len = mysql_fetch_lengths(r.r);
    std::vector<std::optional<std::string>> v;
    for (unsigned i = 0; i < mysql_num_fields(r.r); ++i)
        v.push_back(one[i] ? std::optional<std::string>(std::string(one[i], len[i])) : std::nullopt);
    return v;
}

DbFingerprint MariaDb::fingerprint() {
    // GROUP_CONCAT of one block's md5s must never be cut short (a cut is a warning, checked below)
    exec("SET SESSION group_concat_max_len = " + std::to_string(64 * kBlock));
    DbFingerprint f;
    std::set<std::string> distinct;
    for (const char* t : kSeedTables) {
        const std::string columns = scalar(
            std::string(
                "SELECT GROUP_CONCAT(CONCAT('QUOTE(`', column_name, '`)') ORDER BY ordinal_position SEPARATOR ', ') "
                "FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '") +
            t + "'");
        if (columns.empty()) throw DbError(std::string("MariaDB: table ") + t + " does not exist in database " + db_);
        // Blocks of kBlock rows in id order (keyset on the primary key: one index scan in
        // pieces, one block's md5s in memory at a time): md5 over the md5s of each row's
        // QUOTE()d columns (every column; NULL is the bare word, '' is quoted; BLOB bytes
        // escaped, not converted); the block digests in order make the table's digest.
        std::string chain, after;
        std::uint64_t n = 0;
        for (;;) {
            const std::string q =
                "SELECT COUNT(*), MAX(id), MD5(GROUP_CONCAT(h ORDER BY id SEPARATOR '')) FROM (SELECT id, "
                "MD5(CONCAT_WS(',', " +
                columns + ")) AS h FROM `" + t + "`" + (after.empty() ? "" : " WHERE id > " + after) +
                " ORDER BY id LIMIT " + std::to_string(kBlock) + ") b";
            auto v = row(q);
            if (mysql_warning_count(conn_) != 0)
                throw DbError(std::string("digest of ") + t +
                              ": the server warned (a cut GROUP_CONCAT?) in: " + q.substr(0, 200));
            const std::uint64_t got = std::stoull(v.at(0).value_or("0"));
            if (got == 0) break;
            n += got;
            after = v.at(1).value();
            chain += v.at(2).value() + "\n";
            if (got < kBlock) break;
        }
        f.rows[t] = n;
        f.digests[t] = sha256(chain);
        std::string q = std::string("SELECT * FROM `") + t + "` ORDER BY id LIMIT " + std::to_string(kContentProbeRows);
        if (mysql_real_query(conn_, q.data(), q.size()) != 0)
            throw DbError(std::string("reading ") + t + ": " + mysql_error(conn_));
        Res r{mysql_store_result(conn_)};
        if (!r.r) throw DbError(std::string("reading ") + t + ": " + mysql_error(conn_));
        unsigned nf = mysql_num_fields(r.r);
        while (MYSQL_ROW one = mysql_fetch_row(r.r)) {
            unsigned long* len = mysql_fetch_lengths(r.r);
            std::string content;
            for (unsigned i = 1; i < nf; ++i) {                        // field 0 is the key
                content += std::to_string(one[i] ? len[i] : 0) + ":";  // length-prefixed: binary-safe
                if (one[i]) content.append(one[i], len[i]);
            }
            if (distinct.insert(content).second) f.distinct_content_bytes += content.size();
        }
    }
    return f;
}

void MariaDb::flipByte(const std::string& table, const std::string& column, std::uint64_t id, std::uint64_t offset) {
    const std::string c = "`" + column + "`", at = std::to_string(offset);
    const bool binary =
        scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '" +
               table + "' AND column_name = '" + column + "'") == "blob";
    exec("UPDATE `" + table + "` SET " + c + " = CONCAT(LEFT(" + c + ", " + at + "), CHAR(ORD(SUBSTRING(" + c + ", " +
         at + " + 1, 1)) ^ 1" + (binary ? "" : " USING utf8mb4") + "), SUBSTRING(" + c + ", " + at +
         " + 2)) WHERE id = " + std::to_string(id));
}

}  // namespace e2e
