#include "BenchDataset.hpp"

#include "process/Process.hpp"
#include "text/Text.hpp"
#include "tree/Corpus.hpp"
#include "tree/RandomData.hpp"

#include <algorithm>
#include <fstream>
#include <vector>

namespace e2e {

using nlohmann::json;

namespace {

const std::uint64_t kSeed = 0xbe9c4;  // the dataset is the same on every machine
const char* kRecipe = "v1";           // bump when the generation or the churn changes

void count(const fs::path& dir, std::uint64_t& files, std::uint64_t& bytes) {
    files = bytes = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
            ++files;
            bytes += it->file_size(ec);
        }
    }
}

}  // namespace

std::string BenchDataset::describe() const {
    return (generated ? "generated corpus (" + facts.value("recipe", std::string()) + ") " : "configured dataset ") +
           root.string() + ": snapshot-1 " + std::to_string(files1) + " files, " + humanBytes(bytes1) +
           "; snapshot-2 " + std::to_string(files2) + " files, " + humanBytes(bytes2) +
           (generated ? "; churn " + facts.value("churn", json::object()).dump() : "");
}

CorpusProfile benchCorpusProfile(Profile p) {
    CorpusProfile c;
    c.depth = 8;
    c.duplicates = 16;
    switch (p) {
        case Profile::Ci:
            c.small_files = 400;
            c.bulk_bytes = 24ull << 20;
            c.big_file_bytes = 8ull << 20;
            break;
        case Profile::Standard:
            c.small_files = 20000;
            c.bulk_bytes = 1792ull << 20;
            c.big_file_bytes = 256ull << 20;
            break;
        case Profile::Full:
            c.small_files = 200000;
            c.bulk_bytes = 19ull << 30;
            c.big_file_bytes = 1ull << 30;
            break;
    }
    return c;
}

json churnTree(const fs::path& dir, std::uint64_t seed) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path());
    std::sort(files.begin(), files.end());  // the walk's order is the filesystem's: sort for the seed
    Rng rng(seed);
    std::uint64_t deleted = 0, renamed = 0, modified = 0, added = 0, added_bytes = 0, modified_bytes = 0;
    std::uint64_t total = 0;
    std::string buf;
    for (const auto& f : files) {
        const std::uint64_t size = fs::file_size(f, ec);
        total += size;
        const auto r = rng.below(100);
        if (r < 3) {
            fs::remove(f, ec);
            ++deleted;
        } else if (r < 6) {
            fs::rename(f, f.parent_path() / ("renamed-" + f.filename().string()), ec);
            ++renamed;
        } else if (r < 12) {
            // rewrite a window in place (the rest keeps its chunks); an empty file gets content
            std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
            const std::uint64_t len = std::min<std::uint64_t>(std::max<std::uint64_t>(size / 16, 4096), 1 << 20);
            const std::uint64_t off = size > len ? rng.below(size - len) : 0;
            buf.resize(std::size_t(len));
            rng.fill(buf.data(), buf.size());
            io.seekp(std::streamoff(off));
            io.write(buf.data(), std::streamsize(buf.size()));
            ++modified;
            modified_bytes += len;
        }
    }
    // new data: about 5% of the tree's bytes in new files
    fs::create_directories(dir / "added");
    const std::uint64_t want = std::max<std::uint64_t>(total / 20, 1 << 20);
    while (added_bytes < want) {
        const std::uint64_t n = std::min<std::uint64_t>(want - added_bytes, 4096 + rng.below(8ull << 20));
        writeRandomFile(dir / "added" / ("new-" + std::to_string(added) + ".bin"), n, rng);
        ++added;
        added_bytes += n;
    }
    return {
        {"deleted", deleted}, {"renamed", renamed},         {"modified", modified}, {"modified_bytes", modified_bytes},
        {"added", added},     {"added_bytes", added_bytes}, {"seed", seed}};
}

BenchDataset benchDataset(const Config& c, const fs::path& runtime) {
    BenchDataset d;
    if (!c.bench_dataset.empty()) {
        // checked by the config already; a dir that went away since is still a config error
        d.root = c.bench_dataset;
        d.snapshot1 = d.root / "snapshot-1";
        d.snapshot2 = d.root / "snapshot-2";
        for (const auto& s : {d.snapshot1, d.snapshot2})
            if (!fs::is_directory(s))
                throw ConfigError((c.source.empty() ? std::string("config") : c.source.string()) +
                                  ": benchmarks.dataset: '" + d.root.string() + "' holds no directory " +
                                  s.filename().string() +
                                  ". Fix: point it at a dir holding snapshot-1/ and snapshot-2/, or remove the key to "
                                  "use the generated corpus");
        d.facts = {{"what", "configured (benchmarks.dataset)"}, {"root", d.root.string()}};
    } else {
        const CorpusProfile p = benchCorpusProfile(c.profile);
        const std::string recipe = std::string(kRecipe) + "-" + toString(c.profile) + "-" +
                                   std::to_string(p.small_files) + "-" + std::to_string(p.bulk_bytes >> 20) + "M-" +
                                   std::to_string(p.big_file_bytes >> 20) + "M";
        d.root = runtime / "cache" / ("bench-dataset-" + recipe);
        d.snapshot1 = d.root / "snapshot-1";
        d.snapshot2 = d.root / "snapshot-2";
        d.generated = true;
        if (!fs::exists(d.root / "dataset.json")) {
            fs::remove_all(d.root);
            fs::create_directories(d.root);
            CorpusSpec spec;
            spec.seed = kSeed;
            spec.profile = p;
            // plain data, as a user's tree is: the awkward cases are the scenarios' business, and some tools cannot
            // store them all
            spec.awkward = false;
            spec.fifo = false;
            generateCorpus(d.snapshot1, spec);
            Command cp;
            cp.argv = {"cp", "-a", d.snapshot1.string(), d.snapshot2.string()};
            cp.timeout = std::chrono::hours(2);
            Result r = run(cp);
            if (!r.ok()) throw std::runtime_error(failureMessage("copying snapshot-1 to snapshot-2", r));
            json churn = churnTree(d.snapshot2, kSeed + 1);
            json f{
                {"what", "generated: corpus generator (seed " + std::to_string(kSeed) +
                             ", no awkward cases) in two generations, snapshot-2 = "
                             "snapshot-1 + seeded churn"},
                {"recipe", recipe},
                {"root", d.root.string()},
                {"churn", churn},
                {"corpus",
                 {{"small_files", p.small_files}, {"bulk_bytes", p.bulk_bytes}, {"big_file_bytes", p.big_file_bytes}}}};
            std::ofstream(d.root / "dataset.json.tmp") << f.dump(2);
            fs::rename(d.root / "dataset.json.tmp", d.root / "dataset.json");
        }
        std::ifstream in(d.root / "dataset.json");
        d.facts = json::parse(in);
    }
    count(d.snapshot1, d.files1, d.bytes1);
    count(d.snapshot2, d.files2, d.bytes2);
    d.facts["snapshot_1"] = {{"files", d.files1}, {"bytes", d.bytes1}};
    d.facts["snapshot_2"] = {{"files", d.files2}, {"bytes", d.bytes2}};
    d.facts["what"] = d.describe();
    return d;
}

}  // namespace e2e
