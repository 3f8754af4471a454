// surface/partial-restore: parts of one snapshot restored with the tool's own selection (BackupTool::restoreSelection:
// restic --include, rustic snap:path and --glob, borg extract PATH and sh: patterns, kopia ID/path, vykar --pattern
// with --verify). Each part must come back exactly: the source's manifest cut down to what is selected, nothing
// missing and nothing extra, metadata included under the tool's documented tolerances; the selection's ancestors may
// come back as directories (only their type is judged: some tools make them afresh). Selections: a directory with
// subdirectories, one file, a name glob matching files in two directories, and the file whose name holds a newline,
// alone (Selections); the file whose name is not UTF-8, alone (NonUtf8Name, a case of its own: vykar's known finding
// on such names is at backup, not restore).
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "SelfTestFault.hpp"
#include "SurfaceTest.hpp"
#include "ToolRows.hpp"
#include "text/Text.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>

#include <fnmatch.h>
#include <sstream>

using namespace e2e;

namespace {

struct Part {
    std::string name;  // for the report and the restore dir
    PathSelection sel;
};

class PartialRestore : public SurfaceTest {
protected:
    static bool selected(const PathSelection& sel, const std::string& path, const Entry& e) {
        switch (sel.kind) {
            case PathSelection::Kind::Dir:
                return path == sel.path || path.rfind(sel.path + "/", 0) == 0;
            case PathSelection::Kind::File:
                return path == sel.path;
            case PathSelection::Kind::Glob:
                return e.type == EntryType::File &&
                       fnmatch(sel.path.c_str(), path.substr(path.rfind('/') + 1).c_str(), 0) == 0;
        }
        return false;
    }

    // The source's manifest cut down to `sel`, with each selected entry's ancestors; `ancestors` gets those that are
    // only ancestors.
    static Manifest cutDown(const Manifest& all, const PathSelection& sel, std::set<std::string>& ancestors) {
        Manifest part = all;
        part.entries.clear();
        part.total_bytes = 0;
        for (const auto& [path, e] : all.entries) {
            if (!selected(sel, path, e)) continue;
            part.entries.emplace(path, e);
            for (auto slash = path.rfind('/'); slash != std::string::npos; slash = path.rfind('/', slash - 1)) {
                const std::string up = path.substr(0, slash);
                if (!selected(sel, up, all.entries.at(up)) && part.entries.emplace(up, all.entries.at(up)).second)
                    ancestors.insert(up);
                if (slash == 0) break;
            }
        }
        return part;
    }

    // One part restored and judged; "" when it came back exactly, else what differs.
    std::string restorePart(const std::string& id, const Part& part, const Manifest& all, const CompareOptions& cmp,
                            std::string& said) {
        std::set<std::string> ancestors;
        const Manifest want = cutDown(all, part.sel, ancestors);
        if (want.entries.size() == ancestors.size()) return "the source holds nothing this selection matches";
        const bool dir_as_target = t_.caps.selected_dir_is_target && part.sel.kind == PathSelection::Kind::Dir;
        if (dir_as_target) ancestors.insert(part.sel.path);  // its type judged, not its metadata
        const fs::path dest = ws().work() / ("part-" + part.name);
        t_.tool->restoreSelection(id, part.sel, dest);
        ManifestOptions mo;
        mo.digest = all.digest;
        const Manifest got = fs::exists(dest) ? Manifest::build(dest, mo) : Manifest{};
        std::vector<Difference> wrong;
        for (const auto& d : compare(want, got, cmp))
            if (!ancestors.count(d.path) || d.kind == DiffKind::Missing || d.kind == DiffKind::Extra ||
                d.kind == DiffKind::Type)
                wrong.push_back(d);
        if (!wrong.empty()) {
            std::string out = std::to_string(wrong.size()) + " differences:";
            for (std::size_t i = 0; i < wrong.size() && i < 10; ++i) out += " " + wrong[i].describe() + ";";
            return out;
        }
        said += part.name + ": " + std::to_string(want.entries.size() - ancestors.size()) + " entries" +
                (ancestors.empty() ? "" : " (+" + std::to_string(ancestors.size()) + " ancestor dirs)") +
                (dir_as_target ? " (the directory restored as the target: its own metadata not judged)" : "") + "; ";
        fs::remove_all(dest);
        return "";
    }

    // The first regular file under data/ (the corpus numbers its files by the seed).
    static std::string aDataFile(const Manifest& m) {
        for (const auto& [path, e] : m.entries)
            if (e.type == EntryType::File && path.rfind("data/", 0) == 0) return path;
        return "data/";
    }

    // `parts` with a File part of empty path resolved to aDataFile; `drop` removed from the tree before the backup.
    void run(bool awkward, std::vector<Part> parts, const std::string& drop = "") {
        if (!ready()) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        steps.version();
        steps.corpus(CorpusProfile{60, 2ull << 20, 0, 3, 1}, awkward);
        if (!drop.empty() && fs::remove(steps.source() / drop)) {
            ManifestOptions mo;
            mo.digest = steps.expected().digest;
            steps.expect(Manifest::build(steps.source(), mo));
            ws().report().note("left out of this tree (a case of its own): " + lossyUtf8(drop));
        }
        for (auto& part : parts)
            if (part.sel.kind == PathSelection::Kind::File && part.sel.path.empty())
                part.sel.path = aDataFile(steps.expected());
        steps.init(true);
        std::string id;
        v.layer("backup", [&] { return "snapshot " + (id = t_.tool->backup(steps.source(), steps.label())); });
        std::vector<std::string> notes;
        const CompareOptions cmp = compareOptionsFor(t_.caps, notes);
        v.layer("partial-restore", [&] {
            std::string said, failed;
            for (const auto& part : parts) {
                if (const std::string gap = t_.tool->selectionGap(part.sel); !gap.empty()) {
                    said += part.name + ": not applicable (" + gap + "); ";
                    continue;
                }
                const std::string wrong = restorePart(id, part, steps.expected(), cmp, said);
                if (!wrong.empty()) failed += (failed.empty() ? "" : "; ") + part.name + ": " + wrong;
            }
            if (!failed.empty()) throw VerdictFailure("a part came back wrong: " + failed);
            return said;
        });
        fault_.judge(v, "partial-restore");
    }
};

const std::vector<Part> kParts = {
    {"dir", {PathSelection::Kind::Dir, "docs"}},
    {"file", {PathSelection::Kind::File, ""}},  // a file under data/ (aDataFile)
    {"glob", {PathSelection::Kind::Glob, "*.bin"}},
    {"newline-name", {PathSelection::Kind::File, "awkward/new\nline.txt"}},
};

const std::string kNonUtf8Name = std::string("awkward/latin1-caf\xe9") + ".txt";

TEST_P(PartialRestore, Selections) {
    run(true, kParts, kNonUtf8Name);
}

TEST_P(PartialRestore, NonUtf8Name) {
    run(true, {{"non-utf8-name", {PathSelection::Kind::File, kNonUtf8Name}}});
}

INSTANTIATE_TEST_SUITE_P(PartialRestoreLocal, PartialRestore, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-test (restic): a restore that leaves out --include and brings the whole snapshot back, caught by
// "partial-restore" (entries extra to every part).
const char* kRestoresEverything = R"SH(
case " $* " in *" restore "*)
  args=(); skip=0
  for a in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    if [ "$a" = --include ]; then skip=1; continue; fi
    args+=("$a")
  done
  exec "$real" "${args[@]}" ;;
esac
exec "$real" "$@"
)SH";

class PartialRestoreSelftest : public PartialRestore {};

TEST_P(PartialRestoreSelftest, RestoresEverything) {
    fault_.expect("restores-everything", kRestoresEverything, "partial-restore");
    run(false, {kParts[0]});
}

INSTANTIATE_TEST_SUITE_P(PartialRestoreFaults, PartialRestoreSelftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

}  // namespace
