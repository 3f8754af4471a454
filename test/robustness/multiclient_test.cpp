// robustness/multiclient: Kopia's multi-client test for every tool. N clients
// (ci 3, standard 4), each with its own data dir, home, host name and label,
// run the randomized engine at the same time (one thread each) against ONE
// repository, while a maintenance client reclaims space out of band every few
// seconds:
//   restic, rustic  local and through rest-server (rest)
//   vykar           local and through vykar-server (rest)
//   kopia           local and through its own repository server (server: TLS,
//                   one user per client, certificate pinned by fingerprint)
//   borg            local, over its exclusive lock (clients wait with --lock-wait)
// The clients' engines never reclaim themselves (the out-of-band maintenance
// is the only reclaim, so whatever it does to their snapshots is its doing).
// A documented refusal (another client's lock, vykar's "active sessions
// prevent maintenance") is counted, not failed; a lost snapshot, a restore
// that differs from its manifest or a failing data-verifying check is a FAIL.
// At the end every client's every live snapshot restores to its manifest, its
// snapshots are listed under its host (borg records the machine's hostname:
// its clients differ by label), nothing else is in the repository, and the
// tool's data-verifying check passes.
#include "FaultyTool.hpp"
#include "MultiClientHarness.hpp"

#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "config/Settings.hpp"
#include "tools/Registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace e2e;

namespace {

struct McCase {
    std::string tool, backend;  // backend: local | rest | server (the tool's own repository server)
};

void PrintTo(const McCase& c, std::ostream* os) {
    *os << c.tool << "_" << c.backend;
}

std::vector<McCase> cases() {
    std::vector<McCase> v;
    for (const auto& t : knownTools()) {
        v.push_back({t, "local"});
        if (toolInfo(t).rest_server != RestServerKind::None) v.push_back({t, "rest"});
        if (!toolInfo(t).repository_server.empty()) v.push_back({t, "server"});
    }
    return v;
}

// A self-test's fault: the maintenance client runs through `wrap`, and just
// before the last maintenance (every client idle, so the outcome does not
// depend on timing) `arm` gets the clients' live snapshots to aim at.
struct McFault {
    std::function<fs::path(const fs::path& dir, const fs::path& real)> wrap;
    std::function<void(const std::vector<std::vector<std::string>>& live_ids)> arm;
};

class MulticlientBase : public ScenarioTest {
protected:
    using ScenarioTest::ScenarioTest;
    void scenario(const McCase& c, const McFault* fault = nullptr);
    MultiClientOptions options(const McCase& c, const Capabilities& caps, const McFault* fault);
    void maintenanceVerdict(Verdicts& v, const MultiClientHarness& h);
    void hostsVerdict(Verdicts& v, MultiClientHarness& h);
};

class MulticlientScenario : public MulticlientBase, public ::testing::WithParamInterface<McCase> {
protected:
    MulticlientScenario() : MulticlientBase("robustness") {}
};

TEST_P(MulticlientScenario, Clients) {
    scenario(GetParam());
}

MultiClientOptions MulticlientBase::options(const McCase& c, const Capabilities& caps, const McFault* fault) {
    const bool ci = Settings::get().profile == Profile::Ci;
    MultiClientOptions o;
    o.clients = ci ? 3 : 4;
    o.maintenance_every = std::chrono::seconds(ci ? 3 : 10);
    if (ci) o.max_actions = 20;
    o.via_server = c.backend == "server";
    if (fault) o.wrap_maintenance = fault->wrap;
    // a known intermittent finding is not one a ci run can reproduce every time: the ci profile runs the
    // maintenance only once the clients are idle; standard and full run it beside them and fail when it happens
    o.concurrent_maintenance = !(ci && !caps.concurrent_reclaim_finding.empty());
    if (!o.concurrent_maintenance)
        ws().report().note("FINDING (intermittent): " + caps.concurrent_reclaim_finding +
                           ". The ci profile runs the maintenance only with its clients idle; "
                           "E2E_PROFILE=standard runs it beside them");
    return o;
}

void MulticlientBase::scenario(const McCase& c, const McFault* fault) {
    ToolOnBackend t;
    PreludeOptions po;
    po.backend = c.backend == "server" ? "local" : c.backend;  // the tool's server serves a local repository
    if (!prepare(t, c.tool, po)) return;
    Verdicts v(ws());
    MultiClientHarness h(ws(), t, options(c, t.caps, fault));

    // the maintenance client creates the repository, the clients join it (through the server, if any)
    if (!v.layer("init", [&] { return h.createRepository(); })) return;
    if (c.backend == "server" && !v.layer(h.serverKind(), [&] { return h.startServer(); })) return;
    if (!v.layer("connect", [&] { return h.connectClients(); })) return;

    // the clients write side by side while the maintenance client reclaims out of band
    h.runClients();
    if (fault) fault->arm(h.liveSnapshots());
    h.maintainIdle();  // once more with every client idle: it must run, not be refused
    maintenanceVerdict(v, h);

    // each client's final checks (its listing against its model, every live snapshot restored
    // against its manifest, the data-verifying check); then each one's verdicts
    h.finalChecks();
    h.reportClients();
    hostsVerdict(v, h);
    const std::string lock_wait =
        " (a client waits up to " + std::to_string(t.caps.client_lock_wait.count()) + " s for another's lock)";
    ws().report().note("serialisation: " + h.serialisation() + (t.caps.lock_failure.empty() ? "" : lock_wait));
}

void MulticlientBase::maintenanceVerdict(Verdicts& v, const MultiClientHarness& h) {
    v.layer("maintenance", [&]() -> std::string {
        int ok = 0, refused = 0;
        for (const auto& m : h.maintenance()) {
            if (m.outcome == "failed")
                throw VerdictFailure("maintenance at " + std::to_string(m.at) + " s failed: " + m.error);
            ok += m.outcome == "ok", refused += m.outcome == "refused";
        }
        if (h.maintenance().back().outcome == "refused")
            throw VerdictFailure("maintenance with every client idle was refused: " + h.maintenance().back().error +
                                 " (a session or lock outlived its client)");
        if (ok == 0) throw VerdictFailure("no maintenance ran to its end (" + std::to_string(refused) + " refused)");
        return std::to_string(h.maintenance().size()) + " out-of-band reclaims: " + std::to_string(ok) + " ran, " +
               std::to_string(refused) + " refused as documented (the last, with every client idle, ran)";
    });
}

// every client's snapshots under its own host, and nothing in the repository that no client made
void MulticlientBase::hostsVerdict(Verdicts& v, MultiClientHarness& h) {
    v.layer("hosts", [&] {
        const auto listed = h.maintenanceTool().snapshots();
        std::ostringstream out;
        for (const auto& cl : h.clients()) {
            std::size_t n = 0;
            const std::string want = h.expectedHost(cl);
            for (const auto& s : listed) {
                if (s.label != cl.label) continue;
                ++n;
                if (s.host != want)
                    throw VerdictFailure(cl.name + "'s snapshot " + s.id + " (label " + s.label +
                                         ") is listed under host '" + s.host + "', not '" + want + "'");
            }
            const std::size_t live = cl.engine->model().live().size();
            if (n != live)
                throw VerdictFailure(cl.name + ": " + std::to_string(n) + " snapshots listed with its label, " +
                                     std::to_string(live) + " live in its model");
            out << cl.name << " " << n << " under " << want << "; ";
        }
        for (const auto& s : listed)
            if (std::none_of(h.clients().begin(), h.clients().end(),
                             [&](const McClient& cl) { return cl.label == s.label; }))
                throw VerdictFailure("snapshot " + s.id + " (label '" + s.label + "', host '" + s.host +
                                     "') belongs to no client");
        return out.str() + std::to_string(listed.size()) + " in the repository, all of the clients";
    });
}

INSTANTIATE_TEST_SUITE_P(Multiclient, MulticlientScenario, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return p.param.tool + "_" + p.param.backend + "_shared"; });

// The self-test: a maintenance that loses a snapshot. restic's prune, wrapped
// for the maintenance client only, first forgets one live snapshot of
// client-1 (armed just before the last maintenance, with every client idle);
// client-1's final listing must then disagree with its model, and the test
// passes only when that is the first layer to fail.
class MulticlientSelftest : public MulticlientBase {
protected:
    MulticlientSelftest() : MulticlientBase("selftest") {}
};

TEST_F(MulticlientSelftest, MaintenanceLosesASnapshot) {
    ws().report().expectFault("maintenance-loses-snapshot", "client-1 model");
    const fs::path target = ws().work() / "lose-snapshot.id";
    McFault f;
    f.wrap = [&](const fs::path& dir, const fs::path& real) {
        return writeFaultyWrapper(dir, "restic", real, "loses-snapshot", "target=" + shellQuote(target.string()) + R"SH(
case " $* " in
  *" prune "*)
    if [ -s "$target" ]; then
      id=$(cat "$target"); rm -f "$target"
      "$real" forget "$id" >&2 || exit 1
    fi ;;
esac
exec "$real" "$@"
)SH");
    };
    f.arm = [&](const std::vector<std::vector<std::string>>& live) {
        if (live.empty() || live.front().empty())
            throw std::runtime_error("client-1 has no live snapshot to lose: the self-test aims at nothing");
        std::ofstream(target) << live.front().front();
        ws().report().note("the faulty maintenance forgets client-1's snapshot " + live.front().front());
    };
    scenario({"restic", "local"}, &f);
}

}  // namespace
