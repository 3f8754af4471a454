#include "RoundTrip.hpp"

#include "RepoUsage.hpp"
#include "config/Settings.hpp"
#include "text/Text.hpp"
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"
#include "tree/RandomData.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace e2e {

namespace {

std::string listDiffs(const std::vector<Difference>& d, std::size_t max = 15) {
    std::ostringstream s;
    s << d.size() << " difference(s):";
    for (std::size_t i = 0; i < d.size() && i < max; ++i) s << "\n    " << d[i].describe();
    if (d.size() > max) s << "\n    ... and " << d.size() - max << " more (all in the report)";
    return s.str();
}

}  // namespace

namespace {

void addWithParents(std::set<std::string>& into, const std::string& path) {
    for (std::string p = path; !p.empty() && into.insert(p).second;) {
        const auto slash = p.rfind('/');
        p = slash == std::string::npos ? std::string() : p.substr(0, slash);
    }
}

}  // namespace

ListingVerdict judgeListing(const Manifest& expected, const std::vector<std::string>& listed,
                            const Capabilities& caps) {
    ListingVerdict v;
    const std::regex own(caps.listing_own_entries.empty() ? "$^" : caps.listing_own_entries);
    std::set<std::string> have;  // listed, with the parents that a listed path implies
    for (std::string p : listed) {
        while (!p.empty() && p.back() == '/') p.pop_back();
        if (p.empty() || p == ".") continue;  // the root itself
        if (std::regex_match(p, own))
            v.own.push_back(p);
        else
            addWithParents(have, p);
    }
    std::set<std::string> forms;  // every way the listing may show an entry of the tree
    for (const auto& [path, e] : expected.entries) {
        // a listing cannot always carry bytes that are not UTF-8: the compare layer checks those names byte for byte
        const std::string variants[] = {path, lossyUtf8(path), lossyUtf8(path, "?")};
        const bool split = !caps.listing_newlines && path.find('\n') != std::string::npos;
        v.newline_names += split;
        for (const auto& s : variants) {
            addWithParents(forms, s);
            if (!split) continue;
            std::size_t from = 0;
            for (std::size_t nl; (nl = s.find('\n', from)) != std::string::npos; from = nl + 1)
                addWithParents(forms, s.substr(from, nl - from));
            addWithParents(forms, s.substr(from));
        }
        // FIFOs a tool does not store: tolerated and noted at the compare layer
        if (split || (!caps.fifos && e.type == EntryType::Fifo)) continue;
        ++v.considered;
        if (!have.count(variants[0]) && !have.count(variants[1]) && !have.count(variants[2]))
            v.missing.push_back(printable(path));
    }
    for (const auto& p : have)
        if (!forms.count(p)) v.extra.push_back(printable(p));
    return v;
}

bool sameSnapshotId(const std::string& a, const std::string& b) {
    // tools print short ids in one place and long ones in another
    if (a.empty() || b.empty()) return false;
    return a.rfind(b, 0) == 0 || b.rfind(a, 0) == 0;
}

CompareOptions compareOptionsFor(const Capabilities& caps, std::vector<std::string>& notes) {
    CompareOptions o;
    if (!caps.hardlinks) {
        o.hardlinks = false;
        notes.push_back(
            "tolerated: hardlinks restored as separate files (the tool does not preserve hardlinks); content still "
            "compared");
    }
    if (!caps.raw_names) {
        o.raw_names = false;
        notes.push_back(
            "tolerated: names that are not UTF-8 come back with U+FFFD for the bad bytes (the tool keeps names as "
            "UTF-8 text); content still compared");
    }
    if (!caps.fifos) {
        o.skip_types.insert(EntryType::Fifo);
        notes.push_back(
            "tolerated: FIFOs not restored (the tool does not store special files); anything else in their place is "
            "still a type difference");
    }
    auto mtime = [&](const std::string& kind, MtimePrecision kept, MtimePrecision& tolerance) {
        if (kept == MtimePrecision::Nanoseconds) return;
        tolerance = kept;
        notes.push_back(kept == MtimePrecision::Ignored
                            ? "tolerated: " + kind + " mtimes not compared (the tool does not restore them)"
                            : "tolerated: " + kind + " mtimes compared to " + toString(kept) +
                                  " (the tool keeps no finer part); a value cut down or rounded up to it passes, "
                                  "nothing further off");
    };
    mtime("files' and FIFOs'", caps.file_mtime, o.file_mtime);
    mtime("directories'", caps.dir_mtime, o.dir_mtime);
    mtime("symlinks'", caps.symlink_mtime, o.symlink_mtime);
    if (!caps.xattrs) {
        o.xattrs = false;
        notes.push_back(
            "tolerated: extended attributes not restored (the tool does not store them); ACLs judged on their own");
    }
    if (!caps.acls) {
        o.acls = false;
        notes.push_back("tolerated: POSIX ACLs not restored (the tool does not store them); mode bits still compared");
    }
    return o;
}

ScenarioSteps::ScenarioSteps(Workspace& ws, BackupTool& tool, Verdicts& v)
    : ws_(ws), tool_(tool), v_(v), caps_(tool.capabilities()), source_(ws.work() / "source") {
    std::vector<std::string> notes;
    cmp_ = compareOptionsFor(caps_, notes);
    for (const auto& n : notes) ws_.report().tolerate(n.rfind("tolerated: ", 0) == 0 ? n.substr(11) : n);
    ws_.report().set("tool", tool.name());
}

std::string ScenarioSteps::label() const {
    return "e2e-" + std::to_string(ws_.seed() % 100000);
}

bool ScenarioSteps::version() {
    return v_.layer("version", [&] {
        std::string ver = tool_.version();
        ws_.report().set("tool_version", ver);
        return ver;
    });
}

bool ScenarioSteps::corpus(const CorpusProfile& profile, bool awkward, const std::set<std::string>& take_in) {
    ws_.context("source", source_.string());
    return v_.layer("corpus", [&] {
        CorpusSpec spec;
        spec.seed = ws_.seed();
        spec.profile = profile;
        spec.awkward = awkward;
        spec.fifo = awkward;
        if (!awkward)
            ws_.report().note(
                "corpus without its awkward names and special files: this scenario judges something else (the backends "
                "area judges those)");
        spec.skip = Settings::get().corpus_skip;
        for (const auto& k : take_in) {
            spec.skip.erase(k);
            ws_.report().note("corpus case taken in by this scenario (the row judges it): " + k);
        }
        for (const auto& k : spec.skip)
            ws_.report().note("corpus case left out on request (corpus_skip / E2E_CORPUS_SKIP): " + k);
        ws_.report().set("corpus_skip", std::vector<std::string>(spec.skip.begin(), spec.skip.end()));
        CorpusStats st = generateCorpus(source_, spec);
        ManifestOptions mo;
        mo.digest = Settings::get().digest;
        expected_ = Manifest::build(source_, mo);
        ws_.report().set("digest", toString(mo.digest));
        for (const auto& k : st.unsupported)
            ws_.report().note("corpus case not applicable: the source filesystem refused it (ENOTSUP): " + k);
        ws_.report().set("corpus", {{"files", st.files},
                                    {"dirs", st.dirs},
                                    {"symlinks", st.symlinks},
                                    {"hardlinks", st.hardlinks},
                                    {"fifos", st.fifos},
                                    {"empty_dirs", st.empty_dirs},
                                    {"xattrs", st.xattrs},
                                    {"acls", st.acls},
                                    {"subsecond_mtimes", st.subsecond_mtimes},
                                    {"bytes", st.bytes},
                                    {"unique_bytes", st.unique_bytes},
                                    {"entries", expected_.entries.size()},
                                    {"mtime_granularity_ns", expected_.mtime_granularity_ns}});
        std::ostringstream d;
        d << expected_.entries.size() << " entries, " << humanBytes(st.bytes) << " (" << humanBytes(st.unique_bytes)
          << " unique)";
        return d.str();
    });
}

bool ScenarioSteps::userCorpus(const fs::path& tree) {
    source_ = tree;
    user_corpus_ = true;
    ws_.context("source", tree.string() + " (user corpus, read-only)");
    return v_.layer("corpus", [&] {
        ManifestOptions mo;
        mo.digest = Settings::get().digest;
        mo.probe_mtime_granularity = false;  // the probe sets the root's mtime: nothing is written into the user's tree
        expected_ = Manifest::build(tree, mo);
        std::uint64_t files = 0, dirs = 0, symlinks = 0, bytes = 0;
        for (const auto& [path, e] : expected_.entries) {
            files += e.type == EntryType::File;
            dirs += e.type == EntryType::Dir;
            symlinks += e.type == EntryType::Symlink;
            if (e.type == EntryType::File) bytes += e.size;
        }
        ws_.report().set("digest", toString(mo.digest));
        ws_.report().set("corpus_skip", std::vector<std::string>{});
        ws_.report().set("corpus", {{"user", true},
                                    {"path", tree.string()},
                                    {"files", files},
                                    {"dirs", dirs},
                                    {"symlinks", symlinks},
                                    {"bytes", bytes},
                                    {"entries", expected_.entries.size()},
                                    {"mtime_granularity_ns", expected_.mtime_granularity_ns}});
        ws_.report().note("user corpus (corpus.path / E2E_CORPUS): " + tree.string() +
                          ", backed up as it is, read-only; the generated corpus and its awkward cases were not used");
        return "user corpus " + tree.string() + ": " + std::to_string(files) + " files, " + humanBytes(bytes) + ", " +
               std::to_string(expected_.entries.size()) + " entries (manifest taken before the backup)";
    });
}

void ScenarioSteps::addRandomFile(const std::string& name, std::uint64_t bytes) {
    if (user_corpus_)
        throw std::logic_error("addRandomFile: the source is the user's corpus, which the suite never writes into");
    Rng rng(ws_.seed() ^ fnv1a64(name));
    writeRandomFile(source_ / name, bytes, rng);
    ManifestOptions mo;
    mo.digest = expected_.digest;
    expected_ = Manifest::build(source_, mo);
}

bool ScenarioSteps::init(bool encrypted) {
    return v_.layer("init", [&] {
        tool_.init(RepoOptions{encrypted});
        return std::string();
    });
}

bool ScenarioSteps::listed(const std::string& id, const std::string& label) {
    return v_.layer("listed", [&] {
        auto snaps = tool_.snapshots();
        for (const auto& s : snaps)
            if (sameSnapshotId(s.id, id)) {
                if (s.label != label)
                    throw VerdictFailure("snapshot " + id + " is listed under label '" + s.label + "', expected '" +
                                         label + "'");
                return "listed under '" + label + "'";
            }
        throw VerdictFailure("snapshot " + id + " is not in the tool's snapshot list (" + std::to_string(snaps.size()) +
                             " listed)");
    });
}

bool ScenarioSteps::files(const std::string& id) {
    return v_.layer("files", [&] {
        const auto listed = tool_.files(id);
        const ListingVerdict lv = judgeListing(expected_, listed, caps_);
        if (lv.newline_names && !caps_.listing_newlines)
            ws_.report().note("files layer: " + std::to_string(lv.newline_names) +
                              " name(s) with a newline may be listed split at it: the tool lists one path per line");
        if (!lv.own.empty())
            ws_.report().note("files layer: " + std::to_string(lv.own.size()) +
                              " listed entries are the tool's own (declared), e.g. " + printable(lv.own.front()));
        auto some = [](const std::vector<std::string>& v) {
            std::string s;
            for (std::size_t i = 0; i < v.size() && i < 10; ++i) s += "\n    " + v[i];
            return s;
        };
        std::string m;
        if (!lv.missing.empty())
            m = std::to_string(lv.missing.size()) + " of " + std::to_string(lv.considered) +
                " entries of the tree missing from the snapshot's file list, e.g." + some(lv.missing);
        if (!lv.extra.empty())
            m += (m.empty() ? "" : "\n  ") + std::to_string(lv.extra.size()) +
                 " listed entries the tree does not hold (invented), e.g." + some(lv.extra);
        if (!m.empty()) throw VerdictFailure(m);
        // empty dirs are entries too: a listing that shows only files' paths would miss them
        std::set<std::string> parents;
        std::size_t dirs = 0;
        for (const auto& [path, e] : expected_.entries) {
            dirs += e.type == EntryType::Dir;
            if (auto slash = path.rfind('/'); slash != std::string::npos) parents.insert(path.substr(0, slash));
        }
        std::size_t empty = 0;
        for (const auto& [path, e] : expected_.entries) empty += e.type == EntryType::Dir && !parents.count(path);
        return "the listing equals the tree: " + std::to_string(lv.considered) + " entries all listed (" +
               std::to_string(dirs) + " dirs, " + std::to_string(empty) + " of them empty), none invented (" +
               std::to_string(listed.size()) + " lines)";
    });
}

bool ScenarioSteps::restoreAndCompare(const std::string& id, const std::string& dir_name, const std::string& as) {
    const fs::path dest = ws_.work() / dir_name;
    if (!v_.layer("restore" + as, [&] {
            fs::create_directories(dest);
            tool_.restore(id, dest);
            return "into " + dest.string();
        }))
        return false;
    return compareRestored(dest, as);
}

bool ScenarioSteps::compareRestored(const fs::path& dest, const std::string& as) {
    return v_.layer("compare" + as, [&] {
        ManifestOptions mo;
        mo.digest = expected_.digest;
        Manifest got = Manifest::build(dest, mo);
        auto diffs = compare(expected_, got, cmp_);
        if (!diffs.empty()) {
            nlohmann::json all = nlohmann::json::array();
            for (const auto& d : diffs) all.push_back(d.describe());
            ws_.report().set("differences", all);
            throw VerdictFailure("restored tree differs from the source: " + listDiffs(diffs));
        }
        fs::remove_all(dest);  // restore dirs go once they have passed
        return std::to_string(expected_.entries.size()) + " entries identical (type, mode, owner, size, " +
               toString(expected_.digest) + ", mtime to " +
               std::to_string(std::max(expected_.mtime_granularity_ns, got.mtime_granularity_ns)) +
               " ns, link target, hardlinks, xattrs, ACLs; tolerances in notes)";
    });
}

bool ScenarioSteps::check(bool verify_data) {
    return v_.layer("check", [&] {
        tool_.check(verify_data);
        return std::string(verify_data ? "tool's own check with data verification: ok" : "tool's own check: ok");
    });
}

namespace {

struct RepoSizes {
    std::uint64_t first, before, after;  // after the first backup, before the reclaim, after it
};

// With every snapshot deleted and reclaimed, nothing is referenced. Packs: a
// pack survives only for the tool's own few live objects (borg keeps its
// manifest in a segment) plus the dead share its compaction lets stay, so 1% of
// the first backup's packs + metadata_bytes, whatever the tree's shape (one
// pack_max would excuse a whole backup: borg's is 500 MiB). The rest is
// metadata (config, keys, indexes, logs), which grows with the tree's entries,
// not its bytes (kopia 0.22.3's session logs name every content it wrote: 9.4
// MiB were left for /usr/share's 56k entries, ~170 B each): metadata_bytes +
// metadata_per_entry (256 B) for each entry. Without the repository's files
// here, the total as one bound.
std::string reclaimVerdict(Workspace& ws, const Capabilities& caps, const RoundTripOptions& opt, RepoSizes sz,
                           std::uint64_t packs1, std::size_t entries) {
    std::ostringstream d;
    d << "with every snapshot deleted, reclaiming shrank the repository from " << humanBytes(sz.before) << " to "
      << humanBytes(sz.after);
    nlohmann::json fig{
        {"repo_bytes_before", sz.before}, {"repo_bytes_after", sz.after}, {"repo_bytes_first_backup", sz.first}};
    if (opt.repo_dir.empty() || caps.pack_objects.empty()) {
        ws.report().set("reclaim", fig);
        const std::uint64_t bound = sz.first / 100 + opt.metadata_bytes;
        d << " (bound: 1% of the first backup's " << humanBytes(sz.first) << " + " << humanBytes(opt.metadata_bytes)
          << " = " << humanBytes(bound) << ")";
        if (sz.after > bound) throw VerdictFailure(d.str() + ": the data of the deleted snapshots was not reclaimed");
        return d.str();
    }
    const RepoUsage left = repoUsage(opt.repo_dir, caps.pack_objects);
    const std::uint64_t pack_bound = packs1 / 100 + opt.metadata_bytes;
    const std::uint64_t meta_bound = opt.metadata_bytes + opt.metadata_per_entry * entries;
    fig.update({{"pack_bytes_first_backup", packs1},
                {"pack_bytes_after", left.pack_bytes},
                {"packs_after", left.packs},
                {"pack_bound", pack_bound},
                {"metadata_bytes_after", left.metadata_bytes},
                {"metadata_files_after", left.metadata_files},
                {"metadata_bound", meta_bound},
                {"entries", entries}});
    ws.report().set("reclaim", fig);
    d << ": " << left.packs << " pack(s) of " << humanBytes(left.pack_bytes) << " (bound: 1% of the first backup's "
      << humanBytes(packs1) << " of packs + " << humanBytes(opt.metadata_bytes) << " = " << humanBytes(pack_bound)
      << "), metadata " << humanBytes(left.metadata_bytes) << " in " << left.metadata_files
      << " file(s) (bound: " << humanBytes(opt.metadata_bytes) << " + " << opt.metadata_per_entry
      << " B for each of the " << entries << " entries = " << humanBytes(meta_bound) << ")";
    std::string why;
    if (left.pack_bytes > pack_bound) why = "the data of the deleted snapshots was not reclaimed";
    if (left.metadata_bytes > meta_bound)
        why +=
            std::string(why.empty() ? "" : "; ") + "the tool's metadata outgrew what a tree of this many entries needs";
    if (!why.empty())
        throw VerdictFailure(d.str() + ": " + why +
                             "\n  what remains, by top-level entry: " + largestEntries(opt.repo_dir));
    return d.str();
}

// The first backup; its id into `id1`, what it cost into the report.
std::string firstBackup(Workspace& ws, BackupTool& tool, const fs::path& source, const std::string& label,
                        std::string& id1) {
    ScenarioReport& rep = ws.report();
    id1 = tool.backup(source, label);
    ws.context("snapshot_id", id1);
    rep.set("snapshot_id", id1);
    const Result& r = tool.history().back();
    rep.set("backup_1", {{"wall_s", r.usage.wall_s},
                         {"user_s", r.usage.user_s},
                         {"sys_s", r.usage.sys_s},
                         {"max_rss_kib", r.usage.max_rss_kib}});
    return "snapshot " + id1 + " in " + std::to_string(r.usage.wall_s) + " s";
}

// The second backup of the unchanged tree and the repository's sizes around it.
struct SecondBackup {
    std::string id;
    std::uint64_t size1 = 0, size2 = 0;  // the repository after the first and after the second backup
    std::uint64_t packs1 = 0;            // its pack bytes after the first
};

// The second backup of the unchanged tree gets its own id and barely grows the repository.
std::string secondBackupDedups(Workspace& ws, BackupTool& tool, const RoundTripOptions& opt, const fs::path& source,
                               const std::string& label, const std::string& id1, SecondBackup& b) {
    b.size1 = opt.repo_bytes();
    if (!opt.repo_dir.empty()) b.packs1 = repoUsage(opt.repo_dir, tool.capabilities().pack_objects).pack_bytes;
    b.id = tool.backup(source, label);
    b.size2 = opt.repo_bytes();
    double growth = b.size1 ? double(b.size2 - std::min(b.size1, b.size2)) / double(b.size1) : 1.0;
    ws.report().set("dedup", {{"repo_bytes_after_first", b.size1},
                              {"repo_bytes_after_second", b.size2},
                              {"growth_ratio", growth},
                              {"second_snapshot_id", b.id}});
    std::ostringstream d;
    d << "unchanged second backup grew the repository from " << humanBytes(b.size1) << " to " << humanBytes(b.size2)
      << " (" << growth * 100 << "%, limit " << opt.max_dedup_growth * 100 << "%)";
    if (sameSnapshotId(id1, b.id)) throw VerdictFailure("second backup returned the first snapshot's id " + b.id);
    if (growth >= opt.max_dedup_growth) throw VerdictFailure(d.str());
    return d.str();
}

// Deleting the first snapshot removes it, and only it, from the listing.
std::string forgetFirst(BackupTool& tool, const std::string& id1, const std::string& id2) {
    tool.forget(id1);
    auto snaps = tool.snapshots();
    bool has1 = false, has2 = false;
    for (const auto& s : snaps) {
        has1 |= sameSnapshotId(s.id, id1);
        has2 |= sameSnapshotId(s.id, id2);
    }
    if (has1) throw VerdictFailure("snapshot " + id1 + " is still listed after it was deleted");
    if (!has2) throw VerdictFailure("deleting " + id1 + " also removed " + id2);
    return "first snapshot gone, second still listed";
}

}  // namespace

bool runRoundTrip(Workspace& ws, BackupTool& tool, const RoundTripOptions& opt) {
    Verdicts v(ws, opt.external);
    if (opt.probe) v.probeWith(opt.probe);
    ScenarioReport& rep = ws.report();
    rep.set("backend", opt.backend);
    rep.set("encrypted", opt.encrypted);
    ScenarioSteps steps(ws, tool, v);
    steps.version();
    const auto user = Settings::get().userCorpusFor(opt.backend);
    if (user && opt.corpus_take_in.empty())
        steps.userCorpus(*user);
    else
        steps.corpus(Settings::get().corpusProfile(), true, opt.corpus_take_in);
    steps.init(opt.encrypted);

    const std::string label = steps.label();
    const fs::path& source = steps.source();
    std::string id1;
    v.layer("backup", [&] { return firstBackup(ws, tool, source, label, id1); });
    steps.listed(id1, label);
    steps.files(id1);
    steps.restoreAndCompare(id1);
    steps.check(true);

    if (opt.external) {
        // the repository's size cannot be read on an external endpoint: dedup and reclaim are not judged
        ws.report().addLayer({"dedup", Status::Skipped, "not measurable on an external endpoint", 0});
        v.layer("forget", [&] {
            tool.forget(id1);
            return std::string("snapshot deleted");
        });
        return v.ok();
    }
    SecondBackup second;
    v.layer("dedup", [&] { return secondBackupDedups(ws, tool, opt, source, label, id1, second); });
    v.layer("forget", [&] { return forgetFirst(tool, id1, second.id); });
    v.layer("reclaim", [&] {
        tool.forget(second.id);
        tool.reclaim();
        if (!tool.snapshots().empty()) throw VerdictFailure("snapshots remain after deleting both");
        const RepoSizes sizes{second.size1, second.size2, opt.repo_bytes()};
        const std::string d =
            reclaimVerdict(ws, tool.capabilities(), opt, sizes, second.packs1, steps.expected().entries.size());
        tool.check(false);
        return d + "; check ok";
    });
    return v.ok();
}

double chunkHoldingAByte(const Capabilities& caps) {
    // X = min + min(E, max - min), E exponential with mean `tail`: E[X^2] / E[X]
    const double a = double(caps.chunk_min_bytes), m = double(caps.chunk_tail_bytes),
                 l = double(caps.chunk_max_bytes - std::min(caps.chunk_max_bytes, caps.chunk_min_bytes));
    const double e = std::exp(-l / m), ey = m * (1 - e), ey2 = 2 * (m * m - e * (m * l + m * m));
    return (a * a + 2 * a * ey + ey2) / (a + ey);
}

std::string imageDedupVerdict(Workspace& ws, const Capabilities& caps, std::uint64_t before, std::uint64_t after1,
                              std::uint64_t after2, std::uint64_t raw_bytes, const std::string& change,
                              const std::map<std::uint64_t, std::uint64_t>& changed_windows) {
    const std::uint64_t first = after1 > before ? after1 - before : 0, growth = after2 > after1 ? after2 - after1 : 0;
    const double ratio = double(growth) / double(raw_bytes);
    ws.report().set("repo_bytes",
                    {{"after_backup1", after1}, {"after_backup2", after2}, {"first_backup_bytes", first}});
    ws.report().set("growth_bytes", growth);
    ws.report().set("growth_ratio", ratio);
    std::ostringstream d;
    d << "first backup " << humanBytes(first) << ", second grew the repository by " << humanBytes(growth)
      << " (growth_ratio " << ratio << " of the " << humanBytes(raw_bytes) << " image; " << change << ")";
    nlohmann::json fig{{"first_backup_bytes", first}, {"growth_bytes", growth}, {"growth_ratio", ratio}};
    bool ok = true;
    if (!changed_windows.empty()) {
        // a changed window costs the tool the window and the chunks reaching past its two ends: on average the
        // window and one chunk holding a given byte; the window size that gives the lowest bar
        const std::uint64_t held = static_cast<std::uint64_t>(chunkHoldingAByte(caps));
        auto w = changed_windows.begin();
        for (auto it = changed_windows.begin(); it != changed_windows.end(); ++it)
            if (it->second * (it->first + held) < w->second * (w->first + held)) w = it;
        const std::uint64_t bound = w->second * (w->first + held) + first / 50 + (16ull << 20);
        d << "; bar: each of the " << w->second << " changed " << humanBytes(w->first) << " windows and the "
          << humanBytes(held)
          << " its chunker's chunk holding a byte averages + 2% of the first backup + 16 MiB = " << humanBytes(bound)
          << ", and under 3/4 of the first backup (raw windows overstate what a compressing tool stores: a tool "
             "that stored the image again would grow by its first backup and more)";
        fig["bar_bytes"] = std::min(bound, first / 4 * 3);
        ok = growth <= bound && growth * 4 <= first * 3;
    } else {
        ok = ratio <= 0.25 && growth * 2 <= first;
        d << "; bar: under a quarter of the image and half the first backup (the change was not measured)";
    }
    ws.report().figure("VM-image dedup (growth of the second backup)", fig);
    if (!ok) throw VerdictFailure("the second backup did not deduplicate: " + d.str());
    return d.str();
}

}  // namespace e2e
