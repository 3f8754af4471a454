// Manifest::build of two trees + compare, beside `diff -qr --no-dereference`
// on the same trees in the same run. Corpus size: E2E_BENCH_BYTES (default 1GiB).
#include "config/Settings.hpp"
#include "report/Report.hpp"
#include "janitor/Janitor.hpp"
#include "process/Process.hpp"
#include "text/Text.hpp"
#include "tree/Corpus.hpp"
#include "tree/Manifest.hpp"

#include <benchmark/benchmark.h>
#include <fstream>
#include <iostream>

using namespace e2e;

namespace {

fs::path g_a, g_b;
std::uint64_t g_bytes = 0;

ManifestOptions withDigest(DigestAlgorithm a) {
    ManifestOptions o;
    o.digest = a;
    return o;
}

// Both trees walked and hashed, then compared: what diff -qr does.
void BM_ManifestCompare(benchmark::State& state) {
    const auto algo = DigestAlgorithm(state.range(0));
    state.SetLabel(toString(algo) + ", both trees");
    for (auto _ : state) {
        Manifest a = Manifest::build(g_a, withDigest(algo));
        Manifest b = Manifest::build(g_b, withDigest(algo));
        auto d = compare(a, b);
        if (!d.empty()) state.SkipWithError("trees differ");
        benchmark::DoNotOptimize(d);
    }
    state.SetBytesProcessed(std::int64_t(state.iterations() * g_bytes * 2));
}

// What a scenario does per restore: the source manifest exists already
// (built once when the corpus was made); only the restored tree is hashed.
void BM_VerifyAgainstManifest(benchmark::State& state) {
    const auto algo = DigestAlgorithm(state.range(0));
    state.SetLabel(toString(algo) + ", restored tree vs known manifest");
    Manifest a = Manifest::build(g_a, withDigest(algo));
    for (auto _ : state) {
        Manifest b = Manifest::build(g_b, withDigest(algo));
        auto d = compare(a, b);
        if (!d.empty()) state.SkipWithError("trees differ");
        benchmark::DoNotOptimize(d);
    }
    state.SetBytesProcessed(std::int64_t(state.iterations() * g_bytes * 2));
}

// The baseline, on the same trees in the same run.
void BM_DiffQr(benchmark::State& state) {
    state.SetLabel("diff -qr --no-dereference");
    for (auto _ : state) {
        Command c{.argv = {"diff", "-qr", "--no-dereference", g_a.string(), g_b.string()}};
        c.timeout = std::chrono::minutes(20);
        Result r = run(c);
        if (!r.ok()) state.SkipWithError(("diff failed: " + r.describe()).c_str());
    }
    state.SetBytesProcessed(std::int64_t(state.iterations() * g_bytes * 2));
}

}  // namespace

BENCHMARK(BM_DiffQr)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_ManifestCompare)
    ->Arg(int(DigestAlgorithm::Sha256))
    ->Arg(int(DigestAlgorithm::Xxh3_128))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_VerifyAgainstManifest)
    ->Arg(int(DigestAlgorithm::Sha256))
    ->Arg(int(DigestAlgorithm::Xxh3_128))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

int main(int argc, char** argv) {
    Janitor::observeProcesses();
    std::uint64_t want = 1ull << 30;
    if (const char* b = getenv("E2E_BENCH_BYTES"); b && *b) want = parseSize(b);
    fs::create_directories(runReportsDir());
    fs::path root = Settings::runtimeDir() / "bench" / "manifest";
    ScopedDir dir(root.parent_path(), "manifest");
    CorpusSpec spec;
    spec.seed = 20261123;
    spec.awkward = false;  // diff -r cannot compare FIFOs; both sides see the same plain tree
    spec.profile.small_files = 5000;
    spec.profile.big_file_bytes = 64ull << 20;
    spec.profile.bulk_bytes = want > spec.profile.big_file_bytes ? want - spec.profile.big_file_bytes : want;
    spec.profile.duplicates = 16;
    g_a = dir.path() / "a";
    g_b = dir.path() / "b";
    std::cout << "generating two identical corpora of " << humanBytes(want) << " under " << dir.path().string()
              << std::endl;
    CorpusStats st = generateCorpus(g_a, spec);
    generateCorpus(g_b, spec);
    g_bytes = st.bytes;
    std::cout << "corpus: " << st.files << " files, " << humanBytes(st.bytes) << " per tree" << std::endl;

    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
