#pragma once
// The containers area's scenario bodies, written once and run for engine x
// tool x backend (container_test.cpp) and through faulty tools (selftest_test.cpp).
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "services/ContainerEngine.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace e2e {

struct ContainerCase {
    EngineKind engine;
    std::string tool, backend;
    std::string fault{};    // self-tests: the faulty wrapper's name
    std::string variant{};  // a named tool variant (ToolContext::variant)
};
void PrintTo(const ContainerCase& c, std::ostream* os);

// Every known tool on every backend, for these engines.
std::vector<ContainerCase> containerCases(const std::vector<EngineKind>& engines,
                                          const std::vector<std::string>& backends);
// Beside each tool's row the variants its driver declares for the corpus
// scenarios (ToolVariant::beside_corpus_rows): the default row keeps its verdict.
std::vector<ContainerCase> withCorpusVariants(std::vector<ContainerCase> v);
// <tool>_<backend>_<engine>[_<variant>]: e2e_add_suite labels tests by tool and backend from the name
std::string containerCaseName(const ::testing::TestParamInfo<ContainerCase>& p);

class ContainerScenario : public ScenarioTestP<ContainerCase> {
protected:
    ContainerScenario() : ScenarioTestP("containers") {}
    void TearDown() override;
    // The prelude (tool on its backend), then the engine; false when the test ends here.
    bool setUpTool(ToolOnBackend& t, std::function<std::string(const Capabilities&)> not_applicable = {},
                   std::function<fs::path(const fs::path&)> wrap = {});
    ContainerEngine& engine() { return *engine_; }

private:
    std::unique_ptr<ContainerEngine> engine_;
};

// The plain Debian image every scenario's app runs in.
ImageRecipe baseImage();

// volume: fill a named volume from a container, back up its host path,
// restore into a fresh volume, compare (owners included), read a file back in a container.
bool runVolumeRoundTrip(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t);

enum class DowntimeCase { Consistent, BeforeFails, FailsAfterStop };
// downtime: the app container stopped by the before hook and started by finally.
bool runDowntime(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t, DowntimeCase which);

// db-exec: PostgreSQL, MariaDB or MongoDB (FerretDB) in a container, seeded
// from the host with the databases area's random rows; the dump streams out
// with `<engine> exec` through the tool's from-command mode; the restored dump
// is loaded into a fresh container of the same image and compared row for row.
bool runDbExec(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t, const std::string& database);

// failures of an exec dump (`<engine> exec <container> ...` as the tool's
// from-command): into the database's container stopped before the backup,
// or into a container that does not exist. The
// backup must fail, leave no snapshot, and the tool's output must say why.
enum class ExecFailure { Stopped, Missing };
bool runExecFailure(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t, ExecFailure which);

}  // namespace e2e
