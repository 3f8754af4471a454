#pragma once
// What the three database helpers (Postgres, MariaDb, Mongo) share: errors,
// seeding figures, the fingerprint a restored database is compared with, and
// the random row content (seeded, high-entropy, no repeated filler).
#include "tree/Corpus.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace e2e {

class DbError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SeedStats {
    std::map<std::string, std::uint64_t> rows;  // per table (collection)
    std::uint64_t final_bytes = 0;              // what the server reports after seeding
    double seconds = 0;
    double mib_per_s() const { return seconds > 0 ? double(final_bytes) / (1 << 20) / seconds : 0; }
};

struct DbFingerprint {
    std::map<std::string, std::uint64_t> rows;   // per table
    std::map<std::string, std::string> digests;  // per table: digest over every row's every column (see each helper)
    std::uint64_t distinct_content_bytes = 0;  // non-trivial content check: distinct non-key content of the first rows
    bool operator==(const DbFingerprint& o) const { return rows == o.rows && digests == o.digests; }
};

// Rows per table whose non-key content feeds distinct_content_bytes (by primary key; a cheap index read).
inline constexpr std::uint64_t kContentProbeRows = 256;

// The four seed tables, in load order (foreign keys point backwards).
inline constexpr const char* kSeedTables[] = {"customers", "products", "orders", "order_events"};
// Fixed heads; orders and their events grow to the target size.
inline constexpr std::uint64_t kSeedCustomers = 2000, kSeedProducts = 500;

// One random row of each table, as field values (text; payload is raw bytes).
struct RowGen {
    explicit RowGen(std::uint64_t seed) : rng(seed) {}
    Rng rng;
    std::string text(std::size_t n);   // printable, random
    std::string bytes(std::size_t n);  // raw random bytes
    std::string timestamp();           // "YYYY-MM-DD HH:MM:SS" (UTC)
    std::uint64_t below(std::uint64_t n) { return rng.below(n); }
};

inline double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string describeRows(const std::map<std::string, std::uint64_t>& rows);

}  // namespace e2e
