// faults/damage: a repository on the local backend, three snapshots of a small
// seeded tree that changes between the backups, then one kind of damage done to
// its files as a failing disk, a careless hand or a killed run leaves it (where
// the tool keeps what: its driver's RepoLayout). The promise:
//   the tool's data-verifying check sees the damage (a check that passes on a
//     damaged repository is a FAIL of the tool);
//   its documented repair runs, and afterwards every snapshot that held no
//     damaged data is still listed and restores byte for byte; a snapshot that
//     did hold some restores all the rest exactly, and what it lost is named by
//     the tool; a listed snapshot that cannot be restored is a FAIL;
//   the check passes after the repair, and the next backup works and restores.
// A stale lock (the tool killed with SIGKILL mid-backup): after the tool's
// documented unlock, or on its own, the check, every snapshot and the next
// backup work.
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "text/Text.hpp"
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"
#include "tree/RandomData.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

struct Case {
    std::string tool;
    std::string backend = "local";  // local: the repository's files; s3: the bucket's objects (versitygw keeps
                                    // each as a file under its data dir, read on the server's side)
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.backend << "/" << c.tool;
}

enum class Damage { PackDeleted, PackCorrupted, IndexDeleted, SnapshotCorrupted, StaleLock };

// A few seconds per row: about 3 MiB of small and bulk files, no awkward names (the backends area judges those).
CorpusProfile damageCorpus() {
    return CorpusProfile{/*small_files*/ 40, /*bulk_bytes*/ 1ull << 20, /*big_file_bytes*/ 2ull << 20, /*depth*/ 3,
                         /*duplicates*/ 2};
}
constexpr std::uint64_t kAddedBytes = 3ull << 19;      // new, incompressible data before the 2nd and 3rd backup
constexpr std::uint64_t kKilledBytes = 48ull << 20;    // the backup killed mid-way has this much to do
constexpr std::uint64_t kContentPackBytes = 64 << 10;  // a pack this big holds file contents (trees are smaller)

// One of the three snapshots: its label, its id, the tree it holds, the repository files its backup wrote.
struct Taken {
    std::string label, id;
    Manifest tree;
    std::set<std::string> packs, snapshot_files;
};

// Files under `repo` whose path relative to it matches `re` (searched), relative paths.
std::set<std::string> filesMatching(const fs::path& repo, const std::string& re) {
    std::set<std::string> out;
    if (re.empty()) return out;
    const std::regex pattern(re);
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(repo, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        const std::string rel = fs::relative(it->path(), repo, ec).generic_string();
        if (it->is_regular_file(ec) && std::regex_search(rel, pattern)) out.insert(rel);
    }
    return out;
}

std::set<std::string> newSince(const std::set<std::string>& before, const std::set<std::string>& now) {
    std::set<std::string> out;
    for (const auto& f : now)
        if (!before.count(f)) out.insert(f);
    return out;
}

// A few bytes in the middle of `file` flipped (its size kept); returns the offset.
std::uint64_t flipMiddle(const fs::path& file) {
    const std::uint64_t at = fs::file_size(file) / 2;
    try {
        flipBytes(file, at, 16);
    } catch (const std::runtime_error& e) {
        throw VerdictFailure(e.what());
    }
    return at;
}

// The tool's words name `path` (relative to the source root): it stands as a path of its own there, e.g.
// after a '/' or a quote and before the end of a word (never inside a longer name or a URL's path).
bool names(const std::string& said, const std::string& path) {
    if (path.empty()) return false;
    const std::string before = "/ \t\n\"'(:[", after = " \t\n\"'):],;";
    for (auto at = said.find(path); at != std::string::npos; at = said.find(path, at + 1)) {
        const std::size_t end = at + path.size();
        if ((at == 0 || before.find(said[at - 1]) != std::string::npos) &&
            (end == said.size() || after.find(said[end]) != std::string::npos))
            return true;
    }
    return false;
}

// What a tool's command said, for the names of what it lost.
std::string said(const Result& r) {
    return r.out + "\n" + r.err + "\n";
}

class RepoDamage : public ScenarioTestP<Case> {
protected:
    RepoDamage() : ScenarioTestP("faults") {}

    ToolOnBackend t_;
    RepoLayout layout_;
    fs::path repo_;
    std::mt19937_64 rng_;
    std::vector<Taken> taken_;
    std::set<std::size_t> may_be_damaged_;  // the snapshots (index in taken_) that may hold damaged data
    std::vector<std::string> others_;       // listed after the repair under a label of the tool's own
    std::string damaged_file_suffix_;       // the repair keeps a damaged file under its name + this
    std::string tool_said_;                 // the check's, the repair's and the restores' words after the damage
    // self-tests: the tool through a faulty wrapper, and the one layer that must catch it
    std::string fault_, fault_script_, caught_by_;

    // The prelude; NOT-APPLICABLE where the tool keeps no file of the kind the case damages.
    bool prepareCase(Damage d) {
        const Case& c = GetParam();
        PreludeOptions po;
        po.backend = c.backend;
        if (!fault_.empty()) {
            ws().report().expectFault(c.tool + " " + fault_, caught_by_);
            po.wrap = [&](const fs::path& real) {
                return writeFaultyWrapper(ws().work(), c.tool, real, fault_, fault_script_);
            };
        }
        if (!prepare(t_, c.tool, po)) return false;
        layout_ = t_.tool->layout();
        const std::string why = notApplicable(d);
        if (!why.empty()) {
            endAs(Status::NotApplicable, why);
            return false;
        }
        if (t_.backend->external()) {
            endAs(Status::NotApplicable, "an external endpoint's storage is not the suite's to damage");
            return false;
        }
        repo_ = t_.backend->target().local_dir;  // the repository's files, or its objects on the server's side
        rng_.seed(ws().seed());
        return true;
    }

    std::string notApplicable(Damage d) const {
        if (d == Damage::IndexDeleted && layout_.index.empty())
            return "no index apart from the packs: " + layout_.no_index;
        if (d == Damage::SnapshotCorrupted && layout_.snapshots.empty())
            return "no file of its own per snapshot: " + layout_.no_snapshots;
        if (layout_.data_packs.empty()) return "the driver declares no repository layout";
        return "";
    }

    // Three backups, the tree changed before the 2nd and the 3rd; what each backup wrote is recorded.
    std::string threeBackups(ScenarioSteps& steps) {
        std::ostringstream d;
        for (int n = 1; n <= 3; ++n) {
            if (n > 1) steps.addRandomFile("added-before-backup-" + std::to_string(n) + ".bin", kAddedBytes);
            const auto packs = filesMatching(repo_, layout_.data_packs);
            const auto snaps = filesMatching(repo_, layout_.snapshots);
            Taken s;
            s.label = steps.label() + "-" + std::to_string(n);
            s.id = t_.tool->backup(steps.source(), s.label);
            s.tree = steps.expected();
            s.packs = newSince(packs, filesMatching(repo_, layout_.data_packs));
            s.snapshot_files = newSince(snaps, filesMatching(repo_, layout_.snapshots));
            d << (n > 1 ? ", " : "") << s.id << " (" << s.packs.size() << " new pack(s))";
            taken_.push_back(std::move(s));
        }
        return "snapshots " + d.str();
    }

    // A seeded pick among the packs the 2nd and 3rd backups wrote that hold file contents (the 1st snapshot
    // cannot reference them; the snapshots before the chosen pack's backup hold no damaged data).
    std::string choosePack(std::size_t& written_by) {
        std::vector<std::pair<std::string, std::size_t>> candidates, any;
        for (std::size_t i = 1; i < taken_.size(); ++i)
            for (const auto& p : taken_[i].packs) {
                any.push_back({p, i});
                if (fs::file_size(repo_ / p) >= kContentPackBytes) candidates.push_back({p, i});
            }
        if (candidates.empty()) candidates = any;
        if (candidates.empty()) throw VerdictFailure("the 2nd and 3rd backups wrote no pack the layout names");
        const auto& [pack, by] = candidates[rng_() % candidates.size()];
        written_by = by;
        for (std::size_t i = by; i < taken_.size(); ++i) may_be_damaged_.insert(i);
        return pack;
    }

    std::string damage(Damage d) {
        nlohmann::json facts;
        std::string what;
        if (d == Damage::PackDeleted || d == Damage::PackCorrupted) {
            std::size_t by = 0;
            const std::string pack = choosePack(by);
            facts = {{"file", pack}, {"bytes", fs::file_size(repo_ / pack)}, {"written_by_backup", by + 1}};
            if (d == Damage::PackDeleted) {
                fs::remove(repo_ / pack);
                what = "deleted the pack " + pack;
            } else {
                facts["flipped_at"] = flipMiddle(repo_ / pack);
                facts["flipped_bytes"] = 16;
                what = "flipped 16 bytes in the middle of the pack " + pack;
            }
            what += " (written by backup " + std::to_string(by + 1) + ")";
        } else if (d == Damage::IndexDeleted) {
            const auto index = filesMatching(repo_, layout_.index);
            if (index.empty()) throw VerdictFailure("no index file found (/" + layout_.index + "/)");
            for (const auto& f : index) fs::remove(repo_ / f);
            facts = {{"deleted", index}};
            what = "deleted every index file (" + std::to_string(index.size()) + ")";
        } else {
            what = corruptSnapshot(facts);
        }
        facts["class"] = what;
        ws().report().set("damage", facts);
        ws().context("damage", what);
        return what;
    }

    // One snapshot's own file (seeded pick) corrupted in the middle; that snapshot alone may be damaged.
    std::string corruptSnapshot(nlohmann::json& facts) {
        const std::size_t n = rng_() % taken_.size();
        if (taken_[n].snapshot_files.size() != 1)
            throw VerdictFailure("backup " + std::to_string(n + 1) + " wrote " +
                                 std::to_string(taken_[n].snapshot_files.size()) + " snapshot files, not one (/" +
                                 layout_.snapshots + "/)");
        const std::string file = *taken_[n].snapshot_files.begin();
        facts = {{"file", file}, {"snapshot", taken_[n].id}, {"flipped_at", flipMiddle(repo_ / file)}};
        may_be_damaged_.insert(n);
        return "flipped 16 bytes in the middle of " + file + ", snapshot " + taken_[n].id + "'s own file";
    }

    // The data-verifying check must fail, and not for a timeout or a signal. A missing index is no damage where
    // the tool rebuilds it from its packs on its own: its check may pass then, if every snapshot is still listed
    // (the survivors are each restored below).
    std::string checkSeesDamage(Damage d) {
        try {
            t_.tool->check(true);
            if (d == Damage::IndexDeleted) return indexRebuilt();
        } catch (const ToolError& e) {
            const Result& r = e.result();
            tool_said_ += said(r);
            if (r.timed_out || r.spawn_failed || r.term_signal != 0)
                throw VerdictFailure(std::string("the check did not end with a verdict: ") + e.what());
            const std::string integrity = matchingLine(said(r), t_.caps.integrity_failure);
            const std::string why = integrity.empty() ? lastLine(r) : integrity;
            ws().report().set("check_said", printable(why));
            return "the check failed (" + r.describe() + "): " + printable(why);
        }
        throw VerdictFailure("the check with data verification passed (exit 0) on a damaged repository");
    }

    std::string indexRebuilt() {
        std::string listed;
        for (const auto& s : t_.tool->snapshots()) listed += " " + s.label + " ";
        for (const auto& s : taken_)
            if (listed.find(" " + s.label + " ") == std::string::npos)
                throw VerdictFailure("the check passed (exit 0) with every index file gone, and snapshot " + s.id +
                                     " is no longer listed: a loss the check did not report");
        ws().report().set("check_said", "exit 0: the index was rebuilt from the packs");
        return "the check passed and every snapshot is still listed: the tool rebuilt its index from the packs";
    }

    static std::string lastLine(const Result& r) {
        const std::string t = r.tail(3);
        const auto at = t.find_last_not_of('\n');
        const auto start = t.rfind('\n', at == std::string::npos ? 0 : at);
        return start == std::string::npos ? t : t.substr(start + 1);
    }

    std::string repair() {
        try {
            const RepairOutcome o = t_.tool->repair();
            tool_said_ += o.said();
            damaged_file_suffix_ = o.damaged_file_suffix;
            ws().report().set("repair_said", printable(o.said()).substr(0, 8000));
            std::string d;
            for (const auto& r : o.steps) d += (d.empty() ? "" : "; ") + r.display + ": " + r.describe();
            return d;
        } catch (const ToolError& e) {
            tool_said_ += said(e.result());
            ws().report().set("repair_said", printable(said(e.result())).substr(0, 8000));
            throw;
        }
    }

    // Every snapshot that held no damaged data is still listed; returns the listed ones by taken_ index.
    std::map<std::size_t, std::string> listedAfter(std::string& detail) {
        std::map<std::size_t, std::string> listed;
        std::vector<std::string> others;
        for (const auto& s : t_.tool->snapshots()) {
            bool ours = false;
            for (std::size_t i = 0; i < taken_.size(); ++i)
                if (s.label == taken_[i].label) listed[i] = s.id, ours = true;
            if (!ours) others.push_back(s.id + " (" + s.label + ")"), others_.push_back(s.id);
        }
        nlohmann::json facts;
        std::string gone;
        for (std::size_t i = 0; i < taken_.size(); ++i) {
            const bool kept = listed.count(i) > 0;
            facts[taken_[i].label] = {{"id_before", taken_[i].id},
                                      {"id_after", kept ? listed[i] : ""},
                                      {"may_hold_damaged_data", may_be_damaged_.count(i) > 0}};
            if (!kept && !may_be_damaged_.count(i)) gone += " " + taken_[i].id;
        }
        ws().report().set("listed_after_repair", facts);
        if (!gone.empty()) throw VerdictFailure("snapshots that held no damaged data are gone:" + gone);
        detail = std::to_string(listed.size()) + " of 3 listed" +
                 (others.empty() ? "" : "; also listed: " + join(others, ", "));
        return listed;
    }

    static std::string join(const std::vector<std::string>& v, const std::string& sep) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
        return s;
    }

    // A restore after the repair against one of the trees taken: the differences the tool named as lost (allowed
    // only where the snapshot may hold damaged data) apart from the rest (never allowed).
    struct Judged {
        std::vector<std::string> named, unnamed;
    };
    Judged judge(std::size_t i, const fs::path& dest) {
        std::vector<std::string> notes;
        ManifestOptions mo;
        mo.digest = taken_[i].tree.digest;
        Judged j;
        for (const auto& d : compare(taken_[i].tree, Manifest::build(dest, mo), compareOptionsFor(t_.caps, notes)))
            (may_be_damaged_.count(i) && namedAsLost(d.path) ? j.named : j.unnamed).push_back(d.describe());
        return j;
    }

    // The tool named `path` as lost, or it is the copy of a file it named, kept under the repair's suffix.
    bool namedAsLost(const std::string& path) const {
        const std::string& sfx = damaged_file_suffix_;
        if (names(tool_said_, path)) return true;
        return !sfx.empty() && path.size() > sfx.size() &&
               path.compare(path.size() - sfx.size(), sfx.size(), sfx) == 0 &&
               names(tool_said_, path.substr(0, path.size() - sfx.size()));
    }

    // Restores `id` into `dest`; "" or, where a failure is allowed, how it failed (the tool's words kept).
    std::string restoreInto(const std::string& id, const fs::path& dest, bool may_fail) {
        fs::create_directories(dest);
        try {
            t_.tool->restore(id, dest);
            return "";
        } catch (const ToolError& e) {
            if (!may_fail) throw;
            tool_said_ += said(e.result());
            return e.result().describe();
        }
    }

    std::string verdictOf(const std::string& id, std::size_t i, const Judged& j, const std::string& restore_failed,
                          nlohmann::json& lost) {
        if (!j.named.empty()) lost[id] = {{"tree_of", taken_[i].label}, {"named", j.named}};
        if (!j.unnamed.empty())
            throw VerdictFailure("snapshot " + id + " restored" +
                                 (restore_failed.empty() ? "" : " (the restore failed: " + restore_failed + ")") +
                                 " differs from the tree of backup " + std::to_string(i + 1) +
                                 " where the tool named nothing lost: " + join(j.unnamed, "; ").substr(0, 3000));
        if (!restore_failed.empty() && j.named.empty())
            throw VerdictFailure("the restore of snapshot " + id + " failed (" + restore_failed +
                                 ") without naming a lost file");
        const std::string of = "the tree of backup " + std::to_string(i + 1);
        return j.named.empty() ? std::to_string(taken_[i].tree.entries.size()) + " entries identical to " + of
                               : of + ", identical but for " + std::to_string(j.named.size()) +
                                     " entries the tool named as lost: " + join(j.named, "; ").substr(0, 1000) +
                                     (restore_failed.empty() ? "" : " (its restore: " + restore_failed + ")");
    }

    // One of the three snapshots, listed after the repair: exact, or (where it may hold damaged data) exact but
    // for what the tool named as lost.
    std::string survivor(std::size_t i, const std::string& id, nlohmann::json& lost) {
        const fs::path dest = ws().work() / ("restore-" + std::to_string(i + 1));
        const std::string failed = restoreInto(id, dest, may_be_damaged_.count(i) > 0);
        const std::string verdict = verdictOf(id, i, judge(i, dest), failed, lost);
        fs::remove_all(dest);
        return verdict;
    }

    // A snapshot listed under a label of the tool's own (a repair's copy of a damaged one): it holds one of the
    // trees that may be damaged, exact but for what the tool named as lost.
    std::string listedOther(const std::string& id, nlohmann::json& lost) {
        const fs::path dest = ws().work() / ("restore-" + id.substr(0, 12));
        const std::string failed = restoreInto(id, dest, !may_be_damaged_.empty());
        std::size_t best = 0;
        Judged closest = judge(0, dest);
        for (std::size_t i = 1; i < taken_.size() && !closest.unnamed.empty(); ++i) {
            Judged j = judge(i, dest);
            if (j.unnamed.size() < closest.unnamed.size()) best = i, closest = std::move(j);
        }
        const std::string verdict = verdictOf(id, best, closest, failed, lost);
        fs::remove_all(dest);
        return verdict;
    }

    // After the repair (or the unlock): listed, each survivor restored, the check, the next backup.
    void afterwards(Verdicts& v, ScenarioSteps& steps) {
        std::map<std::size_t, std::string> listed;
        v.layer("listed-after", [&] {
            std::string d;
            listed = listedAfter(d);
            return d;
        });
        nlohmann::json lost = nlohmann::json::object();
        for (const auto& [i, id] : listed) {
            const std::size_t n = i;
            const std::string sid = id;
            v.layer("survivor-" + std::to_string(i + 1), [&] { return survivor(n, sid, lost); });
        }
        for (std::size_t k = 0; k < others_.size(); ++k)
            v.layer("listed-other-" + std::to_string(k + 1), [&] { return listedOther(others_[k], lost); });
        ws().report().set("lost_named_by_tool", lost);
        steps.check(true);
        std::string next;
        v.layer("next-backup", [&] {
            next = t_.tool->backup(steps.source(), steps.label() + "-next");
            return "snapshot " + next + " of the last tree";
        });
        steps.expect(taken_.back().tree);
        if (!next.empty()) steps.restoreAndCompare(next, "restore-next", "-next");
    }

    // A backup killed with SIGKILL once it has visibly started: a lock or session marker in the repository
    // (where the tool keeps one), else a new pack.
    std::string killMidBackup(ScenarioSteps& steps) {
        const fs::path src = ws().work() / "killed-source";
        fs::create_directories(src);
        Rng rng(ws().seed() ^ fnv1a64("killed"));
        writeRandomFile(src / "big.bin", kKilledBytes, rng);
        const std::string watch = layout_.locks.empty() ? layout_.data_packs : layout_.locks;
        const auto before = filesMatching(repo_, watch);
        auto child = t_.tool->startBackup(src, steps.label() + "-killed");
        std::set<std::string> seen;
        const auto t0 = std::chrono::steady_clock::now();
        while (child->running() && std::chrono::steady_clock::now() - t0 < 120s) {
            seen = newSince(before, filesMatching(repo_, watch));
            if (!seen.empty()) break;
            std::this_thread::sleep_for(2ms);
        }
        if (seen.empty())
            throw VerdictFailure("inconclusive: the backup ended (or 120 s passed) before it wrote " +
                                 std::string(layout_.locks.empty() ? "a pack" : "a lock"));
        child->signalGroup(SIGKILL);
        const Result r = child->wait();
        const auto left = filesMatching(repo_, layout_.locks);
        ws().report().set("damage", {{"class", "SIGKILL mid-backup"},
                                     {"seen_before_the_kill", seen},
                                     {"locks_left", left},
                                     {"lock_free", layout_.locks.empty() ? layout_.no_locks : ""}});
        return "killed (" + r.describe() + ") once it wrote " + *seen.begin() + "; " +
               (layout_.locks.empty() ? layout_.no_locks
                                      : std::to_string(left.size()) + " lock/session file(s) left: " +
                                            join(std::vector<std::string>(left.begin(), left.end()), ", "));
    }

    void runCase(Damage d) {
        if (!prepareCase(d)) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        steps.version();
        steps.corpus(damageCorpus(), false);
        steps.init(true);
        v.layer("backups-before", [&] { return threeBackups(steps); });
        if (d == Damage::StaleLock) {
            v.layer("damage", [&] { return killMidBackup(steps); });
            v.layer("unlock", [&] {
                t_.tool->unlock();
                return std::string("the tool's documented unlock ran");
            });
        } else {
            v.layer("damage", [&] { return damage(d); });
            v.layer("check-sees-damage", [&] { return checkSeesDamage(d); });
            v.layer("repair", [&] { return repair(); });
        }
        afterwards(v, steps);
        // a self-test's fault is judged by its report; a real row fails here, naming the layer
        if (!v.ok() && fault_.empty())
            ADD_FAILURE() << "the promise after a damaged repository failed at layer '" << v.failedLayer() << "'";
    }
};

TEST_P(RepoDamage, PackDeleted) {
    runCase(Damage::PackDeleted);
}

TEST_P(RepoDamage, PackCorrupted) {
    runCase(Damage::PackCorrupted);
}

TEST_P(RepoDamage, IndexDeleted) {
    runCase(Damage::IndexDeleted);
}

TEST_P(RepoDamage, SnapshotCorrupted) {
    runCase(Damage::SnapshotCorrupted);
}

TEST_P(RepoDamage, StaleLock) {
    runCase(Damage::StaleLock);
}

// Self-tests, each caught by exactly one layer of the promise (a faulty wrapper around the tool).
// Its check says all is well on any repository, the damaged one too.
const char* kCheckSeesNothing = R"SH(
case " $* " in *" check "*) echo "no errors were found"; exit 0 ;; esac
exec "$real" "$@"
)SH";

// Its repair forgets every snapshot, the undamaged ones too.
const char* kRepairForgetsAll = R"SH(
case " $* " in *" repair snapshots "*)
  "$real" "$@" || exit $?
  ids=$("$real" snapshots --json | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4)
  [ -z "$ids" ] || "$real" forget $ids
  exit $? ;;
esac
exec "$real" "$@"
)SH";

class RepoDamageSelftest : public RepoDamage {};

TEST_P(RepoDamageSelftest, CheckSeesNothing) {
    fault_ = "check-sees-nothing";
    fault_script_ = kCheckSeesNothing;
    caught_by_ = "check-sees-damage";
    runCase(Damage::PackDeleted);
}

TEST_P(RepoDamageSelftest, RepairForgetsAll) {
    fault_ = "repair-forgets-all";
    fault_script_ = kRepairForgetsAll;
    caught_by_ = "listed-after";
    runCase(Damage::PackDeleted);
}

// Self-tests with restic, whose repair and check the wrappers speak
INSTANTIATE_TEST_SUITE_P(DamageFaults, RepoDamageSelftest, ::testing::Values(Case{"restic"}),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.tool; });

std::vector<Case> cases(const std::string& backend) {
    std::vector<Case> v;
    for (const auto& row : defaultToolRows()) v.push_back({row.tool, backend});
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool;
}

// The repository's files on local; the bucket's objects on S3 (matrix: the gate runs every case on local).
INSTANTIATE_TEST_SUITE_P(Damage, RepoDamage, ::testing::ValuesIn(cases("local")), caseName);
INSTANTIATE_TEST_SUITE_P(DamageS3, RepoDamage, ::testing::ValuesIn(cases("s3")), caseName);

}  // namespace
