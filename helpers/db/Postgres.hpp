#pragma once
// PostgreSQL through libpq: schema, bulk seeding with COPY (random,
// high-entropy content to a target size), per-table counts and a digest of
// sampled rows, for comparing a restored database with its source.
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
    DbFingerprint fingerprint(std::uint64_t sample_every = 97);
    std::uint64_t databaseBytes();
    // Baseline for the seeding benchmark: the same schema filled by the server's
    // own SQL generator (INSERT ... SELECT from generate_series, md5/random text).
    SeedStats seedWithSqlGenerator(const std::string& schema_sql, std::uint64_t target_bytes);

private:
    void copyRows(const std::string& table, const std::string& columns, const std::string& data);
    pg_conn* conn_ = nullptr;
};

}  // namespace e2e
