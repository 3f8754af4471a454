#pragma once
// PostgreSQL through libpq: schema, bulk seeding with COPY (random,
// high-entropy content to a target size), per-table counts and a digest of
// sampled rows, for comparing a restored database with its source.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

struct pg_conn;

namespace e2e {

class DbError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SeedStats {
    std::map<std::string, std::uint64_t> rows;   // per table
    std::uint64_t final_bytes = 0;                // database size after seeding
    double seconds = 0;
    double mib_per_s() const { return seconds > 0 ? double(final_bytes) / (1 << 20) / seconds : 0; }
};

struct DbFingerprint {
    std::map<std::string, std::uint64_t> rows;     // per table
    std::map<std::string, std::string> samples;    // per table: digest of every Nth row by id
    std::uint64_t distinct_sample_bytes = 0;       // non-trivial content check
    bool operator==(const DbFingerprint& o) const { return rows == o.rows && samples == o.samples; }
};

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

private:
    void copyRows(const std::string& table, const std::string& columns, const std::string& data);
    pg_conn* conn_ = nullptr;
};

}  // namespace e2e
