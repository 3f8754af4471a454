// surface/changing-files: files that change while the tool reads them (vykar #121: a file growing during the backup
// left a snapshot whose "chunk sizes sum to Y" and packs missing). Beside a small corpus, three files under live/
// are rewritten over and over by a writer thread for the whole backup: each round truncates a file (O_TRUNC) and
// appends the same seeded 4 MiB stream S to it in 64 KiB writes, so whatever was in the file at any moment, and
// whatever any read of it returned, is a prefix of S. The promise:
//   "backup": the backup made a snapshot (exit 0, or the tool's documented partial exit: it reported what it
//     skipped); the writer truncated the files during it (else nothing was raced: the test fails, not the tool);
//   "restore", then "consistent": each live file restored is a prefix of S (no zeros where its size was taken,
//     nothing longer than S, no bytes out of place); one absent only when the backup reported skipping files;
//   "compare": the rest of the tree exactly as it was (the live files' size, digest and mtime taken from the
//     restore once "consistent" has judged them); "check": the tool's own data-verifying check passes.
#include "SurfaceTest.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace e2e;

namespace {

constexpr std::size_t kStream = 4u << 20, kWrite = 64u << 10;
constexpr int kLiveFiles = 3;

// Rewrites each live file from nothing to S, round after round, until stopped
class Rewriter {
public:
    Rewriter(std::vector<fs::path> files, const std::string& stream) : files_(std::move(files)), s_(stream) {
        thread_ = std::thread([this] { loop(); });
    }
    ~Rewriter() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    long truncations() const { return truncations_; }
    const std::string& error() const { return error_; }

private:
    void loop() {
        while (!stop_)
            for (const auto& f : files_) {
                const int fd = ::open(f.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
                if (fd < 0) {
                    error_ = "cannot open " + f.string() + " to rewrite it";
                    return;
                }
                ++truncations_;
                for (std::size_t at = 0; at < s_.size() && !stop_; at += kWrite)
                    if (::write(fd, s_.data() + at, std::min(kWrite, s_.size() - at)) < 0) break;
                ::close(fd);
            }
    }
    std::vector<fs::path> files_;
    const std::string& s_;
    std::atomic<bool> stop_{false};
    std::atomic<long> truncations_{0};
    std::string error_;
    std::thread thread_;
};

class ChangingFiles : public SurfaceTest {
protected:
    std::string stream_;
    std::vector<std::string> live_;  // paths relative to the source

    void makeLive(const fs::path& source) {
        stream_.resize(kStream);
        Rng rng(ws().seed() ^ 0x5eed11fe);
        rng.fill(stream_.data(), stream_.size());
        fs::create_directories(source / "live");
        for (int i = 0; i < kLiveFiles; ++i) {
            live_.push_back("live/grow-" + std::to_string(i) + ".log");
            std::ofstream(source / live_.back(), std::ios::binary) << stream_;
        }
    }

    // "": `file` is a prefix of S; else how it is not
    std::string notAPrefix(const fs::path& file) const {
        std::ifstream in(file, std::ios::binary);
        const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (got.size() > stream_.size())
            return "not what was written: " + std::to_string(got.size()) + " bytes, longer than anything written (" +
                   std::to_string(stream_.size()) + ")";
        const auto at = std::mismatch(got.begin(), got.end(), stream_.begin()).first - got.begin();
        if (static_cast<std::size_t>(at) != got.size())
            return "not what was written: " + std::to_string(got.size()) + " bytes, differing from it at byte " +
                   std::to_string(at) + (got[at] == 0 ? " (a zero byte: a hole filled to a size taken earlier)" : "");
        return "";
    }

    std::string consistent(const fs::path& dest, bool reported) {
        std::string sizes;
        for (const auto& rel : live_) {
            const fs::path f = dest / rel;
            if (!fs::exists(f)) {
                if (!reported) throw VerdictFailure(rel + " is missing, and the backup reported nothing skipped");
                sizes += (sizes.empty() ? "" : ", ") + rel + ": skipped, as reported";
                continue;
            }
            if (const std::string why = notAPrefix(f); !why.empty()) throw VerdictFailure(rel + ": " + why);
            sizes += (sizes.empty() ? "" : ", ") + rel + ": " + std::to_string(fs::file_size(f)) + " bytes";
        }
        return "each live file a prefix of what was written (" + sizes + ")";
    }

    // the live files as restored, in the expected manifest: their content is judged by "consistent"
    void expectLiveAsRestored(ScenarioSteps& steps, const fs::path& dest) {
        Manifest m = steps.expected();
        ManifestOptions mo;
        mo.digest = m.digest;
        const Manifest got = Manifest::build(dest, mo);
        for (const auto& rel : live_) {
            const auto it = got.entries.find(rel);
            if (it == got.entries.end()) {
                m.entries.erase(rel);
                continue;
            }
            m.entries[rel].size = it->second.size;
            m.entries[rel].digest = it->second.digest;
            m.entries[rel].mtime_ns = it->second.mtime_ns;
        }
        steps.expect(m);
    }

    // the snapshot the backup made, and whether it reported skipping files (a documented partial exit)
    std::pair<std::string, bool> backUp(ScenarioSteps& steps, Verdicts& v) {
        std::string id;
        bool reported = false;
        Rewriter writer({steps.source() / live_[0], steps.source() / live_[1], steps.source() / live_[2]}, stream_);
        while (writer.truncations() < 2 * kLiveFiles) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const long before = writer.truncations();
        v.layer("backup", [&] {
            try {
                id = t_.tool->backup(steps.source(), steps.label());
            } catch (const ToolError& e) {
                const Result& r = t_.tool->history().back();
                if (r.timed_out || r.term_signal || !t_.tool->partialExit(r.exit_code)) throw;
                const auto all = t_.tool->snapshots();
                if (all.empty()) throw;
                id = all.back().id;
                reported = true;
            }
            const long during = writer.truncations() - before;
            writer.stop();
            if (!writer.error().empty()) throw std::runtime_error("the writer failed: " + writer.error());
            if (during == 0) throw std::runtime_error("the writer truncated nothing during the backup: nothing raced");
            return "snapshot " + id + (reported ? " (its partial exit: it reported files skipped)" : "") + "; " +
                   std::to_string(during) + " truncations of the live files while it ran";
        });
        return {id, reported};
    }

    void run() {
        if (!ready()) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        steps.version();
        steps.corpus(CorpusProfile{10, 256ull << 10, 0, 2, 1}, false);
        makeLive(steps.source());
        steps.expect(Manifest::build(steps.source()));
        steps.init(true);
        if (!v.ok()) return fault_.judge(v, "changing-files");
        const auto [id, reported] = backUp(steps, v);
        if (!v.ok()) return fault_.judge(v, "changing-files");
        const fs::path dest = ws().work() / "restore-1";
        v.layer("restore", [&] {
            fs::create_directories(dest);
            t_.tool->restore(id, dest);
            return "into " + dest.string();
        });
        v.layer("consistent", [&] { return consistent(dest, reported); });
        if (v.ok()) expectLiveAsRestored(steps, dest);
        steps.compareRestored(dest);
        steps.check(true);
        fault_.judge(v, "changing-files");
    }
};

TEST_P(ChangingFiles, RewrittenDuringBackup) {
    run();
}

INSTANTIATE_TEST_SUITE_P(ChangingFilesLocal, ChangingFiles, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-tests (restic), each caught by its own layer.
// a restore that pads each live file with zeros (as a tool that wrote the size it took before reading): caught by
// "consistent"
const char* kPadsWithZeros = R"SH(
case " $* " in *" restore "*)
  "$real" "$@" || exit $?
  t=; prev=
  for a in "$@"; do [ "$prev" = --target ] && t=$a; prev=$a; done
  for f in "$t"/live/grow-*.log; do head -c 4096 /dev/zero >> "$f"; done
  exit 0 ;;
esac
exec "$real" "$@"
)SH";

// a backup that fails after making its snapshot: caught by "backup"
const char* kFailsTheBackup = R"SH(
case " $* " in *" backup "*) "$real" "$@"; exit 1 ;; esac
exec "$real" "$@"
)SH";

class ChangingFilesSelftest : public ChangingFiles {};

TEST_P(ChangingFilesSelftest, PadsWithZeros) {
    fault_.expect("pads-with-zeros", kPadsWithZeros, "consistent");
    run();
}
TEST_P(ChangingFilesSelftest, FailsTheBackup) {
    fault_.expect("fails-the-backup", kFailsTheBackup, "backup");
    run();
}

// self-test (restic): a tool in the gate that finishes without a partial exit
INSTANTIATE_TEST_SUITE_P(ChangingFilesFaults, ChangingFilesSelftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

}  // namespace
