#pragma once
// Run a command with a deadline in its own process group: TERM, then KILL of
// the whole group; PR_SET_PDEATHSIG so it dies with us; stdout/stderr to log
// files; exit status and rusage (wall, user, sys, peak RSS) from wait4.
// Plain POSIX rather than Boost.Process 1.74: its wait_for() can block for the
// whole timeout after the child exited, and it gives no rusage.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct rusage;

namespace e2e {

namespace fs = std::filesystem;

// What a long step reports while it runs: every heartbeat (at most every
// Command::heartbeat) names what it waits for, how much it has done so far and
// the rate, the elapsed time and the deadline.
struct Progress {
    std::string what;                        // "restic backup"; default: the log name or program
    fs::path dir{};                          // its size is sampled (bytes written to a repository, restored, ...)
    std::string unit = "written";            // what the sampled bytes are: "written to the repository", "restored"
    std::function<std::uint64_t()> count{};  // or any count (rows seeded); wins over dir
    std::string count_unit = "bytes";        // "bytes" (shown as sizes) or a noun such as "rows"
};

// One heartbeat line ("[e2e] ... still running"): what, amount, rate, elapsed, deadline.
std::string heartbeatLine(const std::string& what, std::chrono::milliseconds elapsed,
                          std::chrono::milliseconds deadline, std::optional<std::uint64_t> amount,
                          const std::string& unit, const std::string& count_unit, double rate_per_s);
// Apparent bytes of the regular files under dir (0 when it does not exist).
std::uint64_t dirBytes(const fs::path& dir);

struct Command {
    std::vector<std::string> argv{};           // argv[0] is looked up on PATH when it has no '/'
    std::map<std::string, std::string> env{};  // added to (and overriding) the base environment
    std::vector<std::string> unset_env{};      // removed from the base environment
    bool clean_env = false;                    // start from PATH/LANG only, not the runner's environment
    fs::path cwd{};                            // empty = current
    std::optional<fs::path> stdin_file{};      // default /dev/null
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};
    std::chrono::milliseconds kill_grace{std::chrono::seconds(2)};
    fs::path log_dir{};                  // where <name>.out / <name>.err / <name>.cmd go; empty = discard
    std::string log_name{};              // file stem; default argv[0] basename + sequence
    std::vector<std::string> secrets{};  // redacted from logs and the printed command
    // A step running longer than `heartbeat` prints a line at most every
    // `heartbeat` (stdout: ctest -V and the test's log; and the .cmd log).
    std::optional<Progress> progress{};
    std::chrono::milliseconds heartbeat{std::chrono::seconds(10)};
    // rusage of the program itself, forked from the small e2e-rusage helper: forked from us,
    // its ru_maxrss would start at our own resident size (the benchmarks need its own)
    bool exact_rusage = false;
};

struct Usage {
    double wall_s = 0, user_s = 0, sys_s = 0;
    long max_rss_kib = 0;
    long fs_in = 0, fs_out = 0;             // block input/output operations (ru_inblock, ru_oublock)
    long vol_ctx_sw = 0, invol_ctx_sw = 0;  // ru_nvcsw, ru_nivcsw
    bool exact = false;                     // measured by e2e-rusage (Command::exact_rusage), not around it
};

struct Result {
    int exit_code = -1;      // exit status, or 128+signal when killed by a signal
    int term_signal = 0;     // signal that ended it, 0 if it exited
    bool timed_out = false;  // the deadline passed and we killed it
    bool spawn_failed = false;
    std::string spawn_error;
    Usage usage;
    fs::path stdout_path, stderr_path;
    std::string out;      // captured stdout (also in stdout_path)
    std::string err;      // captured stderr (also in stderr_path)
    std::string display;  // the command line, secrets redacted

    bool ok() const { return !spawn_failed && !timed_out && term_signal == 0 && exit_code == 0; }
    std::string describe() const;                    // "exit 1", "killed by SIGKILL after timeout 30s", ...
    std::string tail(std::size_t lines = 20) const;  // last stderr (or stdout) lines, for messages
};

// Told of every process group the runner starts and ends, so a killed run's
// children can be swept; the janitor installs itself (Janitor::observeProcesses).
class ProcessObserver {
public:
    virtual ~ProcessObserver() = default;
    virtual void started(int pgid, const std::string& what) = 0;  // what: the command line, secrets redacted
    virtual void ended(int pgid) = 0;
    // Variables every child carries over its command's own (an owner tag finds strays by environment).
    virtual std::map<std::string, std::string> childEnv() = 0;
    // Where captured output goes for a command without a log dir.
    virtual fs::path scratchDir() = 0;
};
// Installs the observer every later command reports to; it must outlive them.
// nullptr: none (captured output then goes under the system temp dir).
void setProcessObserver(ProcessObserver* observer);

// Blocks until the command ends or its deadline passes (then TERM -> grace -> KILL).
Result run(const Command& cmd);

class CommandFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
// "<what> failed: exit 1" and the last output lines.
std::string failureMessage(const std::string& what, const Result& r);

// A step that must succeed: a clean environment, logged as `what` under
// log_dir (none when empty), bounded by timeout; throws Error otherwise.
template <class Error = CommandFailed>
Result runOrThrow(Command c, const std::string& what, const fs::path& log_dir, std::chrono::milliseconds timeout) {
    c.clean_env = true;
    c.log_dir = log_dir;
    if (!log_dir.empty()) c.log_name = what;
    c.timeout = timeout;
    Result r = run(c);
    if (!r.ok()) throw Error(failureMessage(what, r));
    return r;
}

// A started command you observe or signal before waiting (interruption tests).
class Child {
public:
    explicit Child(const Command& cmd);
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();  // kills the group if still running
    int pid() const { return pid_; }
    bool running();
    void signalGroup(int sig);
    Result wait();  // honours the command's deadline
    // TERM the group, KILL it after `grace`; returns the outcome.
    Result terminate(std::chrono::milliseconds grace = std::chrono::seconds(2));
    std::chrono::steady_clock::time_point started() const { return start_; }

private:
    Command cmd_;
    int pid_ = -1;
    bool reaped_ = false;
    std::chrono::steady_clock::time_point start_;
    Result result_;
    int beats_ = 0;  // heartbeats printed so far
    std::chrono::steady_clock::time_point last_beat_;
    std::uint64_t last_amount_ = 0;
    void heartbeat(std::chrono::steady_clock::time_point now);
    fs::path rusage_path_;  // where e2e-rusage writes the program's own rusage (Command::exact_rusage)
    void reap(int status, const ::rusage& ru);
    bool poll();
    void killAfter(std::chrono::milliseconds grace);  // TERM sent: wait up to grace, then KILL and reap
    Result finish();
};

// Running and not a zombie (an orphan's zombie lingers until init reaps it).
bool processAlive(int pid);

// Look a program up on PATH (or accept a path); nullopt when absent.
std::optional<fs::path> findProgram(const std::string& name);

// Quote for display in logs and messages.
std::string shellQuote(const std::string& s);
std::string joinCommand(const std::vector<std::string>& argv);

// A whole file's bytes ("" when it cannot be read).
std::string readFile(const fs::path& p);

// Replace every occurrence of each secret with "***" in s.
std::string redact(std::string s, const std::vector<std::string>& secrets);
void redactFile(const fs::path& p, const std::vector<std::string>& secrets);

}  // namespace e2e
