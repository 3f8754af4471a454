// The containers area must catch a tool that lies: each case wraps a real tool
// in a deliberately faulty script and runs a containers scenario through it;
// it passes only when the scenario fails at the one layer the fault defeats
// (report.expectFault).
//   drops_file:    restic's restore loses one file of the volume -> volume's compare
//   ignores_hooks: rustic runs without its profile's hooks, so the app is never
//                  stopped -> downtime's stopped-for-backup
//   stops_late:    rustic runs the before hook (the stop) after the backup: the
//                  app is stopped and started once, but the snapshot is of the
//                  running app -> downtime's volume-at-the-stop
//   freezes_app:   rustic's finally starts the app and then freezes it (SIGSTOP
//                  from the engine: the container still says running) ->
//                  downtime's app-writes-again
//   truncates_dump: restic's restore cuts the PostgreSQL dump streamed out of
//                  its container -> db-exec's load-compare
#include "ContainerScenario.hpp"
#include "FaultyTool.hpp"

#include <gtest/gtest.h>
#include <map>

using namespace e2e;

namespace {

// restic restore ... --target DIR: then one regular file of DIR is removed
const std::string kDropsFile = R"SH(
"$real" "$@"; rc=$?
case " $* " in *" restore "*)
  dir=""; prev=""
  for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
  f=$(find "$dir" -type f -name 'note-*' | LC_ALL=C sort | head -n 1)
  [ -n "$f" ] && rm -f "$f" ;;
esac
exit $rc
)SH";

// the hooks live in rustic's profile ([backup.hooks]): cut them out before it runs
const std::string kIgnoresHooks = R"SH(
f="$HOME/.config/rustic/rustic.toml"
[ -f "$f" ] && sed -i '/^\[backup.hooks\]/,$d' "$f"
exec "$real" "$@"
)SH";

// the before hook becomes an after hook: the stop comes when the backup is done
const std::string kStopsLate = R"SH(
f="$HOME/.config/rustic/rustic.toml"
[ -f "$f" ] && sed -i 's/^run-before = /run-after = /' "$f"
exec "$real" "$@"
)SH";

// finally = "<engine> start APP" becomes "<engine> start APP && sleep 0.5 && <engine> kill --signal STOP APP"
const std::string kFreezesApp = R"SH(
f="$HOME/.config/rustic/rustic.toml"
from='\(exec 1>&2; \)\(.*\) start \([^" ]*\)'
to='\1\2 start \3 \&\& sleep 0.5 \&\& \2 kill --signal STOP \3'
[ -f "$f" ] && sed -i "/^run-finally = / s/$from/$to/" "$f"
exec "$real" "$@"
)SH";

enum class Scenario { Volume, Downtime, DbExec };
struct Fault {
    const char* layer;  // the one layer that must catch it
    std::string script;
    Scenario scenario;
};
// (in a function: kTruncateRestoredFiles lives in another translation unit)
const Fault& fault(const std::string& name) {
    static const std::map<std::string, Fault> all = {
        {"drops_file", {"compare", kDropsFile, Scenario::Volume}},
        {"ignores_hooks", {"stopped-for-backup", kIgnoresHooks, Scenario::Downtime}},
        {"stops_late", {"volume-at-the-stop", kStopsLate, Scenario::Downtime}},
        {"freezes_app", {"app-writes-again", kFreezesApp, Scenario::Downtime}},
        {"truncates_dump", {"load-compare", kTruncateRestoredFiles, Scenario::DbExec}},
    };
    return all.at(name);
}

class ContainerFaults : public ContainerScenario {};

TEST_P(ContainerFaults, ScenarioFails) {
    const ContainerCase& c = GetParam();
    const Fault& f = fault(c.fault);
    ws().report().expectFault(c.tool + " " + c.fault + " on " + toString(c.engine), f.layer);
    ToolOnBackend t;
    if (!setUpTool(t, {}, [&](const fs::path& real) {
            return writeFaultyWrapper(ws().work(), c.tool, real, c.fault, f.script);
        }))
        return;
    switch (f.scenario) {
        case Scenario::Volume:
            runVolumeRoundTrip(ws(), engine(), t);
            break;
        case Scenario::Downtime:
            runDowntime(ws(), engine(), t, DowntimeCase::Consistent);
            break;
        case Scenario::DbExec:
            runDbExec(ws(), engine(), t, "postgres");
            break;
    }
}

INSTANTIATE_TEST_SUITE_P(Selftest, ContainerFaults,
                         ::testing::Values(ContainerCase{EngineKind::Docker, "restic", "local", "drops_file"},
                                           ContainerCase{EngineKind::Docker, "rustic", "local", "ignores_hooks"},
                                           ContainerCase{EngineKind::Docker, "rustic", "local", "stops_late"},
                                           ContainerCase{EngineKind::Docker, "rustic", "local", "freezes_app"},
                                           ContainerCase{EngineKind::Docker, "restic", "local", "truncates_dump"}),
                         [](const auto& p) { return p.param.tool + "_" + p.param.fault + "_docker"; });

}  // namespace
