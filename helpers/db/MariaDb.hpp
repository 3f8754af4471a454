#pragma once
// MariaDB through mariadb-connector-c: schema, bulk seeding with LOAD DATA
// LOCAL INFILE served from memory (random content to a target size), per-table counts and a digest of
// every row, like db/Postgres.
#include "db/Database.hpp"

#include <optional>
#include <string>
#include <vector>

struct st_mysql;

namespace e2e {

struct MariaDbAddress {
    explicit MariaDbAddress(std::string sock, std::string usr = "root", std::string pw = {})
        : socket(std::move(sock)), user(std::move(usr)), password(std::move(pw)) {}
    std::string socket;  // unix socket path
    std::string user;
    std::string password;  // empty: socket authentication (root)
};

class MariaDb {
public:
    MariaDb(const MariaDbAddress& a, const std::string& dbname = "");
    ~MariaDb();
    MariaDb(const MariaDb&) = delete;
    MariaDb& operator=(const MariaDb&) = delete;

    // One or more statements separated by ';'.
    void exec(const std::string& sql);
    std::string scalar(const std::string& sql);
    SeedStats seed(const std::string& schema_sql, std::uint64_t target_bytes, std::uint64_t seed);
    DbFingerprint fingerprint();
    // Damage for the tests that prove the fingerprint sees it: XOR 1 into byte `offset` of one value.
    void flipByte(const std::string& table, const std::string& column, std::uint64_t id, std::uint64_t offset);
    std::uint64_t databaseBytes();
    // Baseline for the seeding benchmark: INSERT ... SELECT from the server's
    // sequence engine (seq_1_to_N) with md5/rand text.
    SeedStats seedWithSqlGenerator(const std::string& schema_sql, std::uint64_t target_bytes);

private:
    static constexpr std::uint64_t kBlock = 10000;                        // rows per server-side digest block
    std::vector<std::optional<std::string>> row(const std::string& sql);  // the first row of a result
    void loadData(const std::string& table, const std::string& rows);     // LOAD DATA LOCAL from memory
    void drain();
    MariaDbAddress addr_;
    std::string db_;
    st_mysql* conn_ = nullptr;
};

}  // namespace e2e
