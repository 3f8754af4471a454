#pragma once
// PostgreSQL through libpq: schema, bulk seeding with COPY (random,
// high-entropy content to a target size), per-table counts and a digest of
// every row, for comparing a restored database with its source.
#include "db/Database.hpp"

#include <string>

struct pg_conn;

namespace e2e {

class Postgres {
public:
    // conninfo, e.g. "host=/path/sock port=5432 dbname=app user=postgres"
    explicit Postgres(const std::string& conninfo);
    ~Postgres();
    Postgres(const Postgres&) = delete;
    Postgres& operator=(const Postgres&) = delete;

    void exec(const std::string& sql);
    std::string scalar(const std::string& sql);
    // Create the schema (seeds/schema/postgres.sql) and fill it to about target_bytes.
    SeedStats seed(const std::string& schema_sql, std::uint64_t target_bytes, std::uint64_t seed);
    DbFingerprint fingerprint();
    // Damage for the tests that prove the fingerprint sees it: XOR 1 into byte `offset` of one value.
    void flipByte(const std::string& table, const std::string& column, std::uint64_t id, std::uint64_t offset);
    std::uint64_t databaseBytes();
    // Baseline for the seeding benchmark: the same schema filled by the server's
    // own SQL generator (INSERT ... SELECT from generate_series, md5/random text).
    SeedStats seedWithSqlGenerator(const std::string& schema_sql, std::uint64_t target_bytes);

private:
    static constexpr std::uint64_t kBlock = 10000;  // rows per server-side digest block
    void copyRows(const std::string& table, const std::string& columns, const std::string& data);
    pg_conn* conn_ = nullptr;
};

}  // namespace e2e
