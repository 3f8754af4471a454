// surface/mount: one snapshot browsed through the tool's own mount (BackupTool::mount: restic, rustic, kopia mount and
// borg mount -f on /dev/fuse; vykar mount, a WebDAV server on a loopback port). The promise:
//   "mount": the mount comes up and shows the snapshot's root (FUSE: mounted under the test's directory, the tree
//     there; WebDAV: the root answers PROPFIND) while the command runs;
//   "mounted-tree": what it serves equals the source's manifest: every name there and nothing else, each entry's type,
//     and each file's size and SHA-256 read through the mount (WebDAV: each directory listed with PROPFIND, each file
//     fetched with GET); through FUSE each entry's mode too, and its mtime to the second (a WebDAV listing has no
//     modes, and its dates are HTTP dates: not judged);
//   "unmount": Ctrl-C (SIGINT, as each tool documents) ends the command within 10 s and the mount is gone from
//     /proc/self/mountinfo (WebDAV: the port no longer answers); the janitor holds the mountpoint until then, so a
//     killed run's sweep unmounts it.
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "SelfTestFault.hpp"
#include "SurfaceTest.hpp"
#include "ToolRows.hpp"
#include "janitor/Janitor.hpp"
#include "services/Service.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <regex>
#include <thread>

using namespace e2e;

namespace {

using namespace std::chrono_literals;

std::string percentDecode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    return out;
}

// curl against the loopback WebDAV server: the output, or a failure naming the request
std::string curlOut(const std::vector<std::string>& args) {
    Command c;
    c.argv = {"curl", "-s", "-S", "-f", "--noproxy", "*", "--max-time", "60"};
    c.argv.insert(c.argv.end(), args.begin(), args.end());
    c.timeout = 90s;
    const Result r = run(c);
    if (!r.ok()) throw VerdictFailure("curl " + args.back() + " failed: " + r.describe() + " " + r.tail(3));
    return r.out;
}

// The tree under a WebDAV URL copied into `dest`: each collection listed with PROPFIND (Depth: 1), each file fetched
// with GET. Returns the requests made.
std::size_t mirrorWebDav(const std::string& origin, const std::string& href, const fs::path& dest) {
    static const std::regex response(R"(<(?:\w+:)?response>([\s\S]*?)</(?:\w+:)?response>)");
    static const std::regex href_re(R"(<(?:\w+:)?href>([^<]*)</(?:\w+:)?href>)");
    static const std::regex collection(R"(<(?:\w+:)?collection\s*/?>)");
    fs::create_directories(dest);
    const std::string xml = curlOut({"-X", "PROPFIND", "-H", "Depth: 1", origin + href});
    std::size_t requests = 1, seen = 0;
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), response); it != std::sregex_iterator(); ++it) {
        const std::string block = (*it)[1];
        std::smatch h;
        if (!std::regex_search(block, h, href_re)) throw VerdictFailure("a PROPFIND response without an href");
        ++seen;
        std::string child = h[1];
        if (child == href || child + "/" == href) continue;  // the collection itself
        const bool dir = std::regex_search(block, collection);
        std::string name = percentDecode(child);
        while (!name.empty() && name.back() == '/') name.pop_back();
        name = name.substr(name.rfind('/') + 1);
        if (dir)
            requests += mirrorWebDav(origin, child.back() == '/' ? child : child + "/", dest / name);
        else {
            curlOut({"-o", (dest / name).string(), origin + child});
            ++requests;
        }
    }
    if (seen == 0) throw VerdictFailure("PROPFIND " + href + " listed nothing: " + xml.substr(0, 300));
    return requests;
}

class Mount : public SurfaceTest {
protected:
    MountedSnapshot m_;
    fs::path mountpoint_;
    std::string handle_;  // the janitor's record of the mountpoint

    bool mounted() const { return !mountsUnder(mountpoint_).empty(); }
    bool webdavAnswers() const { return httpStatus("PROPFIND", m_.url, {"Depth: 0"}) == 207; }

    void TearDown() override {
        // whatever a failed layer left: the command, then the mount
        if (m_.process && m_.process->running()) m_.process->terminate();
        std::string err;
        if (!handle_.empty() && Janitor::undo("mount", mountpoint_.string(), err)) Janitor::instance().release(handle_);
        SurfaceTest::TearDown();
    }

    void run() {
        if (!ready()) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        steps.version();
        steps.corpus(CorpusProfile{40, 2ull << 20, 0, 3, 1}, false);
        steps.init(true);
        std::string id;
        v.layer("backup", [&] { return "snapshot " + (id = t_.tool->backup(steps.source(), steps.label())); });
        if (!v.ok()) return fault_.judge(v, "mount");
        mountpoint_ = ws().work() / "mnt";
        fs::create_directories(mountpoint_);
        v.layer("mount", [&] { return mountUp(id); });
        if (v.ok()) judgeTree(v, steps.expected());
        if (m_.process) v.layer("unmount", [&] { return unmount(); });
        fault_.judge(v, "mount");
    }

    std::string mountUp(const std::string& id) {
        m_ = t_.tool->mount(id, mountpoint_, freeLoopbackPort());
        const bool fuse = m_.url.empty();
        handle_ = Janitor::instance().record("mount", mountpoint_.string(), GetParam() + " mount");
        const auto t0 = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - t0 < 60s) {
            if (fuse ? mounted() && fs::is_directory(m_.tree) : webdavAnswers())
                return std::string(fuse ? "FUSE" : "WebDAV") + " up in " +
                       std::to_string(
                           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
                               .count()) +
                       " ms: " + (fuse ? m_.tree.string() : m_.url);
            if (!m_.process->running()) {
                const Result r = m_.process->wait();
                throw VerdictFailure("the mount command ended (" + r.describe() + ") before the snapshot showed" +
                                     (fuse ? " under " + mountpoint_.string() : " at " + m_.url) + ": " + r.tail(4));
            }
            std::this_thread::sleep_for(100ms);
        }
        throw VerdictFailure(
            "the snapshot did not show within 60 s" +
            (fuse ? " (" + m_.tree.string() + (mounted() ? " missing in the mount)" : ", nothing mounted)")
                  : " (" + m_.url + " does not answer PROPFIND)"));
    }

    void judgeTree(Verdicts& v, const Manifest& want) {
        v.layer("mounted-tree", [&] {
            const bool fuse = m_.url.empty();
            fs::path tree = m_.tree;
            std::string how = "read through the FUSE mount";
            if (!fuse) {
                tree = ws().work() / "webdav-copy";
                const std::string origin = m_.url.substr(0, m_.url.find('/', 7));
                how = std::to_string(mirrorWebDav(origin, "/", tree)) + " WebDAV requests (PROPFIND, GET)";
            }
            ManifestOptions mo;
            mo.digest = want.digest;
            mo.xattrs = false;                   // a mount's xattrs are the tool's choice (restic shows none)
            mo.probe_mtime_granularity = false;  // read-only: the root's mtime cannot be set
            const Manifest got = Manifest::build(tree, mo);
            CompareOptions cmp;
            cmp.hardlinks = false;  // each name its own inode through a mount
            cmp.owner = false;      // the mount's owner is the tool's choice (restic: the snapshot's, or root)
            cmp.xattrs = cmp.acls = false;
            cmp.file_mtime = cmp.dir_mtime = cmp.symlink_mtime = MtimePrecision::Seconds;
            std::vector<std::string> wrong, noted;
            for (const auto& d : compare(want, got, cmp)) {
                const bool metadata = d.kind == DiffKind::Mode || d.kind == DiffKind::Mtime;
                if (metadata && !fuse) continue;  // WebDAV has neither
                if (d.path.empty()) continue;     // the root: the mountpoint's own, or the server's
                (metadata && fs::is_directory(tree / d.path) ? noted : wrong).push_back(d.describe());
            }
            if (!noted.empty())
                ws().report().note(std::to_string(noted.size()) +
                                   " directories show other metadata through the mount "
                                   "(not judged: a directory's mode and mtime are the mount's): " +
                                   noted.front());
            if (!wrong.empty()) {
                std::string s = std::to_string(wrong.size()) + " differences from the snapshot's tree, " + how + ":";
                for (std::size_t i = 0; i < wrong.size() && i < 8; ++i) s += " " + wrong[i] + ";";
                throw VerdictFailure(s);
            }
            return std::to_string(want.entries.size()) + " entries as backed up, " + how;
        });
    }

    std::string unmount() {
        const bool fuse = m_.url.empty();
        const auto t0 = std::chrono::steady_clock::now();
        m_.process->signalGroup(SIGINT);
        while (m_.process->running() && std::chrono::steady_clock::now() - t0 < 10s) std::this_thread::sleep_for(50ms);
        if (m_.process->running())
            throw VerdictFailure("the mount command still runs 10 s after Ctrl-C (SIGINT)" +
                                 std::string(fuse && mounted() ? ", still mounted" : ""));
        const Result r = m_.process->wait();
        if (r.term_signal != 0 && r.term_signal != SIGINT)
            throw VerdictFailure("the mount command died of " + r.describe() + " on Ctrl-C: " + r.tail(4));
        if (fuse ? mounted() : webdavAnswers())
            throw VerdictFailure("the command ended (" + r.describe() + "), but " +
                                 (fuse ? mountpoint_.string() + " is still mounted" : m_.url + " still answers"));
        std::string err;
        if (Janitor::undo("mount", mountpoint_.string(), err) || err.empty()) Janitor::instance().release(handle_);
        handle_.clear();
        return "Ctrl-C: the command ended (" + r.describe() + ") in " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
                       .count()) +
               " ms and " + (fuse ? "nothing is mounted there" : "the port no longer answers");
    }
};

TEST_P(Mount, Browse) {
    run();
}

INSTANTIATE_TEST_SUITE_P(MountLocal, Mount, ::testing::ValuesIn(defaultTools()), [](const auto& p) { return p.param; });

// Self-tests (restic): a "mount" that serves a restore of the snapshot with one byte flipped, bind-mounted where
// restic's tree would be (caught by "mounted-tree"); a mount command that ignores Ctrl-C while its mount stays (caught
// by "unmount"); one that exits at once, having mounted nothing (caught by "mount").
const char* kServesAFlippedByte = R"SH(
case " $* " in *" mount "*)
  pre=(); for a do [ "$a" = mount ] && break; pre+=("$a"); done
  mnt="${@: -1}"
  newest='import json, sys; print(json.load(sys.stdin)[-1]["id"])'
  id=$("$real" "${pre[@]}" snapshots --json | python3 -c "$newest") || exit 1
  fake="$HOME/fake-mount"
  "$real" "${pre[@]}" restore "$id" --target "$fake/ids/${id:0:8}" > /dev/null || exit 1
  f=$(find "$fake" -type f -size +0 | sort | head -1)
  flip='import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b)//2] ^= 255; open(p, "wb").write(b)'
  python3 -c "$flip" "$f"
  mount --bind "$fake" "$mnt" || exit 1
  trap 'umount "$mnt"; exit 0' INT TERM
  while :; do sleep 0.1; done ;;
esac
exec "$real" "$@"
)SH";

const char* kIgnoresCtrlC = R"SH(
case " $* " in *" mount "*)
  trap '' INT
  setsid "$real" "$@" &
  wait
  wait ;;
esac
exec "$real" "$@"
)SH";

const char* kMountsNothing = R"SH(
case " $* " in *" mount "*) echo "Now serving the repository at ${@: -1}"; exit 0 ;; esac
exec "$real" "$@"
)SH";

class MountSelftest : public Mount {};

TEST_P(MountSelftest, ServesAFlippedByte) {
    fault_.expect("serves-a-flipped-byte", kServesAFlippedByte, "mounted-tree");
    run();
}
TEST_P(MountSelftest, IgnoresCtrlC) {
    fault_.expect("ignores-ctrl-c", kIgnoresCtrlC, "unmount");
    run();
}
TEST_P(MountSelftest, MountsNothing) {
    fault_.expect("mounts-nothing", kMountsNothing, "mount");
    run();
}

// The self-tests run with restic
INSTANTIATE_TEST_SUITE_P(MountFaults, MountSelftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

}  // namespace
