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
#include "Engine.hpp"
#include "FaultyTool.hpp"

#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "config/Settings.hpp"
#include "services/Servers.hpp"
#include "tools/Drivers.hpp"
#include "tools/Registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace e2e;

namespace {

struct McCase {
    std::string tool, backend;   // backend: local | rest | server (kopia's own repository server)
};

void PrintTo(const McCase& c, std::ostream* os) { *os << c.tool << "_" << c.backend; }

std::vector<McCase> cases() {
    std::vector<McCase> v;
    for (const auto& t : knownTools()) {
        v.push_back({t, "local"});
        if (toolInfo(t).rest_server != RestServerKind::None) v.push_back({t, "rest"});
        if (t == "kopia") v.push_back({t, "server"});
    }
    return v;
}

using Clock = std::chrono::steady_clock;

constexpr int kBorgLockWait = 10;   // seconds

// One repository action of a client, as a time interval (the serialisation figures).
struct Interval {
    std::string client, action;
    double start = 0, end = 0;   // seconds since the clients started
};

bool touchesRepository(const std::string& action) {
    return action == "snapshot" || action == "restore" || action == "delete-snapshot" || action == "check" || action == "list" || action == "reclaim";
}

// Sum of the intervals' lengths, the length of their union, and the most that ran at once.
nlohmann::json overlapFigures(std::vector<Interval> v) {
    double busy = 0, uni = 0, cur_end = -1, cur_start = 0;
    int peak = 0;
    std::vector<std::pair<double, int>> edges;
    std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
    for (const auto& i : v) {
        busy += i.end - i.start;
        edges.push_back({i.start, 1});
        edges.push_back({i.end, -1});
        if (i.start > cur_end) {
            if (cur_end >= 0) uni += cur_end - cur_start;
            cur_start = i.start;
            cur_end = i.end;
        } else cur_end = std::max(cur_end, i.end);
    }
    if (cur_end >= 0) uni += cur_end - cur_start;
    std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) { return a.first < b.first || (a.first == b.first && a.second < b.second); });
    int now = 0;
    for (const auto& [t, d] : edges) peak = std::max(peak, now += d);
    return {{"repository_actions", v.size()}, {"busy_s", busy}, {"union_s", uni}, {"overlap_s", busy - uni}, {"peak_concurrent", peak}};
}

// The refusals each tool documents for a client that meets another's work.
std::string documentedRefusal(const std::string& tool, const Capabilities& caps, const ToolError& e) {
    const std::string all = e.result().out + "\n" + e.result().err + "\n" + e.what();
    auto has = [&](const std::string& re) { return !re.empty() && std::regex_search(all, std::regex(re, std::regex::icase)); };
    if (tool == "vykar" && has("active sessions prevent maintenance")) return "vykar: active sessions prevent maintenance";
    if (tool == "vykar" && has("StaleChunksDuringCommit|stale chunks")) return "vykar: chunks removed by maintenance during the commit (retry the backup)";
    if (has(caps.lock_failure)) return tool + ": another client's lock (" + caps.lock_failure + ")";
    return {};
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
};

class MulticlientScenario : public MulticlientBase, public ::testing::WithParamInterface<McCase> {
protected:
    MulticlientScenario() : MulticlientBase("robustness") {}
};

TEST_P(MulticlientScenario, Clients) { scenario(GetParam()); }

void MulticlientBase::scenario(const McCase& c, const McFault* fault) {
    const bool kopia_server = c.backend == "server";
    ToolOnBackend t;
    // kopia's repository server serves a filesystem repository: the prelude's backend is local
    PreludeOptions po;
    po.backend = kopia_server ? "local" : c.backend;
    if (!prepare(t, c.tool, po)) return;
    if (kopia_server) {
        ws().report().set("backend", "kopia-server");
        ws().report().set("server", {{"server", "kopia server start"}});
    }
    const Config& cfg = Settings::get();
    const int n_clients = cfg.profile == Profile::Ci ? 3 : 4;
    const auto maint_every = std::chrono::seconds(cfg.profile == Profile::Ci ? 3 : 10);
    // rustic 0.11.4 fails now and then while a prune runs beside its clients:
    // the prune itself ("Tree ID ... not found in index", a backup committing
    // between its reads) or a client's restore (an index file the prune just
    // replaced: ENOENT), in about 1 of 4 runs here. That is a finding, but not
    // one a ci run can reproduce every time, so the ci profile runs rustic's
    // maintenance only once its clients are idle (and says so in the report);
    // the standard and full profiles run it beside them and fail when it happens.
    const bool concurrent_maintenance = !(c.tool == "rustic" && cfg.profile == Profile::Ci);
    if (!concurrent_maintenance)
        ws().report().note("FINDING (intermittent, rustic 0.11.4): a prune beside writing clients fails now and then (Tree ID not found in index; a client's "
                           "restore meets an index file the prune replaced). The ci profile runs rustic's maintenance only with its clients idle; "
                           "E2E_PROFILE=standard runs it beside them");
    const std::string passphrase = ws().secret("repo");
    const RepoTarget repo = t.backend->target();
    std::unique_ptr<KopiaServer> server;
    Verdicts v(ws());

    // a client's driver: its own home (a tool-name suffix), logs, host; the repository's passphrase
    auto clientTool = [&](const std::string& client, const std::string& host, const RepoTarget& target, const std::string& password,
                          const fs::path& binary) {
        ToolContext ctx = ws().toolContext(c.tool + "-" + client, t.backend->external());
        ctx.passphrase = password;
        ctx.host = host;
        ctx.log_dir = ws().logs() / client;
        ctx.shared_repo = true;
        // restic's forget/prune/check and every borg command wait for another
        // client's lock; borg polls every tenth of its --lock-wait (120 s made
        // a waiter sleep 12 s between tries): 10 s, and a LockTimeout is a refusal
        ctx.lock_wait = std::chrono::seconds(c.tool == "borg" ? kBorgLockWait : 60);
        return makeTool(c.tool, binary.string(), ctx, target);
    };

    // the maintenance client creates the repository (kopia: it is the maintenance owner)
    std::unique_ptr<BackupTool> maint =
        clientTool("maint", "e2e-maint", repo, passphrase, fault ? fault->wrap(ws().work(), t.binary) : t.binary);
    if (!v.layer("init", [&] {
            maint->init(RepoOptions{});
            return c.tool + " " + maint->version() + ": repository created by the maintenance client (host e2e-maint)";
        }))
        return;

    struct Client {
        std::string name, host, label;
        std::unique_ptr<BackupTool> tool;
        std::unique_ptr<RobustnessEngine> engine;
        EngineOptions opt;
        std::string crash;   // an exception that escaped the engine
        double seconds = 0;
    };
    std::vector<Client> clients(static_cast<std::size_t>(n_clients));
    std::vector<std::string> kopia_passwords;
    for (int i = 0; i < n_clients; ++i) {
        Client& cl = clients[std::size_t(i)];
        cl.name = "client-" + std::to_string(i + 1);
        cl.host = "e2e-" + cl.name;
        kopia_passwords.push_back(kopia_server ? ws().secret("user") : passphrase);
    }

    if (kopia_server) {
        const bool up = v.layer("kopia-server", [&] {
            server = std::make_unique<KopiaServer>(ws().work() / "kopia-server", ws().logs(), t.binary.string(), repo.path, passphrase, ws().secret("control"));
            // every client but the last is a user before the start; the last one after it, made known by `server refresh`
            for (int i = 0; i + 1 < n_clients; ++i) server->addUser("e2e@" + clients[std::size_t(i)].host, kopia_passwords[std::size_t(i)]);
            server->start();
            server->addUser("e2e@" + clients.back().host, kopia_passwords.back());
            server->refresh();
            ws().report().set("server", {{"server", "kopia server start"}, {"port", server->port()}, {"startup_s", server->startupSeconds()},
                                         {"users", n_clients}, {"tls_sha256", server->fingerprint()}});
            return "https://127.0.0.1:" + std::to_string(server->port()) + " up in " + std::to_string(server->startupSeconds()) + " s, " +
                   std::to_string(n_clients) + " users (the last added after the start, then `kopia server refresh`), certificate SHA-256 " +
                   server->fingerprint().substr(0, 16) + "...";
        });
        if (!up) return;
    }

    std::mutex mu;
    std::vector<Interval> intervals;
    const auto t0 = Clock::now();
    auto since = [&](Clock::time_point p) { return std::chrono::duration<double>(p - t0).count(); };

    if (!v.layer("connect", [&] {
            for (int i = 0; i < n_clients; ++i) {
                Client& cl = clients[std::size_t(i)];
                RepoTarget target = repo;
                if (kopia_server) {
                    target = RepoTarget{};
                    target.kind = "kopia-server";
                    target.host = server->host();
                    target.port = server->port();
                    target.cert_fingerprint = server->fingerprint();
                }
                cl.tool = clientTool(cl.name, cl.host, target, kopia_passwords[std::size_t(i)], t.binary);
                cl.tool->connect();
                cl.opt = engineOptionsFor(ws(), t.caps, cl.name);
                cl.label = cl.opt.label;
                if (cfg.profile == Profile::Ci) cl.opt.max_actions = 20;
                cl.opt.disabled = {"reclaim"};   // the maintenance client is the only one that reclaims
                cl.opt.refusal = [tool = c.tool, caps = t.caps](const std::string&, const ToolError& e) { return documentedRefusal(tool, caps, e); };
                cl.opt.on_action = [&, name = cl.name](const nlohmann::json& j) {
                    const auto end = Clock::now();
                    if (!touchesRepository(j.value("action", ""))) return;
                    std::lock_guard<std::mutex> g(mu);
                    intervals.push_back({name, j.value("action", ""), since(end) - j.value("seconds", 0.0), since(end)});
                };
                cl.engine = std::make_unique<RobustnessEngine>(*cl.tool, cl.opt);
            }
            return std::to_string(n_clients) + " clients (" + clients.front().host + " ... " + clients.back().host + ") " +
                   (kopia_server ? "connected to the server as e2e@<host>" : c.tool == "kopia" ? "connected to the repository" : "open the repository") + "; " +
                   std::to_string(clients.front().opt.max_actions) + " actions each, reclaim left to the maintenance client every " +
                   std::to_string(maint_every.count()) + " s";
        }))
        return;
    std::cout << "[e2e] " << n_clients << " " << c.tool << " clients on one " << (kopia_server ? "kopia-server" : c.backend) << " repository, seeds";
    for (const auto& cl : clients) std::cout << " " << cl.name << "=" << cl.opt.seed;
    std::cout << " (replay: E2E_SEED=" << ws().seed() << ")" << std::endl;

    // the maintenance client: out of band, every few seconds, while the clients write
    struct MaintRun {
        double at = 0, seconds = 0;
        std::string outcome, error;
    };
    std::vector<MaintRun> maint_runs;
    std::atomic<int> running{n_clients};
    std::condition_variable cv;
    auto maintenance = [&] {
        MaintRun m;
        const auto a = Clock::now();
        m.at = since(a);
        try {
            maint->reclaim();
            m.outcome = "ok";
        } catch (const ToolError& e) {
            const std::string why = documentedRefusal(c.tool, t.caps, e);
            m.outcome = why.empty() ? "failed" : "refused";
            m.error = why.empty() ? std::string(e.what()).substr(0, 1500) : why;
        } catch (const std::exception& e) {
            m.outcome = "failed";
            m.error = e.what();
        }
        m.seconds = since(Clock::now()) - m.at;
        std::lock_guard<std::mutex> g(mu);
        intervals.push_back({"maint", "reclaim", m.at, m.at + m.seconds});
        maint_runs.push_back(m);
    };

    {
        std::vector<std::thread> threads;
        for (auto& cl : clients)
            threads.emplace_back([&, p = &cl] {
                const auto a = Clock::now();
                try {
                    p->engine->run();
                } catch (const std::exception& e) {
                    p->crash = e.what();
                }
                p->seconds = since(Clock::now()) - since(a);
                if (--running == 0) {
                    std::lock_guard<std::mutex> g(mu);
                    cv.notify_all();
                }
            });
        std::thread m([&] {
            while (concurrent_maintenance && running > 0) {
                {
                    std::unique_lock<std::mutex> g(mu);
                    if (cv.wait_for(g, maint_every, [&] { return running == 0; })) break;
                }
                maintenance();
            }
        });
        for (auto& th : threads) th.join();
        m.join();
    }
    const double wall = since(Clock::now());
    if (fault) {
        std::vector<std::vector<std::string>> live;
        for (const auto& cl : clients) {
            live.emplace_back();
            for (const auto& ls : cl.engine->model().live()) live.back().push_back(ls.id);
        }
        fault->arm(live);
    }
    maintenance();   // once more with every client idle: it must run, not be refused
    const bool last_refused = maint_runs.back().outcome == "refused";

    // the figures
    int m_ok = 0, m_refused = 0;
    std::string m_failed;
    for (const auto& m : maint_runs) {
        m_ok += m.outcome == "ok";
        m_refused += m.outcome == "refused";
        if (m.outcome == "failed" && m_failed.empty()) m_failed = "maintenance at " + std::to_string(m.at) + " s failed: " + m.error;
    }
    nlohmann::json figures = {{"clients", n_clients}, {"wall_s", wall}, {"maintenance_every_s", maint_every.count()},
                              {"maintenance", {{"runs", maint_runs.size()}, {"ok", m_ok}, {"refused", m_refused}}}};
    {
        std::vector<Interval> clients_only;
        for (const auto& i : intervals)
            if (i.client != "maint") clients_only.push_back(i);
        figures["repository_overlap"] = overlapFigures(clients_only);
        figures["repository_overlap_with_maintenance"] = overlapFigures(intervals);
    }
    nlohmann::json per_client = nlohmann::json::array();
    for (const auto& cl : clients) {
        int refused = 0;
        double repo_s = 0, longest = 0;
        for (const auto& r : cl.engine->log()) {
            refused += r.outcome == "refused";
            if (touchesRepository(r.action)) repo_s += r.seconds, longest = std::max(longest, r.seconds);
        }
        per_client.push_back({{"client", cl.name}, {"host", cl.host}, {"label", cl.label}, {"seed", cl.opt.seed}, {"actions", cl.engine->log().size()},
                              {"refused", refused}, {"repository_s", repo_s}, {"longest_repository_action_s", longest}, {"run_s", cl.seconds},
                              {"live_snapshots", cl.engine->model().live().size()}});
    }
    figures["per_client"] = per_client;
    ws().report().set("multiclient", figures);
    const auto& ov = figures["repository_overlap"];
    std::ostringstream serial;
    serial << std::fixed << std::setprecision(1) << ov["busy_s"].get<double>() << " s of repository actions in " << ov["union_s"].get<double>()
           << " s of wall with any running (" << ov["overlap_s"].get<double>() << " s side by side, at most " << ov["peak_concurrent"].get<int>()
           << " at once)";
    std::cout << "[e2e] multiclient " << c.tool << ": wall " << wall << " s; " << serial.str() << "; maintenance " << maint_runs.size() << " runs, " << m_ok
              << " ok, " << m_refused << " refused" << std::endl;

    v.layer("maintenance", [&]() -> std::string {
        if (!m_failed.empty()) throw VerdictFailure(m_failed);
        if (last_refused)
            throw VerdictFailure("maintenance with every client idle was refused: " + maint_runs.back().error + " (a session or lock outlived its client)");
        if (m_ok == 0) throw VerdictFailure("no maintenance ran to its end (" + std::to_string(m_refused) + " refused)");
        return std::to_string(maint_runs.size()) + " out-of-band reclaims: " + std::to_string(m_ok) + " ran, " + std::to_string(m_refused) +
               " refused as documented (the last, with every client idle, ran)";
    });

    // each client's final checks (its listing against its model, every live
    // snapshot restored against its manifest, the data-verifying check), the
    // clients side by side again; then each one's verdicts
    {
        const auto f0 = Clock::now();
        // (restic's and borg's data-verifying checks take the exclusive lock:
        // side by side they only wait for each other, borg's polling slowly and
        // restic's backing off, so their clients check one after the other)
        std::vector<std::thread> threads;
        for (auto& cl : clients)
            if (cl.crash.empty() && cl.engine->fault() == EngineFault::None) {
                auto fin = [p = &cl] {
                    try {
                        p->engine->finish();
                    } catch (const std::exception& e) {
                        p->crash = e.what();
                    }
                };
                if (c.tool == "borg" || c.tool == "restic") fin();
                else threads.emplace_back(fin);
            }
        for (auto& th : threads) th.join();
        figures["final_checks_s"] = since(Clock::now()) - since(f0);
        ws().report().set("multiclient", figures);
    }
    for (auto& cl : clients) {
        if (!cl.crash.empty()) ws().report().addLayer({cl.name + " engine", Status::Fail, "the engine threw: " + cl.crash, 0});
        ws().context("action_log_" + cl.name, cl.opt.log_path.string());
        reportEngine(ws(), *cl.engine, cl.name);
    }

    // every client's snapshots under its own host, and nothing in the repository that no client made
    v.layer("hosts", [&] {
        const auto listed = maint->snapshots();
        char machine[256] = {};
        gethostname(machine, sizeof machine - 1);
        const bool machine_host = c.tool == "borg";   // borg records the machine's hostname, no override
        std::ostringstream out;
        for (const auto& cl : clients) {
            std::size_t n = 0;
            for (const auto& s : listed) {
                if (s.label != cl.label) continue;
                ++n;
                const std::string want = machine_host ? std::string(machine) : cl.host;
                if (s.host != want)
                    throw VerdictFailure(cl.name + "'s snapshot " + s.id + " (label " + s.label + ") is listed under host '" + s.host + "', not '" + want + "'");
            }
            if (n != cl.engine->model().live().size())
                throw VerdictFailure(cl.name + ": " + std::to_string(n) + " snapshots listed with its label, " + std::to_string(cl.engine->model().live().size()) +
                                     " live in its model");
            out << cl.name << " " << n << " under " << (machine_host ? std::string(machine) : cl.host) << "; ";
        }
        for (const auto& s : listed)
            if (std::none_of(clients.begin(), clients.end(), [&](const Client& cl) { return cl.label == s.label; }))
                throw VerdictFailure("snapshot " + s.id + " (label '" + s.label + "', host '" + s.host + "') belongs to no client");
        return out.str() + std::to_string(listed.size()) + " in the repository, all of the clients" +
               (machine_host ? " (borg records the machine's hostname: its clients are told apart by label)" : "");
    });
    ws().report().note("serialisation: " + serial.str() +
                       (c.tool == "borg" ? " (borg's exclusive lock: clients wait with --lock-wait " + std::to_string(kBorgLockWait) + ", polling every tenth of it)" : ""));
    if (server) server->stop();
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
        if (live.empty() || live.front().empty()) throw std::runtime_error("client-1 has no live snapshot to lose: the self-test aims at nothing");
        std::ofstream(target) << live.front().front();
        ws().report().note("the faulty maintenance forgets client-1's snapshot " + live.front().front());
    };
    scenario({"restic", "local"}, &f);
}

}  // namespace
