// Seeding throughput of each database: the suite's bulk path beside the plain
// generator approach, in the same run and on the same server.
//   PostgreSQL: COPY of client-generated random rows  vs  INSERT ... SELECT generate_series (md5/random text)
//   MariaDB:    LOAD DATA LOCAL of random rows        vs  INSERT ... SELECT seq_1_to_N (md5/rand text)
//   MongoDB:    insert_many (1000 documents a call)   vs  one insert per document (no server-side generator
//               exists for documents; FerretDB runs no JavaScript)
// Target: the suite's seeding is at least as fast as the baseline, and the
// full profile (10 GiB PostgreSQL/MariaDB, 2.5 GiB MongoDB) fits in the 7200 s
// of `ctest -L databases --timeout 7200`: `full_profile_s` extrapolates it.
// Size per run: E2E_BENCH_SEED_MIB (default 48).
#include "config/Settings.hpp"
#include "report/Report.hpp"
#include "db/MariaDb.hpp"
#include "db/Mongo.hpp"
#include "db/Postgres.hpp"
#include "janitor/Janitor.hpp"
#include "services/Servers.hpp"

#include <benchmark/benchmark.h>
#include <fstream>

using namespace e2e;

namespace {

fs::path g_root;
int g_seq = 0;

std::uint64_t targetBytes() {
    const char* v = getenv("E2E_BENCH_SEED_MIB");
    return (v ? std::stoull(v) : 48ull) << 20;
}

std::string schema(const std::string& db) {
    std::ifstream in(Settings::sourceDir() / "seeds" / "schema" / (db + ".sql"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void record(benchmark::State& state, const SeedStats& st, std::uint64_t full_bytes) {
    state.SetIterationTime(st.seconds);
    state.counters["MiB"] = double(st.final_bytes) / (1 << 20);
    state.counters["MiB_per_s"] = st.mib_per_s();
    state.counters["full_profile_s"] = st.mib_per_s() > 0 ? double(full_bytes) / (1 << 20) / st.mib_per_s() : 0;
}

template <class Server>
Server& server(const char* name) {
    static std::unique_ptr<Server> s;
    if (!s) {
        s = std::make_unique<Server>(g_root / name, g_root / name / "logs");
        s->start();
    }
    return *s;
}

template <class Fn>
void guarded(benchmark::State& state, Fn fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

// Each iteration seeds a fresh database `b<n>` on the shared server, then drops it.
template <class Seed>
void postgresSeed(benchmark::State& state, Seed seed) {
    for (auto _ : state)
        guarded(state, [&] {
            auto& pg = server<PostgresServer>("postgres");
            std::string db = "b" + std::to_string(++g_seq);
            Postgres(pg.conninfo()).exec("CREATE DATABASE " + db);
            {
                Postgres conn(pg.conninfo(db));
                record(state, seed(conn), 10ull << 30);
            }
            Postgres(pg.conninfo()).exec("DROP DATABASE " + db);
        });
}

template <class Seed>
void mariadbSeed(benchmark::State& state, Seed seed) {
    for (auto _ : state)
        guarded(state, [&] {
            MariaDbAddress root(server<MariaDbServer>("mariadb").socketPath());
            std::string db = "b" + std::to_string(++g_seq);
            MariaDb(root).exec("CREATE DATABASE " + db);
            {
                MariaDb conn(root, db);
                record(state, seed(conn), 10ull << 30);
            }
            MariaDb(root).exec("DROP DATABASE " + db);
        });
}

void BM_PostgresCopy(benchmark::State& state) {
    state.SetLabel("suite: COPY, random rows");
    postgresSeed(state, [](Postgres& db) { return db.seed(schema("postgres"), targetBytes(), 42); });
}

void BM_PostgresGenerateSeries(benchmark::State& state) {
    state.SetLabel("baseline: INSERT ... SELECT generate_series");
    postgresSeed(state, [](Postgres& db) { return db.seedWithSqlGenerator(schema("postgres"), targetBytes()); });
}

void BM_MariaDbLoadData(benchmark::State& state) {
    state.SetLabel("suite: LOAD DATA LOCAL from memory, random rows");
    mariadbSeed(state, [](MariaDb& db) { return db.seed(schema("mariadb"), targetBytes(), 42); });
}

void BM_MariaDbSeqInsertSelect(benchmark::State& state) {
    state.SetLabel("baseline: INSERT ... SELECT seq_1_to_N");
    mariadbSeed(state, [](MariaDb& db) { return db.seedWithSqlGenerator(schema("mariadb"), targetBytes()); });
}

void mongoSeed(benchmark::State& state, std::size_t batch) {
    for (auto _ : state)
        guarded(state, [&] {
            auto& m = server<MongoServer>("mongodb");
            Mongo db(m.uri(), "b" + std::to_string(++g_seq));
            record(state, db.seed(targetBytes(), 42, batch), 5ull << 29);
            db.dropDatabase();
        });
}

void BM_MongoInsertMany(benchmark::State& state) {
    state.SetLabel("suite: insert_many x1000");
    mongoSeed(state, 1000);
}

void BM_MongoInsertOne(benchmark::State& state) {
    state.SetLabel("baseline: one insert per document");
    mongoSeed(state, 1);
}

}  // namespace

BENCHMARK(BM_PostgresCopy)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_PostgresGenerateSeries)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_MariaDbLoadData)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_MariaDbSeqInsertSelect)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_MongoInsertMany)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_MongoInsertOne)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

int main(int argc, char** argv) {
    Janitor::observeProcesses();
    fs::create_directories(runReportsDir());
    ScopedDir dir(Settings::runtimeDir() / "bench", "seeding");
    g_root = dir.path();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
