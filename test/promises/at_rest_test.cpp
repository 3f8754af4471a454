// promises/at-rest: what a repository reveals of the data it holds. Unique markers (seeded random tokens, one
// per place) go into a file's content, a file's name, a directory's name, an xattr value and the rows of a SQLite
// database, whose dump the tool stores from a command; after the backup every byte the repository has on this machine
// (its files; for a remote kind, the server's data dir) is searched for each marker, raw and as UTF-16, base64 and hex.
// The promise:
//   an encrypted repository holds no marker in any form (layer "scan"; a FAIL names the object and the offset);
//   the markers went in: the snapshot restores byte for byte (a scan of a repository that never got the data
//     would prove nothing);
//   the scan sees what is there: the tool's unencrypted mode with compression off, where it has both, must
//     show every marker of the tree (layer "scan-sees": the scan's own control, run on the same kind).
// A wrong passphrase, and none at all, must fail with the tool's own words and change nothing in the repository
// (every file's name, size and SHA-256 before and after), and the right one still opens it. So must a missing key
// and another repository's key (made with the same passphrase), for listing, restoring and backing up.
// Self-test: a wrapper that leaves the source's file names in clear beside the repository's files: caught by
// "scan".
#include "DumpRecipe.hpp"
#include "SelfTestFault.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "config/Backends.hpp"
#include "text/Text.hpp"
#include "tools/Registry.hpp"
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"

#include <gtest/gtest.h>
#include <sys/xattr.h>

#include <cstring>
#include <functional>
#include <map>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

struct Case {
    std::string backend;
    std::string tool;
    bool encrypted = true;  // false: the scan's control (encryption and compression off)
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.backend << "/" << c.tool << (c.encrypted ? "/encrypted" : "/in-clear");
}

// A few hundred KiB: the markers are the point, the corpus only gives the tool a real tree around them.
CorpusProfile atRestCorpus() {
    return CorpusProfile{/*small_files*/ 30, /*bulk_bytes*/ 256ull << 10, /*big_file_bytes*/ 0, /*depth*/ 2,
                         /*duplicates*/ 1};
}

struct Marker {
    std::string place;  // where it went in: "file content", "file name", ...
    std::string token;  // what went in
};

// One needle per form a marker's bytes may take in a file: raw, UTF-16 (both orders), hex (both cases), and base64
// at each of the three alignments (only the characters that depend on the marker's bytes alone).
std::vector<std::pair<std::string, std::string>> formsOf(const std::string& token) {
    std::vector<std::pair<std::string, std::string>> v{{"raw", token}};
    std::string le, be, lo, up;
    static const char* hex = "0123456789abcdef";
    for (unsigned char c : token) {
        le += char(c), le += '\0';
        be += '\0', be += char(c);
        lo += hex[c >> 4], lo += hex[c & 15];
        up += char(std::toupper(hex[c >> 4])), up += char(std::toupper(hex[c & 15]));
    }
    v.insert(v.end(), {{"UTF-16LE", le}, {"UTF-16BE", be}, {"hex", lo}, {"HEX", up}});
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t shift = 0; shift < 3; ++shift) {
        const std::string in = std::string(shift, 'x') + token;
        std::string out;
        for (std::size_t i = 0; i + 3 <= in.size(); i += 3) {
            const unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
            for (int k = 18; k >= 0; k -= 6) out += b64[(n >> k) & 63];
        }
        v.push_back({"base64+" + std::to_string(shift), out.substr(shift ? 4 : 0)});
    }
    return v;
}

struct Hit {
    std::string place, form, object;
    std::uint64_t offset;
};

// Every regular file under `root` searched for every form of every marker; the hits, at most one per marker,
// form and object.
std::vector<Hit> scan(const fs::path& root, const std::vector<Marker>& markers, std::uint64_t& files,
                      std::uint64_t& bytes) {
    std::vector<std::tuple<std::string, std::string, std::string>> needles;
    for (const auto& m : markers)
        for (const auto& [form, needle] : formsOf(m.token)) needles.emplace_back(m.place, form, needle);
    std::vector<Hit> hits;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::ifstream in(it->path(), std::ios::binary);
        const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ++files;
        bytes += data.size();
        for (const auto& [place, form, needle] : needles)
            if (const auto at = data.find(needle); at != std::string::npos)
                hits.push_back({place, form, fs::relative(it->path(), root, ec).generic_string(), at});
    }
    return hits;
}

// Every file under `root`: its relative path -> "size sha256".
std::map<std::string, std::string> repoDigest(const fs::path& root) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_regular_file(ec))
            out[fs::relative(it->path(), root, ec).generic_string()] =
                std::to_string(it->file_size(ec)) + " " + sha256File(it->path());
    return out;
}

// What differs between two digests of a repository, at most a few names.
std::string changes(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after) {
    std::string d;
    int n = 0;
    auto add = [&](const std::string& what) {
        if (n++ < 5) d += (d.empty() ? "" : "; ") + what;
    };
    for (const auto& [f, v] : before)
        if (!after.count(f))
            add(f + " removed");
        else if (after.at(f) != v)
            add(f + " rewritten");
    for (const auto& [f, v] : after)
        if (!before.count(f)) add(f + " added");
    return n > 5 ? d + "; and " + std::to_string(n - 5) + " more" : d;
}

// How a tool says a passphrase or key is wrong or missing (its own words; no exit 0): a key that does not decrypt
// ("ciphertext verification failed"), a key object missing from the repository ("missing keys/repokey").
const char* kRefusesTheKey =
    "password|passphrase|no key|wrong key|missing key|decrypt|ciphertext|authenticat|invalid key|key file|unlock|"
    "incorrect";
// Without its key object a repository may be no repository at all to the tool (kopia: its format blob holds the
// key), and saying so is saying it.
const std::string kNoRepositoryWithoutIt = std::string(kRefusesTheKey) + "|not initialized";

// The tool's words without its info lines and with every absolute path left out (a test's name in a path names
// nothing; a path in the repository, such as keys/repokey, may name the key).
std::string refusalIn(const Result& r, const std::string& words = kRefusesTheKey) {
    static const std::regex info(R"(^\s*(\[INFO\]|\S+\s+INFO\b|Warning:))"), path(R"((^|[\s'"(=:])/[^\s'"]*)");
    std::istringstream in(r.out + "\n" + r.err);
    std::string kept;
    for (std::string line; std::getline(in, line);)
        if (!std::regex_search(line, info)) kept += std::regex_replace(line, path, "$1<path>") + "\n";
    return matchingLine(kept, words);
}

class AtRest : public ScenarioTestP<Case> {
protected:
    AtRest() : ScenarioTestP("promises") {}

    ToolOnBackend t_;
    // self-tests: the tool through a faulty wrapper, and the one layer that must catch it
    SelfTestFault fault_;  // self-tests: the faulty wrapper the tool runs through, and the layer that catches it

    // The markers, each seeded and unique to this run.
    std::vector<Marker> markers() {
        std::mt19937_64 rng(ws().seed() ^ 0xa7e5);
        auto token = [&](const std::string& stem) {
            char buf[17];
            std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
            return "e2e" + stem + buf;
        };
        return {{"file content", token("Content")},
                {"file name", token("Name")},
                {"directory name", token("Dir")},
                {"xattr value", token("Xattr")},
                {"database row", token("Row")}};
    }

    // The markers put in the source (the dump's goes in through its command); the manifest rebuilt.
    std::string plant(ScenarioSteps& steps, const std::vector<Marker>& m) {
        const fs::path dir = steps.source() / m[2].token, file = dir / (m[1].token + ".txt");
        fs::create_directories(dir);
        std::ofstream out(file);
        for (int i = 0; i < 64; ++i) out << "line " << i << " of a note that holds " << m[0].token << " once\n";
        out.close();
        std::string xattr = "set";
        if (::setxattr(file.c_str(), "user.e2e_at_rest", m[3].token.data(), m[3].token.size(), 0) != 0)
            xattr = std::string("refused by the source's filesystem (") + std::strerror(errno) + ")";
        ManifestOptions mo;
        mo.digest = steps.expected().digest;
        steps.expect(Manifest::build(steps.source(), mo));
        return "a note " + m[1].token + ".txt in directory " + m[2].token + " with " + m[0].token + " in it; xattr " +
               xattr;
    }

    // A SQLite database (outside the source tree) with three rows holding `marker`, and the command that dumps it
    // (sqlite3 .dump: SQL text, as a database's dump reaches a backup tool).
    fs::path databaseWithMarker(const std::string& marker) {
        const fs::path db = ws().work() / "notes.sqlite", cmd = ws().work() / "dump.sh";
        Command c;
        c.argv = {"sqlite3", "-bail", db.string(),
                  "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); INSERT INTO notes VALUES (1, 'a "
                  "note with " +
                      marker + "'), (2, '" + marker + "'), (3, 'and " + marker + " again');"};
        c.timeout = std::chrono::seconds(30);
        c.log_dir = ws().logs();
        c.log_name = "sqlite3-create";
        const Result r = e2e::run(c);
        if (!r.ok()) throw VerdictFailure("sqlite3 could not make the database: " + r.describe() + "\n" + r.tail());
        std::ofstream(cmd) << "#!/bin/sh\nexec sqlite3 -bail " << shellQuote(db.string()) << " .dump\n";
        fs::permissions(cmd, fs::perms::owner_all);
        return cmd;
    }

    void run() {
        const Case& c = GetParam();
        bool uncompressed = false;  // the driver can turn the tool's compression off (variant "uncompressed")
        for (const auto& x : toolInfo(c.tool).facts.variants) uncompressed = uncompressed || x.name == "uncompressed";
        PreludeOptions po;
        po.backend = c.backend;
        if (!c.encrypted && uncompressed) po.variant = "uncompressed";
        po.not_applicable = [&](const Capabilities& caps) -> std::string {
            if (c.encrypted) return "";
            if (!caps.no_encryption) return caps.no_encryption_reason;
            if (!uncompressed)
                return c.tool +
                       " has an unencrypted mode, but the driver knows no way to turn off its "
                       "compression (the control needs the data as it is)";
            return "";
        };
        fault_.arm(ws(), po, c.tool);
        if (!prepare(t_, c.tool, po)) return;
        if (t_.backend->external()) {
            endAs(Status::NotApplicable, "an external endpoint's bytes are not on this machine to scan");
            return;
        }
        judge(c);
    }

    void judge(const Case& c) {
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        steps.version();
        steps.corpus(atRestCorpus(), false);
        steps.init(c.encrypted);
        if (!v.ok()) return broken(v);
        const auto m = markers();
        const std::string label = steps.label();
        std::string id;
        v.layer("backup", [&] {
            const std::string planted = plant(steps, m);
            id = t_.tool->backup(steps.source(), label);
            std::string d = "snapshot " + id + " of the corpus and " + planted;
            if (!t_.caps.stdin_dumps) return d + "; the tool takes no dump from a command (no dump row)";
            const fs::path cmd = databaseWithMarker(m[4].token);
            const DumpBackup dump = backupDump(ws(), *t_.tool, t_.caps, cmd, "notes.sql", label);
            return d + "; the dump of a SQLite database whose rows hold " + m[4].token + " (sqlite3 .dump, " +
                   dump.how + "), snapshot " + dump.id;
        });
        if (!v.ok()) return broken(v);
        steps.restoreAndCompare(id);
        const fs::path repo = t_.backend->target().local_dir;
        v.layer(c.encrypted ? "scan" : "scan-sees", [&] {
            std::uint64_t files = 0, bytes = 0;
            const auto hits = scan(repo, m, files, bytes);
            const std::string what = std::to_string(files) + " files, " + humanBytes(bytes) + " under " +
                                     repo.string() + " searched for " + std::to_string(m.size()) +
                                     " markers (raw, UTF-16, hex, base64)";
            std::set<std::string> seen;
            std::string found;
            for (const auto& h : hits) {
                seen.insert(h.place);
                if (found.size() < 2000)
                    found +=
                        "\n  " + h.place + " (" + h.form + ") in " + h.object + " at byte " + std::to_string(h.offset);
            }
            if (c.encrypted) {
                if (!hits.empty()) throw VerdictFailure("the repository shows what it holds: " + what + found);
                return what + ": none found";
            }
            std::string missing;
            for (const auto& mk : m)
                if (!seen.count(mk.place) && (mk.place != "database row" || t_.caps.stdin_dumps))
                    missing += (missing.empty() ? "" : ", ") + mk.place;
            if (!missing.empty())
                throw VerdictFailure(
                    "the scan does not see markers that lie in clear (encryption and compression "
                    "off): " +
                    missing + "; " + what + found);
            return what + ": every marker seen, as it must be with encryption and compression off" + found;
        });
        broken(v);
    }

    void wrongPassphrase() {
        const Case& c = GetParam();
        PreludeOptions po;
        po.backend = c.backend;
        po.not_applicable = [&](const Capabilities&) {
            return c.encrypted ? std::string() : std::string("no passphrase guards the unencrypted mode");
        };
        fault_.arm(ws(), po, c.tool);
        if (!prepare(t_, c.tool, po)) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        steps.version();
        steps.corpus(atRestCorpus(), false);
        steps.init(true);
        std::string id;
        v.layer("backup", [&] { return "snapshot " + (id = t_.tool->backup(steps.source(), steps.label())); });
        if (!v.ok()) return broken(v);
        const fs::path repo = t_.backend->target().local_dir;
        const auto before = repoDigest(repo);
        for (const auto& [layer, passphrase] :
             {std::pair<std::string, std::string>{"wrong-passphrase", ws().secret("wrong")}, {"no-passphrase", ""}})
            v.layer(layer, [&] {
                // a home of its own: no password a tool saved when it connected (kopia) stands in for the one given
                ToolContext ctx = ws().toolContext(c.tool, t_.backend->external());
                ctx.home = ws().work() / ("home-" + layer);
                ctx.passphrase = passphrase;
                ctx.timeout = ctx.transfer_timeout = 60s;
                fs::create_directories(ctx.home);
                auto tool = makeTool(c.tool, fault_.binary(t_.binary).string(), ctx, t_.backend->target());
                const std::string said =
                    refusals(*tool, id, layer, passphrase.empty() ? "no passphrase" : "a wrong passphrase");
                const std::string changed = changes(before, repoDigest(repo));
                if (!changed.empty()) throw VerdictFailure("the repository changed: " + changed + " (" + said + ")");
                return said + "; " + std::to_string(before.size()) + " repository files unchanged";
            });
        steps.restoreAndCompare(id);  // the right passphrase still opens it
        broken(v);
    }

    void broken(const Verdicts& v) { fault_.judge(v, "at-rest"); }

    // Without the key (`without` says how): connecting (where the tool has that step), listing, restoring and, given
    // a `source`, backing up must each fail naming the key. Returns the tool's words for each.
    std::string refusals(BackupTool& tool, const std::string& id, const std::string& layer, const std::string& without,
                         const fs::path& source = {}, const std::string& words = kRefusesTheKey) {
        std::string said;
        std::vector<std::pair<std::string, std::function<void()>>> steps{
            {"connect", [&] { tool.connect(); }},
            {"list", [&] { tool.snapshots(); }},
            {"restore", [&] { tool.restore(id, ws().work() / (layer + "-restore")); }}};
        if (!source.empty()) steps.emplace_back("backup", [&] { tool.backup(source, "e2e-without-key"); });
        for (const auto& [what, step] : steps) {
            try {
                step();
                if (what == "connect") continue;  // most tools have no connect step: the next ones must refuse
                throw VerdictFailure(what + " succeeded with " + without);
            } catch (const ToolError& e) {
                if (e.timedOut()) throw VerdictFailure(what + " waited (for a prompt?) until killed: " + e.what());
                const std::string line = refusalIn(e.result(), words);
                if (line.empty())
                    throw VerdictFailure(what + " failed without naming the key (no " + words + "): " + e.what());
                said += (said.empty() ? "" : "; ") + what + ": " + printable(line);
                if (what == "connect") break;  // refused at the door
            }
        }
        return said;
    }
    void keyMissingOrWrong();
    // Where the key objects are: in the repository (ours, the other repository's), or beside the client.
    struct KeyPlaces {
        bool beside = false;
        fs::path repo, other_repo;
        std::vector<fs::path> ours, theirs;
    };
    std::string withoutTheKey(const std::string& layer, const KeyPlaces& k, BackupTool& fresh, const std::string& id,
                              const fs::path& source);
};

// A missing key and a wrong one (another repository's, made with the same passphrase). The key objects the repository
// keeps (RepoLayout::keys) are moved out of it, or swapped for the other repository's; where the client keeps the key
// beside it (borg's keyfile mode: clientKeyDir), a fresh client has none, or the other's. Listing, restoring and
// backing up must each fail naming the key, and the repository must not change; then, the key back, the snapshot
// restores byte for byte.
void AtRest::keyMissingOrWrong() {
    const Case& c = GetParam();
    PreludeOptions po;
    po.backend = c.backend;
    for (const auto& x : toolInfo(c.tool).facts.variants)
        if (x.name == "keyfile") po.variant = x.name;  // the key beside the client (borg)
    fault_.arm(ws(), po, c.tool);
    if (!prepare(t_, c.tool, po)) return;
    const std::string pass = ws().secret("repo");
    auto driver = [&](const std::string& who, const RepoTarget& target, const fs::path& binary) {
        ToolContext ctx = ws().toolContext(c.tool + "-" + who, false);
        ctx.passphrase = pass;
        ctx.variant = po.variant;
        ctx.timeout = ctx.transfer_timeout = 120s;
        fs::create_directories(ctx.home);
        return makeTool(c.tool, binary.string(), ctx, target);
    };
    auto own = driver("owner", t_.backend->target(), fault_.binary(t_.binary));
    const RepoLayout layout = own->layout();
    const bool beside = !own->clientKeyDir().empty();
    if (layout.keys.empty() && !beside)
        return endAs(Status::NotApplicable, c.tool + " keeps no key object of its own: " + layout.no_keys);
    Verdicts v(ws());
    ScenarioSteps steps(ws(), *own, v);
    steps.version();
    steps.corpus(atRestCorpus(), false);
    steps.init(true);
    std::string id;
    v.layer("backup", [&] { return "snapshot " + (id = own->backup(steps.source(), steps.label())); });
    RepoTarget elsewhere;
    elsewhere.kind = "local";
    elsewhere.path = elsewhere.local_dir = ws().repos() / "another-repository";
    auto other = driver("other", elsewhere, t_.binary);
    v.layer("other-repository", [&] {
        other->init(RepoOptions{});
        return "another repository with the same passphrase, for its key";
    });
    if (!v.ok()) return broken(v);
    const fs::path repo = t_.backend->target().local_dir;
    auto keysOf = [&](BackupTool& tool, const fs::path& dir) {
        std::vector<fs::path> out;
        const fs::path where = beside ? tool.clientKeyDir() : dir;
        for (const auto& e : fs::recursive_directory_iterator(where))
            if (e.is_regular_file() &&
                (beside || std::regex_search(fs::relative(e.path(), dir).string(), std::regex(layout.keys))))
                out.push_back(e.path());
        return out;
    };
    const KeyPlaces k{beside, repo, elsewhere.path, keysOf(*own, repo), keysOf(*other, elsewhere.path)};
    for (const std::string layer : {"missing-key", "wrong-key"})
        v.layer(layer, [&] {
            auto fresh = driver(layer, t_.backend->target(), fault_.binary(t_.binary));
            return withoutTheKey(layer, k, *fresh, id, steps.source());
        });
    steps.restoreAndCompare(id);  // with its own key back
    broken(v);
}

// One layer of the key case: our key objects out of the repository (missing-key), and the other repository's in
// their place (wrong-key); beside the client, the fresh client has none, or the other's. Then the refusals, the
// repository unchanged, and everything put back as it was.
std::string AtRest::withoutTheKey(const std::string& layer, const KeyPlaces& k, BackupTool& fresh,
                                  const std::string& id, const fs::path& source) {
    if (k.ours.empty() || k.theirs.empty())
        throw VerdictFailure("no key object found (" + std::to_string(k.ours.size()) + " here, " +
                             std::to_string(k.theirs.size()) + " in the other repository)");
    std::vector<std::pair<fs::path, fs::path>> aside;  // ours, moved out of the repository
    std::vector<fs::path> planted;                     // the other's, put where ours were
    if (!k.beside)
        for (const auto& key : k.ours) {
            const fs::path to = ws().work() / ("keys-" + layer) / fs::relative(key, k.repo);
            fs::create_directories(to.parent_path());
            fs::rename(key, to);
            aside.emplace_back(key, to);
        }
    if (layer == "wrong-key")
        for (const auto& key : k.theirs) {
            const fs::path to =
                k.beside ? fresh.clientKeyDir() / key.filename() : k.repo / fs::relative(key, k.other_repo);
            fs::create_directories(to.parent_path());
            fs::copy_file(key, to, fs::copy_options::overwrite_existing);
            if (!k.beside) planted.push_back(to);
        }
    const auto expected = repoDigest(k.repo);
    auto putBack = [&] {
        for (const auto& p : planted) fs::remove(p);
        for (const auto& [at, from] : aside) fs::rename(from, at);
    };
    std::string said, changed;
    try {
        said = layer == "wrong-key" ? refusals(fresh, id, layer, "another repository's key", source)
                                    : refusals(fresh, id, layer, "no key", source, kNoRepositoryWithoutIt);
        changed = changes(expected, repoDigest(k.repo));
    } catch (...) {
        putBack();
        throw;
    }
    putBack();
    if (!changed.empty()) throw VerdictFailure("the repository changed: " + changed + " (" + said + ")");
    return said + "; " + std::to_string(expected.size()) + " repository files unchanged";
}

class AtRestKeys : public AtRest {};

TEST_P(AtRestKeys, MissingOrWrongKey) {
    keyMissingOrWrong();
}

TEST_P(AtRest, MarkersStayHidden) {
    run();
}

TEST_P(AtRest, WrongPassphraseChangesNothing) {
    wrongPassphrase();
}

// Self-test: after each backup the wrapper writes the source's file names into the repository, in clear.
const char* kNamesInClear = R"SH(
case " $* " in *" backup "*)
  "$real" "$@"; rc=$?
  find . -print >> "$RESTIC_REPOSITORY/names-in-clear"
  exit $rc ;;
esac
exec "$real" "$@"
)SH";

// Self-test: it keeps the passphrase its init was given and uses that one whatever it is given later.
const char* kAcceptsAnyPassphrase = R"SH(
kept="$(dirname "$0")/.e2e-passphrase"
case " $* " in
  *" init "*) printf '%s' "$RESTIC_PASSWORD" > "$kept" ;;
  *) [ -f "$kept" ] && RESTIC_PASSWORD=$(cat "$kept") && export RESTIC_PASSWORD ;;
esac
exec "$real" "$@"
)SH";

// Self-test: given no passphrase at all, it uses the one its init was given.
const char* kAcceptsNoPassphrase = R"SH(
kept="$(dirname "$0")/.e2e-passphrase"
case " $* " in
  *" init "*) printf '%s' "$RESTIC_PASSWORD" > "$kept" ;;
  *) [ -z "$RESTIC_PASSWORD" ] && [ -f "$kept" ] && RESTIC_PASSWORD=$(cat "$kept") && export RESTIC_PASSWORD ;;
esac
exec "$real" "$@"
)SH";

// Self-test: a command it refuses still leaves a file behind in the repository.
const char* kWritesWhenRefused = R"SH(
"$real" "$@"; rc=$?
if [ "$rc" -ne 0 ] && [ -d "$RESTIC_REPOSITORY/locks" ]; then
  echo refused > "$RESTIC_REPOSITORY/locks/e2e-left-by-a-refused-run"
fi
exit $rc
)SH";

class AtRestSelftest : public AtRest {};

TEST_P(AtRestSelftest, AcceptsAnyPassphrase) {
    fault_.expect("accepts-any-passphrase", kAcceptsAnyPassphrase, "wrong-passphrase");
    wrongPassphrase();
}

TEST_P(AtRestSelftest, AcceptsNoPassphrase) {
    fault_.expect("accepts-no-passphrase", kAcceptsNoPassphrase, "no-passphrase");
    wrongPassphrase();
}

TEST_P(AtRestSelftest, WritesWhenRefused) {
    fault_.expect("writes-when-refused", kWritesWhenRefused, "wrong-passphrase");
    wrongPassphrase();
}

// Without its key, a refused command still leaves a file behind (kWritesWhenRefused): caught by "missing-key", the
// first layer that runs it without the key.
TEST_P(AtRestSelftest, WritesWithoutTheKey) {
    fault_.expect("writes-when-refused", kWritesWhenRefused, "missing-key");
    keyMissingOrWrong();
}

// Self-test: a key that does not decrypt the repository shows an empty listing, exit 0 (the shape of vykar's
// finding): caught by "wrong-key" (a missing key is refused in other words, which it leaves alone).
const char* kEmptyWithAWrongKey = R"SH(
o="$(dirname "$0")/.e2e-out.$$"; e="$(dirname "$0")/.e2e-err.$$"
"$real" "$@" >"$o" 2>"$e"; rc=$?
case " $* " in *" snapshots "*)
  if [ "$rc" -ne 0 ] && grep -q 'ciphertext verification failed' "$o" "$e"; then
    rm -f "$o" "$e"; echo '[]'; exit 0
  fi ;;
esac
cat "$o"; cat "$e" >&2; rm -f "$o" "$e"; exit $rc
)SH";

TEST_P(AtRestSelftest, EmptyWithAWrongKey) {
    fault_.expect("empty-with-a-wrong-key", kEmptyWithAWrongKey, "wrong-key");
    keyMissingOrWrong();
}

TEST_P(AtRestSelftest, NamesInClear) {
    fault_.expect("names-in-clear", kNamesInClear, "scan");
    run();
}

// Self-test with restic on the registry's first kind (local: RESTIC_REPOSITORY is the repository's directory)
INSTANTIATE_TEST_SUITE_P(AtRestFaults, AtRestSelftest,
                         ::testing::Values(Case{backendRegistry().front().kind, "restic"}),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.tool; });

// Self-test of the control: a borg whose repository keeps its data gzipped even in its unencrypted, uncompressed
// mode (unpacked around each of its commands, so that the tool itself still works): caught by "scan-sees".
const char* kStoresCompressed = R"SH(
repo=""; for a in "$@"; do case $a in *::*) repo=${a%%::*} ;; esac; done
if [ -z "$repo" ]; then for a in "$@"; do [ -d "$a/data" ] && repo=$a; done; fi
unpack() { [ -n "$repo" ] && [ -d "$repo/data" ] && find "$repo/data" -type f -name '*.gz' -exec gunzip -q {} + ; }
pack() { [ -n "$repo" ] && [ -d "$repo/data" ] && find "$repo/data" -type f ! -name '*.gz' -exec gzip -q {} + ; }
unpack; "$real" "$@"; rc=$?; pack; exit $rc
)SH";

class AtRestControlSelftest : public AtRest {};

TEST_P(AtRestControlSelftest, StoresCompressed) {
    fault_.expect("stores-compressed", kStoresCompressed, "scan-sees");
    run();
}

// Self-test with borg, whose unencrypted, uncompressed mode the control runs, on the registry's first kind
INSTANTIATE_TEST_SUITE_P(AtRestFaults, AtRestControlSelftest,
                         ::testing::Values(Case{backendRegistry().front().kind, "borg", false}),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.tool; });

std::vector<Case> cases(const std::string& backend) {
    std::vector<Case> v;
    for (const auto& row : defaultToolRows()) {
        v.push_back({backend, row.tool, true});
        v.push_back({backend, row.tool, false});
    }
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool + (p.param.encrypted ? "_encrypted" : "_in_clear");
}

// The key's place is the tool's, not the backend's: local only, encrypted
INSTANTIATE_TEST_SUITE_P(AtRestKeysLocal, AtRestKeys, ::testing::ValuesIn([] {
                             std::vector<Case> v;
                             for (const auto& row : defaultToolRows()) v.push_back({"local", row.tool, true});
                             return v;
                         }()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.tool; });

// one instantiation per kind of the registry (AtRestLocal/, AtRestRest/, ...): test/promises/CMakeLists.txt labels
#define E2E_INSTANTIATE(kind, Prefix, ...) \
    INSTANTIATE_TEST_SUITE_P(AtRest##Prefix, AtRest, ::testing::ValuesIn(cases(#kind)), caseName);
E2E_BACKENDS(E2E_INSTANTIATE)
#undef E2E_INSTANTIATE

}  // namespace
