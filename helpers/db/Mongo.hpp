#pragma once
// MongoDB (or a wire-compatible server) through libmongoc: the documents of
// seeds/schema/mongodb.json, bulk seeding with
// insert_many (random documents to a target size), per-collection counts and
// a digest of every document, like db/Postgres.
#include "db/Database.hpp"

#include <optional>
#include <string>

struct _mongoc_client_t;

namespace e2e {

class Mongo {
public:
    // uri e.g. "mongodb://127.0.0.1:27017/"
    Mongo(const std::string& uri, std::string dbname);
    ~Mongo();
    Mongo(const Mongo&) = delete;
    Mongo& operator=(const Mongo&) = delete;

    // {ping: 1} against the server; throws DbError with the server's answer.
    void ping();
    // batch = documents per insert_many (1 = the naive one-insert-per-document loop,
    // the benchmark's baseline)
    SeedStats seed(std::uint64_t target_bytes, std::uint64_t seed, std::size_t batch = 1000);
    DbFingerprint fingerprint();
    // Damage for the tests that prove the fingerprint sees it: XOR 1 into byte `offset` of a string or binary field.
    void flipByte(const std::string& collection, const std::string& field, std::uint64_t id, std::uint64_t offset);
    // Set one field of document `id` to a string, or to null.
    void setString(const std::string& collection, const std::string& field, std::uint64_t id,
                   const std::optional<std::string>& value);
    std::uint64_t databaseBytes();  // dbStats dataSize
    void dropDatabase();

private:
    _mongoc_client_t* client_ = nullptr;
    std::string db_;
};

}  // namespace e2e
