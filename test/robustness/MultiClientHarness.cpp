#include "MultiClientHarness.hpp"

#include "tools/Registry.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iomanip>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace e2e {

namespace {

using Clock = std::chrono::steady_clock;

bool touchesRepository(const std::string& action) {
    return action == "snapshot" || action == "restore" || action == "delete-snapshot" || action == "check" ||
           action == "list" || action == "reclaim";
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
        } else
            cur_end = std::max(cur_end, i.end);
    }
    if (cur_end >= 0) uni += cur_end - cur_start;
    std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) {
        return a.first < b.first || (a.first == b.first && a.second < b.second);
    });
    int now = 0;
    for (const auto& [t, d] : edges) peak = std::max(peak, now += d);
    return {{"repository_actions", v.size()},
            {"busy_s", busy},
            {"union_s", uni},
            {"overlap_s", busy - uni},
            {"peak_concurrent", peak}};
}

std::string machineHostname() {
    char machine[256] = {};
    gethostname(machine, sizeof machine - 1);
    return machine;
}

}  // namespace

MultiClientHarness::MultiClientHarness(Workspace& ws, const ToolOnBackend& t, MultiClientOptions opt)
    : ws_(ws), t_(t), opt_(std::move(opt)), passphrase_(ws.secret("repo")), repo_(t.backend->target()) {
    if (opt_.via_server) {
        server_kind_ = toolInfo(t_.name).repository_server;
        ws_.report().set("backend", server_kind_);
        ws_.report().set("server", {{"server", server_kind_}});
    }
    clients_.resize(static_cast<std::size_t>(opt_.clients));
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        clients_[i].name = "client-" + std::to_string(i + 1);
        clients_[i].host = "e2e-" + clients_[i].name;
        clients_[i].password = opt_.via_server ? ws_.secret("user") : passphrase_;
    }
}

MultiClientHarness::~MultiClientHarness() {
    if (server_) server_->stop();
}

double MultiClientHarness::since(Clock::time_point p) const {
    return std::chrono::duration<double>(p - t0_).count();
}

// a client's driver: its own home (a tool-name suffix), logs, host; the repository's passphrase
std::unique_ptr<BackupTool> MultiClientHarness::clientTool(const std::string& client, const std::string& host,
                                                           const RepoTarget& target, const std::string& password,
                                                           const fs::path& binary) {
    ToolContext ctx = ws_.toolContext(t_.name + "-" + client, t_.backend->external());
    ctx.passphrase = password;
    ctx.host = host;
    ctx.log_dir = ws_.logs() / client;
    ctx.shared_repo = true;
    ctx.lock_wait = t_.caps.client_lock_wait;
    return makeTool(t_.name, binary.string(), ctx, target);
}

std::string MultiClientHarness::createRepository() {
    const fs::path binary = opt_.wrap_maintenance ? opt_.wrap_maintenance(ws_.work(), t_.binary) : t_.binary;
    maint_ = clientTool("maint", "e2e-maint", repo_, passphrase_, binary);
    maint_->init(RepoOptions{});
    return t_.name + " " + maint_->version() + ": repository created by the maintenance client (host e2e-maint)";
}

std::string MultiClientHarness::startServer() {
    server_ = std::make_unique<KopiaServer>(ws_.work() / server_kind_, ws_.logs(), t_.binary.string(), repo_.path,
                                            passphrase_, ws_.secret("control"));
    // every client but the last is a user before the start; the last one after it, made known by a refresh
    for (std::size_t i = 0; i + 1 < clients_.size(); ++i)
        server_->addUser("e2e@" + clients_[i].host, clients_[i].password);
    server_->start();
    server_->addUser("e2e@" + clients_.back().host, clients_.back().password);
    server_->refresh();
    ws_.report().set("server", {{"server", server_kind_},
                                {"port", server_->port()},
                                {"startup_s", server_->startupSeconds()},
                                {"users", clients_.size()},
                                {"tls_sha256", server_->fingerprint()}});
    return "https://127.0.0.1:" + std::to_string(server_->port()) + " up in " +
           std::to_string(server_->startupSeconds()) + " s, " + std::to_string(clients_.size()) +
           " users (the last added after the start, then a server refresh), certificate SHA-256 " +
           server_->fingerprint().substr(0, 16) + "...";
}

RepoTarget MultiClientHarness::clientTarget() const {
    if (!server_) return repo_;
    RepoTarget target;
    target.kind = server_kind_;
    target.host = server_->host();
    target.port = server_->port();
    target.cert_fingerprint = server_->fingerprint();
    return target;
}

void MultiClientHarness::setUpEngine(McClient& c) {
    c.opt = engineOptionsFor(ws_, t_.caps, c.name);
    c.label = c.opt.label;
    if (opt_.max_actions > 0) c.opt.max_actions = opt_.max_actions;
    c.opt.disabled = {"reclaim"};  // the maintenance client is the only one that reclaims
    c.opt.refusal = [this](const std::string&, const ToolError& e) { return refusal(e); };
    c.opt.on_action = [this, name = c.name](const nlohmann::json& j) {
        const auto end = Clock::now();
        if (!touchesRepository(j.value("action", ""))) return;
        std::lock_guard<std::mutex> g(mu_);
        intervals_.push_back({name, j.value("action", ""), since(end) - j.value("seconds", 0.0), since(end)});
    };
    c.engine = std::make_unique<RobustnessEngine>(*c.tool, c.opt);
}

std::string MultiClientHarness::connectClients() {
    t0_ = Clock::now();
    for (auto& c : clients_) {
        c.tool = clientTool(c.name, c.host, clientTarget(), c.password, t_.binary);
        c.tool->connect();
        setUpEngine(c);
    }
    std::cout << "[e2e] " << clients_.size() << " " << t_.name << " clients on one "
              << (server_ ? server_kind_ : repo_.kind) << " repository, seeds";
    for (const auto& c : clients_) std::cout << " " << c.name << "=" << c.opt.seed;
    std::cout << " (replay: E2E_SEED=" << ws_.seed() << ")" << std::endl;
    return std::to_string(clients_.size()) + " clients (" + clients_.front().host + " ... " + clients_.back().host +
           ") " + (server_ ? "connected to the server as e2e@<host>" : "joined the repository") + "; " +
           std::to_string(clients_.front().opt.max_actions) +
           " actions each, reclaim left to the maintenance client every " +
           std::to_string(opt_.maintenance_every.count()) + " s";
}

std::string MultiClientHarness::refusal(const ToolError& e) const {
    const std::string all = e.result().out + "\n" + e.result().err + "\n" + e.what();
    auto has = [&](const std::string& re) {
        return !re.empty() && std::regex_search(all, std::regex(re, std::regex::icase));
    };
    for (const auto& r : t_.caps.client_refusals)
        if (has(r.pattern)) return t_.name + ": " + r.why;
    if (has(t_.caps.lock_failure)) return t_.name + ": another client's lock (" + t_.caps.lock_failure + ")";
    return {};
}

void MultiClientHarness::maintain() {
    MaintenanceRun m;
    m.at = since(Clock::now());
    try {
        maint_->reclaim();
        m.outcome = "ok";
    } catch (const ToolError& e) {
        const std::string why = refusal(e);
        m.outcome = why.empty() ? "failed" : "refused";
        m.error = why.empty() ? std::string(e.what()).substr(0, 1500) : why;
    } catch (const std::exception& e) {
        m.outcome = "failed";
        m.error = e.what();
    }
    m.seconds = since(Clock::now()) - m.at;
    std::lock_guard<std::mutex> g(mu_);
    intervals_.push_back({"maint", "reclaim", m.at, m.at + m.seconds});
    maint_runs_.push_back(m);
}

void MultiClientHarness::runClients() {
    std::atomic<int> running{static_cast<int>(clients_.size())};
    std::condition_variable cv;
    std::vector<std::thread> threads;
    for (auto& c : clients_)
        threads.emplace_back([&, p = &c] {
            const auto a = Clock::now();
            try {
                p->engine->run();
            } catch (const std::exception& e) {
                p->crash = e.what();
            }
            p->seconds = since(Clock::now()) - since(a);
            if (--running == 0) {
                std::lock_guard<std::mutex> g(mu_);
                cv.notify_all();
            }
        });
    std::thread m([&] {
        while (opt_.concurrent_maintenance && running > 0) {
            {
                std::unique_lock<std::mutex> g(mu_);
                if (cv.wait_for(g, opt_.maintenance_every, [&] { return running == 0; })) break;
            }
            maintain();
        }
    });
    for (auto& th : threads) th.join();
    m.join();
    figures_["wall_s"] = since(Clock::now());
}

std::vector<std::vector<std::string>> MultiClientHarness::liveSnapshots() const {
    std::vector<std::vector<std::string>> live;
    for (const auto& c : clients_) {
        live.emplace_back();
        for (const auto& ls : c.engine->model().live()) live.back().push_back(ls.id);
    }
    return live;
}

const MaintenanceRun& MultiClientHarness::maintainIdle() {
    maintain();
    collectFigures(figures_.value("wall_s", 0.0));
    return maint_runs_.back();
}

void MultiClientHarness::collectFigures(double wall) {
    int ok = 0, refused = 0;
    for (const auto& m : maint_runs_) ok += m.outcome == "ok", refused += m.outcome == "refused";
    figures_ = {{"clients", clients_.size()},
                {"wall_s", wall},
                {"maintenance_every_s", opt_.maintenance_every.count()},
                {"maintenance", {{"runs", maint_runs_.size()}, {"ok", ok}, {"refused", refused}}}};
    std::vector<Interval> clients_only;
    for (const auto& i : intervals_)
        if (i.client != "maint") clients_only.push_back(i);
    figures_["repository_overlap"] = overlapFigures(clients_only);
    figures_["repository_overlap_with_maintenance"] = overlapFigures(intervals_);
    nlohmann::json per_client = nlohmann::json::array();
    for (const auto& c : clients_) {
        int refused_actions = 0;
        double repo_s = 0, longest = 0;
        for (const auto& r : c.engine->log()) {
            refused_actions += r.outcome == "refused";
            if (touchesRepository(r.action)) repo_s += r.seconds, longest = std::max(longest, r.seconds);
        }
        per_client.push_back({{"client", c.name},
                              {"host", c.host},
                              {"label", c.label},
                              {"seed", c.opt.seed},
                              {"actions", c.engine->log().size()},
                              {"refused", refused_actions},
                              {"repository_s", repo_s},
                              {"longest_repository_action_s", longest},
                              {"run_s", c.seconds},
                              {"live_snapshots", c.engine->model().live().size()}});
    }
    figures_["per_client"] = per_client;
    ws_.report().set("multiclient", figures_);
    std::cout << "[e2e] multiclient " << t_.name << ": wall " << wall << " s; " << serialisation() << "; maintenance "
              << maint_runs_.size() << " runs, " << ok << " ok, " << refused << " refused" << std::endl;
}

std::string MultiClientHarness::serialisation() const {
    const auto& ov = figures_["repository_overlap"];
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << ov["busy_s"].get<double>() << " s of repository actions in "
      << ov["union_s"].get<double>() << " s of wall with any running (" << ov["overlap_s"].get<double>()
      << " s side by side, at most " << ov["peak_concurrent"].get<int>() << " at once)";
    return s.str();
}

void MultiClientHarness::finalChecks() {
    const auto f0 = Clock::now();
    std::vector<std::thread> threads;
    for (auto& c : clients_) {
        if (!c.crash.empty() || c.engine->fault() != EngineFault::None) continue;
        auto fin = [p = &c] {
            try {
                p->engine->finish();
            } catch (const std::exception& e) {
                p->crash = e.what();
            }
        };
        // an exclusive data check side by side only waits for the others (backing off, polling slowly)
        if (t_.caps.exclusive_data_check)
            fin();
        else
            threads.emplace_back(fin);
    }
    for (auto& th : threads) th.join();
    figures_["final_checks_s"] = since(Clock::now()) - since(f0);
    ws_.report().set("multiclient", figures_);
}

void MultiClientHarness::reportClients() {
    for (auto& c : clients_) {
        if (!c.crash.empty())
            ws_.report().addLayer({c.name + " engine", Status::Fail, "the engine threw: " + c.crash, 0});
        ws_.context("action_log_" + c.name, c.opt.log_path.string());
        reportEngine(ws_, *c.engine, c.name);
    }
}

std::string MultiClientHarness::expectedHost(const McClient& c) const {
    return t_.caps.records_machine_host ? machineHostname() : c.host;
}

}  // namespace e2e
