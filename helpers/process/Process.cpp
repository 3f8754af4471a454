#include "process/Process.hpp"

#include "text/Text.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace e2e {

namespace {

std::atomic<unsigned> g_seq{0};

// No observer installed: nothing recorded, captured output under the system temp dir.
class Unobserved final : public ProcessObserver {
public:
    void started(int, const std::string&) override {}
    void ended(int) override {}
    std::map<std::string, std::string> childEnv() override { return {}; }
    fs::path scratchDir() override {
        std::lock_guard<std::mutex> l(mu_);
        if (dir_.empty()) {
            dir_ = fs::temp_directory_path() / ("e2e-process-" + std::to_string(getpid()));
            fs::create_directories(dir_);
        }
        return dir_;
    }
    ~Unobserved() override {
        std::error_code ec;
        if (!dir_.empty()) fs::remove_all(dir_, ec);
    }

private:
    std::mutex mu_;
    fs::path dir_;
};

Unobserved g_unobserved;
std::atomic<ProcessObserver*> g_observer{&g_unobserved};

ProcessObserver& observer() {
    return *g_observer.load();
}

std::vector<std::string> buildEnv(const Command& cmd) {
    std::map<std::string, std::string> env;
    if (cmd.clean_env) {
        for (const char* k : {"PATH", "LANG", "LC_ALL", "TZ"})
            if (const char* v = getenv(k)) env[k] = v;
    } else {
        for (char** e = environ; *e; ++e) {
            std::string kv(*e);
            auto eq = kv.find('=');
            if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
    }
    for (const auto& k : cmd.unset_env) env.erase(k);
    for (const auto& [k, v] : cmd.env) env[k] = v;
    // The observer's marks win (the janitor's owner tag finds strays by environment).
    for (const auto& [k, v] : observer().childEnv()) env[k] = v;
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

double tv(const timeval& t) {
    return double(t.tv_sec) + double(t.tv_usec) / 1e6;
}

}  // namespace

void setProcessObserver(ProcessObserver* o) {
    g_observer.store(o ? o : &g_unobserved);
}

std::string shellQuote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%_-+=:,./") ==
                          std::string::npos)
        return s;
    std::string q = "'";
    for (char c : s) {
        if (c == '\'')
            q += "'\\''";
        else
            q += c;
    }
    return q + "'";
}

std::string joinCommand(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) {
        if (!s.empty()) s += ' ';
        s += shellQuote(a);
    }
    return s;
}

std::string redact(std::string s, const std::vector<std::string>& secrets) {
    for (const auto& sec : secrets) {
        if (sec.size() < 4) continue;  // too short to be a real secret; would mangle text
        for (auto pos = s.find(sec); pos != std::string::npos; pos = s.find(sec, pos + 3))
            s.replace(pos, sec.size(), "***");
    }
    return s;
}

void redactFile(const fs::path& p, const std::vector<std::string>& secrets) {
    if (secrets.empty() || !fs::exists(p)) return;
    std::string body = readFile(p);
    std::string red = redact(body, secrets);
    if (red != body) std::ofstream(p, std::ios::binary | std::ios::trunc) << red;
}

std::optional<fs::path> findProgram(const std::string& name) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) {
        if (access(name.c_str(), X_OK) == 0 && fs::is_regular_file(name)) return fs::absolute(name);
        return std::nullopt;
    }
    const char* path = getenv("PATH");
    std::stringstream ss(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        if (dir.empty()) continue;
        fs::path p = fs::path(dir) / name;
        if (access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return p;
    }
    return std::nullopt;
}

std::string Result::describe() const {
    std::ostringstream s;
    if (spawn_failed)
        s << "could not start: " << spawn_error;
    else if (timed_out)
        s << "timed out and was killed (" << (term_signal ? strsignal(term_signal) : "?") << ")";
    else if (term_signal)
        s << "killed by signal " << term_signal << " (" << strsignal(term_signal) << ")";
    else
        s << "exit " << exit_code;
    return s.str();
}

std::string Result::tail(std::size_t lines) const {
    const std::string& src = err.empty() ? out : err;
    std::size_t pos = src.size();
    std::size_t n = 0;
    while (pos > 0 && n <= lines) {
        pos = src.rfind('\n', pos - 1);
        if (pos == std::string::npos) {
            pos = 0;
            break;
        }
        ++n;
    }
    return src.substr(pos == 0 ? 0 : pos + 1);
}

namespace {

// where a command's output goes: log_dir/<seq>-<name>.out and .err (with a .cmd beside them), else the
// observer's scratch dir
struct OutputFiles {
    std::string stem;  // <seq>-<name>, unique in this process
    fs::path out = "/dev/null", err = "/dev/null";
    fs::path tmpdir;  // the scratch dir, when there is no log_dir
};

OutputFiles outputFiles(const Command& cmd, const std::string& display) {
    OutputFiles f;
    f.stem = cmd.log_name;
    if (f.stem.empty()) f.stem = fs::path(cmd.argv[0]).filename().string();
    f.stem = std::to_string(++g_seq) + "-" + f.stem;
    std::error_code ec;
    if (!cmd.log_dir.empty()) {
        fs::create_directories(cmd.log_dir, ec);
        f.out = cmd.log_dir / (f.stem + ".out");
        f.err = cmd.log_dir / (f.stem + ".err");
        std::ofstream(cmd.log_dir / (f.stem + ".cmd"))
            << display << "\n"
            << "cwd: " << (cmd.cwd.empty() ? fs::current_path() : cmd.cwd).string() << "\n";
    } else {
        // Captured output still needs a home; keep it beside the runtime.
        f.tmpdir = observer().scratchDir();
        f.out = f.tmpdir / (f.stem + ".out");
        f.err = f.tmpdir / (f.stem + ".err");
    }
    return f;
}

// execve's argv or envp: pointers into v's strings, then a null
std::vector<char*> cStrings(std::vector<std::string>& v) {
    std::vector<char*> p;
    for (auto& s : v) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
}

// Everything the child needs, made before fork: the child only reads it and allocates nothing.
struct ExecPlan {
    const char* exe;
    char* const* argv;
    char* const* envp;
    const char* in;   // stdin
    const char* out;  // stdout log
    const char* err;  // stderr log
    bool chdir_first;
    const char* cwd;
    int errfd;     // the pipe's write end (close-on-exec): a failure's message goes there
    pid_t parent;  // the runner, to notice it died before PR_SET_PDEATHSIG took hold
};

// in the child: write "what: <errno text>" to the parent and exit 127
[[noreturn]] void childFail(int errfd, const char* what) {
    int e = errno;
    (void)!write(errfd, what, strlen(what));
    (void)!write(errfd, ": ", 2);
    const char* m = strerror(e);
    (void)!write(errfd, m, strlen(m));
    _exit(127);
}

// the child between fork and execve: only async-signal-safe calls from here on
[[noreturn]] void execChild(const ExecPlan& p) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != p.parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    int in = open(p.in, O_RDONLY);
    if (in < 0) childFail(p.errfd, "open stdin");
    int o = open(p.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0) childFail(p.errfd, "open stdout log");
    int e = open(p.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (e < 0) childFail(p.errfd, "open stderr log");
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    if (p.chdir_first && chdir(p.cwd) != 0) childFail(p.errfd, "chdir");
    execve(p.exe, p.argv, p.envp);
    childFail(p.errfd, "execve");
}

}  // namespace

Child::Child(const Command& cmd) : cmd_(cmd) {
    if (cmd_.argv.empty()) throw std::invalid_argument("Command with empty argv");
    result_.display = redact(joinCommand(cmd_.argv), cmd_.secrets);
    start_ = std::chrono::steady_clock::now();

    fs::path exe = cmd_.argv[0];
    if (auto found = findProgram(cmd_.argv[0]))
        exe = *found;
    else {
        result_.spawn_failed = true;
        result_.spawn_error = "program '" + cmd_.argv[0] + "' not found on PATH";
        reaped_ = true;
        return;
    }

    const OutputFiles files = outputFiles(cmd_, result_.display);
    result_.stdout_path = files.out;
    result_.stderr_path = files.err;

    std::vector<std::string> envs = buildEnv(cmd_);
    std::vector<char*> envp = cStrings(envs);
    std::vector<std::string> args = cmd_.argv;
#ifdef E2E_RUSAGE_HELPER
    if (cmd_.exact_rusage && access(E2E_RUSAGE_HELPER, X_OK) == 0) {
        rusage_path_ = (cmd_.log_dir.empty() ? files.tmpdir : cmd_.log_dir) / (files.stem + ".rusage");
        args[0] = exe.string();
        args.insert(args.begin(), {E2E_RUSAGE_HELPER, rusage_path_.string()});
        exe = E2E_RUSAGE_HELPER;
    }
#endif
    std::vector<char*> argvp = cStrings(args);
    std::string exes = exe.string();
    std::string inp = cmd_.stdin_file ? cmd_.stdin_file->string() : "/dev/null";
    std::string cwds = cmd_.cwd.string();
    std::string outs = files.out.string(), errs = files.err.string();

    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    const ExecPlan plan{exes.c_str(), argvp.data(),  envp.data(),  inp.c_str(), outs.c_str(),
                        errs.c_str(), !cwds.empty(), cwds.c_str(), errpipe[1],  getpid()};
    // the wall time starts here: finding the program, the log files and the environment are the runner's, not the
    // command's
    start_ = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + strerror(errno));
    if (pid == 0) execChild(plan);
    close(errpipe[1]);
    setpgid(pid, pid);  // both sides set it: no race with an early killpg
    pid_ = pid;
    observer().started(pid, result_.display);
    // the child writes its error in pieces: read to the end (its execve or _exit closes the pipe),
    // or the reason after "chdir: " could be lost
    std::string error;
    char buf[512];
    for (ssize_t n; (n = read(errpipe[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        error.append(buf, static_cast<std::size_t>(n));
    }
    close(errpipe[0]);
    if (!error.empty()) {
        result_.spawn_failed = true;
        result_.spawn_error = error;
        int st = 0;
        struct rusage ru {};
        wait4(pid, &st, 0, &ru);
        reap(st, ru);
    }
}

Child::~Child() {
    if (!reaped_ && pid_ > 0) {
        kill(-pid_, SIGKILL);
        int st = 0;
        struct rusage ru {};
        wait4(pid_, &st, 0, &ru);
        reap(st, ru);
    }
}

void Child::reap(int status, const ::rusage& ru) {
    reaped_ = true;
    auto end = std::chrono::steady_clock::now();
    result_.usage.wall_s = std::chrono::duration<double>(end - start_).count();
    result_.usage.user_s = tv(ru.ru_utime);
    result_.usage.sys_s = tv(ru.ru_stime);
    result_.usage.max_rss_kib = ru.ru_maxrss;
    result_.usage.fs_in = ru.ru_inblock;
    result_.usage.fs_out = ru.ru_oublock;
    result_.usage.vol_ctx_sw = ru.ru_nvcsw;
    result_.usage.invol_ctx_sw = ru.ru_nivcsw;
    if (!rusage_path_.empty()) {
        // the helper's measurement of the program itself replaces ours of the helper
        std::ifstream in(rusage_path_);
        long long wall_ns = 0, user_us = 0, sys_us = 0;
        long rss = 0, inb = 0, outb = 0, vcs = 0, ivcs = 0;
        if (in >> wall_ns >> user_us >> sys_us >> rss >> inb >> outb >> vcs >> ivcs) {
            result_.usage = {wall_ns / 1e9, user_us / 1e6, sys_us / 1e6, rss, inb, outb, vcs, ivcs, true};
        }
        in.close();
        std::error_code rec;
        if (cmd_.log_dir.empty()) fs::remove(rusage_path_, rec);
    }
    if (!result_.spawn_failed) {
        if (WIFEXITED(status))
            result_.exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status)) {
            result_.term_signal = WTERMSIG(status);
            result_.exit_code = 128 + result_.term_signal;
        }
    }
    if (pid_ > 0) {
        kill(-pid_, SIGKILL);  // grandchildren left in the group go too
        observer().ended(pid_);
    }
}

bool Child::poll() {
    if (reaped_) return false;
    int st = 0;
    struct rusage ru {};
    pid_t r = wait4(pid_, &st, WNOHANG, &ru);
    if (r == pid_) {
        reap(st, ru);
        return false;
    }
    return true;
}

bool Child::running() {
    return poll();
}

void Child::signalGroup(int sig) {
    if (!reaped_ && pid_ > 0) kill(-pid_, sig);
}

std::uint64_t dirBytes(const fs::path& dir) {
    std::uint64_t n = 0;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return 0;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e2;
        if (it->is_regular_file(e2)) n += it->file_size(e2);
    }
    return n;
}

std::string heartbeatLine(const std::string& what, std::chrono::milliseconds elapsed,
                          std::chrono::milliseconds deadline, std::optional<std::uint64_t> amount,
                          const std::string& unit, const std::string& count_unit, double rate_per_s) {
    std::ostringstream s;
    s << "[e2e] waiting for " << what << ": ";
    if (amount) {
        if (count_unit == "bytes")
            s << humanBytes(*amount) << " " << unit << " (" << humanBytes(std::uint64_t(rate_per_s)) << "/s)";
        else
            s << *amount << " " << count_unit << " " << unit << " (" << std::uint64_t(rate_per_s) << " " << count_unit
              << "/s)";
        s << ", ";
    }
    s << std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() << " s elapsed, ";
    if (deadline.count() > 0)
        s << "deadline " << std::chrono::duration_cast<std::chrono::seconds>(deadline).count() << " s";
    else
        s << "no deadline of its own (the test's time limit applies)";
    return s.str();
}

void Child::heartbeat(std::chrono::steady_clock::time_point now) {
    const Progress p = cmd_.progress.value_or(Progress{});
    std::string what = p.what;
    if (what.empty()) what = cmd_.log_name.empty() ? fs::path(cmd_.argv[0]).filename().string() : cmd_.log_name;
    std::optional<std::uint64_t> amount;
    if (p.count)
        amount = p.count();
    else if (!p.dir.empty())
        amount = dirBytes(p.dir);
    double rate = 0;
    if (amount) {
        // the rate since the last beat (the whole run for the first)
        const double secs = std::chrono::duration<double>(now - (beats_ ? last_beat_ : start_)).count();
        const std::uint64_t prev = beats_ ? last_amount_ : 0;
        rate = secs > 0 ? double(*amount - std::min(*amount, prev)) / secs : 0;
        last_amount_ = *amount;
    }
    ++beats_;
    last_beat_ = now;
    const std::string line =
        redact(heartbeatLine(what, std::chrono::duration_cast<std::chrono::milliseconds>(now - start_), cmd_.timeout,
                             amount, p.unit, p.count_unit, rate),
               cmd_.secrets);
    std::cout << (beats_ == 1 ? "\n" : "") << line << std::endl;  // the first ends a layer's pending "step ..." line
    if (!cmd_.log_dir.empty() && !result_.stdout_path.empty())
        std::ofstream(cmd_.log_dir / (result_.stdout_path.stem().string() + ".cmd"), std::ios::app) << line << "\n";
}

Result Child::wait() {
    auto deadline = start_ + cmd_.timeout;
    auto sleep = std::chrono::milliseconds(1);
    // a pidfd wakes us the moment the child exits, so the wall time is not
    // stretched by a polling interval (up to 50 ms: 5% of a one-second command,
    // seen by the benchmarks' check against time -v); sleeping polls without one
    const int pidfd = reaped_ || pid_ <= 0 ? -1 : static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    while (poll()) {
        auto now = std::chrono::steady_clock::now();
        if (cmd_.heartbeat.count() > 0 && now - (beats_ ? last_beat_ : start_) >= cmd_.heartbeat && now < deadline)
            heartbeat(now);
        if (now >= deadline) {
            result_.timed_out = true;
            kill(-pid_, SIGTERM);
            killAfter(cmd_.kill_grace);
            break;
        }
        if (pidfd >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
            ::pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(std::clamp<long long>(left + 1, 1, 1000)));
            continue;
        }
        std::this_thread::sleep_for(sleep);
        sleep = std::min(sleep * 2, std::chrono::milliseconds(50));
    }
    if (pidfd >= 0) ::close(pidfd);
    return finish();
}

void Child::killAfter(std::chrono::milliseconds grace) {
    auto kill_at = std::chrono::steady_clock::now() + grace;
    while (poll() && std::chrono::steady_clock::now() < kill_at)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!reaped_) {
        kill(-pid_, SIGKILL);
        int st = 0;
        struct rusage ru {};
        wait4(pid_, &st, 0, &ru);
        reap(st, ru);
    }
    // The leader is gone, but its group may not be: a daemon's own children
    // (dockerd's containerd) shut down after it, still holding what the next
    // start needs (containerd's database under the shared data root). They get
    // the rest of the grace, then KILL.
    while (::kill(-pid_, 0) == 0 && std::chrono::steady_clock::now() < kill_at)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (::kill(-pid_, 0) == 0) {
        ::kill(-pid_, SIGKILL);
        const auto gone_by = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::kill(-pid_, 0) == 0 && std::chrono::steady_clock::now() < gone_by)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

Result Child::terminate(std::chrono::milliseconds grace) {
    if (!reaped_) {
        kill(-pid_, SIGTERM);
        killAfter(grace);
    }
    return finish();
}

bool processAlive(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    if (!std::getline(in, s)) return false;
    auto rp = s.rfind(')');
    return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
}

Result Child::finish() {
    redactFile(result_.stdout_path, cmd_.secrets);
    redactFile(result_.stderr_path, cmd_.secrets);
    if (!result_.stdout_path.empty() && result_.stdout_path != "/dev/null") result_.out = readFile(result_.stdout_path);
    if (!result_.stderr_path.empty() && result_.stderr_path != "/dev/null") result_.err = readFile(result_.stderr_path);
    if (cmd_.log_dir.empty()) {
        std::error_code ec;
        fs::remove(result_.stdout_path, ec);
        fs::remove(result_.stderr_path, ec);
    } else {
        std::ofstream(cmd_.log_dir / (result_.stdout_path.stem().string() + ".cmd"), std::ios::app)
            << "result: " << result_.describe() << "\n"
            << "wall_s: " << result_.usage.wall_s << " user_s: " << result_.usage.user_s
            << " sys_s: " << result_.usage.sys_s << " max_rss_kib: " << result_.usage.max_rss_kib
            << " fs_in: " << result_.usage.fs_in << " fs_out: " << result_.usage.fs_out
            << " vol_ctx_sw: " << result_.usage.vol_ctx_sw << " invol_ctx_sw: " << result_.usage.invol_ctx_sw << "\n";
    }
    return result_;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string failureMessage(const std::string& what, const Result& r) {
    return what + " failed: " + r.describe() + "\n" + r.tail();
}

Result run(const Command& cmd) {
    Child c(cmd);
    return c.wait();
}

}  // namespace e2e
