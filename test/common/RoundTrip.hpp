#pragma once
// The backends scenario body, written once and instantiated for every
// tool x backend: init, backup, listed, files, restore + compare, check,
// dedup of an unchanged second backup, delete + reclaim.
#include "Verdicts.hpp"
#include "Workspace.hpp"
#include "config/Settings.hpp"
#include "tools/BackupTool.hpp"
#include "tree/Manifest.hpp"

#include <cstdint>
#include <functional>
#include <set>

namespace e2e {

struct RoundTripOptions {
    bool encrypted = true;
    std::string backend;                        // for the report
    std::function<std::uint64_t()> repo_bytes;  // how big the repository is now
    // the repository's files on this machine (RepoTarget::local_dir); empty = not here
    fs::path repo_dir;
    double max_dedup_growth = 0.10;  // unchanged second backup may grow the repo by this fraction
    // deleting every snapshot + reclaim leaves packs of at most 1% of the first backup's packs plus this much,
    // and metadata of at most this much plus metadata_per_entry for each entry of the tree (runRoundTrip says why)
    std::uint64_t metadata_bytes = 1ull << 20;
    std::uint64_t metadata_per_entry = 256;
    bool external = false;  // an external endpoint: sizes not measurable, timeouts BLOCKED when the probe fails too
    std::function<std::string()> probe;  // "" when the endpoint answers a cheap request
    // corpus cases taken in although the config leaves them out (corpus_skip): a shape judged on a row of its
    // own; such a row always generates its corpus (never the user's tree)
    std::set<std::string> corpus_take_in{};
};

// Runs every layer into ws.report(); returns true when all passed.
bool runRoundTrip(Workspace& ws, BackupTool& tool, const RoundTripOptions& opt);

// The verdict layers that scenarios share, each recorded in the report.
class ScenarioSteps {
public:
    ScenarioSteps(Workspace& ws, BackupTool& tool, Verdicts& v);
    bool version();
    // seeded corpus in work/source + its manifest; awkward = false leaves out the
    // awkward names and special files (scenarios that judge something else)
    bool corpus(const CorpusProfile& profile, bool awkward = true, const std::set<std::string>& take_in = {});
    void useSource(const fs::path& dir) { source_ = dir; }  // before corpus(): generate it there instead
    // The user's own tree (corpus.path, E2E_CORPUS) instead of corpus(): backed
    // up as it is, read-only; its manifest is taken now, before any backup.
    bool userCorpus(const fs::path& tree);
    void expect(Manifest m) { expected_ = std::move(m); }              // what a restore must equal from now on
    void addRandomFile(const std::string& name, std::uint64_t bytes);  // new data in the source; manifest rebuilt
    bool init(bool encrypted);
    bool listed(const std::string& id, const std::string& label);
    bool files(const std::string& id);
    // layers "restore<as>" and "compare<as>" (a scenario that restores several snapshots names each)
    bool restoreAndCompare(const std::string& id, const std::string& dir_name = "restore-1",
                           const std::string& as = "");
    // layer "compare<as>": what a restore already put in `dest` equals the expected tree (removed when it does)
    bool compareRestored(const fs::path& dest, const std::string& as = "");
    bool check(bool verify_data);
    const fs::path& source() const { return source_; }
    const Manifest& expected() const { return expected_; }
    std::string label() const;  // this test's snapshot label
private:
    Workspace& ws_;
    BackupTool& tool_;
    Verdicts& v_;
    Capabilities caps_;
    CompareOptions cmp_;
    fs::path source_;
    Manifest expected_;
    bool user_corpus_ = false;  // source_ is the user's tree: never written into
};

bool sameSnapshotId(const std::string& a, const std::string& b);

// A snapshot's file listing against the tree it holds, both ways: every entry
// listed (a non-empty dir by any path under it), and nothing listed that the
// tree does not hold. Tolerated as the driver declares: FIFOs it does not store
// may be absent, a name with a newline may be split into its pieces, a name
// that is not UTF-8 may show U+FFFD or '?', and the tool's own entries
// (Capabilities::listing_own_entries) are set apart.
struct ListingVerdict {
    std::size_t considered = 0;               // entries judged
    std::size_t newline_names = 0;            // names with a newline the listing may split
    std::vector<std::string> own;             // listed paths that are the tool's own entries
    std::vector<std::string> missing, extra;  // printable paths
};
ListingVerdict judgeListing(const Manifest& expected, const std::vector<std::string>& listed, const Capabilities& caps);

// The mean length of the chunk that holds a given byte, for the tool's declared chunker
// (Capabilities::chunk_*): E[X^2] / E[X] of its chunk length X, longer than its mean.
double chunkHoldingAByte(const Capabilities& caps);

// A disk image backed up twice, changed a little in between. The second
// backup may grow the repository by what the change costs a tool that chunks
// as it declares: for every changed window (`changed_windows`: window size ->
// how many hold a change), the window and the chunk holding a byte
// (chunkHoldingAByte: the chunks reaching past its two ends), at the window
// size that gives the lowest bar, plus metadata (2% of the first backup + 16 MiB), and
// under 3/4 of the first backup (a tool that stored the image again grows by more); where
// the change was not measured (`changed_windows` empty), by under a quarter of the raw image and half the
// first backup. Sets repo_bytes, growth_bytes, growth_ratio and the figure;
// returns the layer's detail or throws VerdictFailure.
std::string imageDedupVerdict(Workspace& ws, const Capabilities& caps, std::uint64_t before, std::uint64_t after1,
                              std::uint64_t after2, std::uint64_t raw_bytes, const std::string& change,
                              const std::map<std::uint64_t, std::uint64_t>& changed_windows = {});

// The differences that the tool's capabilities tolerate, and why (for the report).
CompareOptions compareOptionsFor(const Capabilities& caps, std::vector<std::string>& notes);

}  // namespace e2e
