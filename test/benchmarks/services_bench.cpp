// Start-to-ready of the servers the suite starts itself: from spawning the
// process until a real request succeeds (an SFTP session, a REST request, a
// bucket operation). Baseline in the same run: spawning and reaping `true`.
// Targets: sshd < 0.3 s, rest-server < 0.5 s, the S3 server < 3 s.
#include "config/Settings.hpp"
#include "report/Report.hpp"
#include "janitor/Janitor.hpp"
#include "services/Servers.hpp"

#include <benchmark/benchmark.h>

using namespace e2e;

namespace {

fs::path g_root;

template <class Make>
void startToReady(benchmark::State& state, const char* target, Make make) {
    state.SetLabel(std::string("target ") + target);
    int n = 0;
    for (auto _ : state) {
        fs::path dir = g_root / (std::to_string(state.range(0)) + "-" + std::to_string(n++));
        auto svc = make(dir);
        try {
            svc->start();
        } catch (const ServiceError& e) {
            state.SkipWithError(e.what());
            break;
        }
        state.SetIterationTime(svc->startupSeconds());
        svc->stop();
        fs::remove_all(dir);
    }
}

void BM_SpawnTrue(benchmark::State& state) {
    state.SetLabel("baseline: spawn + reap `true`");
    for (auto _ : state) {
        Result r = run(Command{.argv = {"true"}});
        state.SetIterationTime(r.usage.wall_s);
    }
}

void BM_Sshd(benchmark::State& state) {
    startToReady(state, "< 0.3 s", [](const fs::path& d) { return std::make_unique<SshServer>(d, d / "logs"); });
}

void BM_RestServer(benchmark::State& state) {
    startToReady(state, "< 0.5 s", [](const fs::path& d) { return std::make_unique<RestServer>(d, d / "logs"); });
}

void BM_S3Server(benchmark::State& state) {
    startToReady(state, "< 3 s (MinIO's target; versitygw here)", [](const fs::path& d) {
        return std::make_unique<S3Server>(d, d / "logs", "e2ebench", "e2e-bench-secret-0001");
    });
}

}  // namespace

BENCHMARK(BM_SpawnTrue)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10)->Arg(0);
BENCHMARK(BM_Sshd)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5)->Arg(1);
BENCHMARK(BM_RestServer)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5)->Arg(2);
BENCHMARK(BM_S3Server)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3)->Arg(3);

int main(int argc, char** argv) {
    Janitor::observeProcesses();
    fs::create_directories(runReportsDir());
    ScopedDir dir(Settings::runtimeDir() / "bench", "services");
    g_root = dir.path();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
