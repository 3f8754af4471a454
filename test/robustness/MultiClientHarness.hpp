#pragma once
// The mechanism of robustness/multiclient (Kopia's multi-client harness): N
// clients of one tool, each with its own home, logs, host name and label, run
// the randomized engine in threads against ONE repository while a maintenance
// client reclaims out of band; it keeps what each did and how their repository
// actions overlapped. The verdicts are the test's (multiclient_test.cpp).
#include "Engine.hpp"
#include "ScenarioTest.hpp"
#include "services/Servers.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace e2e {

struct MultiClientOptions {
    int clients = 3;
    std::chrono::seconds maintenance_every{3};
    bool concurrent_maintenance = true;  // false: maintenance runs only once every client is idle
    int max_actions = 0;                 // per client; 0 = the profile's budget (engineOptionsFor)
    bool via_server = false;             // clients reach the repository through the tool's own server
    // A self-test's fault: the maintenance client runs through this wrapper (empty = the real binary).
    std::function<fs::path(const fs::path& dir, const fs::path& real)> wrap_maintenance;
};

struct McClient {
    std::string name, host, label, password;
    std::unique_ptr<BackupTool> tool;
    std::unique_ptr<RobustnessEngine> engine;
    EngineOptions opt;
    std::string crash;  // an exception that escaped the engine
    double seconds = 0;
};

struct MaintenanceRun {
    double at = 0, seconds = 0;
    std::string outcome, error;  // ok | refused | failed
};

// One repository action of a client, as a time interval (the serialisation figures).
struct Interval {
    std::string client, action;
    double start = 0, end = 0;  // seconds since the clients started
};

class MultiClientHarness {
public:
    MultiClientHarness(Workspace& ws, const ToolOnBackend& t, MultiClientOptions opt);
    ~MultiClientHarness();

    // The maintenance client creates the repository (kopia: it is the maintenance owner).
    std::string createRepository();
    // The tool's own repository server over the repository, one user per client.
    std::string startServer();
    const std::string& serverKind() const { return server_kind_; }
    // Every client's driver and engine (reclaim left to the maintenance client).
    std::string connectClients();
    // The clients' engines in threads, the maintenance client every few seconds beside them.
    void runClients();
    // One more maintenance, with every client idle.
    const MaintenanceRun& maintainIdle();
    // Each client's final checks (engine finish), side by side unless the data check is exclusive.
    void finalChecks();
    // Each client's engine layers in the report.
    void reportClients();

    const std::vector<McClient>& clients() const { return clients_; }
    const std::vector<MaintenanceRun>& maintenance() const { return maint_runs_; }
    BackupTool& maintenanceTool() { return *maint_; }
    std::vector<std::vector<std::string>> liveSnapshots() const;
    // The host a client's snapshots are listed under.
    std::string expectedHost(const McClient& c) const;
    std::string serialisation() const;  // repository actions side by side, in words
    // A documented refusal ("" = a failure): the tool's own, or another client's lock.
    std::string refusal(const ToolError& e) const;

private:
    Workspace& ws_;
    const ToolOnBackend& t_;
    MultiClientOptions opt_;
    std::string passphrase_, server_kind_;
    RepoTarget repo_;
    std::unique_ptr<KopiaServer> server_;
    std::unique_ptr<BackupTool> maint_;
    std::vector<McClient> clients_;
    std::vector<MaintenanceRun> maint_runs_;
    std::vector<Interval> intervals_;
    std::mutex mu_;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
    nlohmann::json figures_;

    std::unique_ptr<BackupTool> clientTool(const std::string& client, const std::string& host, const RepoTarget& target,
                                           const std::string& password, const fs::path& binary);
    RepoTarget clientTarget() const;
    void setUpEngine(McClient& c);
    double since(std::chrono::steady_clock::time_point p) const;
    void maintain();
    void collectFigures(double wall);
};

}  // namespace e2e
