#include "db/Mongo.hpp"
#include "process/Heartbeat.hpp"

#include "text/Text.hpp"
#include "tree/Digest.hpp"

#include <mongoc/mongoc.h>
#include <array>
#include <cstdio>
#include <iterator>
#include <memory>
#include <mutex>
#include <cstring>
#include <map>
#include <set>
#include <vector>

namespace e2e {

namespace {

void mongoInit() {
    static std::once_flag once;
    std::call_once(once, [] {
        mongoc_init();
        // FerretDB has no endSessions: libmongoc warns about it at every client
        // teardown. Drop that one message; everything else goes to the default handler.
        mongoc_log_set_handler(
            [](mongoc_log_level_t level, const char* domain, const char* message, void* data) {
                if (message && std::strstr(message, "endSessions")) return;
                mongoc_log_default_handler(level, domain, message, data);
            },
            nullptr);
    });
}

struct Bson {
    bson_t b = BSON_INITIALIZER;
    Bson() = default;
    Bson(const Bson&) = delete;
    ~Bson() { bson_destroy(&b); }
};

struct Coll {
    mongoc_collection_t* c;
    ~Coll() { mongoc_collection_destroy(c); }
};

}  // namespace

Mongo::Mongo(const std::string& uri, std::string dbname) : db_(std::move(dbname)) {
    mongoInit();
    bson_error_t err;
    mongoc_uri_t* u = mongoc_uri_new_with_error(uri.c_str(), &err);
    if (!u) throw DbError("bad MongoDB URI '" + uri + "': " + err.message);
    mongoc_uri_set_option_as_int32(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 10000);
    mongoc_uri_set_option_as_int32(u, MONGOC_URI_CONNECTTIMEOUTMS, 5000);
    client_ = mongoc_client_new_from_uri_with_error(u, &err);
    mongoc_uri_destroy(u);
    if (!client_) throw DbError("cannot create a MongoDB client for '" + uri + "': " + err.message);
    mongoc_client_set_appname(client_, "backup-e2e");
}

Mongo::~Mongo() {
    if (client_) mongoc_client_destroy(client_);
}

void Mongo::ping() {
    Bson cmd, reply;
    BSON_APPEND_INT32(&cmd.b, "ping", 1);
    bson_error_t err;
    if (!mongoc_client_command_simple(client_, "admin", &cmd.b, nullptr, &reply.b, &err))
        throw DbError(std::string("MongoDB ping failed: ") + err.message);
}

std::uint64_t Mongo::databaseBytes() {
    Bson cmd, reply;
    BSON_APPEND_INT32(&cmd.b, "dbStats", 1);
    bson_error_t err;
    if (!mongoc_client_command_simple(client_, db_.c_str(), &cmd.b, nullptr, &reply.b, &err))
        throw DbError(std::string("MongoDB dbStats failed: ") + err.message);
    bson_iter_t it;
    if (bson_iter_init_find(&it, &reply.b, "dataSize") && BSON_ITER_HOLDS_NUMBER(&it))
        return std::uint64_t(bson_iter_as_double(&it));
    return 0;
}

void Mongo::dropDatabase() {
    mongoc_database_t* d = mongoc_client_get_database(client_, db_.c_str());
    bson_error_t err;
    bool ok = mongoc_database_drop(d, &err);
    mongoc_database_destroy(d);
    if (!ok && err.code != 26) throw DbError(std::string("MongoDB dropDatabase failed: ") + err.message);
}

namespace {

using Docs = std::vector<std::unique_ptr<Bson>>;

// Mongo::seed's writes: documents into a collection in batches of insert_many, counting the bytes sent and the
// rows per collection
class Inserter {
public:
    Inserter(mongoc_client_t* client, const std::string& db, std::size_t batch, SeedStats& st)
        : client_(client), db_(db), batch_(batch), st_(st) {}

    std::uint64_t sent() const { return sent_; }

    // every document of docs, `batch` at a time; leaves docs empty
    void insert(const char* coll, Docs& docs) {
        for (std::size_t from = 0; from < docs.size(); from += batch_) {
            Docs part;
            for (std::size_t i = from; i < std::min(docs.size(), from + batch_); ++i)
                part.push_back(std::move(docs[i]));
            insertMany(coll, part);
        }
        docs.clear();
    }

private:
    void insertMany(const char* coll, Docs& docs) {
        if (docs.empty()) return;
        std::vector<const void*> ptrs;  // bson_t is over-aligned: no bson_t* template argument
        for (auto& d : docs) {
            ptrs.push_back(static_cast<const void*>(&d->b));
            sent_ += d->b.len;
        }
        Coll c{mongoc_client_get_collection(client_, db_.c_str(), coll)};
        Bson opts, reply;
        BSON_APPEND_BOOL(&opts.b, "ordered", false);
        bson_error_t err;
        if (!mongoc_collection_insert_many(c.c, reinterpret_cast<const bson_t**>(ptrs.data()), ptrs.size(), &opts.b,
                                           &reply.b, &err))
            throw DbError(std::string("MongoDB insert_many into ") + coll + ": " + err.message);
        st_.rows[coll] += docs.size();
        docs.clear();
    }

    mongoc_client_t* client_;
    const std::string& db_;
    std::size_t batch_;
    SeedStats& st_;
    std::uint64_t sent_ = 0;
};

void appendText(bson_t* d, const char* k, const std::string& v) {
    bson_append_utf8(d, k, -1, v.data(), int(v.size()));
}

// a random date in 2020..2025
void appendWhen(RowGen& g, bson_t* d, const char* k) {
    bson_append_date_time(d, k, -1, std::int64_t(1577836800000LL + g.below(6ull * 365 * 86400 * 1000)));
}

Docs customerDocs(RowGen& g) {
    Docs docs;
    for (std::uint64_t i = 1; i <= kSeedCustomers; ++i) {
        auto d = std::make_unique<Bson>();
        BSON_APPEND_INT64(&d->b, "_id", std::int64_t(i));
        appendText(&d->b, "name", g.text(12));
        appendText(&d->b, "email", g.text(8) + "@example.test");
        appendWhen(g, &d->b, "created_at");
        appendText(&d->b, "notes", g.text(200 + g.below(200)));
        docs.push_back(std::move(d));
    }
    return docs;
}

Docs productDocs(RowGen& g) {
    Docs docs;
    for (std::uint64_t i = 1; i <= kSeedProducts; ++i) {
        auto d = std::make_unique<Bson>();
        BSON_APPEND_INT64(&d->b, "_id", std::int64_t(i));
        appendText(&d->b, "sku", "SKU-" + std::to_string(g.below(100000000)));
        appendText(&d->b, "title", g.text(30));
        BSON_APPEND_INT64(&d->b, "price_cents", std::int64_t(g.below(1000000)));
        appendText(&d->b, "description", g.text(300 + g.below(300)));
        docs.push_back(std::move(d));
    }
    return docs;
}

// 1000 more orders into `orders`, each with one to three events into `events`; the ids count on
void orderDocs(RowGen& g, std::uint64_t& order_id, std::uint64_t& event_id, Docs& orders, Docs& events) {
    for (int k = 0; k < 1000; ++k) {
        ++order_id;
        auto d = std::make_unique<Bson>();
        BSON_APPEND_INT64(&d->b, "_id", std::int64_t(order_id));
        BSON_APPEND_INT64(&d->b, "customer_id", std::int64_t(1 + g.below(kSeedCustomers)));
        BSON_APPEND_INT64(&d->b, "product_id", std::int64_t(1 + g.below(kSeedProducts)));
        BSON_APPEND_INT32(&d->b, "quantity", int(1 + g.below(20)));
        appendWhen(g, &d->b, "placed_at");
        std::string payload = g.bytes(256 + g.below(512));
        bson_append_binary(&d->b, "payload", -1, BSON_SUBTYPE_BINARY,
                           reinterpret_cast<const std::uint8_t*>(payload.data()), std::uint32_t(payload.size()));
        orders.push_back(std::move(d));
        for (int e = 0, n = int(1 + g.below(3)); e < n; ++e) {
            auto ev = std::make_unique<Bson>();
            BSON_APPEND_INT64(&ev->b, "_id", std::int64_t(++event_id));
            BSON_APPEND_INT64(&ev->b, "order_id", std::int64_t(order_id));
            appendText(&ev->b, "kind", g.below(2) ? "shipped" : "paid");
            appendWhen(g, &ev->b, "at");
            appendText(&ev->b, "body", g.text(100 + g.below(200)));
            events.push_back(std::move(ev));
        }
    }
}

}  // namespace

SeedStats Mongo::seed(std::uint64_t target_bytes, std::uint64_t seed_value, std::size_t batch) {
    auto t0 = std::chrono::steady_clock::now();
    RowGen g(seed_value);
    SeedStats st;
    Inserter ins(client_, db_, batch, st);
    Docs docs = customerDocs(g);
    ins.insert("customers", docs);
    docs = productDocs(g);
    ins.insert("products", docs);
    std::uint64_t order_id = 0, event_id = 0;
    Docs events;
    Heartbeat hb("seeding MongoDB to " + humanBytes(target_bytes), "seeded", "documents");
    while (ins.sent() < target_bytes) {
        hb.tick(kSeedCustomers + kSeedProducts + order_id + event_id);
        orderDocs(g, order_id, event_id, docs, events);
        ins.insert("orders", docs);
        ins.insert("order_events", events);
    }
    st.final_bytes = databaseBytes();
    st.seconds = secondsSince(t0);
    return st;
}

namespace {

// Adds the 256-bit number `hex` (64 hex digits) to `sum`, modulo 2^256.
void addDigest(std::array<std::uint64_t, 4>& sum, const std::string& hex) {
    unsigned carry = 0;
    for (int limb = 3; limb >= 0; --limb) {  // limb 3 holds the last 16 digits (least significant)
        const std::uint64_t v = std::stoull(hex.substr(std::size_t(limb) * 16, 16), nullptr, 16);
        const std::uint64_t s1 = sum[std::size_t(limb)] + v, s2 = s1 + carry;
        carry = (s1 < v) + (s2 < s1);
        sum[std::size_t(limb)] = s2;
    }
}

}  // namespace

DbFingerprint Mongo::fingerprint() {
    // One unsorted pass per collection over every document: FerretDB pushes
    // neither a sort nor (on SQLite) an _id range down to an index, so an _id
    // order would be a server-side sort of the whole collection in memory.
    // Each document's digest covers its _id, so the order-free sum of the
    // digests (mod 2^256) still ties every byte to its document, like an
    // ordered digest would; the count catches a duplicate.
    DbFingerprint f;
    std::set<std::string> distinct;
    for (const char* t : kSeedTables) {
        Coll c{mongoc_client_get_collection(client_, db_.c_str(), t)};
        Bson filter, opts;
        BSON_APPEND_INT32(&opts.b, "batchSize", 5000);
        mongoc_cursor_t* cur = mongoc_collection_find_with_opts(c.c, &filter.b, &opts.b, nullptr);
        std::array<std::uint64_t, 4> sum{};
        std::map<std::int64_t, std::string> probe;  // the lowest _ids' content, for the non-trivial check
        std::uint64_t n = 0;
        const bson_t* doc;
        bson_iter_t it;
        while (mongoc_cursor_next(cur, &doc)) {
            ++n;
            addDigest(sum, sha256(std::string_view(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len)));
            if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_INT64(&it)) continue;
            const std::int64_t id = bson_iter_int64(&it);
            if (probe.size() >= kContentProbeRows && id >= probe.rbegin()->first) continue;
            Bson content;  // the document without its key
            bson_copy_to_excluding_noinit(doc, &content.b, "_id", nullptr);
            probe[id].assign(reinterpret_cast<const char*>(bson_get_data(&content.b)), content.b.len);
            if (probe.size() > kContentProbeRows) probe.erase(std::prev(probe.end()));
        }
        bson_error_t err;
        bool failed = mongoc_cursor_error(cur, &err);
        mongoc_cursor_destroy(cur);
        if (failed) throw DbError(std::string("MongoDB scan of ") + t + ": " + err.message);
        f.rows[t] = n;
        char hex[65];
        snprintf(hex, sizeof hex, "%016llx%016llx%016llx%016llx", (unsigned long long)sum[0],
                 (unsigned long long)sum[1], (unsigned long long)sum[2], (unsigned long long)sum[3]);
        f.digests[t] = hex;
        for (const auto& [id, one] : probe)
            if (distinct.insert(one).second) f.distinct_content_bytes += one.size();
    }
    return f;
}

void Mongo::flipByte(const std::string& collection, const std::string& field, std::uint64_t id, std::uint64_t offset) {
    Coll c{mongoc_client_get_collection(client_, db_.c_str(), collection.c_str())};
    Bson filter;
    BSON_APPEND_INT64(&filter.b, "_id", std::int64_t(id));
    mongoc_cursor_t* cur = mongoc_collection_find_with_opts(c.c, &filter.b, nullptr, nullptr);
    const bson_t* doc;
    Bson changed;
    bool found = mongoc_cursor_next(cur, &doc);
    bool flipped = false;
    bson_iter_t it;
    if (found && bson_iter_init(&it, doc)) {
        while (bson_iter_next(&it)) {
            const char* key = bson_iter_key(&it);
            std::string value;
            if (field == key && BSON_ITER_HOLDS_UTF8(&it)) {
                std::uint32_t len = 0;
                const char* p = bson_iter_utf8(&it, &len);
                value.assign(p, len);
            } else if (field == key && BSON_ITER_HOLDS_BINARY(&it)) {
                bson_subtype_t sub;
                std::uint32_t len = 0;
                const std::uint8_t* p = nullptr;
                bson_iter_binary(&it, &sub, &len, &p);
                value.assign(reinterpret_cast<const char*>(p), len);
            } else {
                bson_append_iter(&changed.b, key, -1, &it);
                continue;
            }
            if (offset >= value.size()) break;
            value[offset] = char(value[offset] ^ 1);
            flipped = true;
            if (BSON_ITER_HOLDS_UTF8(&it))
                bson_append_utf8(&changed.b, key, -1, value.data(), int(value.size()));
            else
                bson_append_binary(&changed.b, key, -1, BSON_SUBTYPE_BINARY,
                                   reinterpret_cast<const std::uint8_t*>(value.data()), std::uint32_t(value.size()));
        }
    }
    bson_error_t err;
    bool failed = mongoc_cursor_error(cur, &err);
    mongoc_cursor_destroy(cur);
    if (failed) throw DbError("MongoDB find in " + collection + ": " + err.message);
    if (!flipped)
        throw DbError("MongoDB: " + collection + " has no document " + std::to_string(id) +
                      " with a string or binary '" + field + "' that long");
    if (!mongoc_collection_replace_one(c.c, &filter.b, &changed.b, nullptr, nullptr, &err))
        throw DbError("MongoDB replace in " + collection + ": " + err.message);
}

void Mongo::setString(const std::string& collection, const std::string& field, std::uint64_t id,
                      const std::optional<std::string>& value) {
    Coll c{mongoc_client_get_collection(client_, db_.c_str(), collection.c_str())};
    Bson filter, update, set;
    BSON_APPEND_INT64(&filter.b, "_id", std::int64_t(id));
    if (value)
        bson_append_utf8(&set.b, field.c_str(), -1, value->data(), int(value->size()));
    else
        bson_append_null(&set.b, field.c_str(), -1);
    BSON_APPEND_DOCUMENT(&update.b, "$set", &set.b);
    bson_error_t err;
    if (!mongoc_collection_update_one(c.c, &filter.b, &update.b, nullptr, nullptr, &err))
        throw DbError("MongoDB update in " + collection + ": " + err.message);
}

}  // namespace e2e
