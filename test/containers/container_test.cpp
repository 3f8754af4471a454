// containers/<engine>: what lives in container volumes, backed up the way
// operators do it (vykar's container recipes; docs/containers.md),
// for every installed tool, proven bit for bit. One instantiation per engine:
// Docker/, Podman/ (rootful) and PodmanRootless/; db-exec in DockerDb/ and PodmanDb/.
//
//   volume:   a named volume filled from inside a container (files owned by
//             non-root uids, as an image makes them), its host path resolved
//             with `volume inspect`, backed up, restored into a fresh volume,
//             compared (owners included), read back by a container (SHA-256).
//   downtime: an app container writes to its volume; before = `<engine> stop
//             app`, finally = `<engine> start app`: the restore is the volume
//             at the stop, the app runs again; a failing before hook (no such
//             container) aborts and leaves no snapshot; a backup that fails
//             after the stop still restarts the app.
//   db-exec:  PostgreSQL, MariaDB and MongoDB (FerretDB) each in a container,
//             seeded from the host through the native clients; the dump
//             streamed out with `<engine> exec` through the tool's
//             from-command mode (vykar's command_dumps); restored, loaded into
//             a fresh container of the same image, compared row for row.
//             Local on both engines, REST on Docker.
//   failures: an exec dump (`<engine> exec <container> pg_dump ...`, the
//             tool's from-command mode) into the database's container stopped
//             before the backup, or into one that does not exist: the backup
//             fails, no snapshot, the error says why.
#include "ContainerScenario.hpp"

#include "Hooks.hpp"
#include "text/Text.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

const std::vector<EngineKind> kDocker = {EngineKind::Docker};
const std::vector<EngineKind> kPodman = {EngineKind::Podman};
const std::vector<EngineKind> kRootless = {EngineKind::PodmanRootless};

// ---- volume ----

class ContainerVolume : public ContainerScenario {};

TEST_P(ContainerVolume, RoundTrip) {
    ToolOnBackend t;
    if (!setUpTool(t)) return;
    runVolumeRoundTrip(ws(), engine(), t);
}

INSTANTIATE_TEST_SUITE_P(Docker, ContainerVolume,
                         ::testing::ValuesIn(withCorpusVariants(containerCases(kDocker, {"local"}))),
                         containerCaseName);
INSTANTIATE_TEST_SUITE_P(Podman, ContainerVolume,
                         ::testing::ValuesIn(withCorpusVariants(containerCases(kPodman, {"local"}))),
                         containerCaseName);
INSTANTIATE_TEST_SUITE_P(PodmanRootless, ContainerVolume,
                         ::testing::ValuesIn(withCorpusVariants(containerCases(kRootless, {"local"}))),
                         containerCaseName);

// ---- downtime ----

class ContainerDowntime : public ContainerScenario {};

// a failing hook caught by the suite's own hook runner would prove the suite, not the tool
std::string nativeHooksOnly(const Capabilities& caps) {
    return caps.native_hooks
               ? std::string()
               : std::string("the tool runs no hooks itself: the suite's hook runner would be testing only the suite");
}

TEST_P(ContainerDowntime, StoppedForTheBackup) {
    ToolOnBackend t;
    if (!setUpTool(t)) return;
    runDowntime(ws(), engine(), t, DowntimeCase::Consistent);
}

TEST_P(ContainerDowntime, BeforeHookFailsNoSnapshot) {
    ToolOnBackend t;
    if (!setUpTool(t, nativeHooksOnly)) return;
    runDowntime(ws(), engine(), t, DowntimeCase::BeforeFails);
}

TEST_P(ContainerDowntime, FailedBackupStillRestarts) {
    ToolOnBackend t;
    if (!setUpTool(t, nativeHooksOnly)) return;
    runDowntime(ws(), engine(), t, DowntimeCase::FailsAfterStop);
}

INSTANTIATE_TEST_SUITE_P(Docker, ContainerDowntime, ::testing::ValuesIn(containerCases(kDocker, {"local"})),
                         containerCaseName);
INSTANTIATE_TEST_SUITE_P(Podman, ContainerDowntime, ::testing::ValuesIn(containerCases(kPodman, {"local"})),
                         containerCaseName);
INSTANTIATE_TEST_SUITE_P(PodmanRootless, ContainerDowntime, ::testing::ValuesIn(containerCases(kRootless, {"local"})),
                         containerCaseName);

// ---- db-exec: databases in containers, dumps streamed out with `<engine> exec` ----

class ContainerDbExec : public ContainerScenario {};

std::string storesCommandOutput(const Capabilities& caps) {
    return caps.stdin_dumps ? std::string() : std::string("the tool cannot store a command's output");
}

TEST_P(ContainerDbExec, Postgres) {
    ToolOnBackend t;
    if (!setUpTool(t, storesCommandOutput)) return;
    runDbExec(ws(), engine(), t, "postgres");
}

TEST_P(ContainerDbExec, Mariadb) {
    ToolOnBackend t;
    if (!setUpTool(t, storesCommandOutput)) return;
    runDbExec(ws(), engine(), t, "mariadb");
}

TEST_P(ContainerDbExec, Mongodb) {
    ToolOnBackend t;
    if (!setUpTool(t, storesCommandOutput)) return;
    runDbExec(ws(), engine(), t, "mongodb");
}

// local for both engines; the remote row (REST) on Docker. Groups of their own
// (DockerDb/, PodmanDb/): they are long, the main job keeps the quick ones.
INSTANTIATE_TEST_SUITE_P(DockerDb, ContainerDbExec, ::testing::ValuesIn(containerCases(kDocker, {"local", "rest"})),
                         containerCaseName);
INSTANTIATE_TEST_SUITE_P(PodmanDb, ContainerDbExec, ::testing::ValuesIn(containerCases(kPodman, {"local"})),
                         containerCaseName);

// ---- failures: exec dumps into a stopped or missing container ----

class ContainerExecFailure : public ContainerScenario {};

// a failed dump caught by the suite's pipe recipe would prove the recipe, not the tool
std::string fromCommandOnly(const Capabilities& caps) {
    return caps.dump_guard
               ? std::string()
               : std::string(
                     "the tool has no from-command mode: only the suite's pipe recipe could notice the failed exec");
}

TEST_P(ContainerExecFailure, StoppedContainer) {
    ToolOnBackend t;
    if (!setUpTool(t, fromCommandOnly)) return;
    runExecFailure(ws(), engine(), t, ExecFailure::Stopped);
}

TEST_P(ContainerExecFailure, MissingContainer) {
    ToolOnBackend t;
    if (!setUpTool(t, fromCommandOnly)) return;
    runExecFailure(ws(), engine(), t, ExecFailure::Missing);
}

INSTANTIATE_TEST_SUITE_P(Docker, ContainerExecFailure, ::testing::ValuesIn(containerCases(kDocker, {"local"})),
                         containerCaseName);
INSTANTIATE_TEST_SUITE_P(Podman, ContainerExecFailure, ::testing::ValuesIn(containerCases(kPodman, {"local"})),
                         containerCaseName);

}  // namespace
