// robustness/generations, pack size: the tool's pack-size setting really
// shapes its repository. A small dataset (6 MiB) backed up with the largest
// pack size the tool takes must make as few packs as its format allows (one
// data pack, plus one tree/metadata pack where the format keeps them apart),
// and a large one (64 MiB, incompressible) with the smallest pack size many
// (at least half of 64 MiB / that size). The packs are counted where the
// bytes lie (the repository's files on local, the bucket's objects on S3);
// on S3 the server's multipart requests are reported beside them. Each
// repository is restored and compared, so that a pack layout is never judged
// on a backup that did not come back.
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "SnapshotModel.hpp"
#include "config/Settings.hpp"
#include "text/Text.hpp"
#include "tree/Corpus.hpp"
#include "tree/RandomData.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>

using namespace e2e;

namespace {

struct Case {
    std::string tool, backend;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.tool << "/" << c.backend;
}

void randomFiles(const fs::path& dir, std::uint64_t seed, int files, std::uint64_t each) {
    fs::create_directories(dir);
    Rng rng(seed);
    for (int i = 0; i < files; ++i) writeRandomFile(dir / ("random-" + std::to_string(i) + ".bin"), each, rng);
}

// One repository: `bytes` of random data in `files` files, backed up with pack size `pack`.
struct PackPlan {
    std::string name;
    std::uint64_t pack, bytes;
    int files;
};

// The packs under `dir` (the files whose relative path matches `pattern`), with their sizes.
std::map<std::string, std::uint64_t> listPacks(const fs::path& dir, const std::regex& pattern) {
    std::map<std::string, std::uint64_t> found;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file())
            if (const std::string rel = fs::relative(e.path(), dir).string(); std::regex_search(rel, pattern))
                found[rel] = e.file_size();
    return found;
}

struct PackCount {
    int packs = 0;
    std::uint64_t pack_bytes = 0, largest = 0;
};

// The packs in `after` that were not in `before`.
PackCount newPacks(const std::map<std::string, std::uint64_t>& before,
                   const std::map<std::string, std::uint64_t>& after) {
    PackCount n;
    for (const auto& [rel, size] : after)
        if (!before.count(rel)) {
            ++n.packs;
            n.pack_bytes += size;
            n.largest = std::max(n.largest, size);
        }
    return n;
}

// Throws VerdictFailure when the packs do not follow the pack size; `d` is the layer's detail so far.
void judgePacks(const std::string& d, const PackPlan& p, const PackCount& n, const Capabilities& caps,
                const fs::path& local_dir) {
    if (p.pack == caps.pack_max) {
        if (n.packs < 1) {
            std::string seen;
            int k = 0;
            for (const auto& e : fs::recursive_directory_iterator(local_dir))
                if (e.is_regular_file() && k++ < 12) seen += "\n    " + fs::relative(e.path(), local_dir).string();
            throw VerdictFailure(d + ": no pack found under " + local_dir.string() + " (pattern " + caps.pack_objects +
                                 "); its files:" + seen);
        }
        // whatever small objects its format adds (tree packs, commit tags), the data lies in one pack
        if (n.largest * 10 < p.bytes * 9)
            throw VerdictFailure(
                d + ": the data, far under the pack size, is not in one pack (the largest holds under 90% of it)");
    } else {
        // a pack holds whole chunks: below the tool's average chunk, a pack is about one chunk
        const std::uint64_t unit = std::max(p.pack, caps.avg_chunk_bytes);
        const int want = int(p.bytes / unit / 2);
        if (n.packs < want)
            throw VerdictFailure(d + ": fewer than " + std::to_string(want) + " (half of " + humanBytes(p.bytes) +
                                 " / " + humanBytes(unit) +
                                 ", the larger of the pack size and the tool's average chunk)");
    }
}

class PackSizeScenario : public ScenarioTestP<Case> {
protected:
    PackSizeScenario() : ScenarioTestP("robustness") {}

    // The plan's own repository: beside the prelude's on local, under its own prefix elsewhere.
    RepoTarget planTarget(ToolOnBackend& t, const PackPlan& p) {
        RepoTarget target = t.backend->target();
        if (target.kind == "local") {
            target.path = ws().repos() / p.name;
            target.local_dir = target.path;
        } else {
            target.prefix += "/" + p.name;
            target.local_dir /= p.name;
        }
        return target;
    }

    // One plan's layer: a fresh repository, the backup, its packs counted, the restore compared, the verdict.
    std::string backUpAndCount(const Case& c, ToolOnBackend& t, const PackPlan& p, const CompareOptions& cmp,
                               const std::regex& pack, nlohmann::json& figures) {
        ToolContext ctx = ws().toolContext(c.tool, t.backend->external());
        ctx.home = ws().work() / ("home-" + p.name);
        ctx.pack_size = p.pack;
        RepoTarget target = planTarget(t, p);
        auto tool = makeTool(c.tool, t.binary.string(), ctx, target);
        tool->init(RepoOptions{});
        const fs::path src = ws().work() / ("source-" + p.name);
        randomFiles(src, ws().seed() ^ p.bytes, p.files, p.bytes / std::uint64_t(p.files));
        Manifest m = manifestNow(src);
        // the packs the backup made: counted after it, less those init made
        const auto before = listPacks(target.local_dir, pack);
        const std::string id = tool->backup(src, "e2e-packs");
        const PackCount n = newPacks(before, listPacks(target.local_dir, pack));
        LiveSnapshot snap{id, "e2e-packs", std::move(m), 1};
        if (const std::string d = restoreDiffers(*tool, snap, ws().work() / ("restore-" + p.name), cmp); !d.empty())
            throw VerdictFailure(d);
        figures[p.name] = {
            {"pack_size", p.pack},        {"data_bytes", p.bytes},           {"packs", n.packs},
            {"pack_bytes", n.pack_bytes}, {"largest_pack_bytes", n.largest}, {"packs_after_init", before.size()}};
        const std::string d = humanBytes(p.bytes) + " backed up with a " + humanBytes(p.pack) + " pack size made " +
                              std::to_string(n.packs) + " pack(s) (" + humanBytes(n.pack_bytes) + ", the largest " +
                              humanBytes(n.largest) + "); restore identical";
        judgePacks(d, p, n, t.caps, target.local_dir);
        return d;
    }

    // The figures into the report, with the S3 server's requests beside them.
    void recordFigures(const Case& c, ToolOnBackend& t, nlohmann::json& figures) {
        if (c.backend == "s3") {
            auto n = t.backend->facts()["requests"];
            figures["s3_requests"] = n;
            ws().report().note("S3 requests under the test's prefix: " + n.dump());
        }
        ws().report().set("pack_size", figures);
        ws().report().figure(
            "Pack size (packs counted where the bytes lie)",
            {{"small_packs", figures.value("small-largest-packs", nlohmann::json::object()).value("packs", -1)},
             {"large_packs", figures.value("large-smallest-packs", nlohmann::json::object()).value("packs", -1)}});
    }
};

TEST_P(PackSizeScenario, ObjectCount) {
    const Case& c = GetParam();
    PreludeOptions po;
    po.backend = c.backend;
    po.not_applicable = [](const Capabilities& caps) {
        return caps.pack_max ? std::string() : "the tool has no pack-size setting";
    };
    ToolOnBackend t;
    if (!prepare(t, c.tool, po)) return;
    Verdicts v(ws());
    std::vector<std::string> notes;
    const CompareOptions cmp = compareOptionsFor(t.caps, notes);
    const std::regex pack(t.caps.pack_objects);
    const std::vector<PackPlan> plans{{"small-largest-packs", t.caps.pack_max, 6ull << 20, 3},
                                      {"large-smallest-packs", t.caps.pack_min, 64ull << 20, 8}};
    nlohmann::json figures = nlohmann::json::object();
    for (const PackPlan& p : plans) v.layer(p.name, [&] { return backUpAndCount(c, t, p, cmp, pack, figures); });
    recordFigures(c, t, figures);
}

std::vector<Case> cases(const std::string& backend) {
    std::vector<Case> v;
    for (const auto& t : knownTools()) v.push_back({t, backend});
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool + "_" + p.param.backend;
}

INSTANTIATE_TEST_SUITE_P(PackSize, PackSizeScenario, ::testing::ValuesIn(cases("local")), caseName);
INSTANTIATE_TEST_SUITE_P(PackSizeS3, PackSizeScenario, ::testing::ValuesIn(cases("s3")), caseName);

}  // namespace
