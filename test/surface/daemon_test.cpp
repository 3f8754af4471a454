// surface/daemon: the tool's own scheduler (BackupTool::startDaemon: vykar daemon, a `schedule:` of a few seconds and
// its status page on a free loopback port), driven by the signals its docs give (daemon.md). The promise:
//   "scheduled": a cycle runs on the schedule, unasked, and its snapshot restores exactly;
//   "status": /healthz answers 200 and /api/status.json is a JSON object;
//   "reload": SIGHUP with the interval raised to an hour: no scheduled cycle follows (the old interval would have run
//     two in the time watched);
//   "sigusr1": SIGUSR1 runs one cycle now, not two (a file added first: the new snapshot restores with it);
//   "bad-reload": SIGHUP with a config that does not parse: the daemon keeps running, says so in its output, and
//     still runs a cycle on SIGUSR1 (with the config it had);
//   "sigterm": SIGTERM during a cycle: the daemon ends within 60 s (between steps, as documented) and leaves no half
//     snapshot: the data-verifying check passes and the newest snapshot restores.
// StoppedPastItsSlots (vykar #163: a laptop asleep through several slots must not run them all on waking): after
// the first scheduled cycle the daemon is stopped (SIGSTOP) for six intervals, then continued (SIGCONT):
//   "stopped": no cycle while it was stopped (the signal reached it); "resumed": at least one cycle in the two
//   intervals after SIGCONT, and at most three (one to catch up and the schedule's own two; the six slots it slept
//   through, run as a burst, would make eight).
// The peers have no scheduler of their own: NOT-APPLICABLE.
#include "SurfaceTest.hpp"
#include "services/Service.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

using namespace e2e;

namespace {

using namespace std::chrono_literals;

class Daemon : public SurfaceTest {
protected:
    std::unique_ptr<Child> d_;
    int port_ = 0;

    void TearDown() override {
        if (d_ && d_->running()) d_->terminate();
        SurfaceTest::TearDown();
    }

    std::size_t count() { return t_.tool->snapshots().size(); }

    // Waits up to `limit` for the snapshot count to reach `n`; the count then.
    std::size_t waitFor(std::size_t n, std::chrono::seconds limit) {
        const auto t0 = std::chrono::steady_clock::now();
        std::size_t c = count();
        while (c < n && std::chrono::steady_clock::now() - t0 < limit && d_->running()) {
            std::this_thread::sleep_for(500ms);
            c = count();
        }
        return c;
    }

    // What the daemon has printed so far (its .out and .err in the log dir).
    std::string said() {
        std::string all;
        std::error_code ec;
        for (const auto& e : fs::recursive_directory_iterator(ws().logs(), ec)) {
            const std::string n = e.path().filename().string();
            if (n.find("daemon.") == std::string::npos || n.size() < 4 || n.substr(n.size() - 4) == ".cmd") continue;
            std::ifstream in(e.path());
            std::stringstream ss;
            ss << in.rdbuf();
            all += ss.str();
        }
        return all;
    }

    std::string newest() {
        std::string id, time;
        for (const auto& s : t_.tool->snapshots())
            if (id.empty() || s.time >= time) id = s.id, time = s.time;
        return id;
    }

    std::string scheduled(ScenarioSteps& steps, int every) {
        d_ = t_.tool->startDaemon(steps.source(), steps.label(), every, port_);
        const std::size_t c = waitFor(1, std::chrono::seconds(every + 30));
        if (!d_->running()) throw VerdictFailure("the daemon ended: " + d_->wait().describe() + " " + said());
        if (c < 1) throw VerdictFailure("no scheduled cycle within " + std::to_string(every + 30) + " s");
        return "a cycle ran on the " + std::to_string(every) + " s schedule: " + std::to_string(c) + " snapshot(s)";
    }

    std::string status() {
        const std::string base = "http://127.0.0.1:" + std::to_string(port_);
        if (const int h = httpStatus("GET", base + "/healthz"); h != 200)
            throw VerdictFailure("/healthz answered " + std::to_string(h));
        Command c;
        c.argv = {"curl", "-s", "-f", "--noproxy", "*", "--max-time", "10", base + "/api/status.json"};
        const Result r = e2e::run(c);
        const auto j = nlohmann::json::parse(r.out, nullptr, false);
        if (!r.ok() || !j.is_object())
            throw VerdictFailure("/api/status.json: " + r.describe() + ", not a JSON object: " + r.out.substr(0, 200));
        return "/healthz 200, /api/status.json a JSON object of " + std::to_string(j.size()) + " keys";
    }

    std::string reload(int every) {
        t_.tool->rewriteDaemonConfig(3600);
        d_->signalGroup(SIGHUP);
        std::this_thread::sleep_for(std::chrono::seconds(every));  // a cycle under way ends, the reload follows
        const std::size_t c0 = count();
        std::this_thread::sleep_for(std::chrono::seconds(3 * every));
        const std::size_t c1 = count();
        if (c1 != c0)
            throw VerdictFailure(std::to_string(c1 - c0) + " cycle(s) ran in the " + std::to_string(3 * every) +
                                 " s after a reload to a one-hour interval");
        return "no cycle in " + std::to_string(3 * every) + " s after SIGHUP to a one-hour interval (" +
               std::to_string(c0) + " snapshots)";
    }

    std::string sigusr1(int every) {
        const std::size_t c0 = count();
        d_->signalGroup(SIGUSR1);
        const std::size_t c1 = waitFor(c0 + 1, 60s);
        if (c1 < c0 + 1) throw VerdictFailure("no cycle within 60 s of SIGUSR1");
        std::this_thread::sleep_for(std::chrono::seconds(2 * every));
        const std::size_t c2 = count();
        if (c2 != c0 + 1)
            throw VerdictFailure(std::to_string(c2 - c0) + " cycles for one SIGUSR1 (" + std::to_string(c0) +
                                 " snapshots before it, " + std::to_string(c2) + " after)");
        return "one cycle for one SIGUSR1";
    }

    std::string badReload() {
        const std::string before = said();
        t_.tool->rewriteDaemonConfig(0);  // does not parse
        d_->signalGroup(SIGHUP);
        std::this_thread::sleep_for(3s);
        t_.tool->rewriteDaemonConfig(3600);  // for the suite's own commands; the daemon is not told
        if (!d_->running()) throw VerdictFailure("the daemon ended on a bad reload: " + d_->wait().describe());
        // a line it printed since, about its config (each line is its own: they carry the time)
        std::string line;
        std::istringstream now(said());
        for (std::string l; std::getline(now, l);)
            if (line.empty() && before.find(l) == std::string::npos &&
                std::regex_search(l, std::regex("config", std::regex::icase)) &&
                std::regex_search(l, std::regex("reject|invalid|error|fail|cannot|warn", std::regex::icase)))
                line = l;
        if (line.empty()) throw VerdictFailure("the daemon said nothing of the config it could not read");
        const std::size_t c0 = count();
        d_->signalGroup(SIGUSR1);
        if (waitFor(c0 + 1, 60s) < c0 + 1)
            throw VerdictFailure("after the bad reload no cycle ran on SIGUSR1 (the old config lost?)");
        return "kept running and said: '" + line.substr(0, 300) + "'; SIGUSR1 still ran a cycle";
    }

    std::string sigterm() {
        d_->signalGroup(SIGUSR1);
        std::this_thread::sleep_for(300ms);  // its cycle under way
        const auto t0 = std::chrono::steady_clock::now();
        d_->signalGroup(SIGTERM);
        while (d_->running() && std::chrono::steady_clock::now() - t0 < 60s) std::this_thread::sleep_for(100ms);
        if (d_->running()) throw VerdictFailure("still running 60 s after SIGTERM");
        const Result r = d_->wait();
        if (!r.ok())  // stopped between steps, as documented: a clean exit, not one cut short
            throw VerdictFailure("SIGTERM ended it uncleanly: " + r.describe() + " " + r.tail(3));
        return "ended " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
                       .count()) +
               " ms after SIGTERM (" + r.describe() + ")";
    }

    std::string stopped(int every) {
        const std::size_t c0 = count();
        d_->signalGroup(SIGSTOP);
        std::this_thread::sleep_for(std::chrono::seconds(6 * every));
        const std::size_t c1 = count();
        d_->signalGroup(SIGCONT);
        if (c1 != c0) throw VerdictFailure(std::to_string(c1 - c0) + " cycle(s) ran while it was stopped: it was not");
        return "no cycle in the " + std::to_string(6 * every) + " s it was stopped (six slots)";
    }

    std::string resumed(int every) {
        const std::size_t c0 = count();
        std::this_thread::sleep_for(std::chrono::seconds(2 * every));
        const std::size_t n = count() - c0;
        if (!d_->running()) throw VerdictFailure("the daemon ended after SIGCONT: " + d_->wait().describe());
        if (n < 1) throw VerdictFailure("no cycle in the " + std::to_string(2 * every) + " s after SIGCONT");
        if (n > 3)
            throw VerdictFailure(std::to_string(n) + " cycles in the " + std::to_string(2 * every) +
                                 " s after SIGCONT: the slots it slept through ran as a burst (at most 3: one to " +
                                 "catch up and the schedule's two)");
        return std::to_string(n) + " cycle(s) in the " + std::to_string(2 * every) + " s after SIGCONT";
    }

    // the tool prepared, with a daemon; false: the row has ended (SKIPPED or NOT-APPLICABLE, with its reason)
    bool daemonReady() {
        if (!ready()) return false;
        if (const std::string gap = t_.tool->daemonGap(); !gap.empty()) {
            endAs(Status::NotApplicable, gap);
            return false;
        }
        return true;
    }

    // the corpus, the repository, and the daemon under way with its first scheduled cycle done
    bool begin(ScenarioSteps& steps, Verdicts& v, int every) {
        steps.version();
        steps.corpus(CorpusProfile{12, 256ull << 10, 0, 2, 1}, false);
        steps.init(true);
        if (!v.ok()) return false;
        port_ = freeLoopbackPort();
        v.layer("scheduled", [&] { return scheduled(steps, every); });
        return v.ok();
    }

    void stopPastSlots() {
        if (!daemonReady()) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        const int every = 4;
        if (!begin(steps, v, every)) return fault_.judge(v, "daemon");
        v.layer("stopped", [&] { return stopped(every); });
        v.layer("resumed", [&] { return resumed(every); });
        steps.restoreAndCompare(newest(), "restore-resumed", "-resumed");
        fault_.judge(v, "daemon");
    }

    void run() {
        if (!daemonReady()) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        const int every = 4;
        if (!begin(steps, v, every)) return fault_.judge(v, "daemon");
        steps.restoreAndCompare(newest(), "restore-scheduled", "-scheduled");
        v.layer("status", [&] { return status(); });
        v.layer("reload", [&] { return reload(every); });
        steps.addRandomFile("before-sigusr1.bin", 64 << 10);
        v.layer("sigusr1", [&] { return sigusr1(every); });
        steps.restoreAndCompare(newest(), "restore-sigusr1", "-sigusr1");
        v.layer("bad-reload", [&] { return badReload(); });
        v.layer("sigterm", [&] { return sigterm(); });
        steps.check(true);
        steps.restoreAndCompare(newest(), "restore-after-sigterm", "-after-sigterm");
        fault_.judge(v, "daemon");
    }
};

TEST_P(Daemon, Signals) {
    run();
}
TEST_P(Daemon, StoppedPastItsSlots) {
    stopPastSlots();
}

INSTANTIATE_TEST_SUITE_P(DaemonLocal, Daemon, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-tests (vykar, the one tool with a daemon), each caught by its own layer. Most run the real daemon in a session
// of its own behind a wrapper that passes each signal on, but one as the fault says ($pid: the daemon's).
std::string forwarding(const std::string& on_usr1, const std::string& on_hup) {
    return "case \" $* \" in *\" daemon \"*)\n"
           "  setsid \"$real\" \"$@\" &\n"
           "  pid=$!\n"
           "  trap '" +
           on_usr1 +
           "' USR1\n"
           "  trap '" +
           on_hup +
           "' HUP\n"
           "  trap 'kill -TERM $pid; wait $pid; exit $?' TERM\n"
           "  trap 'kill -INT $pid; wait $pid; exit $?' INT\n"
           "  while kill -0 $pid 2>/dev/null; do wait $pid; done\n"
           "  exit 0 ;;\n"
           "esac\n"
           "exec \"$real\" \"$@\"\n";
}

// a "daemon" that never backs up: caught by "scheduled"
const char* kNeverBacksUp = R"SH(
case " $* " in *" daemon "*) trap 'exit 0' TERM INT; while :; do sleep 1; done ;; esac
exec "$real" "$@"
)SH";

// its status page on another port than it was asked for: caught by "status"
const char* kStatusElsewhere = R"SH(
case " $* " in *" daemon "*) exec "$real" "${@/127.0.0.1:*/127.0.0.1:9}" ;; esac
exec "$real" "$@"
)SH";

// SIGTERM answered by killing the daemon mid-step (exit 137): caught by "sigterm" (the daemon in the wrapper's own
// group: the other signals reach it straight, the wrapper lets them be)
const char* kDiesOnSigterm = R"SH(
case " $* " in *" daemon "*)
  "$real" "$@" &
  pid=$!
  trap : USR1 HUP INT
  trap 'kill -KILL $pid; exit 137' TERM
  while kill -0 $pid 2>/dev/null; do wait $pid; done
  exit 0 ;;
esac
exec "$real" "$@"
)SH";

// SIGCONT answered with eight cycles, as if every slot slept through ran (the daemon in the wrapper's own group, so
// that SIGSTOP and SIGCONT reach it): caught by "resumed"
const char* kBurstsOnCont = R"SH(
case " $* " in *" daemon "*)
  "$real" "$@" &
  pid=$!
  trap 'for i in 1 2 3 4 5 6 7 8; do kill -USR1 $pid; sleep 1; done' CONT
  trap 'kill -TERM $pid; wait $pid; exit $?' TERM
  trap 'kill -INT $pid; wait $pid; exit $?' INT
  trap : USR1 HUP
  while kill -0 $pid 2>/dev/null; do wait $pid; done
  exit 0 ;;
esac
exec "$real" "$@"
)SH";

class DaemonSelftest : public Daemon {};

TEST_P(DaemonSelftest, NeverBacksUp) {
    fault_.expect("never-backs-up", kNeverBacksUp, "scheduled");
    run();
}
TEST_P(DaemonSelftest, StatusElsewhere) {
    fault_.expect("status-elsewhere", kStatusElsewhere, "status");
    run();
}
TEST_P(DaemonSelftest, IgnoresHup) {
    static const std::string script = forwarding("kill -USR1 $pid", ":");
    fault_.expect("ignores-hup", script.c_str(), "reload");
    run();
}
TEST_P(DaemonSelftest, TwoCyclesForOne) {
    static const std::string script = forwarding("kill -USR1 $pid; sleep 3; kill -USR1 $pid", "kill -HUP $pid");
    fault_.expect("two-cycles-for-one", script.c_str(), "sigusr1");
    run();
}
TEST_P(DaemonSelftest, DiesOnBadReload) {
    static const std::string script = forwarding(
        "kill -USR1 $pid", "if grep -q \"cannot parse\" \"$2\"; then kill -KILL $pid; exit 1; fi; kill -HUP $pid");
    fault_.expect("dies-on-bad-reload", script.c_str(), "bad-reload");
    run();
}
TEST_P(DaemonSelftest, DiesOnSigterm) {
    fault_.expect("dies-on-sigterm", kDiesOnSigterm, "sigterm");
    run();
}
TEST_P(DaemonSelftest, IgnoresStop) {
    // the daemon in a session of its own: SIGSTOP stops only the wrapper, the daemon goes on
    static const std::string script = forwarding("kill -USR1 $pid", "kill -HUP $pid");
    fault_.expect("ignores-stop", script.c_str(), "stopped");
    stopPastSlots();
}
TEST_P(DaemonSelftest, BurstsOnCont) {
    fault_.expect("bursts-on-cont", kBurstsOnCont, "resumed");
    stopPastSlots();
}

// The self-tests run with the one tool that has a daemon
INSTANTIATE_TEST_SUITE_P(DaemonFaults, DaemonSelftest, ::testing::Values("vykar"),
                         [](const auto& p) { return p.param; });

}  // namespace
