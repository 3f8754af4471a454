// faults/network: a real fault proxy (Toxiproxy) between each tool and the
// remote server the suite starts, one instantiation per remote kind of the
// backend registry (NetworkRest/, NetworkS3/, NetworkSftp/). Each case breaks
// the link in its own way while the tool backs up (or restores), then clears.
// The promise, whatever the fault:
//   during it: the command succeeds with correct data, or fails with an error
//     that names the cause, within the deadline (a loss-free fault, such as
//     latency, must not make it fail at all);
//   after it: the snapshot taken before the fault restores exactly, every
//     snapshot listed restores exactly (one the tool reported during the fault
//     included), the tool's data-verifying check passes, and the next backup
//     works and restores.
// What the server stored (objects and bytes, read on the server's side) and how
// long the tool took go in the report next to what the tool said.
#include "FaultPromise.hpp"
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "backends/ProxiedBackend.hpp"
#include "config/Backends.hpp"
#include "text/Text.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

struct Case {
    std::string backend;
    std::string tool;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.backend << "/" << c.tool;
}

// One fault: what it does to the link and when, relative to the start of the command it hits.
struct FaultPlan {
    using Apply = std::function<nlohmann::json(Toxiproxy&, const std::string& link, std::mt19937_64& rng)>;
    struct Step {
        std::chrono::milliseconds at;  // this long after the command starts
        Apply apply;                   // returns what it did, for the report
    };
    std::string during = "backup";       // backup | restore | reclaim
    bool loss_free = false;              // no byte is lost: the command must succeed
    std::vector<Step> steps;             // the last one is the fault; earlier ones shape the link for it
    std::chrono::milliseconds clear{0};  // every toxic gone and the link up this long after the start (0: at its end)
    std::chrono::seconds deadline{240};  // the suite's bound on the faulted command
    // it never clears while the command runs: where the tool documents a bound on a stalled request
    // (BackupTool::stallBound), that and a minute is the deadline instead
    bool never_ends = false;
};

constexpr std::uint64_t kChangeBytes = 12ull << 20;  // new, incompressible data the faulted backup uploads

// How a tool says the link failed: its own words for a timeout, a reset, a refused or closed connection (over
// SFTP, the ssh transport it runs exiting with an error: ssh exits 255 when its connection fails; an HTTP body cut
// off because the peer closed the connection: hyper's "receiver is gone").
const char* kNamesTheCause =
    "timeout|timed out|deadline|connection|reset|refused|broken pipe|EOF|closed|unexpected end|network|unreachable|"
    "i/o error|status 5[0-9][0-9]|\\b50[0234]\\b|socket|disconnect|ssh command exited|receiver is gone";

// The fault applied and cleared on time by a thread of its own while the command runs in this one.
class FaultWindow {
public:
    FaultWindow(ProxiedBackend& b, const FaultPlan& f, std::mt19937_64& rng, nlohmann::json& facts)
        : b_(b), f_(f), rng_(rng), facts_(facts), t0_(std::chrono::steady_clock::now()), thread_([this] { run(); }) {}
    ~FaultWindow() {
        try {
            end();
        } catch (...) {  // the proxy's API failed: the test ends with that error already
        }
    }
    // The command has ended: stop the timeline and clear the fault (idempotent).
    void end() {
        {
            std::lock_guard<std::mutex> g(mu_);
            done_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
        if (touched_ && !cleared_) clear("when the command ended");
    }
    bool applied() const { return applied_; }
    double appliedAt() const { return applied_at_; }
    std::string error() const { return error_; }

private:
    void run() {
        try {
            facts_["toxic"] = nlohmann::json::array();
            for (const auto& step : f_.steps) {
                if (!waitUntil(step.at)) return;
                touched_ = true;
                facts_["toxic"].push_back(step.apply(b_.proxy(), b_.link(), rng_));
                applied_at_ = secondsSinceStart();
            }
            applied_ = true;
            facts_["applied_at_s"] = applied_at_;
            if (f_.clear.count() == 0 || !waitUntil(f_.clear)) return;
            clear("on schedule");
        } catch (const std::exception& e) {
            error_ = e.what();
        }
    }
    // false when the command ended first
    bool waitUntil(std::chrono::milliseconds at) {
        std::unique_lock<std::mutex> lk(mu_);
        return !cv_.wait_until(lk, t0_ + at, [&] { return done_; });
    }
    void clear(const std::string& how) {
        b_.proxy().reset();
        cleared_ = true;
        facts_["cleared_at_s"] = secondsSinceStart();
        facts_["cleared"] = how;
    }
    double secondsSinceStart() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    }

    ProxiedBackend& b_;
    const FaultPlan& f_;
    std::mt19937_64& rng_;
    nlohmann::json& facts_;
    std::chrono::steady_clock::time_point t0_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::atomic<bool> touched_{false}, applied_{false}, cleared_{false};  // a step began; all are in; reset
    double applied_at_ = 0;
    std::string error_;
    std::thread thread_;
};

// Objects and bytes the server holds for this repository (read on the server's side).
nlohmann::json serverHolds(const fs::path& dir) {
    std::uint64_t objects = 0, bytes = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_regular_file(ec)) {
            ++objects;
            bytes += it->file_size(ec);
        }
    return {{"objects", objects}, {"bytes", bytes}};
}

class LinkFault : public ScenarioTestP<Case> {
protected:
    LinkFault() : ScenarioTestP("faults") {}

    ToolOnBackend t_;
    ProxiedBackend* proxied_ = nullptr;
    std::mt19937_64 rng_;
    bool restore_ok_ = false;                  // the restore under the fault said it succeeded
    std::chrono::seconds request_timeout_{0};  // the suite's bound on a stalled request (ToolContext::request_timeout)
    // self-tests: the tool through a faulty wrapper, and the one layer that must catch it
    std::string fault_, fault_script_, caught_by_;

    // The prelude with the tool's link through a fault proxy. False: the test ends here.
    bool prepareCase() {
        const Case& c = GetParam();
        PreludeOptions po;
        po.backend = c.backend;
        po.tool_retries = true;  // the tool's own retries are what a broken link puts to the test
        po.request_timeout = request_timeout_;
        bool external = false;
        po.around_backend = [&](std::unique_ptr<Backend> b) -> std::unique_ptr<Backend> {
            if (b->external()) return external = true, std::move(b);
            auto p = std::make_unique<ProxiedBackend>(std::move(b), ws());
            proxied_ = p.get();
            return p;
        };
        if (!fault_.empty()) {
            ws().report().expectFault(c.tool + " " + fault_, caught_by_);
            po.wrap = [&](const fs::path& real) {
                return writeFaultyWrapper(ws().work(), c.tool, real, fault_, fault_script_);
            };
        }
        if (!prepare(t_, c.tool, po)) return false;
        if (external) {
            endAs(Status::NotApplicable, "an external endpoint is not the suite's to break");
            return false;
        }
        rng_.seed(ws().seed());
        return true;
    }

    // The command under the fault: a backup (its own deadline, so a hang is seen as one) or a restore.
    std::string faultedCommand(const FaultPlan& f, ScenarioSteps& steps, const std::string& label,
                               const std::string& before_id, std::string& reported_id) {
        nlohmann::json facts;
        const auto holds_before = serverHolds(proxied_->target().local_dir);
        const auto [deadline, deadline_why] = deadlineFor(f);
        facts["deadline_s"] = deadline.count();
        facts["deadline"] = deadline_why;
        FaultWindow window(*proxied_, f, rng_, facts);
        FaultedRun run;
        if (f.during == "backup") {
            run = backupWithDeadline(*t_.tool, steps.source(), label, deadline);
        } else {
            const auto t0 = std::chrono::steady_clock::now();
            try {
                if (f.during == "restore") {
                    fs::create_directories(ws().work() / "restore-during");
                    t_.tool->restore(before_id, ws().work() / "restore-during");
                    restore_ok_ = true;
                } else {
                    t_.tool->reclaim();
                }
                run.result = t_.tool->history().back();
            } catch (const ToolError& e) {
                run.result = e.result();
                run.hung = e.timedOut();
            }
            run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        const Result& r = run.result;
        window.end();
        if (!window.error().empty()) throw VerdictFailure("the fault proxy failed: " + window.error());
        if (!window.applied())
            throw VerdictFailure("inconclusive: the " + f.during + " ended (" + r.describe() + " after " +
                                 std::to_string(run.seconds) + " s) before the fault was in place");
        // the snapshot id is read once the fault has cleared (some drivers ask the repository for it)
        if (f.during == "backup" && !run.hung && r.ok()) reported_id = t_.tool->finishBackup(r);
        facts["command"] = f.during;
        facts["exit"] = r.exit_code;
        facts["seconds"] = run.seconds;
        facts["server_before"] = holds_before;
        facts["server_after"] = serverHolds(proxied_->target().local_dir);
        facts["reported_snapshot"] = reported_id;
        ws().report().set("link_fault", facts);
        const FaultJudgement j{
            f.during,       facts.value("toxic", nlohmann::json()).dump(), f.loss_free, deadline, deadline_why,
            kNamesTheCause, "timeout, reset, refused or closed connection"};
        return judgeFaultedRun(ws(), j, run, window.appliedAt());
    }

    // The faulted command's deadline and where it comes from: a fault that never ends gets the tool's documented
    // bound on a stalled request and a minute, where it documents one on this backend kind.
    std::pair<std::chrono::seconds, std::string> deadlineFor(const FaultPlan& f) const {
        if (!f.never_ends) return {f.deadline, "the suite's deadline"};
        const StallBound b = t_.tool->stallBound();
        if (b.within.count() <= 0)
            return {f.deadline, "the suite's deadline (" + t_.tool->name() + " documents no bound on a request that " +
                                    "hangs over " + GetParam().backend + ")"};
        return {b.within + 60s, "its documented bound and a minute: " + b.documented};
    }

    void runCase(const std::string& name, const FaultPlan& f) {
        if (!prepareCase()) return;
        ws().report().set("fault_case", name);
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        seedFaultCase(steps);
        const std::string label = steps.label();
        std::string reported_id;
        const std::string before_id =
            backupBeforeTheFault(*t_.tool, v, steps, label, [] { return std::string("before any fault"); });
        if (!v.ok()) return promiseBroken(v);
        const Manifest before = steps.expected();
        if (f.during == "backup") steps.addRandomFile("changed-before-the-fault.bin", kChangeBytes);
        const Manifest after = steps.expected();
        v.layer("during-fault", [&] { return faultedCommand(f, steps, label, before_id, reported_id); });
        if (f.during == "restore" && restore_ok_) {
            // a restore that reported success must be whole: never exit 0 with a partial tree
            steps.expect(before);
            steps.compareRestored(ws().work() / "restore-during", "-during");
        }
        proxied_->proxy().reset();  // every toxic gone, the link up: the fault has cleared
        judgeAfterTheFault(*t_.tool, v, steps, before, before_id, after, reported_id, label);
        promiseBroken(v);
    }

    // Three snapshots, the middle one forgotten (it alone holds one file), then the tool's reclaim (prune,
    // compact, maintenance) while the link breaks: a listing error must never make it delete data that a
    // kept snapshot needs (restic #4612). After: the first and last restore exactly, the check, the next backup.
    void runReclaimCase(const std::string& name, const FaultPlan& f) {
        if (!prepareCase()) return;
        ws().report().set("fault_case", name);
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        seedFaultCase(steps);
        const std::string label = steps.label();
        std::string first_id, middle_id, last_id;
        Manifest first, last;
        v.layer("backups-before", [&] {
            first_id = t_.tool->backup(steps.source(), label);
            first = steps.expected();
            steps.addRandomFile("only-in-the-forgotten-snapshot.bin", kChangeBytes / 3);
            middle_id = t_.tool->backup(steps.source(), label);
            fs::remove(steps.source() / "only-in-the-forgotten-snapshot.bin");
            steps.addRandomFile("changed-after-it.bin", kChangeBytes / 3);  // the manifest is rebuilt
            last_id = t_.tool->backup(steps.source(), label);
            last = steps.expected();
            t_.tool->forget(middle_id);
            return "snapshots " + first_id + ", " + middle_id + " (forgotten before the fault) and " + last_id;
        });
        if (!v.ok()) return promiseBroken(v);
        std::string none;
        v.layer("during-fault", [&] { return faultedCommand(f, steps, label, first_id, none); });
        proxied_->proxy().reset();
        judgeAfterTheFault(*t_.tool, v, steps, first, first_id, last, last_id, label);
        promiseBroken(v);
    }

    // A self-test's fault is judged by its report; a real row that broke its promise fails here, naming the layer.
    void promiseBroken(const Verdicts& v) {
        if (!v.ok() && fault_.empty())
            ADD_FAILURE() << "the promise after a broken link failed at layer '" << v.failedLayer() << "'";
    }
};

FaultPlan latencyWithJitter() {
    FaultPlan f;
    f.loss_free = true;
    f.steps = {{0ms, [](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
                    const nlohmann::json a{{"latency", 80}, {"jitter", 40}};
                    p.addToxic(link, "latency-up", "latency", "upstream", a);
                    p.addToxic(link, "latency-down", "latency", "downstream", a);
                    return nlohmann::json{{"type", "latency"}, {"both_ways", a}};
                }}};
    return f;
}

// A slow link: the upload limited to `kib_per_s` for the whole backup (loses nothing: the backup must succeed).
FaultPlan slowLink(int kib_per_s) {
    FaultPlan f;
    f.loss_free = true;
    f.steps = {{0ms, [=](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
                    p.addToxic(link, "slow", "bandwidth", "upstream", {{"rate", kib_per_s}});
                    return nlohmann::json{{"type", "bandwidth"}, {"stream", "upstream"}, {"rate_kib_s", kib_per_s}};
                }}};
    return f;
}

// limit_data upstream: every connection is closed after a seeded number of the client's bytes, for `window`
FaultPlan cutUploads(std::chrono::milliseconds window) {
    FaultPlan f;
    f.clear = window;
    f.steps = {{0ms, [](Toxiproxy& p, const std::string& link, std::mt19937_64& rng) {
                    const std::uint64_t bytes = (512ull << 10) + rng() % (3ull << 20);
                    p.addToxic(link, "cut", "limit_data", "upstream", {{"bytes", bytes}});
                    return nlohmann::json{{"type", "limit_data"}, {"stream", "upstream"}, {"bytes", bytes}};
                }}};
    return f;
}

// A bandwidth limit from the start (the direction the data flows) keeps the command running long enough
// for `fault` to hit it 1 s in; every toxic goes and the link is up again at `clear`.
FaultPlan shapedThen(const std::string& during, int kib_per_s, std::chrono::milliseconds clear,
                     FaultPlan::Apply fault) {
    FaultPlan f;
    f.during = during;
    f.clear = clear;
    const std::string stream = during == "backup" ? "upstream" : "downstream";
    f.steps = {{0ms,
                [=](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
                    p.addToxic(link, "slow", "bandwidth", stream, {{"rate", kib_per_s}});
                    return nlohmann::json{{"type", "bandwidth"}, {"stream", stream}, {"rate_kib_s", kib_per_s}};
                }},
               {1s, std::move(fault)}};
    return f;
}

// The link down (every connection closed, new ones refused) 1 s into the command, for five seconds.
FaultPlan linkDown(const std::string& during, int kib_per_s) {
    return shapedThen(during, kib_per_s, 6s, [](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
        p.setEnabled(link, false);
        return nlohmann::json{{"type", "link down"}, {"for_s", 5}};
    });
}

// Every byte held (connections stay open, nothing passes) 1 s into the backup, for eight seconds.
FaultPlan stallThatEnds() {
    return shapedThen("backup", 6144, 9s, [](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
        p.addToxic(link, "stall", "timeout", "upstream", {{"timeout", 0}});
        return nlohmann::json{{"type", "timeout"}, {"stream", "upstream"}, {"timeout_ms", 0}, {"for_s", 8}};
    });
}

// Every byte held 1 s into the backup and never let go, connections left open: the tool must give up, naming it,
// within its documented bound on a stalled request (the suite sets that bound to a minute with the tool's
// documented option where it has one: ToolContext::request_timeout) or the suite's deadline.
FaultPlan stallThatNeverEnds() {
    FaultPlan f = shapedThen("backup", 6144, 0ms, [](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
        p.addToxic(link, "stall", "timeout", "upstream", {{"timeout", 0}});
        return nlohmann::json{{"type", "timeout"}, {"stream", "upstream"}, {"timeout_ms", 0}, {"for_s", "ever"}};
    });
    f.never_ends = true;
    return f;
}

// Connections reset by the peer (TCP RST after 100 ms), half of them (seeded), for the first 3 s of the backup.
FaultPlan connectionResets() {
    FaultPlan f;
    f.clear = 3s;
    f.steps = {{0ms, [](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
                    p.addToxic(link, "reset", "reset_peer", "upstream", {{"timeout", 100}}, 0.5);
                    return nlohmann::json{
                        {"type", "reset_peer"}, {"stream", "upstream"}, {"timeout_ms", 100}, {"toxicity", 0.5}};
                }}};
    return f;
}

// The reclaim's downloads (listings, indexes, packs) cut after a seeded 4 to 64 KiB per connection, for 5 s.
FaultPlan cutReclaimDownloads() {
    FaultPlan f;
    f.during = "reclaim";
    f.clear = 5s;
    f.steps = {{0ms, [](Toxiproxy& p, const std::string& link, std::mt19937_64& rng) {
                    const std::uint64_t bytes = (4ull << 10) + rng() % (60ull << 10);
                    p.addToxic(link, "cut", "limit_data", "downstream", {{"bytes", bytes}});
                    return nlohmann::json{{"type", "limit_data"}, {"stream", "downstream"}, {"bytes", bytes}};
                }}};
    return f;
}

// The link down as the reclaim starts, up again 3 s later.
FaultPlan linkDownDuringReclaim() {
    FaultPlan f;
    f.during = "reclaim";
    f.clear = 3s;
    f.steps = {{0ms, [](Toxiproxy& p, const std::string& link, std::mt19937_64&) {
                    p.setEnabled(link, false);
                    return nlohmann::json{{"type", "link down"}, {"for_s", 3}};
                }}};
    return f;
}

TEST_P(LinkFault, LatencyWithJitter) {
    runCase("latency 80 ms, jitter 40 ms, both ways, for the whole backup", latencyWithJitter());
}

TEST_P(LinkFault, SlowLink) {
    runCase("the upload limited to 4 MiB/s for the whole backup", slowLink(4096));
}

TEST_P(LinkFault, UploadCutOnce) {
    runCase("every connection cut after a seeded number of upload bytes, for the first 2 s", cutUploads(2s));
}

TEST_P(LinkFault, UploadCutRepeatedly) {
    runCase("every connection cut after a seeded number of upload bytes, for 20 s", cutUploads(20s));
}

TEST_P(LinkFault, LinkDownDuringBackup) {
    runCase("the link down 1 s into the backup (6 MiB/s), for 5 s", linkDown("backup", 6144));
}

TEST_P(LinkFault, LinkDownDuringRestore) {
    runCase("the link down 1 s into the restore (2 MiB/s), for 5 s", linkDown("restore", 2048));
}

TEST_P(LinkFault, StallThatEnds) {
    runCase("every byte held 1 s into the backup (6 MiB/s), for 8 s, connections left open", stallThatEnds());
}

TEST_P(LinkFault, ConnectionResets) {
    runCase("half the connections reset by the peer 100 ms in, for the first 3 s of the backup", connectionResets());
}

TEST_P(LinkFault, CutDuringReclaim) {
    runReclaimCase("the reclaim's downloads cut after a seeded 4 to 64 KiB per connection, for its first 5 s",
                   cutReclaimDownloads());
}

TEST_P(LinkFault, LinkDownDuringReclaim) {
    runReclaimCase("the link down as the reclaim starts, for 3 s", linkDownDuringReclaim());
}

// The stall that never ends, in a suite of its own: its rows cost up to the tool's documented bound (restic's
// 15 minutes of retries), so they run in the matrix (test/faults/CMakeLists.txt; the gate's exception in
// test/unit/gate_test.cpp).
class LinkStall : public LinkFault {
protected:
    LinkStall() { request_timeout_ = 60s; }
};

TEST_P(LinkStall, NeverEnds) {
    runCase(
        "every byte held 1 s into the backup (6 MiB/s), never let go, connections left open; one stalled request "
        "bounded to 60 s with the tool's documented option where it has one",
        stallThatNeverEnds());
}

// Self-tests, each caught by exactly one layer of the promise (a faulty wrapper around the tool).
// It says its backup under a cut link worked, but stored the tree without the data being uploaded.
const char* kDropsTheCutUpload = R"SH(
case " $* " in *" backup "*)
  if [ -f "$HOME/.e2e-backed-up-once" ]; then exec "$real" "$@" --exclude='changed-before-the-fault.bin'; fi
  touch "$HOME/.e2e-backed-up-once" ;;
esac
exec "$real" "$@"
)SH";

// It keeps "retrying" a dead link: the backup under the fault never ends (the next one works).
const char* kRetriesForever = R"SH(
case " $* " in *" backup "*)
  if [ -f "$HOME/.e2e-backed-up-once" ] && [ ! -f "$HOME/.e2e-hung-once" ]; then
    touch "$HOME/.e2e-hung-once"; exec sleep 100000
  fi
  touch "$HOME/.e2e-backed-up-once" ;;
esac
exec "$real" "$@"
)SH";

// After the backup under the fault, its listing leaves out the earliest snapshot (which still restores by id).
const char* kHidesTheEarlierSnapshot = R"SH(
case " $* " in
  *" backup "*) touch "$HOME/.e2e-backup-$(ls "$HOME"/.e2e-backup-* 2>/dev/null | wc -l)" ;;
  *" snapshots "*)
    if [ -f "$HOME/.e2e-backup-1" ]; then
      drop_first='import json,sys; d=sorted(json.load(sys.stdin), key=lambda s: s["time"]); print(json.dumps(d[1:]))'
      "$real" "$@" | python3 -c "$drop_first"
      exit "${PIPESTATUS[0]}"
    fi ;;
esac
exec "$real" "$@"
)SH";

// The restore under the fault leaves one file out and exits 0.
const char* kPartialRestoreSaysOk = R"SH(
case " $* " in *" restore "*)
  if [ ! -f "$HOME/.e2e-restored-once" ]; then
    touch "$HOME/.e2e-restored-once"
    "$real" "$@"
    dir=""; prev=""; for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
    find "$dir" -type f | sort | head -1 | xargs -r rm -f
    exit 0
  fi ;;
esac
exec "$real" "$@"
)SH";

// The backup under the fault stores a snapshot without the new file, then says it failed (naming a cause).
const char* kListsAFailedBackup = R"SH(
case " $* " in *" backup "*)
  if [ -f "$HOME/.e2e-backed-up-once" ] && [ ! -f "$HOME/.e2e-failed-once" ]; then
    touch "$HOME/.e2e-failed-once"
    "$real" "$@" --exclude='changed-before-the-fault.bin' >/dev/null
    echo "Fatal: connection reset by peer" >&2; exit 1
  fi
  touch "$HOME/.e2e-backed-up-once" ;;
esac
exec "$real" "$@"
)SH";

// Its check rejects the repository after the fault (kCheckRejects); the backup after the fault fails
// (kThirdBackupFails): both in FaultyTool.hpp.
class LinkFaultSelftest : public LinkFault {
protected:
    void selftest(const std::string& fault, const char* script, const std::string& layer, const std::string& what,
                  const FaultPlan& f) {
        fault_ = fault;
        fault_script_ = script;
        caught_by_ = layer;
        runCase("self-test: " + what, f);
    }
};

TEST_P(LinkFaultSelftest, ClaimsACutUpload) {
    fault_ = "claims-cut-upload";
    fault_script_ = kDropsTheCutUpload;
    caught_by_ = "compare-reported";
    runCase("self-test: a snapshot without the data whose upload was cut, reported as a success", cutUploads(2s));
}

TEST_P(LinkFaultSelftest, RetriesForever) {
    fault_ = "retries-forever";
    fault_script_ = kRetriesForever;
    caught_by_ = "during-fault";
    FaultPlan f = linkDown("backup", 6144);
    f.deadline = 20s;  // the hang is the point: no need to wait the full deadline
    runCase("self-test: a backup that never gives up on a dead link", f);
}

TEST_P(LinkFaultSelftest, HidesTheEarlierSnapshot) {
    selftest("hides-earlier-snapshot", kHidesTheEarlierSnapshot, "listed-after",
             "after the fault the earlier snapshot is no longer listed", cutUploads(2s));
}

TEST_P(LinkFaultSelftest, PartialRestoreSaysOk) {
    selftest("partial-restore-ok", kPartialRestoreSaysOk, "compare-during",
             "a restore under the fault that leaves a file out and exits 0", linkDown("restore", 2048));
}

TEST_P(LinkFaultSelftest, ListsAFailedBackup) {
    selftest("lists-failed-backup", kListsAFailedBackup, "compare-listed",
             "a backup that fails under the fault but leaves a snapshot without the new file", cutUploads(2s));
}

TEST_P(LinkFaultSelftest, CheckRejects) {
    selftest("check-rejects", kCheckRejects, "check", "its check rejects the repository after the fault",
             cutUploads(2s));
}

TEST_P(LinkFaultSelftest, NextBackupFails) {
    selftest("next-backup-fails", kThirdBackupFails, "next-backup", "the backup after the fault fails", cutUploads(2s));
}

// Self-tests with restic on the registry's first remote kind
INSTANTIATE_TEST_SUITE_P(NetworkFaults, LinkFaultSelftest,
                         ::testing::Values(Case{backendRegistry().at(1).kind, "restic"}),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.tool; });

std::vector<Case> cases(const std::string& backend) {
    std::vector<Case> v;
    for (const auto& row : defaultToolRows()) v.push_back({backend, row.tool});
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool;
}

// one instantiation per remote kind of the registry (NetworkRest/, ...): test/faults/CMakeLists.txt labels by it
#define E2E_IF_true(...) __VA_ARGS__
#define E2E_IF_false(...)
#define E2E_INSTANTIATE(kind, Prefix, remote, ...)                                                                     \
    E2E_IF_##remote(INSTANTIATE_TEST_SUITE_P(Network##Prefix, LinkFault, ::testing::ValuesIn(cases(#kind)), caseName); \
                    INSTANTIATE_TEST_SUITE_P(Stall##Prefix, LinkStall, ::testing::ValuesIn(cases(#kind)), caseName);)
E2E_BACKENDS(E2E_INSTANTIATE)
#undef E2E_INSTANTIATE

}  // namespace
