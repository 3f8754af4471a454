// surface/find-diff: between two generations of a tree, the tool's own diff and find agree with the suite's manifests.
// Generation 1 is a small corpus plus a directory of named cases; generation 2 changes that directory as the seed
// says: files added (one into an existing directory, two in a new directory tree), removed (one alone, two with
// their directory tree), their contents rewritten (sizes changed: kopia takes an unchanged size and mtime for an
// unchanged file), a file's mode alone, a file's mtime alone; the corpus stays as it was. The tool's report
// (BackupTool::diff: restic diff --metadata --json, rustic diff --metadata, borg diff --json-lines, kopia diff, vykar
// snapshot diff) is held to the manifests' difference:
//   "diff": the tool's diff runs and every line of it is read (a line no parser knows fails here, with the line);
//   "reported": every change is reported, as what it is (added, removed, contents, metadata alone): regular files
//     always; directories added or removed and metadata-only changes where the tool reports them (vykar compares
//     file contents only, kopia only counts metadata-only files: Capabilities::diff_leaves_out); a directory whose
//     metadata changed is never required (tools differ on what a directory's change is);
//   "nothing-invented": every path reported is a change of the manifests, of a kind that fits it; a directory may
//     be reported changed when it holds a change (kopia rolls its contents into it);
//   "find": where the tool has a find (vykar snapshot find, restic find, rustic find), it finds the removed file in
//     the first snapshot only, the added one in the second only, the rewritten and an unchanged one in both; vykar's
//     timeline says added, modified, unchanged as the manifests do.
// Names with a newline or not in UTF-8 are partial restore's (every tool prints them its own way, some lossily).
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "SelfTestFault.hpp"
#include "SurfaceTest.hpp"
#include "ToolRows.hpp"
#include "tree/Corpus.hpp"
#include "tree/RandomData.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

using namespace e2e;

namespace {

using Kind = ReportedChange::Kind;

// What changed of each path between two manifests (unchanged paths absent).
std::map<std::string, Kind> manifestDiff(const Manifest& a, const Manifest& b) {
    std::map<std::string, Kind> out;
    for (const auto& [path, e] : a.entries) {
        const auto it = b.entries.find(path);
        if (it == b.entries.end()) {
            out[path] = Kind::Removed;
            continue;
        }
        const Entry& f = it->second;
        if (e.type != f.type || e.size != f.size || e.digest != f.digest || e.link_target != f.link_target)
            out[path] = Kind::Modified;
        else if (e.mode != f.mode || e.mtime_ns != f.mtime_ns || e.uid != f.uid || e.gid != f.gid ||
                 e.xattrs != f.xattrs || e.acl_access != f.acl_access || e.acl_default != f.acl_default)
            out[path] = Kind::Metadata;
    }
    for (const auto& [path, e] : b.entries)
        if (!a.entries.count(path)) out[path] = Kind::Added;
    return out;
}

class FindDiff : public SurfaceTest {
protected:
    // the named cases, relative to the source
    const std::string dir_ = "cases";
    std::string p(const std::string& name) const { return dir_ + "/" + name; }

    void write(const fs::path& root, const std::string& rel, std::uint64_t bytes, Rng& rng) {
        fs::create_directories((root / rel).parent_path());
        writeRandomFile(root / rel, bytes, rng);
    }
    static void setMtime(const fs::path& f, std::int64_t sec) {
        struct timespec ts[2] = {{sec, 0}, {sec, 0}};
        if (utimensat(AT_FDCWD, f.c_str(), ts, 0) != 0) throw std::runtime_error("utimensat " + f.string());
    }

    void generation1(const fs::path& root, Rng& rng) {
        for (const char* f : {"rewritten.txt", "removed.txt", "mode-only.txt", "mtime-only.txt", "name with space.txt",
                              "old-tree/a.txt", "old-tree/inner/b.txt", "kept/keep.txt"})
            write(root, p(f), 100 + rng.below(4000), rng);
        fs::permissions(root / p("mode-only.txt"), fs::perms(0644));
        setMtime(root / p("mtime-only.txt"), 1609459200);  // 2021-01-01
    }

    void generation2(const fs::path& root, Rng& rng) {
        for (const char* f : {"rewritten.txt", "name with space.txt"}) {
            const std::uint64_t was = fs::file_size(root / p(f));
            write(root, p(f), was + 1 + rng.below(2000), rng);  // another size: no tool may miss it
        }
        fs::remove(root / p("removed.txt"));
        fs::remove_all(root / p("old-tree"));
        fs::permissions(root / p("mode-only.txt"), fs::perms(0600));
        setMtime(root / p("mtime-only.txt"), 1643760000);  // 2022-02-02
        for (const char* f : {"added.txt", "kept/added-into-kept.txt", "new-tree/n.txt", "new-tree/deep/d.txt"})
            write(root, p(f), 100 + rng.below(4000), rng);
    }

    void run() {
        if (!ready()) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        steps.version();
        steps.corpus(CorpusProfile{30, 1ull << 20, 0, 2, 1}, false);
        Rng rng(ws().seed() ^ 0xd1ffull);
        ManifestOptions mo;
        mo.digest = steps.expected().digest;
        generation1(steps.source(), rng);
        const Manifest first = Manifest::build(steps.source(), mo);
        steps.init(true);
        std::string id1, id2;
        v.layer("backup-1", [&] { return "snapshot " + (id1 = t_.tool->backup(steps.source(), steps.label())); });
        if (!v.ok()) return fault_.judge(v, "find-diff");
        generation2(steps.source(), rng);
        const Manifest second = Manifest::build(steps.source(), mo);
        // vykar's timeline orders snapshots by their time: the second begins a second of its own
        std::this_thread::sleep_until(std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now()));
        v.layer("backup-2", [&] { return "snapshot " + (id2 = t_.tool->backup(steps.source(), steps.label())); });
        if (!v.ok()) return fault_.judge(v, "find-diff");
        const auto want = manifestDiff(first, second);
        std::vector<ReportedChange> got;
        v.layer("diff", [&] {
            got = t_.tool->diff(id1, id2);
            nlohmann::json said = nlohmann::json::array();
            for (const auto& c : got) said.push_back({{"path", lossyUtf8(c.path)}, {"kind", kindName(c.kind)}});
            ws().report().set("diff_reported", said);
            return std::to_string(got.size()) + " paths reported changed, the manifests differ in " +
                   std::to_string(want.size());
        });
        if (!v.ok()) return fault_.judge(v, "find-diff");
        judgeReported(v, want, got, first, second);
        judgeInvented(v, want, got, first, second);
        judgeFind(v, id1, id2);
        fault_.judge(v, "find-diff");
    }

    bool isDir(const Manifest& a, const Manifest& b, const std::string& path) const {
        const auto ia = a.entries.find(path), ib = b.entries.find(path);
        return (ia != a.entries.end() && ia->second.type == EntryType::Dir) ||
               (ib != b.entries.end() && ib->second.type == EntryType::Dir);
    }

    void judgeReported(Verdicts& v, const std::map<std::string, Kind>& want, const std::vector<ReportedChange>& got,
                       const Manifest& a, const Manifest& b) {
        v.layer("reported", [&] {
            std::map<std::string, Kind> said;
            for (const auto& c : got) said[c.path] = c.kind;
            std::vector<std::string> wrong;
            std::size_t judged = 0, optional = 0;
            for (const auto& [path, kind] : want) {
                const bool dir = isDir(a, b, path);
                const bool required = !(dir && kind == Kind::Metadata) && !(dir && !t_.caps.diff_dirs) &&
                                      !(!dir && kind == Kind::Metadata && !t_.caps.diff_metadata);
                const auto it = said.find(path);
                if (!required && it == said.end()) {
                    ++optional;
                    continue;
                }
                ++judged;
                if (it == said.end())
                    wrong.push_back(lossyUtf8(path) + " (" + kindName(kind) + ") not reported");
                else if (it->second != kind)
                    wrong.push_back(lossyUtf8(path) + " reported " + kindName(it->second) + ", the manifests say " +
                                    kindName(kind));
            }
            if (!wrong.empty())
                throw VerdictFailure(std::to_string(wrong.size()) + " of " + std::to_string(judged) +
                                     " changes not reported as they are: " + joinFirst(wrong, 8));
            return std::to_string(judged) + " changes reported as the manifests have them" +
                   (optional ? "; " + std::to_string(optional) + " not required and not reported" +
                                   (t_.caps.diff_leaves_out.empty() ? std::string(" (directories' own metadata)")
                                                                    : " (" + t_.caps.diff_leaves_out + ")")
                             : "");
        });
    }

    void judgeInvented(Verdicts& v, const std::map<std::string, Kind>& want, const std::vector<ReportedChange>& got,
                       const Manifest& a, const Manifest& b) {
        v.layer("nothing-invented", [&] {
            std::vector<std::string> extra;
            for (const auto& c : got) {
                if (want.count(c.path)) continue;  // a change (its kind is "reported"'s)
                const bool holds_change = isDir(a, b, c.path) && [&] {
                    for (const auto& [path, kind] : want)
                        if (path.rfind(c.path + "/", 0) == 0) return true;
                    return false;
                }();
                if (holds_change && c.kind == Kind::Metadata) continue;
                extra.push_back(lossyUtf8(c.path) + " reported " + kindName(c.kind) + " ('" + lossyUtf8(c.said) +
                                "'), " +
                                (a.entries.count(c.path) || b.entries.count(c.path) ? "unchanged in the manifests"
                                                                                    : "in neither tree"));
            }
            if (!extra.empty())
                throw VerdictFailure(std::to_string(extra.size()) +
                                     " paths reported that did not change: " + joinFirst(extra, 8));
            return std::to_string(got.size()) + " paths reported, each a change of the manifests";
        });
    }

    void judgeFind(Verdicts& v, const std::string& id1, const std::string& id2) {
        if (const std::string gap = t_.tool->findGap(); !gap.empty()) {
            ws().report().note("find: not applicable (" + gap + ")");
            return;
        }
        v.layer("find", [&] {
            struct Probe {
                std::string path;
                std::vector<std::pair<std::string, std::string>> in;  // snapshot -> status vykar shows
            };
            const std::vector<Probe> probes = {{p("removed.txt"), {{id1, "added"}}},
                                               {p("added.txt"), {{id2, "added"}}},
                                               {p("rewritten.txt"), {{id1, "added"}, {id2, "modified"}}},
                                               {p("kept/keep.txt"), {{id1, "added"}, {id2, "unchanged"}}}};
            std::vector<std::string> wrong;
            bool timeline = false;  // it says how each snapshot's copy stands (vykar), not only that it is there
            for (const auto& probe : probes) {
                const auto found = t_.tool->find(probe.path);
                std::string saw;
                for (const auto& [id, status] : found) {
                    saw += (saw.empty() ? "" : ", ") + id + " " + status;
                    timeline = timeline || status != "present";
                }
                bool same = found.size() == probe.in.size();
                for (const auto& [id, status] : probe.in) {
                    bool here = false;
                    for (const auto& [fid, fstatus] : found)
                        if (sameSnapshotId(fid, id)) here = fstatus == "present" || fstatus == status;
                    same = same && here;
                }
                if (!same) {
                    std::string want;
                    for (const auto& [id, status] : probe.in) want += (want.empty() ? "" : ", ") + id + " " + status;
                    wrong.push_back(probe.path + ": found in [" + saw + "], the manifests say [" + want + "]");
                }
            }
            if (!wrong.empty()) throw VerdictFailure("find disagrees with the manifests: " + joinFirst(wrong, 4));
            return std::to_string(probes.size()) + " paths found in the snapshots that hold them" +
                   std::string(timeline ? ", each as its timeline has it (added, modified, unchanged)" : "");
        });
    }

    static std::string joinFirst(const std::vector<std::string>& v, std::size_t n) {
        std::string s;
        for (std::size_t i = 0; i < v.size() && i < n; ++i) s += (i ? "; " : "") + v[i];
        return v.size() > n ? s + "; ..." : s;
    }
};

TEST_P(FindDiff, TwoGenerations) {
    run();
}

INSTANTIATE_TEST_SUITE_P(FindDiffLocal, FindDiff, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-tests (restic, its diff in JSON lines): a diff that drops the first path whose contents changed (caught by
// "reported"), one that adds a path that never existed (caught by "nothing-invented"), one that prints a line no
// reader knows (caught by "diff"), a find that misses the older snapshot (caught by "find").
const char* kDropsAModifiedPath = R"SH(
case " $* " in *" diff "*)
  "$real" "$@" | awk '!dropped && /"modifier":"M"/ { dropped = 1; next } { print }'
  exit "${PIPESTATUS[0]}" ;;
esac
exec "$real" "$@"
)SH";

const char* kInventsAPath = R"SH(
case " $* " in *" diff "*)
  "$real" "$@"; rc=$?
  echo '{"message_type":"change","path":"/cases/never-was.txt","modifier":"+"}'
  exit $rc ;;
esac
exec "$real" "$@"
)SH";

const char* kPrintsGarbage = R"SH(
case " $* " in *" diff "*)
  "$real" "$@"; rc=$?
  echo 'diff: 3 paths changed (a summary no reader knows)'
  exit $rc ;;
esac
exec "$real" "$@"
)SH";

const char* kFindMissesTheOlder = R"SH(
case " $* " in *" find "*)
  "$real" "$@" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps(d[:1]))'
  exit "${PIPESTATUS[0]}" ;;
esac
exec "$real" "$@"
)SH";

class FindDiffSelftest : public FindDiff {};

TEST_P(FindDiffSelftest, DropsAModifiedPath) {
    fault_.expect("drops-a-modified-path", kDropsAModifiedPath, "reported");
    run();
}
TEST_P(FindDiffSelftest, InventsAPath) {
    fault_.expect("invents-a-path", kInventsAPath, "nothing-invented");
    run();
}
TEST_P(FindDiffSelftest, PrintsGarbage) {
    fault_.expect("prints-garbage", kPrintsGarbage, "diff");
    run();
}
TEST_P(FindDiffSelftest, FindMissesTheOlder) {
    fault_.expect("find-misses-the-older", kFindMissesTheOlder, "find");
    run();
}

// The self-tests run with restic
INSTANTIATE_TEST_SUITE_P(FindDiffFaults, FindDiffSelftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

}  // namespace
