#include "janitor/Janitor.hpp"

#include "config/Settings.hpp"
#include "process/Process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/mount.h>
#include <unistd.h>

namespace e2e {

namespace {

// start time of a process (field 22 of /proc/<pid>/stat), "" when gone
std::string startTime(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    if (!std::getline(in, s)) return {};
    auto rp = s.rfind(')');
    if (rp == std::string::npos) return {};
    std::istringstream ss(s.substr(rp + 2));
    std::string f;
    for (int i = 3; i <= 22 && (ss >> f); ++i) {}
    return f;
}

bool alive(int pid, const std::string& start) {
    return pid > 0 && !start.empty() && startTime(pid) == start;
}

bool hasOwnerTag(int pid, const std::string& tag) {
    std::string env = readFile("/proc/" + std::to_string(pid) + "/environ");
    std::string needle = std::string(Janitor::kOwnerEnv) + "=" + tag;
    std::size_t pos = 0;
    while (pos < env.size()) {
        auto end = env.find('\0', pos);
        if (end == std::string::npos) end = env.size();
        if (env.compare(pos, end - pos, needle) == 0) return true;
        pos = end + 1;
    }
    return false;
}

std::vector<int> taggedProcesses(const std::string& tag) {
    std::vector<int> out;
    int self = getpid();
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string n = e.path().filename().string();
        if (n.find_first_not_of("0123456789") != std::string::npos) continue;
        int pid = std::stoi(n);
        if (pid == self) continue;
        if (hasOwnerTag(pid, tag)) out.push_back(pid);
    }
    return out;
}

std::string procName(int pid) {
    std::string c = readFile("/proc/" + std::to_string(pid) + "/cmdline");
    for (auto& ch : c)
        if (ch == '\0') ch = ' ';
    return c.substr(0, 120);
}

// loop devices whose backing file lies under prefix
std::vector<std::string> loopsUnder(const fs::path& prefix) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("loop", 0) != 0) continue;
        std::string back = readFile(e.path() / "loop" / "backing_file");
        while (!back.empty() && back.back() == '\n') back.pop_back();
        if (!back.empty() && back.rfind(prefix.string(), 0) == 0) out.push_back("/dev/" + n + " (" + back + ")");
    }
    return out;
}

// The process runner's observer: each call goes to the janitor, made on first use.
class JanitorObserver final : public ProcessObserver {
public:
    void started(int pgid, const std::string& what) override { Janitor::instance().recordProcessGroup(pgid, what); }
    void ended(int pgid) override { Janitor::instance().releaseProcessGroup(pgid); }
    std::map<std::string, std::string> childEnv() override { return {{Janitor::kOwnerEnv, Janitor::ownerTag()}}; }
    fs::path scratchDir() override { return Janitor::instance().scratchDir(); }
};

}  // namespace

// mount points (decoded from /proc/self/mountinfo) under prefix
std::vector<std::string> mountsUnder(const fs::path& prefix) {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    const std::string pre = prefix.string();
    while (std::getline(in, line)) {
        std::istringstream ss(line);
        std::string id, parent, devno, root, mp;
        ss >> id >> parent >> devno >> root >> mp;
        std::string dec;
        for (std::size_t i = 0; i < mp.size(); ++i) {
            if (mp[i] == '\\' && i + 3 < mp.size()) {
                dec += char(std::stoi(mp.substr(i + 1, 3), nullptr, 8));
                i += 3;
            } else
                dec += mp[i];
        }
        if (dec.rfind(pre, 0) == 0) out.push_back(dec);
    }
    return out;
}

void Janitor::observeProcesses() {
    static auto* observer = new JanitorObserver;  // never destroyed: children may end during exit
    setProcessObserver(observer);
}

std::string Janitor::ownerTag() {
    return Settings::runtimeDir().string();
}

Janitor& Janitor::instance() {
    static Janitor j(Settings::runtimeDir());
    return j;
}

Janitor::Janitor(fs::path runtime) : runtime_(std::move(runtime)) {
    observeProcesses();
}

Janitor::~Janitor() {
    std::error_code ec;
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
}

fs::path Janitor::scratchDir() {
    std::lock_guard<std::mutex> l(mu_);
    if (scratch_.empty()) {
        scratch_ = runtime_ / "tmp" / std::to_string(getpid());
        fs::create_directories(scratch_);
    }
    return scratch_;
}

std::string Janitor::record(const std::string& kind, const std::string& value, const std::string& what) {
    std::lock_guard<std::mutex> l(mu_);
    fs::path dir = runtime_ / "janitor";
    fs::create_directories(dir);
    std::string handle = std::to_string(getpid()) + "-" + std::to_string(++seq_) + "." + kind;
    fs::path tmp = dir / (handle + ".tmp");
    {
        std::ofstream out(tmp);
        out << kind << "\n" << value << "\n" << getpid() << " " << startTime(getpid()) << "\n" << what << "\n";
    }
    fs::rename(tmp, dir / handle);  // a sweep never sees half a record
    return handle;
}

void Janitor::release(const std::string& handle) {
    if (handle.empty()) return;
    std::error_code ec;
    fs::remove(runtime_ / "janitor" / handle, ec);
}

void Janitor::recordProcessGroup(int pgid, const std::string& what) {
    // the value carries the group leader's start time so a reused pid is never killed
    std::string h = record("pgid", std::to_string(pgid) + " " + startTime(pgid), what);
    std::lock_guard<std::mutex> l(mu_);
    fs::path link = runtime_ / "janitor" / ("pg-" + std::to_string(getpid()) + "-" + std::to_string(pgid));
    std::ofstream(link) << h;
}

void Janitor::releaseProcessGroup(int pgid) {
    fs::path link = runtime_ / "janitor" / ("pg-" + std::to_string(getpid()) + "-" + std::to_string(pgid));
    std::string h = readFile(link);
    std::error_code ec;
    fs::remove(link, ec);
    release(h);
}

bool Janitor::undo(const std::string& kind, const std::string& value, std::string& error) {
    std::error_code ec;
    if (kind == "dir") {
        fs::remove_all(value, ec);
        if (ec) error = ec.message();
        return !ec;
    }
    if (kind == "mount") {
        if (umount2(value.c_str(), 0) != 0 && umount2(value.c_str(), MNT_DETACH) != 0 && errno != EINVAL &&
            errno != ENOENT) {
            error = strerror(errno);
            return false;
        }
        return true;
    }
    if (kind == "loop") {
        std::string cmd = "losetup -d " + value + " 2>/dev/null";
        if (fs::exists(value) && std::system(cmd.c_str()) != 0) {
            // already detached devices are fine
            std::string back = readFile("/sys/block/" + fs::path(value).filename().string() + "/loop/backing_file");
            if (!back.empty()) {
                error = "losetup -d failed";
                return false;
            }
        }
        return true;
    }
    if (kind == "zpool") {
        // needs the ZFS daemon (zfs-fuse) still alive: zpools rank before process groups
        std::string cmd = "zpool destroy -f " + value + " >/dev/null 2>&1";
        std::string list = "zpool list " + value + " >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0 && std::system(list.c_str()) == 0) {
            error = "zpool destroy failed";
            return false;
        }
        return true;
    }
    if (kind == "container") {
        // "container|volume NAME CLI...": remove it through the engine's CLI; gone
        // when the engine no longer knows it (an engine that died with its run
        // keeps it in its storage: the suite removes objects carrying its owner
        // label when it starts that engine again)
        std::istringstream ss(value);
        std::string what, name, cli;
        ss >> what >> name;
        std::getline(ss >> std::ws, cli);
        const std::string rm = what == "volume" ? " volume rm -f " : " rm -f -v ";
        const std::string inspect = what == "volume" ? " volume inspect " : " container inspect ";
        auto sh = [](const std::string& cmd) {
            Command c{.argv = {"sh", "-c", cmd + " 2>&1"}};
            c.clean_env = true;
            c.timeout = std::chrono::seconds(120);
            return run(c);
        };
        sh(cli + rm + shellQuote(name));
        Result r = sh(cli + inspect + shellQuote(name));
        if (r.ok()) {
            error = what + " " + name + " is still there after rm -f";
            return false;
        }
        // gone, or its engine is (a daemon that died with its run); any other answer is no proof
        static const std::regex gone("no such|not found|cannot connect|is the docker daemon running|no such file",
                                     std::regex::icase);
        if (!std::regex_search(r.out, gone)) {
            error = "cannot tell whether " + what + " " + name + " is gone: " + r.tail(3);
            return false;
        }
        return true;
    }
    if (kind == "pgid") {
        std::istringstream ss(value);
        int pgid = 0;
        std::string start;
        ss >> pgid >> start;
        if (alive(pgid, start) || (pgid > 0 && kill(-pgid, 0) == 0)) kill(-pgid, SIGKILL);
        return true;
    }
    error = "unknown resource kind '" + kind + "'";
    return false;
}

Janitor::Sweep Janitor::sweep(const fs::path& runtime, bool include_live) {
    Sweep s;
    fs::path dir = runtime / "janitor";
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        // pools (while their daemon lives), processes, mounts, loop devices, dirs: reverse dependency order
        std::vector<std::pair<int, fs::path>> order;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            const std::string n = e.path().filename().string();
            if (n.rfind("pg-", 0) == 0) {
                std::istringstream ss(n.substr(3));
                std::string owner;
                std::getline(ss, owner, '-');
                if (include_live || startTime(std::stoi(owner)).empty()) fs::remove(e.path(), ec);
                continue;
            }
            if (n.ends_with(".tmp")) continue;
            // containers while their engine daemon still runs
            int rank = n.ends_with(".container") ? -2
                       : n.ends_with(".zpool")   ? -1
                       : n.ends_with(".pgid")    ? 0
                       : n.ends_with(".mount")   ? 1
                       : n.ends_with(".loop")    ? 2
                                                 : 3;
            order.emplace_back(rank, e.path());
        }
        std::sort(order.begin(), order.end());
        for (const auto& [rank, p] : order) {
            std::ifstream in(p);
            std::string kind, value, owner, what;
            std::getline(in, kind);
            std::getline(in, value);
            std::getline(in, owner);
            std::getline(in, what);
            std::istringstream os(owner);
            int opid = 0;
            std::string ostart;
            os >> opid >> ostart;
            if (!include_live && alive(opid, ostart)) continue;
            std::string err;
            std::string desc = kind + " " + value + (what.empty() ? "" : " (" + what + ")");
            if (undo(kind, value, err)) {
                s.released.push_back(desc);
                fs::remove(p, ec);
            } else
                s.failed.push_back(desc + ": " + err);
        }
    }
    // socket dirs in /run/backup-e2e whose maker is gone (its records may have
    // gone with a deleted runtime dir)
    for (const auto& e : fs::directory_iterator(kSharedRunDir, ec)) {
        std::ifstream in(e.path() / kOwnerFile);
        int opid = 0;
        std::string ostart;
        if (!(in >> opid >> ostart) || alive(opid, ostart)) continue;
        fs::remove_all(e.path(), ec);
        s.released.push_back("dir " + e.path().string() + " (its maker, pid " + std::to_string(opid) + ", is gone)");
    }
    const std::string tag = runtime.string();
    for (int pid : taggedProcesses(tag)) {
        std::string name = procName(pid);
        if (kill(pid, SIGKILL) == 0) s.released.push_back("stray process " + std::to_string(pid) + " " + name);
    }
    if (fs::exists(runtime / "tmp", ec)) {
        for (const auto& e : fs::directory_iterator(runtime / "tmp", ec)) {
            const std::string n = e.path().filename().string();
            if (n.find_first_not_of("0123456789") == std::string::npos && !startTime(std::stoi(n)).empty() &&
                !include_live)
                continue;
            fs::remove_all(e.path(), ec);
        }
    }
    return s;
}

std::vector<std::string> Janitor::leaks(const fs::path& runtime) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::path dir = runtime / "janitor";
    if (fs::exists(dir, ec))
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            std::ifstream in(e.path());
            std::string kind, value;
            std::getline(in, kind);
            std::getline(in, value);
            if (e.path().filename().string().rfind("pg-", 0) == 0) continue;
            out.push_back("unreleased " + kind + ": " + value);
        }
    for (int pid : taggedProcesses(runtime.string()))
        out.push_back("process still running: " + std::to_string(pid) + " " + procName(pid));
    for (const auto& m : mountsUnder(runtime)) out.push_back("still mounted: " + m);
    for (const auto& l : loopsUnder(runtime)) out.push_back("loop device still attached: " + l);
    for (const auto& e : fs::directory_iterator("/tmp", ec)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("backup-e2e", 0) == 0) out.push_back("left in /tmp: " + e.path().string());
    }
    // short socket dirs (a socket path must fit in 107 bytes) live here
    // (another runtime's live run may have its own there: not ours to report)
    for (const auto& e : fs::directory_iterator(kSharedRunDir, ec)) {
        std::ifstream in(e.path() / kOwnerFile);
        int opid = 0;
        std::string ostart, oruntime;
        if (in >> opid >> ostart) {
            std::getline(in >> std::ws, oruntime);
            if (!oruntime.empty() && oruntime != runtime.string() && alive(opid, ostart)) continue;
        }
        out.push_back("left in /run/backup-e2e: " + e.path().string());
        // (dockerd leaves its default netns mounted in its exec root)
        for (const auto& m : mountsUnder(e.path())) out.push_back("still mounted: " + m);
    }
    return out;
}

ScopedDir::ScopedDir(const fs::path& parent, const std::string& name) : path_(parent / name) {
    std::error_code ec;
    fs::remove_all(path_, ec);  // a previous run's leftover of the same test
    fs::create_directories(path_);
    handle_ = Janitor::instance().record("dir", path_.string(), name);
    // Shared short dirs (socket dirs in /run/backup-e2e) outlive a runtime dir
    // that is deleted after a killed run: they say who made them.
    if (parent == Janitor::kSharedRunDir)
        std::ofstream(path_ / Janitor::kOwnerFile) << getpid() << " " << startTime(getpid()) << "\n"
                                                   << Janitor::instance().runtimeDir().string() << "\n";
}

ScopedDir::~ScopedDir() {
    if (!keep_) {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    Janitor::instance().release(handle_);
}

}  // namespace e2e
