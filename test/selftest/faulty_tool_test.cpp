// The suite must catch a tool that lies. Each case wraps a real tool in a
// deliberately faulty script and runs the local scenario through it; the test
// passes only when the scenario fails, at the layer that should catch it.
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "backends/Backend.hpp"
#include "config/Settings.hpp"
#include "tools/Drivers.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;

namespace {

struct Fault {
    std::string tool;
    std::string name;            // test name suffix
    std::string script;          // body run after `real` is set; "$@" are the tool's args
    std::string caught_by;       // layer expected to fail
    std::string backend = "local";
};

// Wrapper scripts (writeFaultyWrapper): $real is the real binary.
// After a restore (restic --target DIR, borg extract in $PWD), $dir is where it went.
const std::string kAfterRestore = R"SH(
"$real" "$@"; rc=$?
restored=""
case " $* " in *" restore "*|*" extract "*) restored=yes ;; esac
dir=$PWD
prev=""
for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
)SH";

const std::string kDamageRestore = kAfterRestore + R"SH(
if [ -n "$restored" ]; then
  f=$(find "$dir" -type f -size +1k | LC_ALL=C sort | head -n 1)
  [ -n "$f" ] && printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
fi
exit $rc
)SH";

const std::string kDropFile = kAfterRestore + R"SH(
if [ -n "$restored" ]; then
  f=$(find "$dir" -type f -name 'note-*' | LC_ALL=C sort | head -n 1)
  [ -n "$f" ] && rm -f "$f"
fi
exit $rc
)SH";

const std::string kFalseSuccess = R"SH(
case " $* " in
  *" backup "*|*" create "*)
    # fail for real (wrong passphrase), then claim success
    RESTIC_PASSWORD=wrong-$$ BORG_PASSPHRASE=wrong-$$ "$real" "$@" >/dev/null 2>&1; exit 0 ;;
esac
exec "$real" "$@"
)SH";

void PrintTo(const Fault& f, std::ostream* os) { *os << f.tool << "/" << f.name << "/" << f.backend; }

class FaultyTool : public ::testing::TestWithParam<Fault> {};

TEST_P(FaultyTool, ScenarioFails) {
    const Fault& f = GetParam();
    Workspace ws("selftest");
    ToolChoice choice = chooseTool(f.tool);
    E2E_REQUIRE_TOOL(ws, choice);

    fs::path wrapper = writeFaultyWrapper(ws.work(), f.tool, *choice.binary, f.name, f.script);

    std::unique_ptr<Backend> backend = makeBackend(f.backend, ws, f.tool);
    auto tool = makeTool(f.tool, wrapper.string(), ws.toolContext(f.tool), backend->target());
    RoundTripOptions opt;
    opt.backend = f.backend;
    opt.repo_bytes = [&] { return backend->usedBytes(); };
    bool ok = runRoundTrip(ws, *tool, opt);

    std::string failed_layer;
    for (const auto& l : ws.report().layers())
        if (l.status == Status::Fail && failed_layer.empty()) failed_layer = l.name;
    EXPECT_FALSE(ok) << "the scenario passed although " << f.tool << " was wrapped to " << f.name;
    EXPECT_EQ(failed_layer, f.caught_by) << "caught, but at the wrong layer";
    // the scenario's failure is this test's pass: say so in the report
    ws.report().setStatus(!ok && failed_layer == f.caught_by ? Status::Pass : Status::Fail,
                          "faulty " + f.tool + " (" + f.name + ") caught at layer '" + failed_layer + "'");
}

INSTANTIATE_TEST_SUITE_P(Selftest, FaultyTool,
                         ::testing::Values(Fault{"restic", "damaged_restore", kDamageRestore, "compare"},
                                           Fault{"restic", "false_success", kFalseSuccess, "backup"},
                                           Fault{"borg", "damaged_restore", kDamageRestore, "compare"},
                                           Fault{"borg", "false_success", kFalseSuccess, "listed"},
                                           // a silently dropped file is caught on every backend
                                           Fault{"restic", "dropped_file", kDropFile, "compare", "local"},
                                           Fault{"restic", "dropped_file", kDropFile, "compare", "rest"},
                                           Fault{"restic", "dropped_file", kDropFile, "compare", "s3"},
                                           Fault{"restic", "dropped_file", kDropFile, "compare", "sftp"}),
                         [](const auto& p) {
                             return p.param.tool + "_" + p.param.name + (p.param.backend == "local" ? "" : "_" + p.param.backend);
                         });

// A managed server that dies and is not restarted: the scenario fails with a
// clear reason within its deadline; it does not hang.
TEST(ServerGone, BackupFailsCleanlyWhenTheServerIsKilled) {
    Workspace ws("selftest");
    ToolChoice choice = chooseTool("restic");
    E2E_REQUIRE_TOOL(ws, choice);
    std::unique_ptr<Backend> backend = makeBackend("rest", ws, "restic");
    ToolContext ctx = ws.toolContext("restic");
    ctx.timeout = ctx.transfer_timeout = std::chrono::seconds(45);   // restic retries a dead backend for minutes
    auto tool = makeTool("restic", choice.binary->string(), ctx, backend->target());
    tool->init(RepoOptions{});
    fs::create_directories(ws.work() / "src");
    std::ofstream(ws.work() / "src" / "f") << "data";
    backend->server()->kill();
    auto t0 = std::chrono::steady_clock::now();
    try {
        tool->backup(ws.work() / "src", "gone");
        FAIL() << "backup succeeded against a killed server";
    } catch (const ToolError& e) {
        double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_LT(took, 60.0) << "the failure took too long";
        EXPECT_NE(std::string(e.what()).find("restic backup failed"), std::string::npos) << e.what();
        ws.report().setStatus(Status::Pass, std::string("killed server caught: ") + e.what());
    }
}

}  // namespace
