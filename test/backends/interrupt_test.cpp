// backends/interrupt: a backup killed mid-way (the client, or the server) must
// resume into a complete, restorable snapshot, on each backend (one
// instantiation per backend: InterruptLocal/, InterruptRest/, ...).
//   client mode: SIGTERM once the repository visibly grows, SIGKILL after 2 s
//   server mode: kill rest-server / MinIO mid-backup, restart it on the same data
// Then: resume, list, files, restore + compare, the tool's check. A stale lock
// is broken (and reported) only when the resume fails on it.
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "config/Backends.hpp"
#include "text/Text.hpp"
#include "backends/Backend.hpp"
#include "config/Settings.hpp"
#include "tools/Drivers.hpp"

#include <csignal>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

struct Case {
    std::string backend;
    std::string tool;
    std::string mode;                  // client | server
    std::string fault{}, caught_by{};  // self-test: a faulty wrapper, and the layer that must catch it
    std::string variant{};             // a variant the driver declares beside the default row
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.backend << "/" << c.tool << (c.variant.empty() ? "" : "-" + c.variant) << "/" << c.mode
        << (c.fault.empty() ? "" : "/" + c.fault);
}

// Self-test: every backup after the interrupted one claims success but leaves
// out the data the interrupted one was writing (the big binary files).
const char* kResumeLosesData = R"SH(
case " $* " in *" backup "*)
  if [ -f "$HOME/.e2e-interrupted-once" ]; then exec "$real" "$@" --exclude='*.bin'; fi
  touch "$HOME/.e2e-interrupted-once" ;;
esac
exec "$real" "$@"
)SH";

// Big enough that a backup takes seconds here: mostly incompressible data.
CorpusProfile interruptCorpus() {
    CorpusProfile p;
    p.small_files = 100;
    p.depth = 4;
    p.duplicates = 0;
    const auto prof = Settings::get().profile;
    p.bulk_bytes = prof == Profile::Ci ? (384ull << 20) : prof == Profile::Standard ? (2ull << 30) : (8ull << 30);
    p.big_file_bytes = 128ull << 20;
    return p;
}

struct Row {
    std::string reason;
    std::string interrupt_rc = "-", resume_rc = "-", snapshot_id = "-";
};

class InterruptScenario : public ScenarioTestP<Case> {
protected:
    InterruptScenario() : ScenarioTestP("backends") {}

    // What the steps after the prelude share.
    struct Run {
        const Case& c;
        ToolOnBackend& t;
        Verdicts& v;
        ScenarioSteps& steps;
        const std::string label;
    };

    Row row_;
    std::vector<std::string> unlocked_for_;  // the steps that ran again after the stale lock was broken

    // The prelude (through the self-test's faulty wrapper when the case has one). False: the test ends here.
    bool prepareCase(ToolOnBackend& t, const Case& c) {
        PreludeOptions po;
        po.backend = c.backend;
        po.variant = c.variant;
        if (!c.fault.empty()) {
            ws().report().expectFault(c.tool + " " + c.fault, c.caught_by);
            po.wrap = [&](const fs::path& real) {
                return writeFaultyWrapper(ws().work(), c.tool, real, c.fault, kResumeLosesData);
            };
        }
        if (!prepare(t, c.tool, po)) return false;
        ws().report().set("mode", c.mode);
        if (t.backend->external()) {
            endAs(Status::NotApplicable,
                  "progress cannot be watched on an external endpoint (its size is not readable here)");
            return false;
        }
        return true;
    }

    // the run's interrupt.tsv is rolled up from this fact and the report's final status
    void rowFact(const Case& c) {
        ws().report().set("interrupt_row", {{"backend", c.backend},
                                            {"mode", c.mode},
                                            {"interrupt_rc", row_.interrupt_rc},
                                            {"resume_rc", row_.resume_rc},
                                            {"snapshot_id", row_.snapshot_id},
                                            {"log_dir", ws().logs().string()}});
    }

    // Start the backup, wait for visible progress (bytes in the repository),
    // then interrupt. A backup that finished first proves nothing: retry earlier.
    // Returns whether a running backup was interrupted.
    bool interrupt(Run& r) {
        bool interrupted = false;
        std::uint64_t threshold = 32ull << 20;
        for (int attempt = 1; r.v.ok() && !interrupted && attempt <= 3; ++attempt, threshold /= 4) {
            r.v.layer("interrupt-" + std::to_string(attempt),
                      [&] { return interruptAttempt(r, attempt, threshold, interrupted); });
        }
        if (r.v.ok() && !interrupted) {
            row_.reason = "inconclusive: the backup finished before every signal (3 attempts)";
            r.v.layer("interrupt", [&]() -> std::string { throw VerdictFailure(row_.reason); });
        }
        return interrupted;
    }

    // One attempt: the layer's detail; `interrupted` is set when the backup was still running at the signal.
    std::string interruptAttempt(Run& r, int attempt, std::uint64_t threshold, bool& interrupted) {
        Backend* backend = r.t.backend.get();
        // a retry needs data the repository does not hold yet
        if (attempt > 1) r.steps.addRandomFile("retry-" + std::to_string(attempt) + ".bin", 256ull << 20);
        const std::uint64_t base = backend->usedBytes();
        auto child = r.t.tool->startBackup(r.steps.source(), r.label);
        const auto deadline = std::chrono::steady_clock::now() + 300s;
        std::uint64_t seen = base;
        while (child->running() && (seen = backend->usedBytes()) < base + threshold) {
            if (std::chrono::steady_clock::now() > deadline)
                throw VerdictFailure("no progress in 300 s: repository stayed at " + humanBytes(seen));
            std::this_thread::sleep_for(20ms);
        }
        std::ostringstream d;
        const bool was_running = child->running();
        if (r.c.mode == "client") {
            Result res = child->terminate(2s);  // SIGTERM, SIGKILL after 2 s
            row_.interrupt_rc = std::to_string(res.exit_code);
            d << "signalled at +" << humanBytes(seen - base) << " in the repository: " << res.describe();
            // the process state at signal time tells: some tools end cleanly (exit 0) on SIGTERM
            interrupted = was_running;
            if (!interrupted)
                d << "; the backup had already finished: inconclusive, retrying with an earlier signal";
            else if (res.ok())
                d << " (it handled SIGTERM and ended cleanly)";
        } else {
            Service* srv = backend->server();
            if (!srv) throw VerdictFailure("no managed server to kill on " + r.c.backend);
            srv->kill();
            d << srv->name() << " killed at +" << humanBytes(seen - base) << "; ";
            srv->start();  // same data dir, same port
            d << "restarted in " << srv->startupSeconds() << " s; ";
            // restic retries a failing backend for minutes: bound the client
            const auto client_deadline = std::chrono::steady_clock::now() + 120s;
            while (child->running() && std::chrono::steady_clock::now() < client_deadline)
                std::this_thread::sleep_for(50ms);
            Result res = child->terminate(2s);
            row_.interrupt_rc = std::to_string(res.exit_code);
            d << "the client then " << res.describe();
            interrupted = was_running;
            if (!interrupted) d << "; the backup had already finished before the kill: inconclusive, retrying earlier";
        }
        ws().report().set("interrupt",
                          {{"attempt", attempt}, {"threshold_bytes", threshold}, {"interrupt_rc", row_.interrupt_rc}});
        return d.str();
    }

    // A stale lock left by the kill is broken with the tool's documented step,
    // only when a step fails on it, and reported.
    void unlockingRetry(ToolOnBackend& t, const std::string& what, const std::function<void()>& fn) {
        try {
            fn();
        } catch (const ToolError& e) {
            // only the tool's own words about a lock (not "block", "clock")
            if (t.caps.lock_failure.empty() ||
                matchingLine(e.result().out + "\n" + e.result().err, t.caps.lock_failure).empty())
                throw;
            t.tool->unlock();
            unlocked_for_.push_back(what);
            fn();
        }
    }

    // Resume the interrupted backup, then list, files, restore + compare and the tool's check of its snapshot.
    void resumeAndCheck(Run& r, bool interrupted) {
        BackupTool* tool = r.t.tool.get();
        std::string id;
        if (r.v.ok() && interrupted)
            r.v.layer("resume", [&] {
                unlockingRetry(r.t, "resume", [&] { id = tool->backup(r.steps.source(), r.label); });
                const bool unlocked = !unlocked_for_.empty();
                row_.resume_rc = std::to_string(tool->history().back().exit_code);
                row_.snapshot_id = id;
                ws().context("snapshot_id", id);
                return "snapshot " + id + (unlocked ? " (after the stale lock was broken)" : "");
            });
        if (r.v.ok()) r.steps.listed(id, r.label);
        if (r.v.ok()) r.steps.files(id);
        if (r.v.ok()) r.steps.restoreAndCompare(id);
        if (r.v.ok())
            r.v.layer("check", [&] {
                unlockingRetry(r.t, "check", [&] { tool->check(true); });
                return std::string("tool's own check with data verification: ok");
            });
        ws().report().set("unlock_run_for", unlocked_for_);
    }
};

TEST_P(InterruptScenario, ResumeAfterKill) {
    const Case& c = GetParam();
    ToolOnBackend t;
    if (!prepareCase(t, c)) return;
    rowFact(c);
    Verdicts v(ws());
    ScenarioSteps steps(ws(), *t.tool, v);
    steps.version();
    steps.corpus(interruptCorpus());
    steps.init(true);
    Run r{c, t, v, steps, steps.label()};
    const bool interrupted = interrupt(r);
    resumeAndCheck(r, interrupted);
    rowFact(c);
}

std::vector<Case> cases(const std::string& backend) {
    std::vector<Case> v;
    for (const auto& row : corpusToolRows()) {
        v.push_back({backend, row.tool, "client", {}, {}, row.variant});
        if (backendInfo(backend).restartable) v.push_back({backend, row.tool, "server", {}, {}, row.variant});
    }
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return ToolRow{p.param.tool, p.param.variant}.name() + "_" + p.param.mode +
           (p.param.fault.empty() ? "" : "_" + p.param.fault);
}

// one instantiation per backend kind of the registry (InterruptLocal/, InterruptRest/, ...)
#define E2E_INSTANTIATE(kind, Prefix, ...) \
    INSTANTIATE_TEST_SUITE_P(Interrupt##Prefix, InterruptScenario, ::testing::ValuesIn(cases(#kind)), caseName);
E2E_BACKENDS(E2E_INSTANTIATE)
#undef E2E_INSTANTIATE

// Self-test of the scenario (labelled selftest): a tool that claims success on
// resume but lost the interrupted data must be caught by the file list.
INSTANTIATE_TEST_SUITE_P(InterruptFaults, InterruptScenario,
                         ::testing::Values(Case{"local", "restic", "client", "resume_loses_data", "files"}), caseName);

}  // namespace
