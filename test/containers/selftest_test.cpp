// The containers area must catch a tool that lies: each case wraps a real tool
// in a deliberately faulty script and runs a containers scenario through it;
// it passes only when the scenario fails at the one layer the fault defeats
// (report.expectFault).
//   drops_file:    restic's restore loses one file of the volume -> volume's compare
//   ignores_hooks: rustic runs without its profile's hooks, so the app is never
//                  stopped -> downtime's stopped-for-backup
#include "ContainerScenario.hpp"
#include "FaultyTool.hpp"

#include <gtest/gtest.h>

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

class ContainerFaults : public ContainerScenario {};

TEST_P(ContainerFaults, ScenarioFails) {
    const ContainerCase& c = GetParam();
    const bool drops = c.fault == "drops_file";
    ws().report().expectFault(c.tool + " " + c.fault + " on " + toString(c.engine), drops ? "compare" : "stopped-for-backup");
    ToolOnBackend t;
    if (!setUpTool(t, {}, [&](const fs::path& real) { return writeFaultyWrapper(ws().work(), c.tool, real, c.fault, drops ? kDropsFile : kIgnoresHooks); }))
        return;
    if (drops)
        runVolumeRoundTrip(ws(), engine(), t);
    else
        runDowntime(ws(), engine(), t, DowntimeCase::Consistent);
}

INSTANTIATE_TEST_SUITE_P(Selftest, ContainerFaults,
                         ::testing::Values(ContainerCase{EngineKind::Docker, "restic", "local", "drops_file"},
                                           ContainerCase{EngineKind::Docker, "rustic", "local", "ignores_hooks"}),
                         [](const auto& p) { return p.param.tool + "_" + p.param.fault + "_docker"; });

}  // namespace
